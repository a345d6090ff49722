"""Attendance from another system: a CSV file, checked whole, imported whole.

Every row is checked before anything is written; one bad row imports nothing
and the page lists each problem by line and column, as the file shows them in
an editor. Columns (header names, any order, case-insensitive):

    child_id         the Hub's child number (on the roster download)
    date             2026-03-02 or 03/02/2026
    check_in         08:05, 8:05 AM; blank for an absence
    check_out        optional
    absence_reason   sick, family, vacation, weather, unknown; blank when present
    child_name, note optional; child_name is not checked, note is kept
"""

from __future__ import annotations

import csv
import datetime
import io
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from alliance.audit import Actor, audit_event_record, user_of
from alliance.csvsafe import SafeWriter
from alliance.tenancy import require_alliance_id
from enrollment.models import AbsenceReason, AttendanceRecord, AttendanceSource, Enrollment

REQUIRED = ["child_id", "date", "check_in", "check_out", "absence_reason"]
OPTIONAL = ["child_name", "note"]
MAX_ROWS = 5000
DATE_FORMATS = ["%Y-%m-%d", "%m/%d/%Y"]
TIME_FORMATS = ["%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M%p", "%I %p"]
REASON_ALIASES = {"ill": AbsenceReason.SICK, "illness": AbsenceReason.SICK, "holiday": AbsenceReason.VACATION, "": ""}


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where[0].upper()}{where[1:]}: {self.message}"


@dataclass
class ImportResult:
    rows: int = 0
    present: int = 0
    absent: int = 0
    errors: list[RowError] = field(default_factory=list)
    first_day: datetime.date | None = None
    last_day: datetime.date | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Row:
    line: int
    child_id: int
    day: datetime.date
    check_in: datetime.time | None
    check_out: datetime.time | None
    reason: str
    note: str


def _parse_date(text: str) -> datetime.date:
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text.strip(), fmt).date()  # noqa: DTZ007 - a calendar day typed in the CSV, not an instant
        except ValueError:
            continue
    raise ValueError(f"“{text}” is not a date such as 2026-03-02.")


def _parse_time(text: str) -> datetime.time | None:
    if not text.strip():
        return None
    for fmt in TIME_FORMATS:
        try:
            return datetime.datetime.strptime(text.strip().upper(), fmt).time()  # noqa: DTZ007 - a wall-clock time typed in the CSV
        except ValueError:
            continue
    raise ValueError(f"“{text}” is not a time such as 08:05 or 8:05 AM.")


def _parse_reason(text: str) -> str:
    key = text.strip().lower().replace(" ", "_")
    if key in REASON_ALIASES:
        return REASON_ALIASES[key]
    for value, label in AbsenceReason.choices:
        if key in (value, label.lower().replace(" ", "_")):
            return value
    raise ValueError(f"“{text}” is not one of: {', '.join(AbsenceReason.values)}.")


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError("The file is not text; save it as CSV (UTF-8).")


def _read(text: str, result: ImportResult) -> list[_Row]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        result.errors.append(RowError(1, "", "The file is empty."))
        return []
    names = [h.strip().lower().replace(" ", "_") for h in header]
    missing = [c for c in REQUIRED if c not in names]
    unknown = [n for n in names if n and n not in REQUIRED + OPTIONAL]
    if missing:
        result.errors.append(RowError(1, "", f"Missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}."))
    if unknown:
        result.errors.append(RowError(1, "", f"Unknown column{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}."))
    if result.errors:
        return []
    rows: list[_Row] = []
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(rows) >= MAX_ROWS:
            result.errors.append(RowError(line, "", f"More than {MAX_ROWS} rows; split the file."))
            break
        values = dict(zip(names, cells + [""] * (len(names) - len(cells)), strict=False))
        row_errors: list[RowError] = []

        def parse(column: str, parser, values=values, line=line, row_errors=row_errors):  # type: ignore[no-untyped-def]
            try:
                return parser(values.get(column, ""))
            except ValueError as exc:
                row_errors.append(RowError(line, column, str(exc)))
                return None

        child_id = parse("child_id", lambda t: int(t.strip()) if t.strip().isdigit() else _bad_id(t))
        day = parse("date", _parse_date)
        check_in = parse("check_in", _parse_time)
        check_out = parse("check_out", _parse_time)
        reason = parse("absence_reason", _parse_reason)
        if not row_errors:
            if reason and (check_in or check_out):
                row_errors.append(
                    RowError(
                        line,
                        "absence_reason",
                        "A child is either present (check_in) or absent (absence_reason), not both.",
                    )
                )
            elif not reason and check_in is None:
                row_errors.append(RowError(line, "check_in", "Give the check-in time, or an absence_reason."))
            elif check_in and check_out and check_out < check_in:
                row_errors.append(
                    RowError(line, "check_out", f"Check-out {check_out:%H:%M} is before check-in {check_in:%H:%M}.")
                )
        if row_errors:
            result.errors.extend(row_errors)
            continue
        rows.append(_Row(line, child_id, day, check_in, check_out, reason or "", values.get("note", "").strip()[:200]))
    return rows


