"""Tours for families who inquired: each program publishes tour slots, the Hub books an inquiry on one.

A slot (`TourSlot`) is a time in the alliance's future (alliance.dates) of 15–240 minutes for 1–20
families. Booking locks the inquiry, then the slot (always in that order): two bookings at once
never pass the slot's capacity, and an inquiry holds at most one booked tour per program (also a
constraint of the table). A booking may send its confirmation from a message template through the
messaging path (outreach/messaging.py, the task outbox), in the same transaction: a message that
cannot be sent leaves no booking either. A booking is the inquiry's first contact when it had none.
A cancelled slot cancels its bookings and writes to each family.

Reads (a week of slots with their counts, the slots an inquiry may book) are here too, next to the
rules they share.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from alliance.audit import Actor, audit_event_record, snapshot, user_of
from alliance.dates import BUSINESS_DATE, DateOutOfRange, add_days, alliance_now, alliance_zone
from alliance.formatting import weekday_day as day_label
from alliance.tenancy import require_alliance_id
from members.models import MemberProgram, ProgramStatus
from outreach.messaging import Subject, inquiry_subject, message_send
from outreach.models import (
    TOUR_CAPACITY,
    TOUR_MINUTES,
    ContactMethod,
    Inquiry,
    Message,
    MessageChannel,
    MessageTemplate,
    TourBooking,
    TourBookingStatus,
    TourSlot,
)
from outreach.services import inquiry_record_first_contact

SLOT_FIELDS = ["program_id", "day", "starts_at", "minutes", "capacity", "note"]
# Bookings that hold a place on the tour (a cancelled one gives its place back).
HOLDING = [TourBookingStatus.BOOKED, TourBookingStatus.ATTENDED, TourBookingStatus.NO_SHOW]
OUTCOMES = [TourBookingStatus.ATTENDED, TourBookingStatus.NO_SHOW]


# --- Reads --------------------------------------------------------------------------------------
def slot_start(slot: TourSlot) -> datetime.datetime:
    """The moment the tour starts, on the alliance's wall clock."""
    return datetime.datetime.combine(slot.day, slot.starts_at, tzinfo=alliance_zone())


def slot_end_time(slot: TourSlot) -> datetime.time:
    return (datetime.datetime.combine(slot.day, slot.starts_at) + datetime.timedelta(minutes=slot.minutes)).time()


def slot_label(slot: TourSlot) -> str:
    return f"{day_label(slot.day)}, {slot.starts_at:%H:%M}–{slot_end_time(slot):%H:%M}"


def slots_with_counts(queryset: models.QuerySet[TourSlot] | None = None) -> models.QuerySet[TourSlot]:
    """Slots with `booked` (places taken) annotated."""
    queryset = TourSlot.objects.all() if queryset is None else queryset
    return queryset.select_related("program").annotate(
        booked=models.Count("bookings", filter=models.Q(bookings__status__in=HOLDING))
    )


def week_start_of(day: datetime.date) -> datetime.date:
    """The Monday of day's week."""
    return add_days(day, -day.weekday())


@dataclass
class CalendarDay:
    day: datetime.date
    slots: list[TourSlot]


def tour_week(*, week_start: datetime.date, program_ids: list[int] | None) -> list[CalendarDay]:
    """Monday to Sunday from week_start, each day with its slots (cancelled ones too, marked)."""
    days = [add_days(week_start, n) for n in range(7)]
    queryset = TourSlot.objects.filter(day__gte=days[0], day__lte=days[-1])
    if program_ids is not None:
        queryset = queryset.filter(program_id__in=program_ids)
    slots = list(slots_with_counts(queryset).order_by("day", "starts_at", "program__name", "pk"))
    for slot in slots:
        slot.free = max(slot.capacity - slot.booked, 0)  # type: ignore[attr-defined]
        slot.ends_at = slot_end_time(slot)  # type: ignore[attr-defined]
    return [CalendarDay(d, [s for s in slots if s.day == d]) for d in days]


def inquiry_program_ids(inquiry: Inquiry) -> list[int]:
    """The programs the family asked for on its inquiry (its children's shared waitlist entries)."""
    from enrollment.models import WaitlistEntry

    return sorted(
        set(
            WaitlistEntry.objects.filter(child__family_id=inquiry.family_id, acceptable_programs__isnull=False)
            .values_list("acceptable_programs", flat=True)
            .distinct()
        )
    )


