"""Writes of waitlists and offers.

A waiting child is on one program's waitlist or on the alliance-wide shared
waitlist (program blank); either way the family may name other programs, an
area, or any program. The Hub offers a place (a classroom from a date); the
family accepts (the enrollment is created, with the usual capacity and age
checks), declines, or lets the offer lapse after its respond-by date
(tasks.offers_expire). Every step is an audit event.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alliance.audit import Actor, audit_changes, audit_event_record, fields_check, snapshot, user_of
from alliance.dates import alliance_today
from alliance.tenancy import require_alliance_id
from enrollment.models import (
    Enrollment,
    FundingSource,
    Offer,
    OfferStatus,
    WaitlistChoice,
    WaitlistEntry,
    WaitlistStatus,
)
from enrollment.rules import DayLength, age_group_on, age_in_months, age_label, schedule_fte
from enrollment.services._common import day_text
from enrollment.services.enrollments import (
    _check_schedule,
    _locked_classroom,
    age_refusal,
    capacity_refusal,
    enrollment_create,
)
from members.models import Classroom, MemberProgram, ProgramStatus

ENTRY_FIELDS = frozenset(
    {
        "desired_start",
        "weekdays",
        "day_length",
        "area",
        "any_program",
        "sibling_enrolled",
        "subsidy_eligible",
        "notes",
        "added_on",
        "acceptable_program_ids",
    }
)
OPEN_ENTRY_STATUSES = [WaitlistStatus.WAITING, WaitlistStatus.OFFERED]
DEFAULT_OFFER_DAYS = 7


def _entry_snapshot(entry: WaitlistEntry) -> dict[str, Any]:
    data = snapshot(entry)
    data["acceptable_program_ids"] = sorted(
        WaitlistChoice.objects.filter(entry=entry).values_list("program_id", flat=True)
    )
    return data


def _validate_entry(entry: WaitlistEntry, acceptable_ids: Sequence[int]) -> None:
    from enrollment.selectors import age_bands

    errors: dict[str, str] = {}
    today = alliance_today()
    entry.area = (entry.area or "").strip()
    if entry.day_length not in DayLength.FACTOR:
        errors["day_length"] = "Choose full day or part day."
    days = sorted(set(entry.weekdays or []))
    if not days or any(d not in range(7) for d in days):
        errors["weekdays"] = "Choose the days of the week the family needs."
    entry.weekdays = days
    if entry.added_on and entry.added_on > today:
        errors["added_on"] = "The date added cannot be in the future."
    child = entry.child
    if entry.desired_start:
        if entry.desired_start < child.date_of_birth:
            errors["desired_start"] = f"{child.full_name} is not born until {day_text(child.date_of_birth)}."
        else:
            group = age_group_on(child.date_of_birth, entry.desired_start, age_bands())
            if group is None:
                months = age_in_months(child.date_of_birth, entry.desired_start)
                errors["desired_start"] = (
                    f"{child.full_name} will be {age_label(months)} old on "
                    f"{day_text(entry.desired_start)}; no age group takes them."
                )
            entry.age_group_at_start = group or ""
    if entry.program is not None and entry.program.status == ProgramStatus.LEFT:
        errors["program"] = f"{entry.program.name} has left the alliance."
    programs = list(MemberProgram.objects.filter(pk__in=list(acceptable_ids)))
    if len(programs) != len(set(acceptable_ids)):
        errors["acceptable_program_ids"] = "Choose member programs of this alliance."
    elif any(p.status == ProgramStatus.LEFT for p in programs):
        errors["acceptable_program_ids"] = "A program that has left the alliance cannot be chosen."
    if entry.program_id is None and not (acceptable_ids or entry.area or entry.any_program):
        errors["acceptable_program_ids"] = (
            "Name at least one program the family would accept, an area, or tick “any member program”."
        )
    duplicate = (
        WaitlistEntry.objects.filter(child=child, program_id=entry.program_id, status__in=OPEN_ENTRY_STATUSES)
        .exclude(pk=entry.pk)
        .first()
    )
    if duplicate:
        where = f"{entry.program.name}'s waitlist" if entry.program is not None else "the shared waitlist"
        errors["__all__"] = f"{child.full_name} is already on {where} since {day_text(duplicate.added_on)}."
    if errors:
        raise ValidationError(errors)
    entry.fte = schedule_fte(days, entry.day_length)


def _set_choices(entry: WaitlistEntry, acceptable_ids: Iterable[int]) -> None:
    wanted = {int(p) for p in acceptable_ids} - ({entry.program_id} if entry.program_id else set())
    WaitlistChoice.objects.filter(entry=entry).exclude(program_id__in=wanted).delete()
    have = set(WaitlistChoice.objects.filter(entry=entry).values_list("program_id", flat=True))
    WaitlistChoice.objects.bulk_create(
        [WaitlistChoice(alliance_id=require_alliance_id(), entry=entry, program_id=p) for p in sorted(wanted - have)]
    )


@transaction.atomic
def waitlist_entry_create(
    *,
    actor: Actor,
    child: Any,
    program: MemberProgram | None,
    desired_start: datetime.date,
    weekdays: Sequence[int],
    day_length: str = DayLength.FULL,
    acceptable_program_ids: Sequence[int] = (),
    area: str = "",
    any_program: bool = False,
    sibling_enrolled: bool = False,
    subsidy_eligible: bool = False,
    added_on: datetime.date | None = None,
    notes: str = "",
) -> WaitlistEntry:
    """Put a child on a program's waitlist, or on the shared one (program None)."""
    entry = WaitlistEntry(
        alliance_id=require_alliance_id(),
        child=child,
        program=program,
        desired_start=desired_start,
        weekdays=list(weekdays),
        day_length=day_length,
        area=area,
        any_program=any_program,
        sibling_enrolled=sibling_enrolled,
        subsidy_eligible=subsidy_eligible,
        added_on=added_on or alliance_today(),
        notes=notes.strip(),
    )
    ids = [int(p) for p in acceptable_program_ids]
    _validate_entry(entry, ids)
    entry.save()
    _set_choices(entry, ids)
    audit_event_record(
        actor=actor,
        action="waitlist.entry_created",
        target=entry,
        program_id=entry.program_id,
        after=_entry_snapshot(entry),
    )
    return entry


