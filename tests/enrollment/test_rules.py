"""FTE of schedules and ages by date: the arithmetic every other figure rests on."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from enrollment.rules import (
    DEFAULT_BANDS,
    DayLength,
    age_group_on,
    age_in_months,
    age_label,
    classroom_takes,
    dob_range_for,
    schedule_fte,
)
from members.models import AgeGroup


class TestScheduleFTE:
    @pytest.mark.parametrize(
        ("weekdays", "length", "fte"),
        [
            ([0, 1, 2, 3, 4], DayLength.FULL, "1.00"),  # full time
            ([0, 2, 4], DayLength.FULL, "0.60"),  # Mon, Wed, Fri
            ([1, 3], DayLength.FULL, "0.40"),  # Tue, Thu
            ([0, 1, 2, 3, 4], DayLength.PART, "0.50"),  # five mornings
            ([1, 3], DayLength.PART, "0.20"),  # two mornings
            ([0], DayLength.PART, "0.10"),
            ([0, 1, 2, 3, 4, 5], DayLength.FULL, "1.00"),  # a sixth day does not make more than one child
        ],
    )
    def test_fte_follows_days_and_day_length(self, weekdays, length, fte):
        assert schedule_fte(weekdays, length) == Decimal(fte)

    def test_repeated_days_count_once(self):
        assert schedule_fte([0, 0, 2], DayLength.FULL) == Decimal("0.40")

    def test_two_part_timers_on_other_days_make_one_place(self):
        assert schedule_fte([0, 2, 4], DayLength.FULL) + schedule_fte([1, 3], DayLength.FULL) == Decimal("1.00")


class TestAge:
    def test_completed_months(self):
        born = datetime.date(2024, 3, 15)
        assert age_in_months(born, datetime.date(2024, 4, 14)) == 0
        assert age_in_months(born, datetime.date(2024, 4, 15)) == 1
        assert age_in_months(born, datetime.date(2026, 5, 15)) == 26

    def test_born_on_the_31st_turns_a_month_older_at_the_end_of_a_short_month(self):
        born = datetime.date(2024, 1, 31)
        assert age_in_months(born, datetime.date(2024, 2, 28)) == 0
        assert age_in_months(born, datetime.date(2024, 2, 29)) == 1

    def test_labels(self):
        assert age_label(1) == "1 month"
        assert age_label(24) == "2 years"
        assert age_label(26) == "2 years 2 months"
        assert age_label(-2) == "not yet born"

    def test_age_group_by_the_default_bands(self):
        born = datetime.date(2024, 1, 10)
        assert age_group_on(born, datetime.date(2025, 7, 9), DEFAULT_BANDS) == AgeGroup.INFANT  # 17 months
        assert age_group_on(born, datetime.date(2025, 7, 10), DEFAULT_BANDS) == AgeGroup.TODDLER  # 18
        assert age_group_on(born, datetime.date(2027, 1, 10), DEFAULT_BANDS) == AgeGroup.PRESCHOOL  # 36
        assert age_group_on(born, datetime.date(2037, 1, 10), DEFAULT_BANDS) is None  # 13 years

    def test_mixed_rooms_take_every_band(self):
        assert classroom_takes(AgeGroup.MIXED, AgeGroup.INFANT)
        assert classroom_takes(AgeGroup.TODDLER, AgeGroup.TODDLER)
        assert not classroom_takes(AgeGroup.INFANT, AgeGroup.TODDLER)
        assert not classroom_takes(AgeGroup.MIXED, None)

    @pytest.mark.parametrize("group", [AgeGroup.INFANT, AgeGroup.TODDLER, AgeGroup.PRESCHOOL, AgeGroup.MIXED])
    def test_the_birth_date_prefilter_never_drops_a_child_of_the_group(self, group):
        day = datetime.date(2026, 3, 2)
        earliest, latest = dob_range_for(group, day, DEFAULT_BANDS)
        born = datetime.date(2012, 1, 1)
        while born <= day:
            if classroom_takes(group, age_group_on(born, day, DEFAULT_BANDS)):
                assert earliest <= born <= latest, born
            born += datetime.timedelta(days=3)