def bookable_slots(*, program_ids: list[int] | None) -> list[TourSlot]:
    """Open slots ahead with a free place, of these programs (None: every program)."""
    now = alliance_now()
    queryset = TourSlot.objects.filter(cancelled_at__isnull=True, day__gte=now.date())
    if program_ids is not None:
        queryset = queryset.filter(program_id__in=program_ids)
    slots = [
        s
        for s in slots_with_counts(queryset).order_by("day", "starts_at", "program__name")
        if s.booked < s.capacity and slot_start(s) > now  # type: ignore[attr-defined]
    ]
    for slot in slots:
        slot.free = slot.capacity - slot.booked  # type: ignore[attr-defined]
    return slots


def _with_started(bookings: list[TourBooking]) -> list[TourBooking]:
    """`started` on each booking: whether its tour has begun (then attended / no-show, not cancel)."""
    now = alliance_now()
    for booking in bookings:
        booking.started = slot_start(booking.slot) <= now  # type: ignore[attr-defined]
        booking.label = slot_label(booking.slot)  # type: ignore[attr-defined]
    return bookings


def inquiry_tours(inquiry: Inquiry) -> list[TourBooking]:
    return _with_started(
        list(
            TourBooking.objects.filter(inquiry=inquiry)
            .select_related("slot", "program", "booked_by")
            .order_by("-slot__day", "-slot__starts_at", "-pk")
        )
    )


def slot_bookings(slot: TourSlot) -> list[TourBooking]:
    return _with_started(
        list(
            TourBooking.objects.filter(slot=slot)
            .select_related("slot", "inquiry__guardian", "booked_by")
            .order_by("pk")
        )
    )


def tour_values(slot: TourSlot) -> dict[str, str]:
    """The placeholders of a message about a tour."""
    return {
        "program": slot.program.name,
        "tour_day": day_label(slot.day),
        "tour_time": f"{slot.starts_at:%H:%M}–{slot_end_time(slot):%H:%M}",
        "tour_address": ", ".join(slot.program.address_lines),
    }


def tour_subject(inquiry: Inquiry, slot: TourSlot) -> Subject:
    """A message about the inquiry (listed on its page and the family's), with the tour's placeholders."""
    subject = inquiry_subject(inquiry)
    subject.values |= tour_values(slot)
    return subject


# --- Slots -----------------------------------------------------------------------------------------
def _check_slot(
    *, day: datetime.date, starts_at: datetime.time, minutes: int, capacity: int, note: str, booked: int = 0
) -> None:
    errors: dict[str, str] = {}
    now = alliance_now()
    try:
        BUSINESS_DATE.check(day, now.date())
    except DateOutOfRange as exc:
        errors["day"] = str(exc)
    else:
        if datetime.datetime.combine(day, starts_at, tzinfo=now.tzinfo) <= now:
            errors["day" if day < now.date() else "starts_at"] = "A tour is published for a time still ahead."
    if not TOUR_MINUTES[0] <= minutes <= TOUR_MINUTES[1]:
        errors["minutes"] = f"A tour lasts {TOUR_MINUTES[0]} to {TOUR_MINUTES[1]} minutes."
    elif datetime.datetime.combine(day, starts_at) + datetime.timedelta(minutes=minutes) > datetime.datetime.combine(
        day, datetime.time(23, 59)
    ):
        errors["minutes"] = "A tour ends on the day it starts."
    if not TOUR_CAPACITY[0] <= capacity <= TOUR_CAPACITY[1]:
        errors["capacity"] = f"A tour takes {TOUR_CAPACITY[0]} to {TOUR_CAPACITY[1]} families."
    elif capacity < booked:
        errors["capacity"] = f"{booked} families are booked on this tour: the capacity cannot be below that."
    if len(note) > 200:
        errors["note"] = "At most 200 characters."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def tour_slot_create(
    *,
    actor: Actor,
    program: MemberProgram,
    day: datetime.date,
    starts_at: datetime.time,
    minutes: int,
    capacity: int = 1,
    note: str = "",
) -> TourSlot:
    note = note.strip()
    if program.status == ProgramStatus.LEFT:
        raise ValidationError({"program": "This program has left the alliance."})
    _check_slot(day=day, starts_at=starts_at, minutes=minutes, capacity=capacity, note=note)
    slot = TourSlot.objects.create(
        alliance_id=require_alliance_id(),
        program=program,
        day=day,
        starts_at=starts_at.replace(second=0, microsecond=0),
        minutes=minutes,
        capacity=capacity,
        note=note,
        created_by=user_of(actor),
    )
    audit_event_record(actor=actor, action="tour_slot.created", target=slot, after=snapshot(slot, SLOT_FIELDS))
    return slot


def _locked_slot(slot: TourSlot) -> TourSlot:
    return TourSlot.objects.select_for_update().select_related("program").get(pk=slot.pk)


def _held(slot: TourSlot) -> int:
    return TourBooking.objects.filter(slot=slot, status__in=HOLDING).count()


