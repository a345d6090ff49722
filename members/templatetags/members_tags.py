"""Display helpers for member pages: stars, weekdays. Money is the builtin `money` (alliance/formatting.py)."""

from __future__ import annotations

from typing import Any

from django import template

from members.models import QRIS_MAX_STARS, weekdays_label

register = template.Library()


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


@register.filter
def field_groups(form: Any) -> list[tuple[str, list[Any]]]:
    """The form's fields in its fieldsets (HubForm), or all of them in one group for any other form:
    the shared field template shows every form's fields, whatever it is built on."""
    grouped = getattr(form, "grouped_fields", None)
    return grouped() if grouped is not None else [("", list(form))]
