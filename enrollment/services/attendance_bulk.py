"""A whole room at once: everyone expected checked in (or out) in one submit, with
per-child exceptions, and the staff in the room that its ratio counts.

A bulk submit is one transaction and one audit event naming every child it
touched. It is idempotent: a child who already has a record for the day is left
as they are, so a second submit of the same form changes nothing and records no
event. Everything is checked before anything is written: one bad exception
refuses the whole submit with the reason, keyed by the form field.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from alliance.audit import Actor, audit_event_record, user_of
from alliance.dates import alliance_time, alliance_today
from alliance.tenancy import require_alliance_id
from enrollment.models import AbsenceReason, AttendanceRecord, Enrollment, StaffAttendance
from enrollment.selectors import classroom_roster, staff_for_room
from enrollment.services._common import day_text
from enrollment.services.attendance import check_attendance_day
from members.models import Classroom, StaffMember


class Exception_:  # noqa: N801 - "Exception" is taken; these are a child's exceptions to "everyone"
    SKIP = "skip"  # not here yet (in) / staying on (out): left as it is
    ABSENT = "absent"  # check-in only, with a reason
    AT = "at"  # a different time than everyone's


@dataclass(frozen=True)
class ChildException:
    kind: str
    reason: str = ""
    at: datetime.time | None = None


@dataclass
class BulkResult:
    done: list[str] = field(default_factory=list)  # children checked in (or out)
    absent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # already recorded before this submit

    @property
    def changed(self) -> int:
        return len(self.done) + len(self.absent)


def _t(value: datetime.time) -> str:
    return value.strftime("%H:%M")


def check_time_not_ahead(day: datetime.date, at: datetime.time, *, today: datetime.date, now: datetime.time) -> None:
    """A time on today may not be later than the alliance's clock says it is now."""
    if day == today and at.replace(second=0, microsecond=0) > now:
        raise ValidationError(f"{_t(at)} has not come yet today (it is {_t(now)} now).", code="time_ahead")


def _roster(classroom: Classroom, day: datetime.date) -> list[Enrollment]:
    return list(classroom_roster(classroom, day).select_related("child", "classroom"))


def _check_exceptions(
    exceptions: dict[int, ChildException], roster: dict[int, Enrollment], *, allowed: set[str], day: datetime.date
) -> None:
    unknown = sorted(set(exceptions) - set(roster))
    if unknown:
        raise ValidationError(
            {"exceptions": f"Enrollment {unknown[0]} is not in this classroom on {day_text(day)}; reload the page."}
        )
    for enrollment_id, exception in exceptions.items():
        name = roster[enrollment_id].child.full_name
        if exception.kind not in allowed:
            raise ValidationError({"exceptions": f"{name}: that choice is not offered here."})
        if exception.kind == Exception_.ABSENT and exception.reason not in AbsenceReason.values:
            raise ValidationError({"exceptions": f"{name}: choose the reason for the absence."})
        if exception.kind == Exception_.AT and exception.at is None:
            raise ValidationError({"exceptions": f"{name}: give the different time, or choose another option."})


@transaction.atomic
def attendance_bulk_check_in(
    *,
    actor: Actor,
    classroom: Classroom,
    day: datetime.date,
    at: datetime.time,
    exceptions: dict[int, ChildException] | None = None,
) -> BulkResult:
    """Check in every child scheduled in the room on the day who has no record yet, at
    `at`; exceptions (by enrollment id) mark a child absent with a reason, give them a
    different time, or leave them open (not here yet). An exception may also check in a
    child not scheduled that day (an extra day)."""
    exceptions = exceptions or {}
    today, now = alliance_today(), alliance_time()
    roster = {e.pk: e for e in _roster(classroom, day)}
    _check_exceptions(exceptions, roster, allowed={Exception_.SKIP, Exception_.ABSENT, Exception_.AT}, day=day)
    try:
        check_time_not_ahead(day, at, today=today, now=now)
    except ValidationError as exc:
        raise ValidationError({"at": exc.messages}) from None
    for enrollment_id, given in exceptions.items():
        if given.at is not None and given.kind == Exception_.AT:
            try:
                check_time_not_ahead(day, given.at, today=today, now=now)
            except ValidationError as exc:
                name = roster[enrollment_id].child.full_name
                raise ValidationError({"exceptions": f"{name}: {exc.messages[0]}"}) from None
    if not roster:
        raise ValidationError(f"No child is enrolled in {classroom.name} on {day_text(day)}.")
    for enrollment in roster.values():
        check_attendance_day(enrollment, day, today=today)

    recorded = set(
        AttendanceRecord.objects.select_for_update()
        .filter(enrollment_id__in=list(roster), day=day)
        .values_list("enrollment_id", flat=True)
    )
    result, who = BulkResult(), user_of(actor)
    for enrollment in roster.values():
        name = enrollment.child.full_name
        exception = exceptions.get(enrollment.pk)
        scheduled = day.weekday() in enrollment.weekdays
        if enrollment.pk in recorded:
            result.unchanged.append(name)
            continue
        if exception is None and not scheduled:
            continue
        if exception is not None and exception.kind == Exception_.SKIP:
            result.skipped.append(name)
            continue
        record = AttendanceRecord(alliance_id=require_alliance_id(), enrollment=enrollment, day=day, checked_in_by=who)
        if exception is not None and exception.kind == Exception_.ABSENT:
            record.absence_reason = exception.reason
        else:
            when = exception.at if exception is not None and exception.at else at
            record.check_in = when.replace(second=0, microsecond=0)
        try:
            with transaction.atomic():
                record.save()
        except IntegrityError:  # another click recorded this child a moment ago
            result.unchanged.append(name)
            continue
        (result.absent if record.absence_reason else result.done).append(name)
    if result.changed:
        audit_event_record(
            actor=actor,
            action="attendance.bulk_checked_in",
            target=classroom,
            program_id=classroom.site.program_id,
            after={
                "day": day.isoformat(),
                "at": _t(at),
                "checked_in": result.done,
                "absent": result.absent,
                "left_open": result.skipped,
                "different_times": {
                    roster[k].child.full_name: _t(v.at) for k, v in exceptions.items() if v.kind == "at" and v.at
                },
            },
        )
    return result