@transaction.atomic
def tour_slot_update(
    *,
    actor: Actor,
    slot: TourSlot,
    day: datetime.date,
    starts_at: datetime.time,
    minutes: int,
    capacity: int,
    note: str = "",
) -> TourSlot:
    stored = _locked_slot(slot)
    if stored.cancelled_at is not None:
        raise ValidationError("This tour is cancelled.")
    if slot_start(stored) <= alliance_now():
        raise ValidationError("This tour has started: it cannot be changed any more.")
    note = note.strip()
    _check_slot(day=day, starts_at=starts_at, minutes=minutes, capacity=capacity, note=note, booked=_held(stored))
    before = snapshot(stored, SLOT_FIELDS)
    stored.day, stored.starts_at, stored.minutes = day, starts_at.replace(second=0, microsecond=0), minutes
    stored.capacity, stored.note = capacity, note
    after = snapshot(stored, SLOT_FIELDS)
    if after != before:
        stored.save(update_fields=["day", "starts_at", "minutes", "capacity", "note"])
        audit_event_record(actor=actor, action="tour_slot.updated", target=stored, before=before, after=after)
    return stored


def _write_to_family(*, actor: Actor, booking: TourBooking, subject: str, body: str) -> Message | None:
    """One message to the inquiry's guardian by email, else by text; None when neither can reach them."""
    subject_of = tour_subject(booking.inquiry, booking.slot)
    key = f"guardian:{booking.inquiry.guardian_id}"
    for channel in (MessageChannel.EMAIL, MessageChannel.TEXT):
        try:
            return message_send(
                actor=actor, subject_of=subject_of, recipient_key=key, channel=channel, subject=subject, body=body
            )
        except ValidationError:
            continue
    return None


@transaction.atomic
def tour_slot_cancel(*, actor: Actor, slot: TourSlot, reason: str) -> TourSlot:
    """Cancel a tour: its bookings are cancelled and each family is written to."""
    stored = _locked_slot(slot)
    reason = reason.strip()
    if stored.cancelled_at is not None:
        raise ValidationError("This tour is already cancelled.")
    if slot_start(stored) <= alliance_now():
        raise ValidationError("This tour has started: it cannot be cancelled any more.")
    if not reason:
        raise ValidationError({"reason": "Say why the tour is cancelled: the families booked on it are told."})
    stored.cancelled_at, stored.cancelled_reason = timezone.now(), reason[:300]
    stored.save(update_fields=["cancelled_at", "cancelled_reason"])
    bookings = list(
        TourBooking.objects.select_for_update()
        .filter(slot=stored, status=TourBookingStatus.BOOKED)
        .select_related("inquiry__family", "slot__program")
        .order_by("pk")
    )
    audit_event_record(
        actor=actor,
        action="tour_slot.cancelled",
        target=stored,
        after={"cancelled_reason": stored.cancelled_reason, "bookings_cancelled": len(bookings)},
        reason=stored.cancelled_reason,
    )
    for booking in bookings:
        _set_status(actor=actor, booking=booking, status=TourBookingStatus.CANCELLED, note=f"Tour cancelled: {reason}")
        _write_to_family(
            actor=actor,
            booking=booking,
            subject="Your tour of {program} is cancelled",
            body=(
                "Dear {recipient},\n\nwe are sorry: the tour of {program} on {tour_day} at {tour_time} is cancelled "
                f"({_plain(reason)[:200]}). We will be in touch to find another time.\n\n{{alliance}}"
            ),
        )
    return stored


def _plain(text: str) -> str:
    """Typed text inside a message body: its braces are not placeholders."""
    return text.replace("{", "(").replace("}", ")")


# --- Bookings --------------------------------------------------------------------------------------
@dataclass
class Confirmation:
    """The message that confirms a booking, from a template or written out (placeholders allowed)."""

    recipient_key: str
    channel: str
    subject: str
    body: str
    template: MessageTemplate | None = None


