"""`python manage.py bench import`: a member's whole roster from Brightwheel, then the same file again.

It builds a Brightwheel-shaped roster export (brightwheel_id, first_name, last_name, birthdate,
homeroom, enrollment_date, schedule, parent_1_…, parent_2_…, address, city, zip) of 5,000
children, a third of them siblings, in a new, empty program of the alliance with enough rooms
for them (one set per age band) and its rate plans, and imports it through the services the
import pages call: upload (import_batch_create), the column mapping (the Brightwheel preset, as
the mapping page offers it), the preview a person reads (import_preview) and the commit
(import_batch_commit, what the background task runs for a file this size). Then it uploads the
same file again and commits it: every child is found by its brightwheel_id and nothing is
written. "Written" counts INSERT, UPDATE and DELETE statements on every table but the import's
own bookkeeping (the batch, the saved mapping and its `import.*` audit events), plus audit
events of any other kind. It lives in billing because the program it builds has rate plans,
which billing owns; it runs in the bench's rolled-back transaction and leaves nothing behind.
"""

from __future__ import annotations

import datetime
import random
import re
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.csvsafe import csv_text
from alliance.dates import alliance_today
from alliance.models import Alliance, AuditEvent
from billing.models import LedgerEntry
from billing.services import rate_plan_create
from enrollment.models import Child, Enrollment, ExternalRecord, Family, Guardian
from enrollment.rules import age_group_on
from enrollment.selectors import age_bands
from members.import_sources import BRIGHTWHEEL
from members.imports import import_batch_commit, import_batch_create, import_batch_map, import_preview
from members.models import ImportKind, MemberProgram, ProgramKind, ProgramStatus
from members.services import classroom_create, program_create, site_create

