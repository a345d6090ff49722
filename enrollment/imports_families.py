"""Families, guardians, children and their enrollments from another system's export.

One import kind of the members import framework (members/imports.py: upload,
column mapping with presets per source in members/import_sources.py, preview,
all or nothing, report). One line per child, with the family's address and
up to two guardians on the same line, as Brightwheel's roster export and a
Procare Data Viewer export of children give them.

A re-import of the same export updates by the source system's ids (kept in
ExternalRecord, unique per program, source, kind and id): a child already
imported is compared field by field and only what changed is written, through
the enrollment services (a new room is a transfer, new days a schedule change,
both from the alliance's today), and the report counts each change. New
children are checked in the preview by the rules of enrollment/services: the
schedule must fit the room's days, the child must be in the room's age group
on the start date (age_refusal), and the room must have licensed places for
every new child on every operating day (the capacity rule, counted for the
whole file at once so that the 30th child of a 29-place room is the one
refused). Refusals are row errors; a file with any error imports nothing.

New records are written in bulk (a 5,000-child export imports in seconds,
`python manage.py bench import`); the whole commit is recorded as one audit
event with its counts, like the attendance import, and each update as the
services record it.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from alliance.audit import Actor, audit_event_record, user_of
from alliance.dates import BUSINESS_DATE, alliance_today, date_validator
from alliance.tenancy import require_alliance_id
from enrollment.models import Child, Enrollment, ExternalRecord, Family, FundingSource, Guardian
from enrollment.rules import DayLength, age_group_on, classroom_takes, schedule_fte
from enrollment.selectors import age_bands
from enrollment.services import (
    age_refusal,
    capacity_refusal,
    child_update,
    enrollment_change_schedule,
    enrollment_transfer,
    enrollment_update_terms,
    family_update,
    guardian_update,
)
from enrollment.services.enrollments import _check_schedule, _operating_days, rate_plan_ref_resolve
from enrollment.services.families import _validate_child
from enrollment.vacancy import classroom_last_change, room_days
from members.import_sources import HUB
from members.imports import (
    Column,
    ImportSpec,
    Row,
    SharedFieldsRow,
    _choice,
    _parse_row,
    current_import_batch,
    import_progress_note,
    parse_weekdays,
)
from members.models import Classroom, ImportKind, MemberProgram

DATE_FORMATS = ["%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%Y-%m-%d %H:%M:%S"]
MAX_ROWS = 6000
BACKGROUND_ABOVE = 300
PROGRESS_EVERY = 250
Kind = ExternalRecord.Kind
GUARDIANS = (("guardian", 1), ("guardian2", 2))


class FamilyRow(SharedFieldsRow):
    family_id = forms.CharField(max_length=120, required=False)
    child_id = forms.CharField(max_length=120)
    child_first_name = forms.CharField(max_length=100)
    child_last_name = forms.CharField(max_length=100)
    date_of_birth = forms.DateField(input_formats=DATE_FORMATS)
    classroom = forms.CharField(max_length=100)
    start_date = forms.DateField(input_formats=DATE_FORMATS, required=False, validators=[date_validator(BUSINESS_DATE)])
    schedule = forms.CharField(required=False)
    day_length = forms.CharField(required=False)
    funding_source = forms.CharField(required=False)
    rate_plan = forms.CharField(max_length=60, required=False)
    family_name = forms.CharField(max_length=200, required=False)
    street = forms.CharField(max_length=200, required=False)
    city = forms.CharField(max_length=100, required=False)
    postal_code = forms.CharField(max_length=20, required=False)
    guardian_first_name = forms.CharField(max_length=100, required=False)
    guardian_last_name = forms.CharField(max_length=100, required=False)
    guardian_email = forms.EmailField(required=False)
    guardian_phone = forms.CharField(max_length=40, required=False)
    guardian2_first_name = forms.CharField(max_length=100, required=False)
    guardian2_last_name = forms.CharField(max_length=100, required=False)
    guardian2_email = forms.EmailField(required=False)
    guardian2_phone = forms.CharField(max_length=40, required=False)

    def clean_schedule(self) -> list[int] | None:
        text = self.cleaned_data["schedule"]
        return parse_weekdays(text) if text.strip() else None

    def clean_day_length(self) -> str:
        text = self.cleaned_data["day_length"].strip().lower()
        if text in ("", "full", "full day", "full_day", "full-time", "full time", "ft"):
            return DayLength.FULL
        if text in ("part", "part day", "part_day", "half", "half day", "part-time", "part time", "pt"):
            return DayLength.PART
        raise ValidationError(f"“{text}” is not full or part.")

    def clean_funding_source(self) -> str:
        text = self.cleaned_data["funding_source"]
        if not text.strip():
            return FundingSource.PRIVATE_PAY
        return _choice(text, FundingSource, {"private": FundingSource.PRIVATE_PAY})

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for prefix, number in GUARDIANS:
            first, last = cleaned.get(f"{prefix}_first_name", ""), cleaned.get(f"{prefix}_last_name", "")
            others = any(cleaned.get(f"{prefix}_{f}") for f in ("email", "phone"))
            if (first or last or others) and not (first and last):
                missing = f"{prefix}_first_name" if not first else f"{prefix}_last_name"
                self.add_error(
                    missing, f"Give guardian {number}'s first and last name, or leave all their cells blank."
                )
        return cleaned


# --- Existing state, read in a few queries -----------------------------------
class _Known:
    """What earlier imports of this program from this source created, and what it is now."""

    def __init__(self, program: MemberProgram, source: str, today: datetime.date) -> None:
        self.refs: dict[tuple[str, str], int] = {
            (kind, ext): oid
            for kind, ext, oid in ExternalRecord.objects.filter(program=program, source=source).values_list(
                "kind", "external_id", "object_id"
            )
        }
        child_ids = [oid for (kind, _), oid in self.refs.items() if kind == Kind.CHILD]
        # Lists of ids rather than subqueries: rows an import wrote in this transaction have no
        # planner statistics yet, and a join over them is planned as a nested loop of scans.
        self.children = Child.objects.select_related("family").in_bulk(child_ids)
        self.guardians = Guardian.objects.in_bulk([oid for (k, _), oid in self.refs.items() if k == Kind.GUARDIAN])
        self.enrollments: dict[int, Enrollment] = {}
        open_ones = (
            Enrollment.objects.filter(program=program, child_id__in=child_ids)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
            .select_related("classroom")
            .order_by("child_id", "start_date", "id")
        )
        for enrollment in open_ones:
            self.enrollments[enrollment.child_id] = enrollment  # the latest in force or to come

    @classmethod
    def of(cls, program: MemberProgram, source: str, today: datetime.date) -> _Known:
        """Read once per batch: a commit validates the rows again (its preview) and then writes
        them, in one transaction that holds the batch's lock, so both steps see the same state."""
        batch = current_import_batch()
        key = (program.pk, source, today)
        cached = getattr(batch, "_families_known", None)
        if cached is not None and cached[0] == key:
            return cached[1]
        known = cls(program, source, today)
        if batch is not None:
            batch._families_known = (key, known)  # type: ignore[attr-defined]
        return known