@transaction.atomic
def tour_booking_create(
    *, actor: Actor, slot: TourSlot, inquiry: Inquiry, confirmation: Confirmation | None = None
) -> TourBooking:
    """Book the inquiry's family on the tour, and send the confirmation if there is one: all or nothing."""
    stored_inquiry = Inquiry.objects.select_for_update().select_related("family", "guardian").get(pk=inquiry.pk)
    stored = _locked_slot(slot)
    if stored_inquiry.closed_at is not None:
        raise ValidationError("This inquiry is closed.")
    if stored.cancelled_at is not None:
        raise ValidationError({"slot": "This tour is cancelled."})
    if slot_start(stored) <= alliance_now():
        raise ValidationError({"slot": "This tour has already started."})
    held = _held(stored)
    if held >= stored.capacity:
        raise ValidationError({"slot": f"This tour is full ({held} of {stored.capacity} booked): choose another time."})
    other = (
        TourBooking.objects.filter(inquiry=stored_inquiry, program=stored.program, status=TourBookingStatus.BOOKED)
        .select_related("slot")
        .first()
    )
    if other is not None:
        raise ValidationError(
            {
                "slot": f"This family is already booked on a tour of {stored.program.name} ({slot_label(other.slot)}): "
                "cancel that one first to change the time."
            }
        )
    booking = TourBooking.objects.create(
        alliance_id=require_alliance_id(), slot=stored, program=stored.program, inquiry=stored_inquiry,
        booked_by=user_of(actor),
    )  # fmt: skip
    audit_event_record(
        actor=actor,
        action="tour_booking.created",
        target=booking,
        after={"slot_id": stored.pk, "inquiry_id": stored_inquiry.pk, "day": stored.day, "places_taken": held + 1},
    )
    method = ContactMethod.TOUR
    if confirmation is not None:
        message_send(
            actor=actor,
            subject_of=tour_subject(stored_inquiry, stored),
            recipient_key=confirmation.recipient_key,
            channel=confirmation.channel,
            subject=confirmation.subject,
            body=confirmation.body,
            template=confirmation.template,
        )
        method = ContactMethod(confirmation.channel) if confirmation.channel in ContactMethod.values else method
    if stored_inquiry.first_contact_at is None:
        inquiry_record_first_contact(
            actor=actor,
            inquiry=stored_inquiry,
            method=method,
            note=f"Tour of {stored.program.name} booked for {slot_label(stored)}.",
        )
    return booking


def _locked_booking(booking: TourBooking) -> TourBooking:
    return TourBooking.objects.select_for_update().select_related("slot__program", "inquiry").get(pk=booking.pk)


def _set_status(*, actor: Actor, booking: TourBooking, status: str, note: str = "") -> TourBooking:
    before = booking.status
    booking.status, booking.status_note = status, note.strip()[:300]
    booking.save(update_fields=["status", "status_note", "updated_at"])
    audit_event_record(
        actor=actor,
        action="tour_booking.cancelled" if status == TourBookingStatus.CANCELLED else "tour_booking.outcome",
        target=booking,
        before={"status": before},
        after={"status": status, "status_note": booking.status_note},
    )
    return booking


@transaction.atomic
def tour_booking_cancel(
    *, actor: Actor, booking: TourBooking, note: str = "", tell_family: bool = False
) -> TourBooking:
    """The family will not come: its place on the tour is free again. With `tell_family`, the
    inquiry's guardian is written to (email, else text) in the same transaction; a family that
    neither can reach is a refusal, so the booking is not cancelled silently."""
    stored = _locked_booking(booking)
    if stored.status != TourBookingStatus.BOOKED:
        raise ValidationError(f"This booking is {stored.get_status_display().lower()} already.")
    if slot_start(stored.slot) <= alliance_now():
        raise ValidationError("This tour has started: record whether the family came instead.")
    cancelled = _set_status(actor=actor, booking=stored, status=TourBookingStatus.CANCELLED, note=note)
    if tell_family:
        why = f" ({_plain(note.strip())[:200]})" if note.strip() else ""
        sent = _write_to_family(
            actor=actor,
            booking=stored,
            subject="Your tour of {program} is cancelled",
            body=(
                "Dear {recipient},\n\nyour tour of {program} on {tour_day} at {tour_time} is cancelled"
                f"{why}. Reply to this message if you would like another time.\n\n{{alliance}}"
            ),
        )
        if sent is None:
            raise ValidationError(
                "The family has no email address or mobile number to write to: cancel without telling them, "
                "and call them."
            )
    return cancelled


@transaction.atomic
def tour_booking_record_outcome(*, actor: Actor, booking: TourBooking, status: str, note: str = "") -> TourBooking:
    """After the tour started: the family came (attended) or did not (no-show). A mistake may be corrected."""
    stored = _locked_booking(booking)
    if status not in OUTCOMES:
        raise ValidationError({"status": "Choose attended or no-show."})
    if stored.status == TourBookingStatus.CANCELLED:
        raise ValidationError("This booking was cancelled.")
    if stored.status == status:
        raise ValidationError(f"This booking is marked {stored.get_status_display().lower()} already.")
    if slot_start(stored.slot) > alliance_now():
        raise ValidationError(
            f"The tour is on {slot_label(stored.slot)}: record whether the family came once it has started."
        )
    return _set_status(actor=actor, booking=stored, status=status, note=note)


def booking_choices(slots: list[TourSlot]) -> list[tuple[str, str]]:
    return [
        (str(s.pk), f"{s.program.name} — {slot_label(s)} ({s.free} of {s.capacity} free)")  # type: ignore[attr-defined]
        for s in slots
    ]
