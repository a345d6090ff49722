"""The alliance's dates (alliance/dates.py): its today in its own zone, and month arithmetic."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest

from alliance.dates import (
    add_months,
    alliance_date,
    alliance_now,
    alliance_time,
    alliance_today,
    month_bounds,
    month_end,
    month_or_none,
    month_start,
    months_back,
    months_between,
    next_month_start,
    parse_month,
)
from alliance.tenancy import TenancyError, alliance_scope
from tests.factories import AllianceFactory

D = datetime.date
UTC_0200 = datetime.datetime(2026, 1, 1, 2, 0, tzinfo=datetime.UTC)  # 20:00 on New Year's Eve in Chicago


class TestToday:
    def test_evening_in_chicago_is_still_the_day_before_the_servers(self):
        chicago, sydney = (
            AllianceFactory.build(timezone="America/Chicago"),
            AllianceFactory.build(timezone="Australia/Sydney"),
        )
        with mock.patch("django.utils.timezone.now", return_value=UTC_0200):
            assert alliance_today(chicago) == D(2025, 12, 31)
            assert alliance_today(sydney) == D(2026, 1, 1)
            assert alliance_now(chicago).hour == 20
            assert alliance_time(chicago) == datetime.time(20, 0)

    def test_a_moment_falls_on_the_alliances_day(self):
        chicago = AllianceFactory.build(timezone="America/Chicago")
        assert alliance_date(UTC_0200, chicago) == D(2025, 12, 31)
        assert alliance_date(UTC_0200 + datetime.timedelta(hours=4), chicago) == D(2026, 1, 1)

    def test_without_an_alliance_the_open_scopes_is_used(self, world):
        tokyo = AllianceFactory(timezone="Asia/Tokyo")
        with mock.patch("django.utils.timezone.now", return_value=UTC_0200):
            with alliance_scope(world.a.pk):
                assert alliance_today() == D(2025, 12, 31)
            with alliance_scope(tokyo.pk):
                assert alliance_today() == D(2026, 1, 1)
        with pytest.raises(TenancyError):
            alliance_today()


class TestMonths:
    def test_bounds_of_a_month(self):
        assert month_bounds(D(2026, 2, 14)) == (D(2026, 2, 1), D(2026, 2, 28))
        assert month_bounds(D(2024, 2, 29)) == (D(2024, 2, 1), D(2024, 2, 29))
        assert (month_start(D(2025, 12, 31)), month_end(D(2025, 12, 1))) == (D(2025, 12, 1), D(2025, 12, 31))
        assert next_month_start(D(2025, 12, 31)) == D(2026, 1, 1)

    @pytest.mark.parametrize(
        ("day", "months", "expected"),
        [
            (D(2026, 1, 31), 1, D(2026, 2, 28)),  # held to February's last day
            (D(2024, 1, 31), 1, D(2024, 2, 29)),  # a leap year
            (D(2025, 12, 15), 1, D(2026, 1, 15)),  # December to January
            (D(2026, 1, 15), -1, D(2025, 12, 15)),  # and back
            (D(2026, 3, 31), -1, D(2026, 2, 28)),
            (D(2024, 2, 29), 12, D(2025, 2, 28)),
            (D(2026, 5, 10), -29, D(2023, 12, 10)),
            (D(2026, 5, 10), 0, D(2026, 5, 10)),
        ],
    )
    def test_add_months(self, day, months, expected):
        assert add_months(day, months) == expected

    def test_months_back_over_a_year_boundary(self):
        assert months_back(4, until=D(2026, 2, 17)) == [D(2025, 11, 1), D(2025, 12, 1), D(2026, 1, 1), D(2026, 2, 1)]
        assert months_back(1, until=D(2026, 1, 31)) == [D(2026, 1, 1)]
        assert len(months_back(24, until=D(2026, 1, 1))) == 24
        assert months_back(24, until=D(2026, 1, 1))[0] == D(2024, 2, 1)

    def test_months_between(self):
        assert months_between(D(2025, 11, 20), D(2026, 2, 1)) == [
            D(2025, 11, 1),
            D(2025, 12, 1),
            D(2026, 1, 1),
            D(2026, 2, 1),
        ]
        assert months_between(D(2026, 3, 1), D(2026, 2, 1)) == []

    def test_months_are_read_in_the_usual_spellings_and_nothing_else(self):
        for text in ("2026-03", "2026-03-17", "03/2026", "2026/03", " 2026-03 "):
            assert parse_month(text) == D(2026, 3, 1), text
        for text in ("2026-13", "March", "", "2026-3-1x"):
            with pytest.raises(ValueError, match="Not a month"):
                parse_month(text)
        assert (month_or_none("2026-03"), month_or_none("nope"), month_or_none(None)) == (D(2026, 3, 1), None, None)
