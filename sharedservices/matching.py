"""Which substitutes can cover a request, and in what order the Hub should ask them.

A substitute qualifies when all of these hold (each failure is a reason shown
to the Hub, and the fill service refuses with the same words):

1. in the pool (active),
2. cleared to work at the requesting program,
3. works with the request's age group,
4. holds the required credential, valid on the day (if one is required),
5. available that day for the whole of the requested hours,
6. not booked elsewhere at overlapping hours that day (no double-booking).

Qualified substitutes are ranked by a score a person can check by hand:

    score = 10 × (covers already delivered at this program, at most 5)
            − hours already booked in the same Monday–Sunday week

so a substitute the program knows comes first, and among equals the one with
the lighter week. Ties go to fewer booked hours, then the name.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count

from members.models import AgeGroup
from sharedservices.models import (
    BOOKED,
    CoverRequest,
    CoverStatus,
    CredentialType,
    Substitute,
    SubstituteAvailability,
    SubstituteClearance,
    SubstituteCredential,
)

FAMILIARITY_POINTS = Decimal(10)
FAMILIARITY_CAP = 5
ZERO_HOURS = Decimal("0.00")


def day_label(day: datetime.date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def hm(value: datetime.time) -> str:
    return value.strftime("%H:%M")


@dataclass
class Candidate:
    substitute: Substitute
    refusals: list[str] = field(default_factory=list)
    prior_covers: int = 0
    week_hours: Decimal = ZERO_HOURS

    @property
    def qualifies(self) -> bool:
        return not self.refusals

    @property
    def score(self) -> Decimal:
        return FAMILIARITY_POINTS * min(self.prior_covers, FAMILIARITY_CAP) - self.week_hours


def week_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    monday = day - datetime.timedelta(days=day.weekday())
    return monday, monday + datetime.timedelta(days=6)


def cover_candidates(cover: CoverRequest, *, substitute_ids: Iterable[int] | None = None) -> list[Candidate]:
    """Every active substitute (or the ones named) against one request: the
    qualified ones ranked first, then the others with their reasons, by name."""
    if substitute_ids is None:
        substitutes = list(Substitute.objects.filter(is_active=True).order_by("last_name", "first_name"))
    else:
        substitutes = list(Substitute.objects.filter(pk__in=list(substitute_ids)))
    ids = [s.pk for s in substitutes]
    if not ids:
        return []
    cleared = set(
        SubstituteClearance.objects.filter(program_id=cover.program_id, substitute_id__in=ids).values_list(
            "substitute_id", flat=True
        )
    )
    credentials: dict[int, list[SubstituteCredential]] = {}
    if cover.required_credential:
        for credential in SubstituteCredential.objects.filter(substitute_id__in=ids, kind=cover.required_credential):
            credentials.setdefault(credential.substitute_id, []).append(credential)
    availability = {
        a.substitute_id: a for a in SubstituteAvailability.objects.filter(substitute_id__in=ids, day=cover.day)
    }
    monday, sunday = week_of(cover.day)
    booked: dict[int, list[CoverRequest]] = {}
    week = (
        CoverRequest.objects.filter(substitute_id__in=ids, status__in=BOOKED, day__range=(monday, sunday))
        .exclude(pk=cover.pk)
        .select_related("program")
    )
    for other in week:
        booked.setdefault(other.substitute_id, []).append(other)  # type: ignore[arg-type]
    prior = dict(
        CoverRequest.objects.filter(
            substitute_id__in=ids, program_id=cover.program_id, status=CoverStatus.DELIVERED, day__lt=cover.day
        )
        .values("substitute_id")
        .annotate(n=Count("id"))
        .values_list("substitute_id", "n")
    )

    candidates = []
    for substitute in substitutes:
        bookings = booked.get(substitute.pk, [])
        candidate = Candidate(
            substitute,
            prior_covers=prior.get(substitute.pk, 0),
            week_hours=sum((b.hours for b in bookings), ZERO_HOURS),
        )
        candidate.refusals = _refusals(
            cover,
            substitute,
            substitute.pk in cleared,
            credentials.get(substitute.pk, []),
            availability.get(substitute.pk),
            [b for b in bookings if b.day == cover.day],
        )
        candidates.append(candidate)
    qualified = sorted(
        (c for c in candidates if c.qualifies),
        key=lambda c: (-c.score, c.week_hours, c.substitute.last_name, c.substitute.first_name),
    )
    others = sorted(
        (c for c in candidates if not c.qualifies), key=lambda c: (c.substitute.last_name, c.substitute.first_name)
    )
    return qualified + others


def _refusals(
    cover: CoverRequest,
    substitute: Substitute,
    cleared: bool,
    credentials: list[SubstituteCredential],
    availability: SubstituteAvailability | None,
    same_day: list[CoverRequest],
) -> list[str]:
    reasons = []
    if not substitute.is_active:
        reasons.append(f"{substitute} is no longer in the pool.")
    if not cleared:
        reasons.append(f"Not cleared to work at {cover.program}.")
    if cover.age_group not in substitute.age_groups:
        reasons.append(
            f"Does not work with {AgeGroup(cover.age_group).label.lower()} groups "
            f"(works with {substitute.age_groups_label().lower()})."
        )
    if cover.required_credential:
        label = CredentialType(cover.required_credential).label
        if not any(c.valid_on(cover.day) for c in credentials):
            expired = [c.expires_on for c in credentials if c.expires_on and c.expires_on < cover.day]
            reasons.append(f"{label} expired on {max(expired)}." if expired else f"Holds no {label}.")
    if availability is None:
        reasons.append(f"Not available on {day_label(cover.day)}.")
    elif not availability.covers(cover.starts_at, cover.ends_at):
        reasons.append(f"Available only {hm(availability.starts_at)}–{hm(availability.ends_at)} that day.")
    for other in same_day:
        if other.starts_at < cover.ends_at and other.ends_at > cover.starts_at:
            reasons.append(
                f"Already booked {hm(other.starts_at)}–{hm(other.ends_at)} at {other.program} "
                f"that day (double-booking)."
            )
    return reasons