CHILDREN = 5000
ROOM_PLACES = 24  # licensed places per room; rooms are filled to about 20
BOOKKEEPING_TABLES = ("members_importbatch", "members_importmapping")
WRITE = re.compile(r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([a-z_0-9]+)"?', re.IGNORECASE)

HEADER = [
    "brightwheel_id",
    "first_name",
    "last_name",
    "birthdate",
    "homeroom",
    "enrollment_status",
    "enrollment_date",
    "schedule",
    "parent_1_first_name",
    "parent_1_last_name",
    "parent_1_email",
    "parent_1_phone",
    "parent_2_first_name",
    "parent_2_last_name",
    "parent_2_email",
    "parent_2_phone",
    "address",
    "city",
    "zip",
]
FIRST = ["Ava", "Leo", "Mia", "Kai", "Zoe", "Eli", "Ivy", "Max", "Ada", "Ian", "Uma", "Noa", "Ari", "Eva", "Sam"]
LAST = ["Lopez", "Chen", "Okafor", "Smith", "Nguyen", "Patel", "Garcia", "Kim", "Haddad", "Silva", "Novak", "Berg"]
PARENTS = ["Maria", "Wei", "Ada", "John", "Priya", "Omar", "Lena", "Tom", "Rosa", "Ken"]


def roster_export(
    *, children: int, today: datetime.date, rooms_by_group: dict[str, list[str]], seed: int = 23
) -> tuple[bytes, dict[str, int]]:
    """A Brightwheel roster export: one line per child, siblings sharing their first parent's
    email (Brightwheel has no family id). Each child is of an age some room takes today."""
    rng = random.Random(seed)
    bands = [band for band in age_bands() if band.age_group in rooms_by_group]
    seats = {group: 0 for group in rooms_by_group}
    lines: list[list[str]] = [HEADER]
    family = 0
    number = 0
    while number < children:
        family += 1
        last = f"{rng.choice(LAST)}{family}"
        parent = rng.choice(PARENTS)
        email = f"{parent.lower()}.{last.lower()}@family.example"
        second = rng.random() < 0.5
        siblings = 1 if rng.random() < 0.7 else 2
        for _ in range(min(siblings, children - number)):
            number += 1
            band = bands[number % len(bands)]
            months = rng.randrange(band.min_months + 1, band.max_months - 1)
            born = today - datetime.timedelta(days=int(months * 30.44) + rng.randrange(0, 20))
            group = age_group_on(born, today, bands)
            if group not in rooms_by_group:
                born = today - datetime.timedelta(days=int((band.min_months + 2) * 30.44))
                group = band.age_group
            rooms = rooms_by_group[group]
            room = rooms[seats[group] % len(rooms)]
            seats[group] += 1
            part = rng.random() < 0.2
            lines.append(
                [
                    f"bw-{number:05d}",
                    rng.choice(FIRST),
                    last,
                    f"{born.month}/{born.day}/{born.year}",
                    room,
                    "Active",
                    f"{today.month}/{today.day}/{today.year}",
                    "Mon,Wed,Fri" if part else "Mon-Fri",
                    parent,
                    last,
                    email,
                    f"555-{family % 10000:04d}",
                    "Sam" if second else "",
                    last if second else "",
                    f"sam.{last.lower()}@family.example" if second else "",
                    "",
                    f"{family} Elm St",
                    "Riverbend",
                    f"{10000 + family % 90000:05d}",
                ]
            )
    return csv_text(lines).encode(), seats


def _program_with_rooms(today: datetime.date, seats_per_group: int) -> tuple[MemberProgram, dict[str, list[str]]]:
    program = program_create(
        actor=None,
        name=f"Bench import centre {time.time_ns() % 10**9}",
        kind=ProgramKind.CENTRE,
        status=ProgramStatus.ACTIVE,
    )
    rooms_by_group: dict[str, list[str]] = {}
    bands = [band for band in age_bands() if band.max_months < 200]
    rooms_needed = -(-seats_per_group // 20)  # about 20 children in each room of 24 places
    for band in bands:
        site = site_create(actor=None, program=program, name=f"{band.age_group.replace('_', ' ').title()} house")
        names = []
        for number in range(1, rooms_needed + 1):
            name = f"{band.age_group.replace('_', ' ').title()} {number}"
            classroom_create(
                actor=None,
                program=program,
                site=site,
                name=name,
                age_group=band.age_group,
                children_per_staff=4 if band.age_group == "infant" else 8,
                operating_days=[0, 1, 2, 3, 4],
                opens_at=datetime.time(7),
                closes_at=datetime.time(18),
                licensed_capacity=ROOM_PLACES,
                effective_from=today,
            )
            names.append(name)
        rooms_by_group[band.age_group] = names
        for code, days, tuition in (("FT", 5, "1450.00"), ("3D", 3, "980.00")):
            rate_plan_create(
                actor=None,
                program=program,
                code=f"{band.age_group[:3].upper()}-{code}",
                name=f"{band.age_group.replace('_', ' ').title()} {days} days",
                age_group=band.age_group,
                day_length="full",
                days_per_week=days,
                period="monthly",
                tuition=Decimal(tuition),
                effective_from=today.replace(day=1),
            )
    return program, rooms_by_group


def _import(program: MemberProgram, raw: bytes) -> tuple[Any, int]:
    """Upload, map (the preset the mapping page offers), preview, commit: the pages' path."""
    batch = import_batch_create(
        actor=None, program=program, kind=ImportKind.FAMILIES, filename="roster.csv", raw=raw, source=BRIGHTWHEEL
    )
    batch = import_batch_map(actor=None, batch=batch, mapping=dict(batch.mapping))
    preview = import_preview(batch)
    assert preview.ok, preview.error_lines()[:5]
    rows = import_batch_commit(actor=None, batch=batch)
    batch.refresh_from_db()
    return batch, rows


def _domain_counts(program: MemberProgram) -> dict[str, int]:
    return {
        "families": Family.objects.count(),
        "guardians": Guardian.objects.count(),
        "children": Child.objects.count(),
        "enrollments": Enrollment.objects.filter(program=program).count(),
        "source_ids": ExternalRecord.objects.filter(program=program).count(),
        "ledger": LedgerEntry.objects.count(),
        "audit": AuditEvent.objects.exclude(action__startswith="import.").count(),
    }


def bench_import(
    *, alliance: Alliance, runs: int, log: Callable[[str], None], children: int = CHILDREN
) -> dict[str, Any]:
    today = alliance_today()
    began = time.perf_counter()
    groups = len([band for band in age_bands() if band.max_months < 200])
    program, rooms_by_group = _program_with_rooms(today, -(-children // groups) + 5)
    raw, seats = roster_export(children=children, today=today, rooms_by_group=rooms_by_group)
    rooms = sum(len(names) for names in rooms_by_group.values())
    log(
        f"empty program {program.name}: {rooms} rooms of {ROOM_PLACES} places; export of {children} children, "
        f"{len(raw) // 1024} KiB, made in {time.perf_counter() - began:.1f} s ({seats})"
    )
    before = _domain_counts(program)
    began = time.perf_counter()
    first, rows = _import(program, raw)
    first_seconds = time.perf_counter() - began
    after_first = _domain_counts(program)
    created = {k: after_first[k] - before[k] for k in after_first}
    log(f"first import: {rows} rows in {first_seconds:.2f} s; {first.report.get('created')}")
    assert created["children"] == children, created

    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        second, again = _import(program, raw)
        reimport_seconds = time.perf_counter() - began
    after_second = _domain_counts(program)
    writes: dict[str, int] = {}
    for query in queries.captured_queries:
        match = WRITE.match(query["sql"])
        if match and match.group(2) not in BOOKKEEPING_TABLES and match.group(2) != "alliance_auditevent":
            writes[match.group(2)] = writes.get(match.group(2), 0) + 1
    changed = {k: after_second[k] - after_first[k] for k in after_second if after_second[k] != after_first[k]}
    rows_written = sum(writes.values()) + sum(abs(v) for v in changed.values())
    log(
        f"re-import: {again} rows in {reimport_seconds:.2f} s, {len(queries)} queries; "
        f"report {second.report}; writes {writes or 'none'}; changed counts {changed or 'none'}"
    )
    return {
        "children": children,
        "families": created["families"],
        "guardians": created["guardians"],
        "enrollments": created["enrollments"],
        "rooms": rooms,
        "first_seconds": round(first_seconds, 2),
        "reimport_seconds": round(reimport_seconds, 2),
        "reimport_unchanged": (second.report.get("unchanged") or {}).get("children", 0),
        "reimport_rows_written": rows_written,
        "reimport_queries": len(queries),
    }
