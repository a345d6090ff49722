"""Display helpers for enrollment pages: FTE, percentages, schedules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from enrollment.rules import age_in_months, age_label
from enrollment.services._common import fte_text
from members.models import weekdays_label

register = template.Library()


@register.filter
def fte(value: Decimal | int | None) -> str:
    if value is None or value == "":
        return "—"
    return fte_text(value)


@register.filter
def weekdays(days: list[int] | None) -> str:
    return weekdays_label(days or [])


@register.filter
def age_on(date_of_birth: Any, day: Any) -> str:
    if not date_of_birth or not day:
        return "—"
    return age_label(age_in_months(date_of_birth, day))


@register.filter
def occupancy_class(value: Decimal | None) -> str:
    """A badge class: full (>= 100%), high (>= 90%), else open."""
    if value is None:
        return "badge"
    if value >= 100:
        return "badge badge-full"
    if value >= 90:
        return "badge badge-high"
    return "badge badge-open"