@transaction.atomic
def waitlist_entry_update(*, actor: Actor, entry: WaitlistEntry, data: Mapping[str, Any]) -> WaitlistEntry:
    fields_check(data, ENTRY_FIELDS)
    stored = WaitlistEntry.objects.select_for_update(of=("self",)).select_related("child", "program").get(pk=entry.pk)
    if stored.status not in OPEN_ENTRY_STATUSES:
        raise ValidationError(f"This entry is {stored.get_status_display().lower()}; it can no longer change.")
    before = _entry_snapshot(stored)
    ids = [int(p) for p in data.get("acceptable_program_ids", before["acceptable_program_ids"])]
    for name, value in data.items():
        if name != "acceptable_program_ids":
            setattr(stored, name, value)
    _validate_entry(stored, ids)
    stored.save()
    _set_choices(stored, ids)
    audit_changes(
        actor=actor,
        action="waitlist.entry_updated",
        target=stored,
        program_id=stored.program_id,
        before=before,
        after=_entry_snapshot(stored),
    )
    return stored


@transaction.atomic
def waitlist_entry_withdraw(*, actor: Actor, entry: WaitlistEntry, reason: str) -> WaitlistEntry:
    stored = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
    if stored.status not in OPEN_ENTRY_STATUSES:
        raise ValidationError(f"This entry is already {stored.get_status_display().lower()}.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the family leaves the waitlist."})
    for offer in Offer.objects.select_for_update().filter(entry=stored, status=OfferStatus.OPEN):
        _close_offer(
            offer,
            status=OfferStatus.WITHDRAWN,
            actor=actor,
            note="The family left the waitlist.",
            action="offer.withdrawn",
            entry_status=None,
        )
    before = snapshot(stored, ["status", "status_note"])
    stored.status, stored.status_note = WaitlistStatus.WITHDRAWN, reason.strip()[:300]
    stored.save()
    audit_event_record(
        actor=actor,
        action="waitlist.entry_withdrawn",
        target=stored,
        program_id=stored.program_id,
        before=before,
        after=snapshot(stored, ["status", "status_note"]),
        reason=reason.strip(),
    )
    return stored


# --- Offers -----------------------------------------------------------------
@transaction.atomic
def offer_create(
    *,
    actor: Actor,
    entry: WaitlistEntry,
    classroom: Classroom,
    start_date: datetime.date,
    respond_by: datetime.date | None = None,
    weekdays: Sequence[int] | None = None,
    day_length: str | None = None,
    note: str = "",
) -> Offer:
    """Offer a waiting child a place. Refused when the child does not fit the
    room's age group on the start date, or the room has no place for the
    schedule on some day (open offers hold their places too)."""
    room = _locked_classroom(classroom)
    stored = WaitlistEntry.objects.select_for_update(of=("self",)).select_related("child", "program").get(pk=entry.pk)
    today = alliance_today()
    if stored.status != WaitlistStatus.WAITING:
        raise ValidationError(
            f"{stored.child.full_name}'s entry is {stored.get_status_display().lower()}; "
            "only waiting children can be offered a place."
        )
    # By default a week to answer, but never past the start date (a place starting Monday is answered by Monday).
    respond_by = respond_by or max(today, min(today + datetime.timedelta(days=DEFAULT_OFFER_DAYS), start_date))
    errors: dict[str, str] = {}
    if start_date < today:
        errors["start_date"] = "The start date has passed."
    if respond_by < today:
        errors["respond_by"] = "The respond-by date has passed."
    elif respond_by > start_date:
        errors["respond_by"] = "The family must answer by the start date."
    if errors:
        raise ValidationError(errors)
    length = day_length or stored.day_length
    days = _check_schedule(room, weekdays if weekdays is not None else stored.weekdays, length)
    fte = schedule_fte(days, length)
    refusal = age_refusal(child=stored.child, classroom=room, on=start_date) or capacity_refusal(
        classroom=room, start=start_date, end=None, fte=fte, count_open_offers=True
    )
    if refusal:
        raise ValidationError(refusal.message, code=refusal.code)
    offer = Offer(
        alliance_id=require_alliance_id(),
        entry=stored,
        classroom=room,
        program_id=room.site.program_id,
        start_date=start_date,
        weekdays=days,
        day_length=length,
        fte=fte,
        respond_by=respond_by,
        note=note.strip()[:300],
        made_by=user_of(actor),
    )
    offer.save()
    stored.status = WaitlistStatus.OFFERED
    stored.save(update_fields=["status"])
    audit_event_record(actor=actor, action="offer.made", target=offer, after=snapshot(offer))
    return offer


