"""Offer places to several waiting children at once, from the waitlist page.

`offers_bulk_check` is the preview: each ticked entry with its refusal ("" when it can be offered):
not waiting any more, already holding an open offer, not waiting for the room's program, too young
or too old for the room, or past the room's free places (entries are taken in the order they
waited; each full-time place counts its FTE against what the room has free from the start date,
open offers holding theirs). `offers_bulk_create` makes the offers of the entries that pass,
through `offer_create` (which checks each one again under its locks), and records one event that
sums them up; a double submit finds the entries already offered and creates no second offer.

More than BACKGROUND_OVER offers to make become an `OfferBulkJob` (one per preview token, so a
double submit starts one job): its batches of BATCH entries run as tasks queued through the outbox,
each offering the entries it has not done yet, and the job's page shows the progress.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alliance.audit import Actor, audit_event_record, user_of
from alliance.dates import alliance_today
from alliance.formatting import day
from alliance.outbox import task_enqueue
from enrollment.models import Offer, OfferBulkJob, OfferStatus, WaitlistEntry, WaitlistStatus
from enrollment.rules import schedule_fte
from enrollment.services.enrollments import age_refusal
from enrollment.services.waitlist import offer_create
from members.models import Classroom

MAX_RESPOND_DAYS = 60
MAX_ENTRIES = 200
BACKGROUND_OVER = 20
BATCH = 25


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
    job: OfferBulkJob | None = None


@transaction.atomic
def offers_bulk_create(
    *,
    actor: Actor,
    entries: Sequence[WaitlistEntry],
    classroom: Classroom,
    start_date: datetime.date,
    respond_days: int,
    token: str = "",
) -> BulkOffers:
    """Offer the room to every entry that passes the check; the others are refused with their reason.
    More than BACKGROUND_OVER to make (and a preview token): a background job, returned in `job`."""
    today = alliance_today()
    if token:
        existing = OfferBulkJob.objects.filter(token=token).first()
        if existing is not None:
            return BulkOffers(offers=[], refused=[], job=existing)
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
    checks = offers_bulk_check(entries=entries, classroom=classroom, start_date=start_date)
    if token and sum(1 for c in checks if not c.refusal) > BACKGROUND_OVER:
        return BulkOffers(
            offers=[],
            refused=[c for c in checks if c.refusal],
            job=_job_start(
                actor=actor,
                checks=checks,
                classroom=classroom,
                start_date=start_date,
                respond_by=respond_by,
                token=token,
            ),
        )
    offers, refused = [], []
    for check in checks:
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


def _job_start(
    *,
    actor: Actor,
    checks: list[OfferCheck],
    classroom: Classroom,
    start_date: datetime.date,
    respond_by: datetime.date,
    token: str,
) -> OfferBulkJob:
    from enrollment.tasks import offers_bulk_batch

    job = OfferBulkJob.objects.create(
        token=token[:64],
        classroom=classroom,
        program_id=classroom.site.program_id,
        start_date=start_date,
        respond_by=respond_by,
        entry_ids=[c.entry.pk for c in checks],
        results=[_result(c.entry, "refused", c.refusal) for c in checks if c.refusal],
        created_by=user_of(actor),
    )
    audit_event_record(
        actor=actor,
        action="offer.bulk_started",
        target=job,
        after={"entries": job.entry_ids, "start_date": start_date, "respond_by": respond_by},
    )
    todo = [c.entry.pk for c in checks if not c.refusal]
    for first in range(0, len(todo), BATCH):
        batch = todo[first : first + BATCH]
        task_enqueue(offers_bulk_batch.si(job.alliance_id, job.pk, batch), ref=f"offers-bulk:{job.pk}:{first}")
    return job


def _result(entry: WaitlistEntry, outcome: str, detail: str) -> dict[str, object]:
    return {"entry_id": entry.pk, "child": entry.child.full_name, "outcome": outcome, "detail": detail}


@transaction.atomic
def offers_bulk_job_run(*, job_id: int, entry_ids: Sequence[int]) -> OfferBulkJob:
    """Make the job's offers for these entries (those not done before), recording each outcome."""
    job = OfferBulkJob.objects.select_for_update().select_related("classroom__site").get(pk=job_id)
    done = {r["entry_id"] for r in job.results}
    entries = WaitlistEntry.objects.select_related("child").in_bulk(list(entry_ids))
    for entry_id in entry_ids:
        entry = entries.get(entry_id)
        if entry_id in done or entry is None:
            continue
        try:
            with transaction.atomic():
                offer_create(
                    actor=job.created_by,
                    entry=entry,
                    classroom=job.classroom,
                    start_date=job.start_date,
                    respond_by=job.respond_by,
                )
        except ValidationError as exc:
            job.results.append(_result(entry, "refused", " ".join(exc.messages)))
        else:
            job.results.append(_result(entry, "offered", f"Offered; the family answers by {day(job.respond_by)}."))
    job.status = OfferBulkJob.Status.DONE if job.processed >= job.total else OfferBulkJob.Status.RUNNING
    if job.status == OfferBulkJob.Status.DONE and job.finished_at is None:
        job.finished_at = timezone.now()
        audit_event_record(
            actor=job.created_by,
            action="offer.bulk_finished",
            target=job,
            after={"offered": job.count_offered, "refused": job.count_refused},
        )
    job.save(update_fields=["results", "status", "finished_at"])
    return job
