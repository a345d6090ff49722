"""The one formatter of money, numbers, percentages and dates, in the alliance's locale.

Whatever renders inside `alliance_local(alliance)` (pages through AllianceMixin,
the public and family pages, PDFs, family emails) has the alliance's locale
active; these functions read it. The locale's formats live in
alliance/formats/<locale>/formats.py: separators and date formats (Django's
names) and CURRENCY_SYMBOL (ours). Templates use them as filters
(alliance/templatetags/hub_format.py, a builtin of every template): `money`,
`signed_money`, `number`, `pct` (a fraction), `percent` (a figure in percent),
`day`, `weekday_day`.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.formats import date_format, get_format_modules, number_format

MISSING = "—"
DEFAULT_CURRENCY_SYMBOL = "$"


def currency_symbol() -> str:
    """The active locale's currency symbol: $ (en, en-CA, en-AU), £ (en-GB)."""
    for module in get_format_modules():
        symbol = getattr(module, "CURRENCY_SYMBOL", None)
        if symbol:
            return str(symbol)
    return DEFAULT_CURRENCY_SYMBOL


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _rounded(amount: Decimal, places: int) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)


def number(value: Any, places: int | None = None) -> str:
    """1,234.5 with the locale's separators; rounded half up to `places` when given."""
    amount = _decimal(value)
    if amount is None:
        return MISSING
    if places is not None:
        amount = _rounded(amount, places)
    return number_format(amount, places, use_l10n=True, force_grouping=True)


def money(value: Any, places: int = 2) -> str:
    """$1,234.50 / -£20.00 (the sign before the symbol); a dash for no value."""
    amount = _decimal(value)
    if amount is None:
        return MISSING
    amount = _rounded(amount, places)
    sign = "-" if amount < 0 else ""
    return f"{sign}{currency_symbol()}{number_format(abs(amount), places, use_l10n=True, force_grouping=True)}"


def signed_money(value: Any) -> str:
    """+$1,234.50 / -$20.00: a difference, always with its sign."""
    amount = _decimal(value)
    if amount is None:
        return MISSING
    text = money(amount)
    return text if text.startswith("-") else "+" + text


def pct(fraction: Any, places: int = 1) -> str:
    """A fraction as a percentage: 0.8512 → 85.1%."""
    value = _decimal(fraction)
    return MISSING if value is None else f"{number(value * 100, places)}%"


def percent(value: Any, places: int = 1) -> str:
    """A figure already in percent: vacancy's occupancy 87.5 → 87.5%."""
    amount = _decimal(value)
    return MISSING if amount is None else f"{number(amount, places)}%"


def day(value: datetime.date | datetime.datetime | None, fmt: str = "DATE_FORMAT") -> str:
    """A date in the locale's named format: Jan 5, 2026 (en-US), 5 Jan 2026 (en-GB), 2026-01-05 (en-CA)."""
    if value is None or value == "":
        return MISSING
    return date_format(value, fmt, use_l10n=True)


def weekday_day(value: datetime.date | None, fmt: str = "DATE_FORMAT") -> str:
    """A date with its weekday: Mon Jan 5, 2026 (en-US), Mon 5 Jan 2026 (en-GB); with
    fmt="MONTH_DAY_FORMAT" no year: Mon Jan 5 / Mon 5 Jan."""
    if value is None or value == "":
        return MISSING
    return f"{date_format(value, 'D', use_l10n=True)} {day(value, fmt)}"
