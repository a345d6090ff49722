"""Issue 19, finding 12 (last part): the audit log shows tampering, even by the database owner.

The app role cannot UPDATE or DELETE audit events (the last test here), but the
owner can. Each event now carries the hash of the one before it in its alliance, and
`verify_audit_chain` recomputes every link: a row changed, removed or cut off the end as the
owner is named by the command, which exits 1. Two writers at once on two real connections
still make one unbroken chain. Before the fix events had no hash and nothing could tell.
"""

from __future__ import annotations

import importlib
import io
import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.utils import ProgrammingError

from alliance.audit import audit_event_record
from alliance.auditchain import GENESIS, chain_verify, event_body, link_hash
from alliance.db import owner_role
from alliance.models import AuditChainHead, AuditEvent
from alliance.tenancy import alliance_scope


def verify(slug: str | None = None) -> str:
    out = io.StringIO()
    args = ["--alliance", slug] if slug else []
    call_command("verify_audit_chain", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def verify_fails(slug: str) -> str:
    with pytest.raises(CommandError) as failure:
        verify(slug)
    assert failure.value.returncode == 1
    return str(failure.value)


def write_events(world, count: int = 5) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    with alliance_scope(world.a.pk):
        return [
            audit_event_record(
                actor=world.users.admin_a,
                action="payment.recorded",
                target=world.x,
                before={"amount": Decimal("10.00"), "ratio": 1.0, "big": 1e20, "note": "Zoë's “first”\n"},
                after={"amount": Decimal(f"{n}.50"), "fraction": 0.1 + 0.2, "list": [1, 2.5, None, True]},
                reason=f"reason {n}",
            )
            for n in range(count)
        ]


def owner_sql(alliance_id: int, statement: str, params: list[object]) -> None:
    """Run SQL as the database owner (not the app role, which may not UPDATE or DELETE events)."""
    with owner_role(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.alliance_id', %s, true)", [str(alliance_id)])
        cursor.execute(statement, params)
        assert cursor.rowcount >= 1


def all_events(alliance_id: int) -> int:
    with alliance_scope(alliance_id):
        return AuditEvent.objects.count()


def test_each_event_carries_the_hash_of_the_one_before_and_the_chain_verifies(world):
    events = write_events(world)
    total = all_events(world.a.pk)
    first, *rest = events
    for earlier, later in zip(events, rest, strict=False):
        assert later.chain_seq == earlier.chain_seq + 1
        assert later.chain_prev_hash == earlier.chain_hash
    with alliance_scope(world.a.pk):
        stored = AuditEvent.objects.get(pk=first.pk)
        row = AuditEvent.objects.filter(pk=first.pk).values().get()
    # The database computed the hash; Python recomputes the same from the row as read back.
    assert stored.chain_hash == link_hash(stored.chain_prev_hash, event_body(row)) == first.chain_hash
    assert len(stored.chain_hash) == 64
    # Alliance B's chain is its own: it starts from the genesis hash.
    with alliance_scope(world.b.pk):
        b_event = audit_event_record(actor=None, action="test.event", target=world.z)
        b_first = AuditEvent.objects.get(chain_seq=1)
    assert b_event.chain_seq == all_events(world.b.pk)
    assert b_first.chain_prev_hash == GENESIS

    assert verify("alliance-a") == f"alliance-a: {total} events, chain intact\n"
    everything = verify()
    assert f"alliance-a: {total} events, chain intact" in everything
    assert f"alliance-b: {all_events(world.b.pk)} events, chain intact" in everything


def test_an_event_changed_by_the_database_owner_is_named(world):
    events = write_events(world)
    target = events[2]
    assert verify("alliance-a").endswith("chain intact\n")
    owner_sql(
        world.a.pk,
        """UPDATE alliance_auditevent SET after = jsonb_set(after, '{amount}', '"0.50"') WHERE id = %s""",
        [target.pk],
    )
    message = verify_fails("alliance-a")
    assert f"event #{target.pk} " in message
    assert "payment.recorded members.memberprogram#" in message
    assert "its contents do not match its hash" in message
    # The other alliance's chain is untouched and still verifies.
    assert verify("alliance-b").endswith("chain intact\n")


def test_a_rehashed_row_breaks_the_next_link(world):
    """An owner who also recomputes the changed row's own hash breaks the event after it."""
    events = write_events(world)
    target, following = events[1], events[2]
    with alliance_scope(world.a.pk):
        row = AuditEvent.objects.filter(pk=target.pk).values().get()
    row["reason"] = "nothing to see"
    forged = link_hash(row["chain_prev_hash"], event_body(row))
    owner_sql(
        world.a.pk,
        "UPDATE alliance_auditevent SET reason = %s, chain_hash = %s WHERE id = %s",
        ["nothing to see", forged, target.pk],
    )
    message = verify_fails("alliance-a")
    assert f"event #{following.pk} " in message
    assert "previous-event hash does not match" in message


def test_a_deleted_event_and_a_cut_off_end_are_found(world):
    events = write_events(world)
    owner_sql(world.a.pk, "DELETE FROM alliance_auditevent WHERE id = %s", [events[-1].pk])
    assert "the chain's head records" in verify_fails("alliance-a")

    owner_sql(world.a.pk, "DELETE FROM alliance_auditevent WHERE id = %s", [events[1].pk])
    message = verify_fails("alliance-a")
    assert f"event #{events[2].pk} " in message
    assert f"link {events[1].chain_seq} is missing" in message


def test_an_unknown_alliance_is_refused(db):
    with pytest.raises(CommandError, match="No alliance with slug 'nope'"):
        verify("nope")


def test_two_writers_at_once_keep_one_unbroken_chain(transactional_db, world):
    """Two real connections write 40 transactions of two events each, at once: every link is
    numbered once, each points at the one before, and the command finds the chain intact."""
    before = all_events(world.a.pk)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def write(name: str) -> None:
        try:
            barrier.wait(timeout=10)
            for n in range(20):
                with alliance_scope(world.a.pk):
                    audit_event_record(actor=None, action=f"{name}.first", object_type="test", object_id=str(n))
                    audit_event_record(actor=None, action=f"{name}.second", object_type="test", object_id=str(n))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(name,)) for name in ("left", "right")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    with alliance_scope(world.a.pk):
        links = list(AuditEvent.objects.order_by("chain_seq").values_list("chain_seq", "action"))
        head = AuditChainHead.objects.get()
    assert [seq for seq, _ in links] == list(range(1, before + 81))
    assert head.seq == before + 80
    # A transaction's two events are adjacent links: the writers took turns, whole transactions at a time.
    new = [action for _, action in links[before:]]
    for first, second in zip(new[::2], new[1::2], strict=True):
        assert (first.split(".")[0], first.split(".")[1], second.split(".")[1]) == (
            second.split(".")[0],
            "first",
            "second",
        )
    assert verify("alliance-a") == f"alliance-a: {before + 80} events, chain intact\n"


def test_a_rolled_back_write_leaves_no_link_behind(world):
    write_events(world, 2)

    def failing_service() -> None:
        with alliance_scope(world.a.pk):
            audit_event_record(actor=None, action="test.undone", object_type="test")
            raise RuntimeError("the service failed after its event")

    with pytest.raises(RuntimeError):
        failing_service()
    write_events(world, 1)
    assert verify("alliance-a").endswith("chain intact\n")
    with alliance_scope(world.a.pk):
        assert not AuditEvent.objects.filter(action="test.undone").exists()


def test_the_migration_chains_events_written_before_it(world):
    """Events that existed before the chain are linked in the order they were written."""
    events = write_events(world, 4)
    with owner_role(), transaction.atomic(), connection.cursor() as cursor:
        # Undo the chain as the owner (as if the events predated it), then run the backfill.
        cursor.execute("DELETE FROM alliance_auditchainhead")
        cursor.execute(
            "UPDATE alliance_auditevent SET chain_seq = chain_seq + 1000000, chain_prev_hash = '', chain_hash = ''"
        )
        migration = importlib.import_module("alliance.migrations.0010_audit_chain")
        state = MigrationExecutor(connection).loader.project_state(("alliance", "0010_audit_chain"))
        with connection.schema_editor(atomic=False) as editor:
            migration.chain_existing(state.apps, editor)
    report = chain_verify(alliance_id=world.a.pk)
    assert report.intact, report.problem
    assert report.events == all_events(world.a.pk)
    with alliance_scope(world.a.pk):
        order = list(AuditEvent.objects.order_by("chain_seq").values_list("pk", flat=True))
    assert order == sorted(order)
    assert order[-4:] == [event.pk for event in events]
    assert verify().count("chain intact") == 2


def test_audit_events_cannot_be_updated_or_deleted_in_sql(world):
    """The app role may only add audit events: an UPDATE or DELETE is refused by PostgreSQL itself."""
    with alliance_scope(world.a.pk):
        audit_event_record(actor=None, action="test.event", target=world.x)
    for statement in ("UPDATE alliance_auditevent SET action = 'x'", "DELETE FROM alliance_auditevent"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('app.alliance_id', %s, true)", [str(world.a.pk)])
            with pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
                cursor.execute(statement)
    with alliance_scope(world.a.pk):
        assert AuditEvent.objects.filter(action="test.event").count() == 1