def _locked_open_offer(offer: Offer) -> Offer:
    stored = Offer.objects.select_for_update(of=("self",)).select_related("entry__child", "classroom").get(pk=offer.pk)
    if stored.status != OfferStatus.OPEN:
        raise ValidationError(f"This offer is already {stored.get_status_display().lower()}.", code="offer_closed")
    return stored


def _close_offer(
    offer: Offer,
    *,
    status: str,
    actor: Actor,
    note: str,
    action: str,
    entry_status: str | None = WaitlistStatus.WAITING,
    enrollment: Enrollment | None = None,
) -> Offer:
    before = snapshot(offer, ["status", "response_note", "enrollment"])
    offer.status, offer.response_note = status, note.strip()[:300]
    offer.responded_at = timezone.now()
    offer.enrollment = enrollment
    offer.save()
    if entry_status is not None:
        WaitlistEntry.objects.filter(pk=offer.entry_id, status=WaitlistStatus.OFFERED).update(status=entry_status)
    audit_event_record(
        actor=actor,
        action=action,
        target=offer,
        before=before,
        after=snapshot(offer, ["status", "response_note", "enrollment"]),
        reason=note.strip(),
    )
    return offer


@transaction.atomic
def offer_accept(
    *,
    actor: Actor,
    offer: Offer,
    funding_source: str = FundingSource.PRIVATE_PAY,
    rate_plan_ref: str = "",
    override_reason: str = "",
) -> Enrollment:
    """The family accepts: the child is enrolled from the offer's start date."""
    stored = _locked_open_offer(offer)
    today = alliance_today()
    if stored.respond_by < today:
        raise ValidationError(
            f"This offer expired: the family had to answer by {day_text(stored.respond_by)}.", code="offer_expired"
        )
    enrollment = enrollment_create(
        actor=actor,
        child=stored.entry.child,
        classroom=stored.classroom,
        start_date=stored.start_date,
        weekdays=stored.weekdays,
        day_length=stored.day_length,
        funding_source=funding_source,
        rate_plan_ref=rate_plan_ref,
        override_reason=override_reason,
    )
    _close_offer(
        stored,
        status=OfferStatus.ACCEPTED,
        actor=actor,
        note="",
        action="offer.accepted",
        entry_status=WaitlistStatus.PLACED,
        enrollment=enrollment,
    )
    return enrollment


@transaction.atomic
def offer_decline(*, actor: Actor, offer: Offer, note: str = "", keep_waiting: bool = True) -> Offer:
    """The family says no. They stay on the waitlist unless they ask to leave it."""
    stored = _locked_open_offer(offer)
    closed = _close_offer(stored, status=OfferStatus.DECLINED, actor=actor, note=note, action="offer.declined")
    if not keep_waiting:
        waitlist_entry_withdraw(actor=actor, entry=stored.entry, reason=note or "Declined an offer and left.")
    return closed


@transaction.atomic
def offer_withdraw(*, actor: Actor, offer: Offer, note: str) -> Offer:
    """The Hub takes an offer back (the place went elsewhere, a mistake)."""
    if not note.strip():
        raise ValidationError({"note": "Say why the offer is withdrawn."})
    stored = _locked_open_offer(offer)
    return _close_offer(stored, status=OfferStatus.WITHDRAWN, actor=actor, note=note, action="offer.withdrawn")


@transaction.atomic
def offers_expire_due(*, today: datetime.date | None = None) -> list[int]:
    """Close open offers whose respond-by date has passed; the children wait again."""
    today = today or alliance_today()
    due = list(
        Offer.objects.select_for_update(of=("self",))
        .filter(status=OfferStatus.OPEN, respond_by__lt=today)
        .order_by("pk")
    )
    for offer in due:
        _close_offer(
            offer,
            status=OfferStatus.EXPIRED,
            actor=None,
            note=f"No answer by {day_text(offer.respond_by)}.",
            action="offer.expired",
        )
    return [o.pk for o in due]
