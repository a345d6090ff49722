"""Writes of attendance: check-in, check-out, absence, correction.

One record per enrollment and day. Routine check-ins are not audit events
(a year of them would bury the history); each record keeps who checked the
child in and out. Corrections (clearing a record) and CSV imports are audited.
"""

from __future__ import annotations

import calendar
import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from alliance.audit import Actor, audit_event_record, snapshot, user_of
from alliance.dates import alliance_time, alliance_today
from alliance.tenancy import require_alliance_id
from enrollment.models import AbsenceReason, AttendanceRecord, AttendanceSource, Enrollment
from enrollment.services._common import day_text

CORRECTION_REASON_MIN_LENGTH = 3


def _time_text(value: datetime.time | None) -> str:
    return value.strftime("%H:%M") if value else "—"


def check_attendance_day(enrollment: Enrollment, day: datetime.date, *, today: datetime.date | None = None) -> None:
    """A day attendance may be recorded for: not ahead, enrolled, room open."""
    child, room = enrollment.child, enrollment.classroom
    if day > (today or alliance_today()):
        raise ValidationError(f"{day_text(day)} has not come yet; attendance is recorded on the day.")
    if not enrollment.is_active_on(day):
        raise ValidationError(f"{child.full_name} is not enrolled in {room.name} on {day_text(day)}.")
    if day.weekday() not in room.operating_days:
        raise ValidationError(f"{room.name} is not open on {calendar.day_name[day.weekday()]}s.")


def _existing(enrollment: Enrollment, day: datetime.date) -> AttendanceRecord | None:
    return AttendanceRecord.objects.select_for_update().filter(enrollment=enrollment, day=day).first()


def _describe(record: AttendanceRecord) -> str:
    child, day = record.enrollment.child.full_name, day_text(record.day)
    if record.absence_reason:
        return f"{child} is marked absent ({record.get_absence_reason_display().lower()}) on {day}"
    text = f"{child} was already checked in at {_time_text(record.check_in)} on {day}"
    if record.check_out:
        text += f" and out at {_time_text(record.check_out)}"
    return text


@transaction.atomic
def attendance_check_in(
    *,
    actor: Actor,
    enrollment: Enrollment,
    day: datetime.date,
    at: datetime.time,
    source: str = AttendanceSource.PORTAL,
) -> AttendanceRecord:
    check_attendance_day(enrollment, day)
    existing = _existing(enrollment, day)
    if existing is not None:
        hint = "; clear the absence first." if existing.absence_reason else "."
        raise ValidationError(_describe(existing) + hint, code="already_recorded")
    record = AttendanceRecord(
        alliance_id=require_alliance_id(),
        enrollment=enrollment,
        day=day,
        check_in=at.replace(second=0, microsecond=0),
        source=source,
        checked_in_by=user_of(actor),
    )
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        # Another click got there first.
        raise ValidationError(
            _describe(AttendanceRecord.objects.get(enrollment=enrollment, day=day)) + ".", code="already_recorded"
        ) from None
    return record


@transaction.atomic
def attendance_check_out(
    *, actor: Actor, enrollment: Enrollment, day: datetime.date, at: datetime.time
) -> AttendanceRecord:
    check_attendance_day(enrollment, day)
    record = _existing(enrollment, day)
    child = enrollment.child.full_name
    if record is None or record.absence_reason:
        raise ValidationError(f"{child} is not checked in on {day_text(day)}.", code="not_checked_in")
    if record.check_out:
        raise ValidationError(
            f"{child} was already checked out at {_time_text(record.check_out)} on {day_text(day)}.",
            code="already_recorded",
        )
    at = at.replace(second=0, microsecond=0)
    if record.check_in is not None and at < record.check_in:
        raise ValidationError(
            f"Check-out at {_time_text(at)} would be before check-in at {_time_text(record.check_in)}.",
            code="out_before_in",
        )
    record.check_out, record.checked_out_by = at, user_of(actor)
    record.save()
    return record


@transaction.atomic
def attendance_mark_absent(
    *, actor: Actor, enrollment: Enrollment, day: datetime.date, reason: str, note: str = ""
) -> AttendanceRecord:
    if reason not in AbsenceReason.values:
        raise ValidationError({"reason": "Choose the reason for the absence."})
    check_attendance_day(enrollment, day)
    record = _existing(enrollment, day)
    if record is not None and not record.absence_reason:
        raise ValidationError(_describe(record) + "; undo the check-in first.", code="already_recorded")
    if record is None:
        record = AttendanceRecord(
            alliance_id=require_alliance_id(), enrollment=enrollment, day=day, checked_in_by=user_of(actor)
        )
    record.absence_reason, record.note = reason, note.strip()[:200]
    record.save()
    return record


@transaction.atomic
def attendance_times_correct(
    *,
    actor: Actor,
    record: AttendanceRecord,
    check_in: datetime.time,
    check_out: datetime.time | None,
    reason: str,
) -> AttendanceRecord:
    """Correct the times of a day a child came (a late entry or a wrong click), with the
    reason. Audited (who, before → after, why): the times are the day's hours, which
    attendance reports and billing may read. Times on today may not be ahead of the
    alliance's clock."""
    stored = (
        AttendanceRecord.objects.select_for_update(of=("self",)).select_related("enrollment__child").get(pk=record.pk)
    )
    child, day = stored.enrollment.child.full_name, day_text(stored.day)
    if stored.absence_reason:
        raise ValidationError(f"{child} is marked absent on {day}; undo the absence to record times.")
    reason = (reason or "").strip()
    if len(reason) < CORRECTION_REASON_MIN_LENGTH:
        raise ValidationError(
            {"reason": f"Say why the times change (at least {CORRECTION_REASON_MIN_LENGTH} characters)."}
        )
    check_in = check_in.replace(second=0, microsecond=0)
    check_out = check_out.replace(second=0, microsecond=0) if check_out else None
    if check_out is not None and check_out < check_in:
        raise ValidationError(
            {"check_out": f"Check-out at {_time_text(check_out)} would be before check-in at {_time_text(check_in)}."}
        )
    if stored.day == alliance_today():
        now = alliance_time()
        for name, value in (("check_in", check_in), ("check_out", check_out)):
            if value is not None and value > now:
                raise ValidationError(
                    {name: f"{_time_text(value)} has not come yet today (it is {_time_text(now)} now)."}
                )
    before = snapshot(stored)
    stored.check_in, stored.check_out = check_in, check_out
    if check_out is not None and stored.checked_out_by_id is None:
        stored.checked_out_by = user_of(actor)
    after = snapshot(stored)
    changed = [k for k in ("check_in", "check_out") if before.get(k) != after.get(k)]
    if not changed:
        return stored
    stored.save()
    audit_event_record(
        actor=actor,
        action="attendance.corrected",
        target=stored,
        program_id=stored.enrollment.program_id,
        before={k: before.get(k) for k in changed},
        after={k: after.get(k) for k in changed},
        reason=reason,
    )
    return stored


@transaction.atomic
def attendance_clear(*, actor: Actor, record: AttendanceRecord, reason: str = "") -> None:
    """Undo a day's record (a mistaken click). Audited: attendance may be billed."""
    stored = AttendanceRecord.objects.select_for_update(of=("self",)).select_related("enrollment").get(pk=record.pk)
    before = snapshot(stored)
    program_id = stored.enrollment.program_id
    object_id = str(stored.pk)
    stored.delete()
    audit_event_record(
        actor=actor,
        action="attendance.cleared",
        object_type="enrollment.attendancerecord",
        object_id=object_id,
        program_id=program_id,
        before=before,
        reason=reason,
    )
