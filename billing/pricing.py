"""Pure rules of pricing: which rate plan prices an enrollment, what a period
of it costs (prorated), and its discounts. No database access here.

Proration counts the enrollment's own scheduled weekdays: a monthly plan is
charged for the share of the month's scheduled days the child is enrolled
for; a weekly plan is charged per scheduled day at a fifth (or 1/days) of the
week. Amounts here are exact; the invoice run rounds each charge once.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from alliance.dates import month_bounds
from billing.models import DiscountKind, RatePeriod, RatePlan

ONE_DAY = datetime.timedelta(days=1)


def scheduled_days(weekdays: Iterable[int], start: datetime.date, end: datetime.date) -> int:
    """Days from start to end (inclusive) that fall on one of the weekdays."""
    if end < start:
        return 0
    days = set(weekdays)
    total = (end - start).days + 1
    full_weeks, rest = divmod(total, 7)
    count = full_weeks * len(days)
    for offset in range(rest):
        if (start + datetime.timedelta(days=full_weeks * 7 + offset)).weekday() in days:
            count += 1
    return count


@dataclass(frozen=True)
class PlanChoice:
    plan: RatePlan | None
    warning: str = ""


def _specificity(plan: RatePlan) -> int:
    return sum(1 for value in (plan.age_group, plan.day_length, plan.days_per_week) if value)


def plan_for(
    plans: Sequence[RatePlan],
    *,
    reference: str,
    age_group: str,
    day_length: str,
    days_per_week: int,
    day: datetime.date,
) -> PlanChoice:
    """The plan pricing an enrollment on `day`, or a warning saying why none is chosen.

    A named reference wins; otherwise the most specific plan whose criteria all
    match. Two equally specific matches are ambiguous: listed, not guessed.
    """
    in_force = [p for p in plans if p.in_force_on(day)]
    if reference:
        named = [p for p in in_force if p.code == reference]
        if len(named) == 1:
            return PlanChoice(named[0])
        if not named:
            return PlanChoice(None, f"no rate plan “{reference}” in force on {day}")
        return PlanChoice(None, f"{len(named)} rate plans named “{reference}” in force on {day}")
    matching = [
        p
        for p in in_force
        if (not p.age_group or p.age_group == age_group)
        and (not p.day_length or p.day_length == day_length)
        and (not p.days_per_week or p.days_per_week == days_per_week)
    ]
    if not matching:
        return PlanChoice(
            None,
            f"no rate plan for {age_group or 'this age group'}, "
            f"{days_per_week} {day_length} day(s) a week in force on {day}",
        )
    best = max(_specificity(p) for p in matching)
    top = [p for p in matching if _specificity(p) == best]
    if len(top) > 1:
        names = ", ".join(sorted(p.name for p in top))
        return PlanChoice(None, f"several rate plans fit equally ({names})")
    return PlanChoice(top[0])


def tuition_for(plan: RatePlan, weekdays: Sequence[int], start: datetime.date, end: datetime.date) -> Decimal:
    """Exact tuition for the days from start to end (inclusive) on this schedule."""
    if end < start or not weekdays:
        return Decimal(0)
    if plan.period == RatePeriod.WEEKLY:
        return plan.tuition * scheduled_days(weekdays, start, end) / len(set(weekdays))
    total = Decimal(0)
    cursor = start
    while cursor <= end:
        month_start, month_end = month_bounds(cursor)
        piece_end = min(end, month_end)
        in_month = scheduled_days(weekdays, month_start, month_end)
        if in_month:
            total += plan.tuition * scheduled_days(weekdays, cursor, piece_end) / in_month
        cursor = piece_end + ONE_DAY
    return total


def discount_for(kind: str, value: Decimal, tuition: Decimal) -> Decimal:
    """Exact discount on a (rounded) tuition charge, never more than the charge."""
    if kind == DiscountKind.PERCENT:
        return min(tuition, tuition * value / 100)
    if kind == DiscountKind.AMOUNT:
        return min(tuition, value)
    return Decimal(0)
