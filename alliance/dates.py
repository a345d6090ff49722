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
import functools
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.utils import timezone

if TYPE_CHECKING:
    from alliance.models import Alliance

ONE_DAY = datetime.timedelta(days=1)


class DateOutOfRange(ValueError):
    """A date, or date arithmetic, outside the calendar this application works in (the API
    answers it as a 400, never an OverflowError's 500)."""


MONTH_FORMATS = ("%Y-%m", "%Y-%m-%d", "%m/%Y", "%Y/%m")


# --- The alliance's clock ----------------------------------------------------------------------
_PINNED_ZONE: ContextVar[tuple[int, ZoneInfo] | None] = ContextVar("pinned_zone", default=None)


def alliance_zone(alliance: Alliance | None = None) -> ZoneInfo:
    """The alliance's time zone; without an alliance, that of the alliance whose scope is open."""
    if alliance is not None:
        return ZoneInfo(alliance.timezone)
    from alliance.models import Alliance
    from alliance.tenancy import require_alliance_id

    alliance_id = require_alliance_id()
    pinned = _PINNED_ZONE.get()
    if pinned is not None and pinned[0] == alliance_id:
        return pinned[1]
    return ZoneInfo(Alliance.objects.values_list("timezone", flat=True).get(pk=alliance_id))


@contextmanager
def alliance_zone_pinned(alliance: Alliance | None = None) -> Iterator[None]:
    """Read the open scope's time zone once for a block that asks for "today" per row (an import
    of 5,000 rows validates each row's dates against the alliance's today): one query, not 10,000.
    Given the scope's alliance row (an API request has it from the memberships), no query at all."""
    from alliance.tenancy import require_alliance_id

    alliance_id = require_alliance_id()
    zone = alliance_zone(alliance) if alliance is not None and alliance.pk == alliance_id else alliance_zone()
    token = _PINNED_ZONE.set((alliance_id, zone))
    try:
        yield
    finally:
        _PINNED_ZONE.reset(token)


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
    """The first day of the month after day's: the exclusive end of day's month (DateOutOfRange
    after December 9999)."""
    return add_days(month_end(day), 1)


