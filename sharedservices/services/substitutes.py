"""Writes of the substitute pool and of cover requests.

Booking a substitute locks the substitute's row first, then the request, so two
Hub people filling two requests with the same person at once cannot both
succeed: the second sees the first booking and is refused (double-booking).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from alliance.audit import Actor, audit_event_record, model_clean, model_create, model_update, user_of
from alliance.dates import alliance_today
from members.models import Classroom, MemberProgram
from sharedservices.matching import cover_candidates, day_label, hm
from sharedservices.models import (
    CoverReason,
    CoverRequest,
    CoverStatus,
    Employment,
    Substitute,
    SubstituteAvailability,
    SubstituteClearance,
    SubstituteCredential,
)
from sharedservices.models.substitutes import MAX_COVER_HOURS, hours_between, on_quarter_hour

SUBSTITUTE_FIELDS = frozenset(
    {"first_name", "last_name", "email", "phone", "employment", "home_program", "age_groups", "is_active", "notes"}
)
MAX_AVAILABILITY_DAYS = 120
MIN_REASON_LENGTH = 5


# --- The pool -----------------------------------------------------------------
@transaction.atomic
def substitute_create(
    *,
    actor: Actor,
    first_name: str,
    last_name: str,
    age_groups: list[str],
    email: str = "",
    phone: str = "",
    employment: str = Employment.HUB,
    home_program: MemberProgram | None = None,
    notes: str = "",
    is_active: bool = True,
) -> Substitute:
    return model_create(
        Substitute(
            first_name=first_name,
            last_name=last_name,
            email=email,
            phone=phone,
            employment=employment,
            home_program=home_program,
            age_groups=list(age_groups),
            notes=notes,
            is_active=is_active,
        ),
        actor=actor,
        action="substitute.created",
    )


@transaction.atomic
def substitute_update(*, actor: Actor, substitute: Substitute, data: Mapping[str, Any]) -> Substitute:
    return model_update(substitute, data, allowed=SUBSTITUTE_FIELDS, actor=actor, action="substitute.updated")


@transaction.atomic
def substitute_credential_add(
    *,
    actor: Actor,
    substitute: Substitute,
    kind: str,
    identifier: str = "",
    issued_on: datetime.date | None = None,
    expires_on: datetime.date | None = None,
) -> SubstituteCredential:
    return model_create(
        SubstituteCredential(
            substitute=substitute, kind=kind, identifier=identifier, issued_on=issued_on, expires_on=expires_on
        ),
        actor=actor,
        action="substitute.credential_added",
    )


@transaction.atomic
def substitute_clearance_add(
    *, actor: Actor, substitute: Substitute, program: MemberProgram, cleared_on: datetime.date, note: str = ""
) -> SubstituteClearance:
    if cleared_on > alliance_today():
        raise ValidationError({"cleared_on": "A clearance date cannot be in the future."})
    return model_create(
        SubstituteClearance(substitute=substitute, program=program, cleared_on=cleared_on, note=note),
        actor=actor,
        action="substitute.cleared",
        program_id=program.pk,
    )


@transaction.atomic
def substitute_availability_set(
    *,
    actor: Actor,
    substitute: Substitute,
    first_day: datetime.date,
    last_day: datetime.date,
    weekdays: Iterable[int],
    starts_at: datetime.time,
    ends_at: datetime.time,
) -> list[SubstituteAvailability]:
    """Available on these weekdays between two dates, from one time to another
    (replacing what was set for those days). Refused when it would leave a booking
    outside the new hours."""
    errors: dict[str, str] = {}
    days = sorted(set(weekdays))
    today = alliance_today()
    if first_day < today:
        errors["first_day"] = "Availability starts today or later."
    if last_day < first_day:
        errors["last_day"] = "The last day cannot be before the first."
    elif (last_day - first_day).days >= MAX_AVAILABILITY_DAYS:
        errors["last_day"] = f"Set at most {MAX_AVAILABILITY_DAYS} days at a time."
    if not days or any(d not in range(7) for d in days):
        errors["weekdays"] = "Choose at least one weekday."
    if ends_at <= starts_at:
        errors["ends_at"] = "The end must be after the start."
    if errors:
        raise ValidationError(errors)
    Substitute.objects.select_for_update().filter(pk=substitute.pk).first()
    dates = [first_day + datetime.timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    dates = [d for d in dates if d.weekday() in days]
    outside = (
        CoverRequest.objects.filter(substitute=substitute, status=CoverStatus.FILLED, day__in=dates)
        .filter(Q(starts_at__lt=starts_at) | Q(ends_at__gt=ends_at))
        .order_by("day")
        .first()
    )
    if outside:
        raise ValidationError(
            {
                "starts_at": f"{substitute} is booked {hm(outside.starts_at)}–{hm(outside.ends_at)} "
                f"on {day_label(outside.day)}; release that cover first."
            }
        )
    existing = {a.day: a for a in SubstituteAvailability.objects.filter(substitute=substitute, day__in=dates)}
    rows = []
    for day in dates:
        row = existing.get(day) or SubstituteAvailability(substitute=substitute, day=day)
        row.alliance_id = substitute.alliance_id
        row.starts_at, row.ends_at = starts_at, ends_at
        model_clean(row)
        row.save()
        rows.append(row)
    audit_event_record(
        actor=actor,
        action="substitute.availability_set",
        target=substitute,
        after={
            "from": first_day,
            "to": last_day,
            "weekdays": days,
            "hours": f"{hm(starts_at)}-{hm(ends_at)}",
            "days": len(rows),
        },
    )
    return rows


@transaction.atomic
def substitute_availability_clear(*, actor: Actor, substitute: Substitute, day: datetime.date) -> None:
    Substitute.objects.select_for_update().filter(pk=substitute.pk).first()
    booked = CoverRequest.objects.filter(substitute=substitute, status=CoverStatus.FILLED, day=day).first()
    if booked:
        raise ValidationError(
            f"{substitute} is booked at {booked.program} on {day_label(day)}; release that cover first."
        )
    deleted, _ = SubstituteAvailability.objects.filter(substitute=substitute, day=day).delete()
    if deleted:
        audit_event_record(actor=actor, action="substitute.availability_cleared", target=substitute, after={"day": day})


# --- Cover requests -------------------------------------------------------------
@transaction.atomic
def cover_request_create(
    *,
    actor: Actor,
    program: MemberProgram,
    classroom: Classroom,
    day: datetime.date,
    starts_at: datetime.time,
    ends_at: datetime.time,
    age_group: str = "",
    required_credential: str = "",
    reason: str = CoverReason.ILLNESS,
    notes: str = "",
) -> CoverRequest:
    """A program asks the Hub for a substitute."""
    errors: dict[str, str] = {}
    if classroom.site.program_id != program.pk:
        errors["classroom"] = "Choose a classroom of this program."
    elif classroom.closed_on and classroom.closed_on <= day:
        errors["classroom"] = f"{classroom} closed on {classroom.closed_on}."
    elif day.weekday() not in (classroom.operating_days or []):
        errors["day"] = f"{classroom} is not open on {day:%A}s."
    if day < alliance_today():
        errors["day"] = "Cover can be asked for today or a later day."
    if not on_quarter_hour(starts_at):
        errors["starts_at"] = "Use quarter hours (e.g. 07:00, 07:15)."
    if not on_quarter_hour(ends_at):
        errors["ends_at"] = "Use quarter hours (e.g. 15:30, 15:45)."
    if ends_at <= starts_at:
        errors["ends_at"] = "The end must be after the start."
    elif hours_between(starts_at, ends_at) > MAX_COVER_HOURS:
        errors["ends_at"] = f"One request covers at most {MAX_COVER_HOURS.normalize()} hours; split longer cover."
    if errors:
        raise ValidationError(errors)
    clash = CoverRequest.objects.filter(
        classroom=classroom,
        day=day,
        status__in=[CoverStatus.OPEN, CoverStatus.FILLED],
        starts_at__lt=ends_at,
        ends_at__gt=starts_at,
    ).first()
    if clash:
        raise ValidationError(
            {"starts_at": f"{classroom} already has a request for {hm(clash.starts_at)}–{hm(clash.ends_at)} that day."}
        )
    cover = CoverRequest(
        program=program,
        classroom=classroom,
        day=day,
        starts_at=starts_at,
        ends_at=ends_at,
        age_group=age_group or classroom.age_group,
        required_credential=required_credential,
        reason=reason,
        notes=notes,
        requested_by=user_of(actor),
    )
    return model_create(cover, actor=actor, action="cover.requested", program_id=program.pk)


def _locked(cover: CoverRequest) -> CoverRequest:
    return CoverRequest.objects.select_for_update().select_related("program", "classroom").get(pk=cover.pk)


STATE_WORDS: dict[str, str] = {
    CoverStatus.OPEN: "still open",
    CoverStatus.FILLED: "already filled",
    CoverStatus.DELIVERED: "already delivered",
    CoverStatus.UNFILLED: "closed as not filled",
    CoverStatus.CANCELLED: "cancelled",
}


def _status_refusal(cover: CoverRequest, allowed: list[str], doing: str) -> None:
    if cover.status not in allowed:
        raise ValidationError(f"This request is {STATE_WORDS[cover.status]}; it cannot be {doing}.")


def _audit(actor: Actor, action: str, cover: CoverRequest, before: dict[str, Any], reason: str = "") -> None:
    after = {"status": cover.status, "substitute": cover.substitute_id, "hours_delivered": cover.hours_delivered}
    audit_event_record(
        actor=actor, action=action, target=cover, program_id=cover.program_id, before=before, after=after, reason=reason
    )


def _state(cover: CoverRequest) -> dict[str, Any]:
    return {"status": cover.status, "substitute": cover.substitute_id, "hours_delivered": cover.hours_delivered}


@transaction.atomic
def cover_request_fill(*, actor: Actor, cover: CoverRequest, substitute: Substitute) -> CoverRequest:
    """Book a qualified, available substitute; refused with the reasons otherwise."""
    Substitute.objects.select_for_update().filter(pk=substitute.pk).first()
    cover = _locked(cover)
    _status_refusal(cover, [CoverStatus.OPEN], "filled")
    if cover.day < alliance_today():
        raise ValidationError("The day of this request has passed.")
    candidate = cover_candidates(cover, substitute_ids=[substitute.pk])[0]
    if not candidate.qualifies:
        raise ValidationError(
            {"substitute": [f"{substitute} cannot cover this request: {reason}" for reason in candidate.refusals]}
        )
    before = _state(cover)
    cover.substitute, cover.status = substitute, CoverStatus.FILLED
    cover.filled_at, cover.filled_by = timezone.now(), user_of(actor)
    cover.save(update_fields=["substitute", "status", "filled_at", "filled_by"])
    _audit(actor, "cover.filled", cover, before)
    return cover


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationError({"reason": "Give the reason in a few words."})
    return reason


@transaction.atomic
def cover_request_release(*, actor: Actor, cover: CoverRequest, reason: str) -> CoverRequest:
    """The booked substitute cannot come after all: the request is open again."""
    reason = _reason(reason)
    cover = _locked(cover)
    _status_refusal(cover, [CoverStatus.FILLED], "released")
    before = _state(cover)
    cover.substitute, cover.status, cover.filled_at, cover.filled_by = None, CoverStatus.OPEN, None, None
    cover.save(update_fields=["substitute", "status", "filled_at", "filled_by"])
    _audit(actor, "cover.released", cover, before, reason)
    return cover


@transaction.atomic
def cover_request_cancel(*, actor: Actor, cover: CoverRequest, reason: str) -> CoverRequest:
    """The program no longer needs cover (before the day)."""
    reason = _reason(reason)
    cover = _locked(cover)
    _status_refusal(cover, [CoverStatus.OPEN, CoverStatus.FILLED], "cancelled")
    if cover.day < alliance_today():
        raise ValidationError("The day of this request has passed; record the hours or mark it not filled.")
    return _close(actor, cover, CoverStatus.CANCELLED, reason, "cover.cancelled")


@transaction.atomic
def cover_request_mark_unfilled(*, actor: Actor, cover: CoverRequest, reason: str) -> CoverRequest:
    """The Hub could not find anyone: the program knows to make other arrangements."""
    reason = _reason(reason)
    cover = _locked(cover)
    _status_refusal(cover, [CoverStatus.OPEN], "marked not filled")
    return _close(actor, cover, CoverStatus.UNFILLED, reason, "cover.unfilled")


def _close(actor: Actor, cover: CoverRequest, status: str, reason: str, action: str) -> CoverRequest:
    before = _state(cover)
    cover.status, cover.closed_reason, cover.closed_at = status, reason[:300], timezone.now()
    cover.save(update_fields=["status", "closed_reason", "closed_at"])
    _audit(actor, action, cover, before, reason)
    return cover


@transaction.atomic
def cover_request_record_hours(*, actor: Actor, cover: CoverRequest, hours: Decimal) -> CoverRequest:
    """The hours the substitute actually worked (what the member is charged for)."""
    cover = _locked(cover)
    _status_refusal(cover, [CoverStatus.FILLED, CoverStatus.DELIVERED], "given hours")
    if cover.is_charged:
        raise ValidationError(
            f"These hours were charged on member invoice {cover.charged_invoice_number}; "
            "correct them with a credit on that invoice."
        )
    if cover.day > alliance_today():
        raise ValidationError({"hours": "Record hours once the day has come."})
    if hours is None or hours <= 0:
        raise ValidationError({"hours": "Give the hours worked (more than 0)."})
    if hours > MAX_COVER_HOURS:
        raise ValidationError({"hours": f"At most {MAX_COVER_HOURS.normalize()} hours in a day."})
    if (hours * 4) % 1:
        raise ValidationError({"hours": "Record hours in quarter hours (e.g. 7.25, 7.5)."})
    before = _state(cover)
    cover.hours_delivered, cover.status = hours.quantize(Decimal("0.01")), CoverStatus.DELIVERED
    cover.save(update_fields=["hours_delivered", "status"])
    _audit(actor, "cover.delivered", cover, before)
    return cover


@transaction.atomic
def cover_requests_lapse(*, actor: Actor = None) -> list[int]:
    """Open requests whose day has passed were not filled (run daily by a task)."""
    due = list(
        CoverRequest.objects.select_for_update()
        .filter(status=CoverStatus.OPEN, day__lt=alliance_today())
        .order_by("pk")
    )
    for cover in due:
        _close(actor, cover, CoverStatus.UNFILLED, "No substitute was booked before the day.", "cover.lapsed")
    return [c.pk for c in due]


@transaction.atomic
def cover_hours_mark_charged(*, cover_ids: list[int], invoice_number: int, rate: Decimal) -> int:
    """Billing charged these delivered hours on a member-fee invoice (called by billing.member_fees)."""
    return CoverRequest.objects.filter(
        pk__in=cover_ids, status=CoverStatus.DELIVERED, charged_invoice_number__isnull=True
    ).update(charged_invoice_number=invoice_number, charged_rate=rate)
