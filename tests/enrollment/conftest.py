"""Fixtures of the enrollment tests, on top of tests/conftest.py's `world` and `clients`.

Program X (alliance A, in Riverbend) has a toddler room of 12 and an infant room
of 8; program Y (A, in Millbrook) a preschool room; program Z (alliance B) a
room of its own, so strangers have real rows to try. Dates are relative to the
alliance's today, so the tests do not age.
"""

from __future__ import annotations

import datetime
from contextlib import AbstractContextManager
from types import SimpleNamespace

import pytest

from alliance.tenancy import alliance_scope
from members.models import AgeGroup
from tests.members.factories import SiteFactory, classroom

OPENED = datetime.date(2024, 1, 1)


def next_monday(day: datetime.date, weeks: int = 1) -> datetime.date:
    return day + datetime.timedelta(days=(7 - day.weekday()) % 7 or 7) + datetime.timedelta(weeks=weeks - 1)


@pytest.fixture
def rooms(world):
    site_x = SiteFactory(program=world.x, name="X main", city="Riverbend")
    site_y = SiteFactory(program=world.y, name="Y main", city="Millbrook")
    site_z = SiteFactory(program=world.z, name="Z main", city="Riverbend")
    return SimpleNamespace(
        toddlers=classroom(
            site_x, name="Toddler Room", age_group=AgeGroup.TODDLER, licensed=12, children_per_staff=6, opened_on=OPENED
        ),
        infants=classroom(
            site_x, name="Infant Room", age_group=AgeGroup.INFANT, licensed=8, children_per_staff=4, opened_on=OPENED
        ),
        preschool_y=classroom(site_y, name="Y Preschool", age_group=AgeGroup.PRESCHOOL, licensed=20, opened_on=OPENED),
        room_z=classroom(site_z, name="Z Room", age_group=AgeGroup.TODDLER, licensed=10, opened_on=OPENED),
    )


@pytest.fixture
def in_a(world):
    def scope() -> AbstractContextManager[None]:
        return alliance_scope(world.a.pk)

    return scope