@transaction.atomic
def attendance_bulk_check_out(
    *,
    actor: Actor,
    classroom: Classroom,
    day: datetime.date,
    at: datetime.time,
    exceptions: dict[int, ChildException] | None = None,
) -> BulkResult:
    """Check out every child of the room still checked in on the day, at `at`; exceptions
    keep a child in (staying on) or give a different time. A time before a child's
    check-in refuses the whole submit, naming the child."""
    exceptions = exceptions or {}
    today, now = alliance_today(), alliance_time()
    roster = {e.pk: e for e in _roster(classroom, day)}
    _check_exceptions(exceptions, roster, allowed={Exception_.SKIP, Exception_.AT}, day=day)
    try:
        check_time_not_ahead(day, at, today=today, now=now)
    except ValidationError as exc:
        raise ValidationError({"at": exc.messages}) from None
    open_records = list(
        AttendanceRecord.objects.select_for_update()
        .filter(
            enrollment_id__in=list(roster), day=day, absence_reason="", check_in__isnull=False, check_out__isnull=True
        )
        .order_by("pk")
    )
    result, who, problems = BulkResult(), user_of(actor), []
    plan: list[tuple[AttendanceRecord, datetime.time]] = []
    for record in open_records:
        name = roster[record.enrollment_id].child.full_name
        exception = exceptions.get(record.enrollment_id)
        if exception is not None and exception.kind == Exception_.SKIP:
            result.skipped.append(name)
            continue
        when = (exception.at if exception is not None and exception.at else at).replace(second=0, microsecond=0)
        if exception is not None and exception.at is not None:
            try:
                check_time_not_ahead(day, when, today=today, now=now)
            except ValidationError as exc:
                problems.append(f"{name}: {exc.messages[0]}")
                continue
        if record.check_in is not None and when < record.check_in:
            problems.append(f"{name} was checked in at {_t(record.check_in)}, after {_t(when)}.")
            continue
        plan.append((record, when))
    if problems:
        raise ValidationError({"exceptions" if exceptions else "at": problems})
    for record, when in plan:
        record.check_out, record.checked_out_by = when, who
        record.save(update_fields=["check_out", "checked_out_by", "updated_at"])
        result.done.append(roster[record.enrollment_id].child.full_name)
    if result.changed:
        audit_event_record(
            actor=actor,
            action="attendance.bulk_checked_out",
            target=classroom,
            program_id=classroom.site.program_id,
            after={"day": day.isoformat(), "at": _t(at), "checked_out": result.done, "staying": result.skipped},
        )
    return result


# --- Staff in the room --------------------------------------------------------
@transaction.atomic
def staff_check_in(
    *, actor: Actor, classroom: Classroom, staff: StaffMember, day: datetime.date, at: datetime.time
) -> StaffAttendance:
    """A staff member starts counting in the room's ratio. Routine, like a child's check-in:
    the row names who recorded it."""
    today, now = alliance_today(), alliance_time()
    if day > today:
        raise ValidationError(f"{day_text(day)} has not come yet; staff are checked in on the day.")
    if staff.pk not in {s.pk for s in staff_for_room(classroom, day)}:
        raise ValidationError(
            {"staff": f"{staff.full_name} is not classroom staff of this program on {day_text(day)}."}
        )
    check_time_not_ahead(day, at, today=today, now=now)
    existing = StaffAttendance.objects.select_for_update().filter(staff=staff, classroom=classroom, day=day).first()
    if existing is not None:
        if existing.check_out is None:
            raise ValidationError(f"{staff.full_name} is already in {classroom.name} since {_t(existing.check_in)}.")
        # Back in the room after a break: the day's row reopens from its first check-in.
        existing.check_out = None
        existing.save(update_fields=["check_out", "updated_at"])
        return existing
    row = StaffAttendance(
        alliance_id=require_alliance_id(),
        staff=staff,
        classroom=classroom,
        day=day,
        check_in=at.replace(second=0, microsecond=0),
        checked_in_by=user_of(actor),
    )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise ValidationError(f"{staff.full_name} is already in {classroom.name}.") from None
    return row


@transaction.atomic
def staff_check_out(
    *, actor: Actor, classroom: Classroom, staff: StaffMember, day: datetime.date, at: datetime.time
) -> StaffAttendance:
    row = StaffAttendance.objects.select_for_update().filter(staff=staff, classroom=classroom, day=day).first()
    if row is None or row.check_out is not None:
        raise ValidationError(f"{staff.full_name} is not checked in to {classroom.name} on {day_text(day)}.")
    check_time_not_ahead(day, at, today=alliance_today(), now=alliance_time())
    at = at.replace(second=0, microsecond=0)
    if at < row.check_in:
        raise ValidationError(f"Check-out at {_t(at)} would be before check-in at {_t(row.check_in)}.")
    row.check_out = at
    row.save(update_fields=["check_out", "updated_at"])
    return row