def add_days(day: datetime.date, days: int) -> datetime.date:
    """day + days, or DateOutOfRange past year 1 or 9999 (never an OverflowError)."""
    try:
        return day + datetime.timedelta(days=days)
    except (OverflowError, ValueError) as exc:
        raise DateOutOfRange(f"{day.isoformat()} {days:+d} days is outside the calendar.") from exc


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` months later (earlier when negative), held to the month's last day:
    Jan 31 + 1 month is Feb 28 (29 in a leap year). DateOutOfRange past year 1 or 9999."""
    try:
        moved: datetime.date = day + relativedelta(months=months)
    except (OverflowError, ValueError) as exc:
        raise DateOutOfRange(f"{day.isoformat()} {months:+d} months is outside the calendar.") from exc
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


def date_or_none(text: str | None, kind: DateKind | None = None) -> datetime.date | None:
    """The day of an optional page parameter (`?as_of=`, `?start=`), None when blank, not a date,
    or outside its kind's plausible range (business dates by default): a page then shows its
    default rather than doing date arithmetic on year 1 or 9999."""
    if not text:
        return None
    try:
        return (kind or BUSINESS_DATE).check(datetime.date.fromisoformat(text.strip()))
    except ValueError:
        return None


def month_or_none(text: str | None) -> datetime.date | None:
    """The month of an optional parameter (see parse_month), None when blank, not a month, or
    outside the months the Hub reports on (BUSINESS_MONTH: a page's `?to=9999-12` is its default,
    not month arithmetic past the calendar)."""
    if not text:
        return None
    try:
        return BUSINESS_MONTH.check(parse_month(text))
    except ValueError:
        return None


# --- Plausible dates, by kind --------------------------------------------------------------------
# Every date a request or a form brings in is one of these kinds and must fall in its range, else
# it is bad input naming the field (a 400 from the API, a form error on a page): year 1 or 9999 is
# a typo, and date arithmetic on it would leave the calendar. The ranges move with the alliance's
# today, so they do not age.
@dataclass(frozen=True)
class DateKind:
    name: str
    earliest: Callable[[datetime.date], datetime.date]
    latest: Callable[[datetime.date], datetime.date]
    months: bool = False  # a month: shown and bounded as YYYY-MM

    def bounds(self, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
        today = today or _today_for_checks()
        return self.earliest(today), self.latest(today)

    def message(self, today: datetime.date | None = None) -> str:
        first, last = self.bounds(today)
        if self.months:
            return f"A month from {first:%Y-%m} to {last:%Y-%m}."
        return f"A date from {first.isoformat()} to {last.isoformat()}."

    def check(self, value: datetime.date, today: datetime.date | None = None) -> datetime.date:
        """value itself, or DateOutOfRange with the message naming the range."""
        first, last = self.bounds(today)
        if self.months:
            first, last = month_start(first), month_end(last)
        if not first <= value <= last:
            raise DateOutOfRange(self.message(today))
        return value


@functools.lru_cache(maxsize=256)
def _years(day: datetime.date, years: int) -> datetime.date:
    # Cached: every date cell of an import checks its range, and relativedelta is slow.
    return day + relativedelta(years=years)


def _today_for_checks() -> datetime.date:
    """Today in the active time zone: the alliance's on its pages and API (alliance_local), UTC
    elsewhere. A plausibility range does not need the exact day, and this costs no query."""
    return timezone.localdate()


HUB_EPOCH = datetime.date(2000, 1, 1)
# Days the alliance books: enrollments, attendance, invoices, costs, cover, orders, goals…
BUSINESS_DATE = DateKind("business", lambda today: HUB_EPOCH, lambda today: _years(today, 5))
# Months of bills, costs and reports.
BUSINESS_MONTH = DateKind("month", lambda today: HUB_EPOCH, lambda today: _years(today, 5), months=True)
# Money that arrived, left or was written off: not before the Hub's time, not far ahead.
PAYMENT_DATE = DateKind("payment", lambda today: HUB_EPOCH, lambda today: today + datetime.timedelta(days=31))
# Children's birth dates: within a hundred years back and a few ahead (a family joins the waitlist
# before the birth). The services say the narrower, specific thing (enrollment.services.families:
# an expected birth at most ten months ahead; a child under the age the Hub serves).
BIRTH_DATE = DateKind("birth", lambda today: _years(today, -100), lambda today: _years(today, 5))
# Facts that may predate the Hub: a staff member hired, a program opened or joined, a licence or
# credential issued, a rating or an inspection; and their ends and expiries ahead.
RECORD_DATE = DateKind("record", lambda today: datetime.date(1950, 1, 1), lambda today: _years(today, 10))

# Model fields of these names are of the kind (others are business dates).
DATE_KIND_BY_FIELD = {
    "date_of_birth": BIRTH_DATE,
    "received_on": PAYMENT_DATE,
    "refunded_on": PAYMENT_DATE,
    "deposited_on": PAYMENT_DATE,
    "settlement_date": PAYMENT_DATE,
    "started_on": RECORD_DATE,
    "ended_on": RECORD_DATE,
    "opened_on": RECORD_DATE,
    "closed_on": RECORD_DATE,
    "joined_on": RECORD_DATE,
    "issued_on": RECORD_DATE,
    "expires_on": RECORD_DATE,
    "inspected_on": RECORD_DATE,
    "rated_on": RECORD_DATE,
    "qris_rated_on": RECORD_DATE,
    "accreditation_expires_on": RECORD_DATE,
    "corrected_on": RECORD_DATE,
    "corrective_action_due": RECORD_DATE,
    "month": BUSINESS_MONTH,
}


def date_kind_for(field_name: str) -> DateKind:
    return DATE_KIND_BY_FIELD.get(field_name, BUSINESS_DATE)


def date_validator(kind: DateKind) -> Callable[[datetime.date], None]:
    """A form (or filter) field validator: a date outside the kind's range is the field's error."""

    def validate(value: datetime.date) -> None:
        if value is None:
            return
        try:
            kind.check(value)
        except DateOutOfRange as exc:
            from django.core.exceptions import ValidationError

            raise ValidationError(str(exc), code="date_out_of_range") from exc

    validate.kind = kind  # type: ignore[attr-defined]
    return validate


def bound_form_dates(fields: Mapping[str, Any]) -> None:
    """Give every date field of a form (or a filter set's form) the validator of its kind, by its
    name (alliance.dates.DATE_KIND_BY_FIELD; business dates otherwise), unless it has one."""
    from django import forms

    for name, field in fields.items():
        if isinstance(field, forms.DateField) and not isinstance(field, forms.DateTimeField):
            if not any(hasattr(v, "kind") for v in field.validators):
                field.validators.append(date_validator(date_kind_for(name)))
