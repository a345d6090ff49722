"""The alliance's dates: today and now in its time zone, month bounds and month arithmetic.

Every business date (a payment's received-on, a write-off's effective date, the aging page's "as
of", "this month", a due date) is the alliance's, in its own time zone: at 8 pm in Chicago it is
still today there although the server's clock (UTC) is already on tomorrow. This is the only module
that reads the clock for a date; ruff holds that (DTZ, and a banned-api entry for
`datetime.date.today` outside this file, in pyproject.toml). Timestamps of records (created_at)
stay `timezone.now()`: they are instants, not dates.

Months are written as their first day (`datetime.date(2026, 3, 1)` is March 2026).
"""

from __future__ import annotations

import calendar
import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.utils import timezone

if TYPE_CHECKING:
    from alliance.models import Alliance

ONE_DAY = datetime.timedelta(days=1)
MONTH_FORMATS = ("%Y-%m", "%Y-%m-%d", "%m/%Y", "%Y/%m")


# --- The alliance's clock ----------------------------------------------------------------------
def alliance_zone(alliance: Alliance | None = None) -> ZoneInfo:
    """The alliance's time zone; without an alliance, that of the alliance whose scope is open."""
    if alliance is not None:
        return ZoneInfo(alliance.timezone)
    from alliance.models import Alliance
    from alliance.tenancy import require_alliance_id

    return ZoneInfo(Alliance.objects.values_list("timezone", flat=True).get(pk=require_alliance_id()))


def alliance_now(alliance: Alliance | None = None) -> datetime.datetime:
    """This moment on the alliance's wall clock (an aware datetime in its zone)."""
    return timezone.localtime(timezone.now(), alliance_zone(alliance))


def alliance_today(alliance: Alliance | None = None) -> datetime.date:
    """Today in the alliance's time zone (a director at 8 pm in Chicago is still recording today,
    whatever the server's clock says). Without an alliance: the open scope's."""
    return alliance_now(alliance).date()


def alliance_time(alliance: Alliance | None = None) -> datetime.time:
    """The alliance's wall-clock time to the minute (a check-in at 7:42 am is recorded as 07:42)."""
    return alliance_now(alliance).time().replace(second=0, microsecond=0)


def alliance_date(moment: datetime.datetime, alliance: Alliance | None = None) -> datetime.date:
    """The day a moment fell on in the alliance's time zone (an order placed at 8 pm in Chicago was
    placed that day, though it was already the next day in UTC)."""
    return timezone.localtime(moment, alliance_zone(alliance)).date()


# --- Months ------------------------------------------------------------------------------------
def month_start(day: datetime.date) -> datetime.date:
    """The first day of day's month."""
    return day.replace(day=1)


def month_end(day: datetime.date) -> datetime.date:
    """The last day of day's month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def month_bounds(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and the last day of day's month (both inclusive)."""
    return month_start(day), month_end(day)


def next_month_start(day: datetime.date) -> datetime.date:
    """The first day of the month after day's: the exclusive end of day's month."""
    return month_end(day) + ONE_DAY


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` months later (earlier when negative), held to the month's last day:
    Jan 31 + 1 month is Feb 28 (29 in a leap year)."""
    moved: datetime.date = day + relativedelta(months=months)
    return moved


def months_back(count: int, *, until: datetime.date) -> list[datetime.date]:
    """The first days of the `count` months that end with until's month, oldest first."""
    last = month_start(until)
    return [add_months(last, -back) for back in range(count - 1, -1, -1)]


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """The first day of every month from first's month to last's, both included, oldest first."""
    months: list[datetime.date] = []
    month = month_start(first)
    while month <= last:
        months.append(month)
        month = next_month_start(month)
    return months


def parse_month(text: str) -> datetime.date:
    """The first day of a month written 2026-03, 2026-03-01, 03/2026 or 2026/03; ValueError otherwise."""
    value = text.strip()
    for fmt in MONTH_FORMATS:
        try:
            parsed = datetime.datetime.strptime(value, fmt)  # noqa: DTZ007 - a calendar month, no instant
        except ValueError:
            continue
        return parsed.date().replace(day=1)
    raise ValueError(f"Not a month: {text!r}")


def month_or_none(text: str | None) -> datetime.date | None:
    """The month of an optional parameter (see parse_month), None when blank or not a month."""
    if not text:
        return None
    try:
        return parse_month(text)
    except ValueError:
        return None
