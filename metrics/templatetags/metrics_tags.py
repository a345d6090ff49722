from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template

register = template.Library()


@register.filter
def points(value: Decimal | None) -> str:
    """A difference of fractions in percentage points: 0.052 → 5.2 pts."""
    return "—" if not isinstance(value, Decimal) else f"{(value * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)} pts"
