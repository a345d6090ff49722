"""The hand arithmetic of DESIGN.md's formulas, written out for the cases' dates.

The cases' months move with the alliance's today, so their day counts do too; these functions
are the formulas of the docstrings with the rounding the pages print (ratios to four places half
up, then percent to one place; money per child to the cent). They do not call the product.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
RATIO = Decimal("0.0001")


def ratio(numerator: Decimal | int, denominator: Decimal | int) -> Decimal:
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATIO, ROUND_HALF_UP)


def pct(numerator: Decimal | int, denominator: Decimal | int) -> str:
    """As the pages print a ratio: 0.4583 → 45.8%."""
    return f"{(ratio(numerator, denominator) * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def money(value: Decimal) -> str:
    value = cents(value)
    return f"{'-' if value < 0 else ''}${abs(value):,.2f}"


def per_child(amount: Decimal, fte_days: Decimal | int, operating_days: int) -> Decimal:
    """Money ÷ enrolled FTE, where enrolled FTE = FTE-days ÷ operating days."""
    return cents(Decimal(amount) * operating_days / Decimal(fte_days))
