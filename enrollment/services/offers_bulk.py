"""Offer places to several waiting children at once, from the waitlist page.

`offers_bulk_check` is the preview: each ticked entry with its refusal ("" when it can be offered):
not waiting any more, already holding an open offer, not waiting for the room's program, too young
or too old for the room, or past the room's free places (entries are taken in the order they
waited; each full-time place counts its FTE against what the room has free from the start date,
open offers holding theirs). `offers_bulk_create` makes the offers of the entries that pass,
through `offer_create` (which checks each one again under its locks), and records one event that
sums them up; a double submit finds the entries already offered and creates no second offer.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from alliance.audit import Actor, audit_event_record
from alliance.dates import alliance_today
from enrollment.models import Offer, OfferStatus, WaitlistEntry, WaitlistStatus
from enrollment.rules import schedule_fte
from enrollment.services.enrollments import age_refusal
from enrollment.services.waitlist import offer_create
from members.models import Classroom

MAX_RESPOND_DAYS = 60
MAX_ENTRIES = 200


@dataclass(frozen=True)
class OfferCheck:
    entry: WaitlistEntry
    fte: Decimal
    refusal: str  # "" when the place can be offered


def _places(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _waits_for(entry: WaitlistEntry, classroom: Classroom) -> bool:
    program = classroom.site.program
    if entry.program_id is not None:
        return entry.program_id == program.pk
    if entry.any_program:
        return True
    if entry.area and entry.area.strip().lower() == (program.city or "").strip().lower():
        return True
    return entry.choices.filter(program_id=program.pk).exists()


def offers_respond_by(*, start_date: datetime.date, respond_days: int, today: datetime.date) -> datetime.date:
    """The family answers within `respond_days`, never past the start date."""
    return max(today, min(today + datetime.timedelta(days=respond_days), start_date))


def offers_bulk_check(
    *, entries: Sequence[WaitlistEntry], classroom: Classroom, start_date: datetime.date
) -> list[OfferCheck]:
    """Each entry, in the order they waited, with why it cannot be offered the room ("" if it can)."""
    from enrollment.selectors import classroom_open_from  # selectors read what services write

    free = classroom_open_from(classroom, start_date)
    with_offers = set(
        Offer.objects.filter(entry__in=[e.pk for e in entries], status=OfferStatus.OPEN).values_list(
            "entry_id", flat=True
        )
    )
    checks = []
    for entry in sorted(entries, key=lambda e: (e.added_on, e.pk)):
        fte = schedule_fte(entry.weekdays, entry.day_length)
        refusal = ""
        if entry.pk in with_offers or entry.status == WaitlistStatus.OFFERED:
            refusal = "Already holds an open offer."
        elif entry.status != WaitlistStatus.WAITING:
            refusal = f"Not waiting: {entry.get_status_display().lower()}."
        elif not _waits_for(entry, classroom):
            refusal = f"Not waiting for {classroom.site.program.name}."
        else:
            age = age_refusal(child=entry.child, classroom=classroom, on=start_date)
            if age:
                refusal = age.message
            elif fte > free:
                refusal = (
                    f"Room full: {_places(max(free, Decimal(0)))} place(s) free, this schedule needs {_places(fte)}."
                )
            else:
                free -= fte
        checks.append(OfferCheck(entry=entry, fte=fte, refusal=refusal))
    return checks


@dataclass(frozen=True)
class BulkOffers:
    offers: list[Offer]
    refused: list[OfferCheck]


@transaction.atomic
def offers_bulk_create(
    *,
    actor: Actor,
    entries: Sequence[WaitlistEntry],
    classroom: Classroom,
    start_date: datetime.date,
    respond_days: int,
) -> BulkOffers:
    """Offer the room to every entry that passes the check; the others are refused with their reason."""
    today = alliance_today()
    if not entries:
        raise ValidationError("Tick at least one waiting child.")
    if len(entries) > MAX_ENTRIES:
        raise ValidationError(f"At most {MAX_ENTRIES} children at once.")
    if start_date < today:
        raise ValidationError({"start_date": "The start date has passed."})
    if not 0 <= respond_days <= MAX_RESPOND_DAYS:
        raise ValidationError({"respond_days": f"Between 0 and {MAX_RESPOND_DAYS} days."})
    Classroom.objects.select_for_update().filter(pk=classroom.pk).first()  # one bulk offer per room at a time
    respond_by = offers_respond_by(start_date=start_date, respond_days=respond_days, today=today)
    offers, refused = [], []
    for check in offers_bulk_check(entries=entries, classroom=classroom, start_date=start_date):
        if check.refusal:
            refused.append(check)
            continue
        try:
            with transaction.atomic():
                offers.append(
                    offer_create(
                        actor=actor,
                        entry=check.entry,
                        classroom=classroom,
                        start_date=start_date,
                        respond_by=respond_by,
                    )
                )
        except ValidationError as exc:
            refused.append(OfferCheck(entry=check.entry, fte=check.fte, refusal=" ".join(exc.messages)))
    if offers:
        audit_event_record(
            actor=actor,
            action="offer.bulk_made",
            target=classroom,
            program_id=classroom.site.program_id,
            after={
                "offered": [o.entry_id for o in offers],
                "refused": {str(c.entry.pk): c.refusal for c in refused},
                "start_date": start_date,
                "respond_by": respond_by,
            },
        )
    return BulkOffers(offers=offers, refused=refused)