def _bad_id(text: str) -> int:
    raise ValueError(f"“{text}” is not a child number." if text.strip() else "Give the child number.")


def _enrollment_for(candidates: list[Enrollment], day: datetime.date) -> Enrollment | None:
    active = [e for e in candidates if e.is_active_on(day) and day.weekday() in e.classroom.operating_days]
    scheduled = [e for e in active if day.weekday() in e.weekdays]
    chosen = scheduled or active
    return chosen[0] if chosen else None


def attendance_import(
    *, actor: Actor, content: bytes, filename: str, today: datetime.date, program_ids: list[int] | None = None
) -> ImportResult:
    """Check every row; write all of them in one transaction, or none."""
    result = ImportResult()
    rows = _read(_decode(content), result)
    if result.errors:
        return result
    if not rows:
        result.errors.append(RowError(2, "", "The file has a header but no rows."))
        return result
    first, last = min(r.day for r in rows), max(r.day for r in rows)
    enrollments = (
        Enrollment.objects.filter(child_id__in={r.child_id for r in rows}, start_date__lte=last)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
        .select_related("child", "classroom")
    )
    if program_ids is not None:
        enrollments = enrollments.filter(program_id__in=program_ids)
    by_child: dict[int, list[Enrollment]] = defaultdict(list)
    for enrollment in enrollments:
        by_child[enrollment.child_id].append(enrollment)
    existing = {
        (r.enrollment_id, r.day): r
        for r in AttendanceRecord.objects.filter(
            enrollment__in=[e for es in by_child.values() for e in es], day__range=(first, last)
        )
    }
    seen: dict[tuple[int, datetime.date], int] = {}
    records = []
    for row in rows:
        where = "in your program " if program_ids is not None else ""
        if row.day > today:
            result.errors.append(RowError(row.line, "date", f"{row.day.isoformat()} has not come yet."))
            continue
        enrollment = _enrollment_for(by_child.get(row.child_id, []), row.day)
        if enrollment is None:
            result.errors.append(
                RowError(
                    row.line,
                    "child_id",
                    f"Child {row.child_id} is not enrolled {where}"
                    f"on {row.day.isoformat()} (or the room is closed "
                    f"that day).",
                )
            )
            continue
        key = (row.child_id, row.day)
        if key in seen:
            result.errors.append(
                RowError(row.line, "date", f"Child {row.child_id} on {row.day.isoformat()} repeats line {seen[key]}.")
            )
            continue
        seen[key] = row.line
        if (enrollment.pk, row.day) in existing:
            result.errors.append(
                RowError(
                    row.line,
                    "date",
                    f"{enrollment.child.full_name}'s attendance on {row.day.isoformat()} is already recorded.",
                )
            )
            continue
        records.append(
            AttendanceRecord(
                alliance_id=require_alliance_id(),
                enrollment=enrollment,
                day=row.day,
                check_in=row.check_in,
                check_out=row.check_out,
                absence_reason=row.reason,
                note=row.note,
                source=AttendanceSource.CSV,
                checked_in_by=user_of(actor),
            )
        )
    if result.errors:
        return result
    try:
        with transaction.atomic():
            AttendanceRecord.objects.bulk_create(records)
            audit_event_record(
                actor=actor,
                action="attendance.imported",
                object_type="enrollment.attendancerecord",
                program_id=program_ids[0] if program_ids else None,
                after={"file": filename, "rows": len(records), "from": first, "to": last},
            )
    except IntegrityError:
        result.errors.append(
            RowError(
                0, "", "Some of these days were recorded while the file was checked; upload it again to see which."
            )
        )
        return result
    result.rows = len(records)
    result.absent = sum(1 for r in records if r.absence_reason)
    result.present = result.rows - result.absent
    result.first_day, result.last_day = first, last
    return result


def roster_csv(rows: list[Enrollment], day: datetime.date) -> str:
    """A file to fill in: one line per child enrolled on the day."""
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(["child_id", "child_name", "date", "check_in", "check_out", "absence_reason", "note"])
    for enrollment in rows:
        writer.writerow([enrollment.child_id, enrollment.child.full_name, day.isoformat(), "", "", "", ""])
    return out.getvalue()
