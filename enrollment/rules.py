"""Pure rules of enrollment: a schedule's FTE, a child's age and age group on a day.

No database access here, so pages, services, the matcher and the demo seed
compute these figures the same way.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from alliance.dates import add_months
from members.models import AgeGroup, weekdays_label

FULL_TIME_DAYS = 5

# The largest group of children one room may hold at once, by age group: the licensing
# defaults most US states share (NAEYC's group sizes); the ratio itself is each room's
# own `children_per_staff`, as its licence says.
MAX_GROUP_SIZE = {
    AgeGroup.INFANT: 8,
    AgeGroup.TODDLER: 12,
    AgeGroup.PRESCHOOL: 20,
    AgeGroup.SCHOOL_AGE: 30,
    AgeGroup.MIXED: 12,
}
FTE_PLACES = Decimal("0.01")
FULL_TIME_FTE = Decimal("1.00")


class DayLength:
    FULL = "full"
    PART = "part"
    CHOICES = [(FULL, "Full day"), (PART, "Part day")]
    FACTOR = {FULL: Decimal("1.0"), PART: Decimal("0.5")}


def schedule_fte(weekdays: Iterable[int], day_length: str) -> Decimal:
    """Full-time equivalent of a weekly schedule: five full days are 1.00.

    Each day counts a fifth, a part day half of that; more than five full days
    still count as one full-time child (capped at 1.00).
    """
    days = len(set(weekdays))
    factor = DayLength.FACTOR[day_length]
    fte = Decimal(days) / FULL_TIME_DAYS * factor
    return min(fte, FULL_TIME_FTE).quantize(FTE_PLACES, ROUND_HALF_UP)


def schedule_label(weekdays: Sequence[int], day_length: str) -> str:
    length = dict(DayLength.CHOICES).get(day_length, day_length).lower()
    return f"{weekdays_label(list(weekdays))}, {length}"


# --- Age --------------------------------------------------------------------
def age_in_months(date_of_birth: datetime.date, day: datetime.date) -> int:
    """Completed months of age on a day (negative before birth)."""
    months = (day.year - date_of_birth.year) * 12 + (day.month - date_of_birth.month)
    if day.day < date_of_birth.day:
        # Born on the 31st: the month is complete on the last day of a shorter month.
        next_day = day + datetime.timedelta(days=1)
        if next_day.month == day.month:
            months -= 1
    return months


def age_label(months: int) -> str:
    if months < 0:
        return "not yet born"
    years, rest = divmod(months, 12)
    if years == 0:
        return f"{rest} month{'s' if rest != 1 else ''}"
    if rest == 0:
        return f"{years} year{'s' if years != 1 else ''}"
    return f"{years} year{'s' if years != 1 else ''} {rest} month{'s' if rest != 1 else ''}"


@dataclass(frozen=True)
class Band:
    """An age group's range in completed months: from `min_months` up to, not
    including, `max_months`."""

    age_group: str
    min_months: int
    max_months: int

    def contains(self, months: int) -> bool:
        return self.min_months <= months < self.max_months

    @property
    def label(self) -> str:
        return AgeGroup(self.age_group).label

    @property
    def range_label(self) -> str:
        return f"{_months_text(self.min_months)} to under {_months_text(self.max_months)}"


def _months_text(months: int) -> str:
    if months % 12 == 0 and months >= 24:
        return f"{months // 12} years"
    return f"{months} months"


# A common licensing split; each alliance may set its own (AgeBand rows).
DEFAULT_BANDS: tuple[Band, ...] = (
    Band(AgeGroup.INFANT, 0, 18),
    Band(AgeGroup.TODDLER, 18, 36),
    Band(AgeGroup.PRESCHOOL, 36, 60),
    Band(AgeGroup.SCHOOL_AGE, 60, 156),
)
BANDED_GROUPS = [AgeGroup.INFANT, AgeGroup.TODDLER, AgeGroup.PRESCHOOL, AgeGroup.SCHOOL_AGE]


def age_group_on(date_of_birth: datetime.date, day: datetime.date, bands: Sequence[Band]) -> str | None:
    """The age group a child belongs to on a day, or None outside every band."""
    months = age_in_months(date_of_birth, day)
    for band in bands:
        if band.contains(months):
            return band.age_group
    return None


def classroom_takes(
    classroom_age_group: str,
    child_age_group: str | None,
) -> bool:
    """Mixed-age rooms (family child-care homes) take a child of any band."""
    if child_age_group is None:
        return False
    return classroom_age_group in (AgeGroup.MIXED, child_age_group)


def dob_range_for(
    age_group: str, day: datetime.date, bands: Sequence[Band]
) -> tuple[datetime.date, datetime.date] | None:
    """Dates of birth (earliest, latest inclusive) of children in an age group on
    a day; a generous pre-filter for queries (the exact test is age_group_on)."""
    chosen = [b for b in bands if age_group in (AgeGroup.MIXED, b.age_group)]
    if not chosen:
        return None
    oldest = max(b.max_months for b in chosen)
    youngest = min(b.min_months for b in chosen)
    earliest = add_months(day, -oldest) - datetime.timedelta(days=1)
    latest = add_months(day, -youngest) + datetime.timedelta(days=1)
    return earliest, latest
