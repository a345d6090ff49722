"""Display helpers for member pages: money, stars, weekdays."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format

from members.models import QRIS_MAX_STARS, weekdays_label

register = template.Library()


@register.filter
def money(value: Decimal | None) -> str:
    """$1,234.50 (separators of the active locale, alliance/formats/); a dash for no value.
    Amounts arrive rounded (selectors do it)."""
    if value is None or value == "":
        return "—"
    amount = Decimal(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}${number_format(abs(amount), 2, use_l10n=True, force_grouping=True)}"


@register.filter
def stars(rating: int | None) -> str:
    if not rating:
        return "Not rated"
    return "★" * rating + "☆" * (QRIS_MAX_STARS - rating)


@register.filter
def weekdays(days: list[int]) -> str:
    return weekdays_label(days or [])


@register.filter
def days_until(day, today):  # type: ignore[no-untyped-def]
    return (day - today).days if day and today else None
