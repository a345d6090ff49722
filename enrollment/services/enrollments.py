"""Writes of enrollments: enroll, change schedule, transfer, end.

Two refusals guard every place a child takes:

- capacity: on no operating day of the enrollment may the classroom's enrolled
  FTE exceed the licensed capacity in force that day;
- age: on the start date the child must be in the classroom's age group, by
  the alliance's age bands (mixed-age rooms take any band).

A hub user may override either with a written reason; the override is kept on
the enrollment and in the audit history. The classroom row is locked while
checking, so two enrollments cannot both take the last place.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from alliance.audit import Actor, audit_event_record, snapshot, user_of
from alliance.tenancy import require_alliance_id
from enrollment.models import (
    PERSON_END_REASONS,
    AttendanceRecord,
    Child,
    EndReason,
    Enrollment,
    FundingSource,
    Offer,
    OfferStatus,
)
from enrollment.rules import DayLength, age_group_on, age_in_months, age_label, classroom_takes, schedule_fte
from enrollment.services._common import check_override, day_text, fte_text
from enrollment.vacancy import classroom_last_change, room_days
from members.models import AgeGroup, Classroom, ProgramStatus, weekdays_label

ONE_DAY = datetime.timedelta(days=1)
GROUP_PLURALS: dict[str, str] = {
    AgeGroup.INFANT: "infants",
    AgeGroup.TODDLER: "toddlers",
    AgeGroup.PRESCHOOL: "preschoolers",
    AgeGroup.SCHOOL_AGE: "school-age children",
}


@dataclass(frozen=True)
class Refusal:
    code: str  # "capacity" or "age"
    message: str


# --- Checks -----------------------------------------------------------------
def _locked_classroom(classroom: Classroom | int) -> Classroom:
    pk = classroom if isinstance(classroom, int) else classroom.pk
    return Classroom.objects.select_for_update(of=("self",)).select_related("site__program").get(pk=pk)


def _check_schedule(classroom: Classroom, weekdays: Sequence[int], day_length: str) -> list[int]:
    days = sorted(set(weekdays))
    if day_length not in DayLength.FACTOR:
        raise ValidationError({"day_length": "Choose full day or part day."})
    if not days:
        raise ValidationError({"weekdays": "Choose at least one day of the week."})
    outside = [d for d in days if d not in classroom.operating_days]
    if outside:
        raise ValidationError(
            {
                "weekdays": (
                    f"{classroom.name} is open {weekdays_label(classroom.operating_days)}; "
                    f"{weekdays_label(outside)} {'is' if len(outside) == 1 else 'are'} not among its days."
                )
            }
        )
    return days


def _check_classroom_open(classroom: Classroom, start: datetime.date, end: datetime.date | None) -> None:
    program = classroom.site.program
    if program.status == ProgramStatus.LEFT:
        raise ValidationError(f"{program.name} has left the alliance; it takes no new enrollments.")
    if classroom.closed_on:
        if classroom.closed_on <= start:
            raise ValidationError(f"{classroom.name} closed on {day_text(classroom.closed_on)}.")
        if end is None or end >= classroom.closed_on:
            raise ValidationError(
                {
                    "end_date": (
                        f"{classroom.name} closes on {day_text(classroom.closed_on)}: "
                        f"the enrollment must end by {day_text(classroom.closed_on - ONE_DAY)}."
                    )
                }
            )


def capacity_refusal(
    *,
    classroom: Classroom,
    start: datetime.date,
    end: datetime.date | None,
    fte: Decimal,
    exclude_enrollment_ids: Iterable[int] = (),
    count_open_offers: bool = False,
    exclude_offer_ids: Iterable[int] = (),
) -> Refusal | None:
    """The first operating day the classroom would be over its licensed capacity.

    An open-ended enrollment is checked up to the last day anything changes in
    the classroom (a week at least); every later day looks the same.
    """
    horizon = end
    if horizon is None:
        last_change = classroom_last_change(classroom.pk) or start
        horizon = max(start + datetime.timedelta(days=6), last_change)
    rows = room_days(
        classroom_ids=[classroom.pk], start=start, end=horizon, exclude_enrollment_ids=exclude_enrollment_ids
    )
    held: list[Offer] = []
    if count_open_offers:
        held = list(
            Offer.objects.filter(classroom=classroom, status=OfferStatus.OPEN)
            .exclude(pk__in=list(exclude_offer_ids))
            .only("start_date", "fte")
        )
    operating = _operating_days(classroom, start, horizon)
    if not operating:
        return Refusal(
            "capacity", f"{classroom.name} is not open on any day from {day_text(start)} to {day_text(horizon)}."
        )
    by_day = {row.day: row for row in rows}
    for day in operating:
        row = by_day.get(day)
        if row is None:
            return Refusal("capacity", f"{classroom.name} has no licensed capacity recorded on {day_text(day)}.")
        holding = sum((o.fte for o in held if o.start_date <= day), Decimal(0))
        taken = row.enrolled_fte + holding
        if taken + fte > row.licensed:
            state = "is full" if taken >= row.licensed else "has no room"
            offers = f", {fte_text(holding)} held by open offers" if holding else ""
            return Refusal(
                "capacity",
                (
                    f"{classroom.name} {state} on {day_text(day)}: {fte_text(taken)} of {row.licensed} "
                    f"licensed places taken (FTE; {row.children} "
                    f"{'child' if row.children == 1 else 'children'} enrolled{offers}); "
                    f"this enrollment ({fte_text(fte)}) would make {fte_text(taken + fte)}."
                ),
            )
    return None


def _operating_days(classroom: Classroom, start: datetime.date, end: datetime.date) -> list[datetime.date]:
    days, day = [], start
    while day <= end:
        if day.weekday() in classroom.operating_days and (classroom.closed_on is None or day < classroom.closed_on):
            days.append(day)
        day += ONE_DAY
    return days


def age_refusal(*, child: Child, classroom: Classroom, on: datetime.date) -> Refusal | None:
    from enrollment.selectors import age_bands

    bands = age_bands()
    group = age_group_on(child.date_of_birth, on, bands)
    if classroom_takes(classroom.age_group, group):
        return None
    months = age_in_months(child.date_of_birth, on)
    child_group = AgeGroup(group).label.lower() if group else "in no age group"
    if classroom.age_group == AgeGroup.MIXED:
        takes = "children of every age group"
        first, last = bands[0], bands[-1]
        span = f"{first.min_months} months to under {last.max_months // 12} years"
    else:
        band = next(b for b in bands if b.age_group == classroom.age_group)
        takes = GROUP_PLURALS.get(classroom.age_group, AgeGroup(classroom.age_group).label.lower())
        span = band.range_label
    return Refusal(
        "age",
        (
            f"{child.full_name} is {age_label(months)} old on {day_text(on)} ({child_group}); "
            f"{classroom.name} takes {takes} ({span})."
        ),
    )


def _check_no_overlap(
    child: Child,
    start: datetime.date,
    end: datetime.date | None,
    weekdays: Sequence[int],
    exclude_ids: Iterable[int] = (),
) -> None:
    overlapping = (
        Enrollment.objects.filter(child=child)
        .exclude(pk__in=list(exclude_ids))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
        .select_related("classroom", "program")
    )
    if end is not None:
        overlapping = overlapping.filter(start_date__lte=end)
    for other in overlapping:
        shared = sorted(set(other.weekdays) & set(weekdays))
        if shared:
            until = f" until {day_text(other.end_date)}" if other.end_date else ""
            raise ValidationError(
                f"{child.full_name} is already enrolled in {other.classroom.name} at {other.program.name} "
                f"on {weekdays_label(shared)} from {day_text(other.start_date)}{until}.",
                code="overlap",
            )


def _refuse_or_override(refusals: list[Refusal], *, actor: Actor, override_reason: str) -> str:
    refusals = [r for r in refusals if r is not None]
    reason = check_override(actor, override_reason)
    if refusals and not reason:
        raise ValidationError([ValidationError(r.message, code=r.code) for r in refusals])
    return reason if refusals else ""


def _record_override(enrollment: Enrollment, refusals: list[Refusal], reason: str, actor: Actor) -> None:
    if not reason:
        return
    audit_event_record(
        actor=actor,
        action="enrollment.override",
        target=enrollment,
        after={"refusals": [r.message for r in refusals]},
        reason=reason,
    )


def _check_attendance_until(enrollment: Enrollment, last_day: datetime.date, what: str) -> None:
    later = (
        AttendanceRecord.objects.filter(enrollment=enrollment, day__gt=last_day)
        .order_by("-day")
        .values_list("day", flat=True)
        .first()
    )
    if later:
        raise ValidationError(
            f"Attendance is recorded on {day_text(later)} under this enrollment; {what}.", code="attendance_after"
        )


def rate_plan_ref_resolve(program_id: int, ref: str) -> str:
    """The rate plan reference an enrollment stores: blank (billing picks the plan by age group and
    schedule), or the code of one of the program's rate plans, given by its code or its id.
    A plan of another program, or none at all, is refused. Billing owns the plans; this names its
    model by string, as the forms do, so enrollment does not import billing."""
    ref = (ref or "").strip()
    if not ref:
        return ""
    plans = apps.get_model("billing", "RatePlan").objects.all()
    if plans.filter(program_id=program_id, code=ref).exists():
        return ref
    by_id = plans.filter(pk=int(ref)).first() if ref.isdigit() and len(ref) < 12 else None
    if by_id is not None and by_id.program_id == program_id:
        if not by_id.code:
            raise ValidationError(
                {"rate_plan_ref": f"The rate plan “{by_id.name}” has no code to name it by; leave this blank."}
            )
        return str(by_id.code)
    if by_id is not None or plans.filter(code=ref).exclude(program_id=program_id).exists():
        raise ValidationError({"rate_plan_ref": "That rate plan is another program's; choose one of this program's."})
    raise ValidationError({"rate_plan_ref": f"This program has no rate plan “{ref}”."})


# --- Services ---------------------------------------------------------------
@transaction.atomic
def enrollment_create(
    *,
    actor: Actor,
    child: Child,
    classroom: Classroom,
    start_date: datetime.date,
    weekdays: Sequence[int],
    day_length: str = DayLength.FULL,
    funding_source: str = FundingSource.PRIVATE_PAY,
    end_date: datetime.date | None = None,
    rate_plan_ref: str = "",
    override_reason: str = "",
    previous: Enrollment | None = None,
    audit: bool = True,
) -> Enrollment:
    """Enroll a child, refusing past capacity or outside the age group unless a
    hub user overrides with a written reason."""
    room = _locked_classroom(classroom)
    if funding_source not in FundingSource.values:
        raise ValidationError({"funding_source": "Choose a funding source."})
    rate_plan_ref = (rate_plan_ref or "").strip()
    if previous is None or rate_plan_ref != previous.rate_plan_ref:  # a carried-over reference stays as it was
        rate_plan_ref = rate_plan_ref_resolve(room.site.program_id, rate_plan_ref)
    if end_date is not None and end_date < start_date:
        raise ValidationError({"end_date": "The end date cannot be before the start date."})
    days = _check_schedule(room, weekdays, day_length)
    _check_classroom_open(room, start_date, end_date)
    _check_no_overlap(child, start_date, end_date, days, exclude_ids=[previous.pk] if previous else [])
    fte = schedule_fte(days, day_length)
    # A schedule change in the same room keeps the child where they are, whatever their age now.
    same_room = previous is not None and previous.classroom_id == room.pk
    refusals = [
        r
        for r in (
            None if same_room else age_refusal(child=child, classroom=room, on=start_date),
            capacity_refusal(
                classroom=room,
                start=start_date,
                end=end_date,
                fte=fte,
                exclude_enrollment_ids=[previous.pk] if previous else [],
            ),
        )
        if r is not None
    ]
    reason = _refuse_or_override(refusals, actor=actor, override_reason=override_reason)
    enrollment = Enrollment(
        alliance_id=require_alliance_id(),
        child=child,
        classroom=room,
        program_id=room.site.program_id,
        start_date=start_date,
        end_date=end_date,
        weekdays=days,
        day_length=day_length,
        fte=fte,
        funding_source=funding_source,
        rate_plan_ref=(rate_plan_ref or "").strip(),
        override_reason=reason,
        previous=previous,
        created_by=user_of(actor),
    )
    enrollment.save()
    if audit:
        audit_event_record(
            actor=actor, action="enrollment.created", target=enrollment, after=snapshot(enrollment), reason=reason
        )
    _record_override(enrollment, refusals, reason, actor)
    return enrollment


def _split(
    *,
    actor: Actor,
    enrollment: Enrollment,
    effective_from: datetime.date,
    classroom: Classroom,
    weekdays: Sequence[int],
    day_length: str,
    end_reason: str,
    override_reason: str,
    action: str,
) -> Enrollment:
    """End `enrollment` the day before `effective_from` and continue it from then
    with another classroom or schedule."""
    stored = Enrollment.objects.select_for_update(of=("self",)).select_related("child").get(pk=enrollment.pk)
    if effective_from < stored.start_date or (stored.end_date and effective_from > stored.end_date):
        until = day_text(stored.end_date) if stored.end_date else "open-ended"
        raise ValidationError(
            {"effective_from": (f"Choose a date within the enrollment ({day_text(stored.start_date)} to {until}).")}
        )
    if effective_from > stored.start_date:
        _check_attendance_until(stored, effective_from - ONE_DAY, "the change must take effect after that day")
    before = snapshot(stored)
    if effective_from == stored.start_date and classroom.pk == stored.classroom_id:
        # Nothing attended under the old schedule yet: change it in place.
        room = _locked_classroom(classroom)
        days = _check_schedule(room, weekdays, day_length)
        fte = schedule_fte(days, day_length)
        _check_no_overlap(stored.child, stored.start_date, stored.end_date, days, exclude_ids=[stored.pk])
        refusals = [
            r
            for r in [
                capacity_refusal(
                    classroom=room,
                    start=stored.start_date,
                    end=stored.end_date,
                    fte=fte,
                    exclude_enrollment_ids=[stored.pk],
                )
            ]
            if r
        ]
        reason = _refuse_or_override(refusals, actor=actor, override_reason=override_reason)
        stored.weekdays, stored.day_length, stored.fte = days, day_length, fte
        if reason:
            stored.override_reason = reason
        stored.save()
        audit_event_record(
            actor=actor, action=action, target=stored, before=before, after=snapshot(stored), reason=reason
        )
        _record_override(stored, refusals, reason, actor)
        return stored
    if effective_from == stored.start_date:
        raise ValidationError(
            {
                "effective_from": (
                    "A transfer on the first day is a different enrollment: end this one "
                    "and enroll the child in the other classroom instead."
                )
            }
        )
    original_end = stored.end_date
    stored.end_date = effective_from - ONE_DAY
    stored.end_reason = end_reason
    stored.save()
    successor = enrollment_create(
        actor=actor,
        child=stored.child,
        classroom=classroom,
        start_date=effective_from,
        end_date=original_end,
        weekdays=weekdays,
        day_length=day_length,
        funding_source=stored.funding_source,
        rate_plan_ref=stored.rate_plan_ref,
        override_reason=override_reason,
        previous=stored,
        audit=False,
    )
    audit_event_record(
        actor=actor,
        action=action,
        target=stored,
        before=before,
        after={"ended": snapshot(stored), "continued_as": snapshot(successor)},
        reason=successor.override_reason,
    )
    return successor


@transaction.atomic
def enrollment_change_schedule(
    *,
    actor: Actor,
    enrollment: Enrollment,
    effective_from: datetime.date,
    weekdays: Sequence[int],
    day_length: str,
    override_reason: str = "",
) -> Enrollment:
    """New days or day length from a date. Returns the enrollment in force from then."""
    if sorted(set(weekdays)) == sorted(enrollment.weekdays) and day_length == enrollment.day_length:
        raise ValidationError("The schedule is unchanged.")
    return _split(
        actor=actor,
        enrollment=enrollment,
        effective_from=effective_from,
        classroom=enrollment.classroom,
        weekdays=weekdays,
        day_length=day_length,
        end_reason=EndReason.SCHEDULE_CHANGE,
        override_reason=override_reason,
        action="enrollment.schedule_changed",
    )


@transaction.atomic
def enrollment_transfer(
    *,
    actor: Actor,
    enrollment: Enrollment,
    classroom: Classroom,
    effective_from: datetime.date,
    weekdays: Sequence[int] | None = None,
    day_length: str | None = None,
    override_reason: str = "",
) -> Enrollment:
    """Move a child to another classroom from a date (the age and capacity checks
    apply to the new room). Returns the new enrollment."""
    if classroom.pk == enrollment.classroom_id:
        raise ValidationError({"classroom": "Choose a different classroom."})
    return _split(
        actor=actor,
        enrollment=enrollment,
        effective_from=effective_from,
        classroom=classroom,
        weekdays=weekdays if weekdays is not None else enrollment.weekdays,
        day_length=day_length or enrollment.day_length,
        end_reason=EndReason.TRANSFER,
        override_reason=override_reason,
        action="enrollment.transferred",
    )


@transaction.atomic
def enrollment_end(
    *, actor: Actor, enrollment: Enrollment, end_date: datetime.date, reason: str, note: str = ""
) -> Enrollment:
    """Set the last day of an enrollment, with the reason it ends."""
    stored = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    errors: dict[str, str] = {}
    if reason not in PERSON_END_REASONS:
        errors["reason"] = "Choose why the enrollment ends."
    elif reason == EndReason.OTHER and not note.strip():
        errors["note"] = "Say why the enrollment ends."
    if end_date < stored.start_date:
        errors["end_date"] = f"The enrollment starts on {day_text(stored.start_date)}; it cannot end before."
    if Enrollment.objects.filter(previous=stored).exists():
        errors["end_date"] = "This enrollment continues under a later schedule or classroom; end that one instead."
    if errors:
        raise ValidationError(errors)
    _check_attendance_until(stored, end_date, "the enrollment cannot end before that day")
    before = snapshot(stored, ["end_date", "end_reason", "end_note"])
    stored.end_date, stored.end_reason, stored.end_note = end_date, reason, note.strip()
    stored.save()
    audit_event_record(
        actor=actor,
        action="enrollment.ended",
        target=stored,
        before=before,
        after=snapshot(stored, ["end_date", "end_reason", "end_note"]),
        reason=note.strip(),
    )
    return stored


@transaction.atomic
def enrollment_update_terms(
    *, actor: Actor, enrollment: Enrollment, funding_source: str, rate_plan_ref: str
) -> Enrollment:
    """Funding source and tuition rate plan: what billing reads, no effect on places."""
    if funding_source not in FundingSource.values:
        raise ValidationError({"funding_source": "Choose a funding source."})
    stored = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    fields = ["funding_source", "rate_plan_ref"]
    before = snapshot(stored, fields)
    rate_plan_ref = rate_plan_ref.strip()
    if rate_plan_ref != stored.rate_plan_ref:
        rate_plan_ref = rate_plan_ref_resolve(stored.program_id, rate_plan_ref)
    stored.funding_source, stored.rate_plan_ref = funding_source, rate_plan_ref
    after = snapshot(stored, fields)
    if after != before:
        stored.save()
        audit_event_record(actor=actor, action="enrollment.terms_changed", target=stored, before=before, after=after)
    return stored
