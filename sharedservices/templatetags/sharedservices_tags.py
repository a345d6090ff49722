"""Display helpers of shared-services pages."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template

register = template.Library()


@register.filter
def pct(value: Decimal | None) -> str:
    """0.8571 -> '85.7%'; a dash for no value."""
    if value is None or value == "":
        return "—"
    return f"{(Decimal(value) * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


@register.filter
def signed_money(value: Decimal | None) -> str:
    """+$1,234.50 / -$20.00; a dash for no value."""
    if value is None or value == "":
        return "—"
    amount = Decimal(value)
    return f"{'-' if amount < 0 else '+'}${abs(amount):,.2f}"