def _family_key(data: dict[str, Any]) -> str:
    """A family's id in the source: its own when the export has one; else the first guardian's
    email (Brightwheel lists siblings with the same parents); else the child's own id."""
    if data.get("family_id"):
        return str(data["family_id"])
    if data.get("guardian_email"):
        return "email:" + data["guardian_email"].strip().lower()
    return "child:" + str(data["child_id"])


def _family_name(data: dict[str, Any]) -> str:
    return data.get("family_name") or f"{data.get('guardian_last_name') or data['child_last_name']} family"


def _child_changes(child: Child, data: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if (child.first_name, child.last_name) != (data["child_first_name"], data["child_last_name"]):
        changes["first_name"], changes["last_name"] = data["child_first_name"], data["child_last_name"]
    if child.date_of_birth != data["date_of_birth"]:
        changes["date_of_birth"] = data["date_of_birth"]
    return changes


def _guardian_changes(guardian: Guardian, data: dict[str, Any], prefix: str) -> dict[str, Any]:
    wanted = {f: data.get(f"{prefix}_{f}", "") for f in ("first_name", "last_name", "email", "phone")}
    if not wanted["first_name"]:
        return {}  # a blank cell keeps what the Hub has, as Brightwheel's own re-upload does
    return {f: v for f, v in wanted.items() if v and getattr(guardian, f) != v}


def _address_changes(family: Family, data: dict[str, Any]) -> dict[str, Any]:
    return {f: data[f] for f in ("street", "city", "postal_code") if data.get(f) and getattr(family, f) != data[f]}


# --- Preview ----------------------------------------------------------------
def _classrooms(program: MemberProgram, today: datetime.date) -> dict[str, Classroom]:
    rooms = Classroom.objects.filter(site__program=program).filter(Q(closed_on__isnull=True) | Q(closed_on__gt=today))
    return {room.name.strip().lower(): room for room in rooms.select_related("site__program")}


class _Capacity:
    """Licensed places against the FTE enrolled plus the file's new children, day by day, for
    every room the file names: the capacity rule of enrollment_create, counted for the file."""

    def __init__(self, rooms: list[Classroom], first: datetime.date, last: datetime.date) -> None:
        self.rooms = {room.pk: room for room in rooms}
        self.horizon: dict[int, datetime.date] = {}
        overall = last
        for room in rooms:
            changed = classroom_last_change(room.pk) or first
            self.horizon[room.pk] = max(last + datetime.timedelta(days=6), changed)
            overall = max(overall, self.horizon[room.pk])
        self.days: dict[int, dict[datetime.date, Any]] = defaultdict(dict)
        for row in room_days(classroom_ids=list(self.rooms), start=first, end=overall):
            self.days[row.classroom_id][row.day] = row
        self.added: dict[int, dict[datetime.date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))

    def take(self, room: Classroom, start: datetime.date, fte: Decimal) -> str:
        """'' when the room has the place (and it is taken), else why not."""
        from enrollment.services._common import day_text, fte_text

        operating = _operating_days(room, start, self.horizon[room.pk])
        if not operating:
            return f"{room.name} is not open on any day from {day_text(start)}."
        added = self.added[room.pk]
        for day in operating:
            row = self.days[room.pk].get(day)
            if row is None:
                return f"{room.name} has no licensed capacity recorded on {day_text(day)}."
            taken = row.enrolled_fte + added[day]
            if taken + fte > row.licensed:
                return (
                    f"{room.name} is full on {day_text(day)}: {fte_text(taken)} of {row.licensed} licensed places "
                    f"taken (FTE, counting the rows above in this file); this child ({fte_text(fte)}) would make "
                    f"{fte_text(taken + fte)}."
                )
        for day in operating:
            added[day] += fte
        return ""


def _validate_families(program: MemberProgram, rows: list[Row]) -> None:
    today = alliance_today()
    known = _Known.of(program, _source(), today)
    bands = age_bands()
    rooms = _classrooms(program, today)
    seen: dict[str, int] = {}
    plans_checked: dict[str, str] = {}
    new_rows: list[tuple[Row, Classroom, datetime.date, Decimal]] = []
    for row in rows:
        data = _parse_row(row, FamilyRow(row.values))
        if "date_of_birth" in data and "child_first_name" in data and "child_last_name" in data:
            try:
                _validate_child(
                    Child(
                        first_name=data["child_first_name"],
                        last_name=data["child_last_name"],
                        date_of_birth=data["date_of_birth"],
                    )
                )
            except ValidationError as exc:
                row.errors.extend(
                    ("date_of_birth" if k == "date_of_birth" else "child_" + k, m)
                    for k, ms in exc.message_dict.items()
                    for m in ms
                )
        child_id = data.get("child_id")
        if child_id:
            if child_id in seen:
                row.errors.append(("child_id", f"Line {seen[child_id]} already has this child ({child_id})."))
            seen.setdefault(child_id, row.line)
        room = None
        if data.get("classroom"):
            room = rooms.get(data["classroom"].strip().lower())
            if room is None:
                names = ", ".join(sorted(r.name for r in rooms.values())) or "none yet; add classrooms first"
                row.errors.append(("classroom", f"{program.name} has no classroom “{data['classroom']}” ({names})."))
        if room is not None and "day_length" in data:
            weekdays = data.get("schedule") or list(room.operating_days)
            try:
                data["weekdays"] = _check_schedule(room, weekdays, data["day_length"])
            except ValidationError as exc:
                row.errors.extend(("schedule", m) for m in exc.messages)
        if data.get("rate_plan"):
            ref = data["rate_plan"]
            if ref not in plans_checked:
                try:
                    plans_checked[ref] = rate_plan_ref_resolve(program.pk, ref)
                except ValidationError as exc:
                    plans_checked[ref] = ""
                    row.errors.extend(("rate_plan", m) for m in exc.messages)
            data["rate_plan"] = plans_checked[ref]
        if not row.ok or room is None:
            continue
        data["room"] = room
        data["family_key"] = _family_key(data)
        child_pk = known.refs.get((Kind.CHILD, str(child_id)))
        child = known.children.get(child_pk) if child_pk else None
        enrollment = known.enrollments.get(child.pk) if child else None
        data["child"], data["enrollment"] = child, enrollment
        fte = schedule_fte(data["weekdays"], data["day_length"])
        if enrollment is None:
            start = data.get("start_date") or today
            data["start"] = start
            takes = classroom_takes(room.age_group, age_group_on(data["date_of_birth"], start, bands))
            probe = Child(first_name=data["child_first_name"], last_name=data["child_last_name"])
            probe.date_of_birth = data["date_of_birth"]
            refusal = None if takes else age_refusal(child=probe, classroom=room, on=start)
            if refusal:
                row.errors.append(("classroom", refusal.message))
            else:
                new_rows.append((row, room, start, fte))
            continue
        # A child imported before: what changed, and whether the new room or days have places.
        changes = _enrollment_changes(enrollment, data)
        if "room" in changes:
            probe = Child(first_name=data["child_first_name"], last_name=data["child_last_name"])
            probe.date_of_birth = data["date_of_birth"]
            refusal = age_refusal(child=probe, classroom=room, on=max(today, enrollment.start_date))
            refusal = refusal or capacity_refusal(
                classroom=room, start=max(today, enrollment.start_date), end=None, fte=fte
            )
            if refusal:
                row.errors.append(("classroom", refusal.message))
        elif "schedule" in changes and fte > enrollment.fte:
            refusal = capacity_refusal(
                classroom=room,
                start=max(today, enrollment.start_date),
                end=None,
                fte=fte,
                exclude_enrollment_ids=[enrollment.pk],
            )
            if refusal:
                row.errors.append(("schedule", refusal.message))
    if new_rows:
        capacity = _Capacity(
            list({room.pk: room for _, room, _, _ in new_rows}.values()),
            min(start for _, _, start, _ in new_rows),
            max(start for _, _, start, _ in new_rows),
        )
        for row, room, start, fte in new_rows:
            problem = capacity.take(room, start, fte)
            if problem:
                row.errors.append(("classroom", problem))


def _enrollment_changes(enrollment: Enrollment, data: dict[str, Any]) -> set[str]:
    changes = set()
    if enrollment.classroom_id != data["room"].pk:
        changes.add("room")
    if sorted(enrollment.weekdays) != data["weekdays"] or enrollment.day_length != data["day_length"]:
        changes.add("schedule")
    if enrollment.funding_source != data["funding_source"] or (
        data.get("rate_plan") and enrollment.rate_plan_ref != data["rate_plan"]
    ):
        changes.add("terms")
    return changes


# --- Commit -----------------------------------------------------------------
class _Report:
    def __init__(self) -> None:
        self.created: Counter[str] = Counter()
        self.updated: Counter[str] = Counter()
        self.unchanged: Counter[str] = Counter()
        self.changes: dict[str, Counter[str]] = defaultdict(Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": {k: v for k, v in self.created.items() if v},
            "updated": {k: v for k, v in self.updated.items() if v},
            "unchanged": {k: v for k, v in self.unchanged.items() if v},
            "changes": {k: dict(v) for k, v in self.changes.items() if v},
        }


def _commit_families(actor: Actor, program: MemberProgram, rows: list[Row]) -> dict[str, Any]:
    today = alliance_today()
    source = _source()
    alliance_id = require_alliance_id()
    known = _Known.of(program, source, today)
    report = _Report()
    user = user_of(actor)
    new_families: dict[str, Family] = {}
    new_guardians: list[tuple[str, Guardian]] = []
    new_children: list[tuple[Row, Child]] = []
    family_of_key: dict[str, Family] = {}
    family_ids = {ext: oid for (kind, ext), oid in known.refs.items() if kind == Kind.FAMILY}
    existing_families = Family.objects.in_bulk(
        [family_ids[_family_key(r.cleaned)] for r in rows if _family_key(r.cleaned) in family_ids]
    )
    for index, row in enumerate(rows, start=1):
        data = row.cleaned
        key = data["family_key"]
        child: Child | None = known.children.get(known.refs.get((Kind.CHILD, data["child_id"]), 0))
        if child is None:
            family = family_of_key.get(key)
            if family is None and key in family_ids:
                family = existing_families.get(family_ids[key])
            if family is None:
                family = Family(
                    alliance_id=alliance_id,
                    name=_family_name(data)[:200],
                    street=data.get("street", ""),
                    city=data.get("city", ""),
                    postal_code=data.get("postal_code", ""),
                )
                new_families[key] = family
                for prefix, number in GUARDIANS:
                    if data.get(f"{prefix}_first_name"):
                        new_guardians.append(
                            (
                                f"{key}#{number}",
                                Guardian(
                                    alliance_id=alliance_id,
                                    family=family,
                                    first_name=data[f"{prefix}_first_name"],
                                    last_name=data[f"{prefix}_last_name"],
                                    email=data.get(f"{prefix}_email", ""),
                                    phone=data.get(f"{prefix}_phone", ""),
                                    is_primary_contact=number == 1,
                                ),
                            )
                        )
            family_of_key[key] = family
            new_children.append(
                (
                    row,
                    Child(
                        alliance_id=alliance_id,
                        family=family,
                        first_name=data["child_first_name"],
                        last_name=data["child_last_name"],
                        date_of_birth=data["date_of_birth"],
                    ),
                )
            )
        else:
            _update_known(actor, program, known, row, child, report, today)
        if index % PROGRESS_EVERY == 0:
            _progress(index)
    Family.objects.bulk_create(list(new_families.values()))
    for _, guardian in new_guardians:
        guardian.family_id = guardian.family.pk
    Guardian.objects.bulk_create([g for _, g in new_guardians])
    for _, child in new_children:
        child.family_id = child.family.pk
    Child.objects.bulk_create([c for _, c in new_children])
    enrollments = [
        Enrollment(
            alliance_id=alliance_id,
            child_id=child.pk,
            classroom=row.cleaned["room"],
            program_id=program.pk,
            start_date=row.cleaned["start"],
            weekdays=row.cleaned["weekdays"],
            day_length=row.cleaned["day_length"],
            fte=schedule_fte(row.cleaned["weekdays"], row.cleaned["day_length"]),
            funding_source=row.cleaned["funding_source"],
            rate_plan_ref=row.cleaned.get("rate_plan") or "",
            created_by=user,
        )
        for row, child in new_children
    ] + [
        _enrollment_for_known(row, program, alliance_id, user)
        for row in rows
        if row.cleaned.get("child") is not None and row.cleaned.get("enrollment") is None
    ]
    Enrollment.objects.bulk_create(enrollments)
    refs = [
        ExternalRecord(
            alliance_id=alliance_id, program=program, source=source, kind=Kind.FAMILY, external_id=key, object_id=f.pk
        )
        for key, f in new_families.items()
    ]
    refs += [
        ExternalRecord(
            alliance_id=alliance_id, program=program, source=source, kind=Kind.GUARDIAN, external_id=ext, object_id=g.pk
        )
        for ext, g in new_guardians
    ]
    refs += [
        ExternalRecord(
            alliance_id=alliance_id,
            program=program,
            source=source,
            kind=Kind.CHILD,
            external_id=row.cleaned["child_id"],
            object_id=c.pk,
        )
        for row, c in new_children
    ]
    ExternalRecord.objects.bulk_create(refs)
    report.created.update(
        {
            "families": len(new_families),
            "guardians": len(new_guardians),
            "children": len(new_children),
            "enrollments": len(enrollments),
        }
    )
    result = report.as_dict()
    if result["created"]:  # updates were recorded by the services; a file that changed nothing writes nothing
        audit_event_record(
            actor=actor,
            action="families.imported",
            object_type="enrollment.child",
            program_id=program.pk,
            after={"source": source, **result, "child_ids": [c.pk for _, c in new_children][:1000]},
        )
    _progress(len(rows))
    return result


def _enrollment_for_known(row: Row, program: MemberProgram, alliance_id: int, user: Any) -> Enrollment:
    """A child imported before whose enrollment here has ended: enrolled again from the row's start."""
    data = row.cleaned
    return Enrollment(
        alliance_id=alliance_id,
        child_id=data["child"].pk,
        classroom=data["room"],
        program_id=program.pk,
        start_date=data["start"],
        weekdays=data["weekdays"],
        day_length=data["day_length"],
        fte=schedule_fte(data["weekdays"], data["day_length"]),
        funding_source=data["funding_source"],
        rate_plan_ref=data.get("rate_plan") or "",
        created_by=user,
    )


def _update_known(
    actor: Actor,
    program: MemberProgram,
    known: _Known,
    row: Row,
    child: Child,
    report: _Report,
    today: datetime.date,
) -> None:
    """Write what changed for a child imported before, through the services (each audited)."""
    data = row.cleaned
    changed: list[str] = []
    child_changes = _child_changes(child, data)
    if child_changes:
        child_update(actor=actor, child=child, data=child_changes)
        changed += ["name"] if "first_name" in child_changes else []
        changed += ["birth date"] if "date_of_birth" in child_changes else []
    address = _address_changes(child.family, data)
    if address:
        family_update(actor=actor, family=child.family, data=address)
        changed.append("address")
    for prefix, number in GUARDIANS:
        guardian_pk = known.refs.get((Kind.GUARDIAN, f"{data['family_key']}#{number}"))
        guardian = known.guardians.get(guardian_pk) if guardian_pk else None
        if guardian is not None:
            guardian_changes = _guardian_changes(guardian, data, prefix)
            if guardian_changes:
                guardian_update(actor=actor, guardian=guardian, data=guardian_changes)
                changed.append("guardian")
    enrollment = data.get("enrollment")
    if enrollment is not None:
        changes = _enrollment_changes(enrollment, data)
        effective = max(today, enrollment.start_date + datetime.timedelta(days=1))
        if "room" in changes:
            enrollment = enrollment_transfer(
                actor=actor,
                enrollment=enrollment,
                classroom=data["room"],
                effective_from=effective,
                weekdays=data["weekdays"],
                day_length=data["day_length"],
            )
            changed.append("room")
        elif "schedule" in changes:
            enrollment = enrollment_change_schedule(
                actor=actor,
                enrollment=enrollment,
                effective_from=effective,
                weekdays=data["weekdays"],
                day_length=data["day_length"],
            )
            changed.append("schedule")
        if "terms" in changes:
            enrollment_update_terms(
                actor=actor,
                enrollment=enrollment,
                funding_source=data["funding_source"],
                rate_plan_ref=data.get("rate_plan") or enrollment.rate_plan_ref,
            )
            changed.append("terms")
    if changed:
        report.updated["children"] += 1
        for what in dict.fromkeys(changed):
            report.changes["children"][what] += 1
    else:
        report.unchanged["children"] += 1


def _source() -> str:
    batch = current_import_batch()
    return batch.source if batch is not None else HUB


def _progress(done: int) -> None:
    batch = current_import_batch()
    if batch is not None:
        import_progress_note(batch, done)


SPEC = ImportSpec(
    kind=ImportKind.FAMILIES,
    noun="child",
    plural="children",
    columns=[
        Column("family_id", False, "F-1042", "The family's id in your old system; blank = by guardian email."),
        Column("child_id", True, "C-88", "The child's id in your old system; a re-import updates this child."),
        Column("child_first_name", True, "Ava"),
        Column("child_last_name", True, "Lopez"),
        Column("date_of_birth", True, "2023-04-12", "YYYY-MM-DD or M/D/YYYY."),
        Column("classroom", True, "Butterflies", "The classroom's name in this program."),
        Column("start_date", False, "2026-09-01", "Enrollment start; blank = today."),
        Column("schedule", False, "Mon-Fri", "Days attended; blank = every day the room is open."),
        Column("day_length", False, "full", "full or part; blank = full."),
        Column("funding_source", False, "private_pay", "Blank = private pay."),
        Column("rate_plan", False, "", "Code of one of this program's rate plans; blank = billing chooses."),
        Column("family_name", False, "Lopez family", "Blank = the first guardian's last name."),
        Column("street", False, "12 Elm St"),
        Column("city", False, "Riverbend"),
        Column("postal_code", False, "01234"),
        Column("guardian_first_name", False, "Maria"),
        Column("guardian_last_name", False, "Lopez"),
        Column("guardian_email", False, "maria@example.org"),
        Column("guardian_phone", False, "555-0100"),
        Column("guardian2_first_name", False, ""),
        Column("guardian2_last_name", False, ""),
        Column("guardian2_email", False, ""),
        Column("guardian2_phone", False, ""),
    ],
    validate=_validate_families,
    commit=_commit_families,
    max_rows=MAX_ROWS,
    background_above=BACKGROUND_ABOVE,
)
