"""The audit hash chain: each alliance's audit events, linked so a changed row shows.

Every event carries its place in its alliance's chain (`chain_seq`, 1, 2, 3 …),
the hash of the event before it (`chain_prev_hash`; the first event's is
GENESIS) and its own `chain_hash` = sha256(previous hash + the event's canonical
body), hex. The body (`event_body`) is the event's recorded fields as JSON with
sorted keys, ASCII only, numbers normalised the way PostgreSQL's jsonb returns
them, so a row read back serialises exactly as it was written.

Writing (`chained_insert`) is one statement: an upsert of the alliance's
`AuditChainHead` row — which locks that row until the writing transaction ends,
so two writers of one alliance take turns and cannot fork the chain — feeding
the event's INSERT its number and both hashes. No extra query per event; a
rolled-back transaction takes its event and the head's advance back together.

Checking (`chain_verify`, command `verify_audit_chain`) walks the events in
chain order and recomputes every link; the first that fails is named.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from alliance.models import AuditChainHead, AuditEvent
from alliance.tenancy import alliance_scope, require_alliance_id

GENESIS = "0" * 64

# The event's recorded fields, in the order they are written; the hash covers them all.
CHAINED_FIELDS = (
    "alliance_id",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "program_id",
    "before",
    "after",
    "reason",
    "created_at",
)


def _canonical(value: Any) -> Any:
    """JSON values as jsonb gives them back: an integral float (1.0, 1e20) is the integer."""
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def event_body(values: Mapping[str, Any]) -> str:
    """The canonical serialisation of one event's recorded fields."""
    body = {name: _canonical(values[name]) for name in CHAINED_FIELDS}
    created = values["created_at"]
    body["created_at"] = created.astimezone(datetime.UTC).isoformat() if created is not None else None
    return json.dumps(body, sort_keys=True, ensure_ascii=True, separators=(",", ":"))


def link_hash(prev_hash: str, body: str) -> str:
    """sha256(previous hash + body), hex: the same bytes PostgreSQL hashes in `chained_insert`."""
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


_HASH_SQL = "encode(sha256(convert_to({prev} || %(body)s, 'UTF8')), 'hex')"

_INSERT_SQL = f"""
WITH head AS (
    INSERT INTO {AuditChainHead._meta.db_table} AS h (alliance_id, seq, prev_hash, hash)
    VALUES (%(alliance_id)s, 1, %(genesis)s, {_HASH_SQL.format(prev="%(genesis)s")})
    ON CONFLICT (alliance_id) DO UPDATE
        SET seq = h.seq + 1, prev_hash = h.hash, hash = {_HASH_SQL.format(prev="h.hash")}
    RETURNING seq, prev_hash, hash
)
INSERT INTO {AuditEvent._meta.db_table} ({", ".join(CHAINED_FIELDS)}, chain_seq, chain_prev_hash, chain_hash)
SELECT {", ".join(f"%({name})s" for name in CHAINED_FIELDS)}, head.seq, head.prev_hash, head.hash FROM head
RETURNING id, chain_seq, chain_prev_hash, chain_hash
"""


def chained_insert(event: AuditEvent) -> AuditEvent:
    """Save a new event as the next link of its alliance's chain (the open scope's alliance)."""
    event.alliance_id = require_alliance_id()
    if event.created_at is None:
        event.created_at = timezone.now()
    values = {name: getattr(event, name) for name in CHAINED_FIELDS}
    fields = {field.attname: field for field in AuditEvent._meta.concrete_fields}
    params = {name: fields[name].get_db_prep_save(value, connection) for name, value in values.items()}
    params["body"] = event_body(values)
    params["genesis"] = GENESIS
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_SQL, params)
        event.pk, event.chain_seq, event.chain_prev_hash, event.chain_hash = cursor.fetchone()
    event._state.adding = False
    event._state.db = connection.alias
    return event


# --- Checking ---------------------------------------------------------------
@dataclass(frozen=True)
class ChainReport:
    events: int
    broken_event_id: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return not self.problem


def _describe(row: Mapping[str, Any]) -> str:
    return (
        f"event #{row['id']} (link {row['chain_seq']}, {row['action']} {row['object_type']}#{row['object_id']}, "
        f"{row['created_at'].astimezone(datetime.UTC):%Y-%m-%d %H:%M:%S} UTC)"
    )


def _links(alliance_id: int) -> Iterator[dict[str, Any]]:
    fields = ("id", *CHAINED_FIELDS, "chain_seq", "chain_prev_hash", "chain_hash")
    rows = AuditEvent.objects.order_by("chain_seq", "id").values(*fields)
    yield from rows.iterator(chunk_size=2000)


def chain_verify(*, alliance_id: int) -> ChainReport:
    """Walk one alliance's chain from its first event; the first broken link, or how many are intact."""
    with transaction.atomic(), alliance_scope(alliance_id):
        prev_hash = GENESIS
        count = 0
        for row in _links(alliance_id):
            expected_seq = count + 1
            if row["chain_seq"] != expected_seq:
                gap = "missing" if row["chain_seq"] is not None and row["chain_seq"] > expected_seq else "out of place"
                return ChainReport(
                    count,
                    row["id"],
                    f"{_describe(row)}: link {expected_seq} is {gap} (found link {row['chain_seq']}); "
                    "an event was deleted or renumbered",
                )
            if row["chain_prev_hash"] != prev_hash:
                return ChainReport(
                    count, row["id"], f"{_describe(row)}: its previous-event hash does not match the event before it"
                )
            if link_hash(prev_hash, event_body(row)) != row["chain_hash"]:
                return ChainReport(
                    count, row["id"], f"{_describe(row)}: its contents do not match its hash (the row was changed)"
                )
            prev_hash = row["chain_hash"]
            count += 1
        head = AuditChainHead.objects.filter(alliance_id=alliance_id).values("seq", "hash").first()
        head_seq, head_hash = (head["seq"], head["hash"]) if head else (0, GENESIS)
        if (head_seq, head_hash) != (count, prev_hash):
            return ChainReport(
                count,
                None,
                f"the chain's head records {head_seq} events but {count} were found: "
                "the newest events were deleted, or the head was changed",
            )
        return ChainReport(count)
