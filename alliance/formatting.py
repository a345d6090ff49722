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
import functools
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.formats import date_format, get_format, get_format_modules, number_format
from django.utils.translation import get_language

MISSING = "—"
_ZERO = Decimal(0)
DEFAULT_CURRENCY_SYMBOL = "$"


class _Locale(NamedTuple):
    """What a locale's numbers need, read once per process and language (Django's own
    `get_format` keeps the same values per language; a page writes hundreds of amounts)."""

    symbol: str
    decimal_sep: str
    thousand_sep: str
    grouping: Any


@functools.lru_cache(maxsize=64)
def _locale(lang: str | None) -> _Locale:
    symbol = DEFAULT_CURRENCY_SYMBOL
    for module in get_format_modules(lang):
        found = getattr(module, "CURRENCY_SYMBOL", None)
        if found:
            symbol = str(found)
            break
    return _Locale(
        symbol,
        str(get_format("DECIMAL_SEPARATOR", lang, use_l10n=True)),
        str(get_format("THOUSAND_SEPARATOR", lang, use_l10n=True)),
        get_format("NUMBER_GROUPING", lang, use_l10n=True),
    )


@receiver(setting_changed)
def _forget_locales(**_: Any) -> None:
    _locale.cache_clear()
    _day.cache_clear()
    from alliance.templatetags.hub_format import _date_kept

    _date_kept.cache_clear()


def currency_symbol() -> str:
    """The active locale's currency symbol: $ (en, en-CA, en-AU), £ (en-GB)."""
    return _locale(get_language()).symbol


def _grouped(amount: Decimal, places: int | None, locale: _Locale | None = None) -> str:
    """`number_format(amount, places, use_l10n=True, force_grouping=True)`, written directly for
    the locales that group by threes (all of alliance/formats/): Python's own `,` grouping, then
    the locale's separators. `amount` is already rounded to `places`, so nothing is cut. Any
    other grouping, and amounts Django would write in scientific notation, go through Django."""
    locale = locale or _locale(get_language())
    if locale.grouping != 3 or not amount.is_finite() or abs(amount.adjusted()) > 100:
        return number_format(amount, places, use_l10n=True, force_grouping=True)
    if places is None:
        text = f"{amount:,f}"
    else:
        # Django writes an amount too small for the places shown (so -0.00 too) as 0.
        text = f"{(amount if amount else _ZERO):,.{places}f}"
    if locale.decimal_sep != "." or locale.thousand_sep != ",":
        text = text.replace(",", "\0").replace(".", locale.decimal_sep).replace("\0", locale.thousand_sep)
    return text


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
    return _grouped(amount, places)


def money(value: Any, places: int = 2) -> str:
    """$1,234.50 / -£20.00 (the sign before the symbol); a dash for no value."""
    amount = _decimal(value)
    if amount is None:
        return MISSING
    amount = _rounded(amount, places)
    sign = "-" if amount < 0 else ""
    locale = _locale(get_language())  # once: the language is read from a context-local, not cheaply
    return f"{sign}{locale.symbol}{_grouped(abs(amount), places, locale)}"


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
    if type(value) is datetime.date:
        # A date (not a datetime, whose text depends on the time zone too) is written the same
        # way every time in one language: the last few thousand are kept.
        return _day(value, fmt, get_language())
    return date_format(value, fmt, use_l10n=True)


@functools.lru_cache(maxsize=4096)
def _day(value: datetime.date, fmt: str, lang: str | None) -> str:
    return date_format(value, fmt, use_l10n=True)


def weekday_day(value: datetime.date | None, fmt: str = "DATE_FORMAT") -> str:
    """A date with its weekday: Mon Jan 5, 2026 (en-US), Mon 5 Jan 2026 (en-GB); with
    fmt="MONTH_DAY_FORMAT" no year: Mon Jan 5 / Mon 5 Jan."""
    if value is None or value == "":
        return MISSING
    return f"{date_format(value, 'D', use_l10n=True)} {day(value, fmt)}"
