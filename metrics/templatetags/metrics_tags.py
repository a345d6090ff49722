from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template

from members.templatetags.members_tags import money as members_money
from metrics.selectors import pct as _pct

register = template.Library()


@register.filter
def pct(value: Decimal | None) -> str:
    """0.8512 → 85.1%. A figure a template could not resolve ("") shows as missing."""
    return _pct(value if isinstance(value, Decimal) else None)


@register.filter
def points(value: Decimal | None) -> str:
    """A difference of fractions in percentage points: 0.052 → 5.2 pts."""
    return "—" if not isinstance(value, Decimal) else f"{(value * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)} pts"


@register.filter
def money(value: Decimal | None) -> str:
    """The one money format (members_tags.money): -$10.00, not $-10.00."""
    return members_money(value) if isinstance(value, Decimal) else "—"
