"""Factories of enrollment data, created inside their alliance's scope.

Setup rows are written directly (no capacity or age checks) so a test can put a
classroom in any state; the behaviour under test always goes through services.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory

from alliance.tenancy import alliance_scope
from enrollment.models import Child, Enrollment, Family, Guardian, WaitlistEntry
from enrollment.rules import DayLength, schedule_fte
from members.models import Classroom
from tests.factories import AllianceFactory, TenantFactory

FULL_WEEK = [0, 1, 2, 3, 4]


class FamilyFactory(TenantFactory):
    class Meta:
        model = Family

    alliance = factory.SubFactory(AllianceFactory)
    name = factory.Sequence(lambda n: f"Family{n} family")
    city = "Riverbend"


class GuardianFactory(TenantFactory):
    class Meta:
        model = Guardian

    family = factory.SubFactory(FamilyFactory)
    alliance = factory.SelfAttribute("family.alliance")
    first_name = factory.Sequence(lambda n: f"Parent{n}")
    last_name = "Lopez"
    phone = "(555) 201-3344"
    is_primary_contact = True


class ChildFactory(TenantFactory):
    class Meta:
        model = Child

    family = factory.SubFactory(FamilyFactory)
    alliance = factory.SelfAttribute("family.alliance")
    first_name = factory.Sequence(lambda n: f"Kid{n}")
    last_name = "Lopez"
    date_of_birth = datetime.date(2024, 1, 15)


def months_before(day: datetime.date, months: int) -> datetime.date:
    """A date of birth making a child exactly `months` old (and a few days) on `day`."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return datetime.date(year, month + 1, 1)


def enroll(
    child: Child,
    room: Classroom,
    start: datetime.date,
    end: datetime.date | None = None,
    *,
    weekdays: list[int] | None = None,
    day_length: str = DayLength.FULL,
) -> Enrollment:
    """An enrollment written directly, for setting a classroom's load."""
    days = weekdays or FULL_WEEK
    with alliance_scope(child.alliance_id):
        return Enrollment.objects.create(
            alliance_id=child.alliance_id,
            child=child,
            classroom=room,
            program_id=room.site.program_id,
            start_date=start,
            end_date=end,
            weekdays=days,
            day_length=day_length,
            fte=schedule_fte(days, day_length),
        )


def fill(
    room: Classroom, count: int, start: datetime.date, *, dob: datetime.date, end: datetime.date | None = None
) -> list[Enrollment]:
    """`count` full-time children in a room from `start`."""
    family = FamilyFactory(alliance=room.site.program.alliance)
    return [enroll(ChildFactory(family=family, date_of_birth=dob), room, start, end) for _ in range(count)]


def entry(
    child: Child,
    *,
    program=None,
    added_on: datetime.date,
    desired_start: datetime.date,  # type: ignore[no-untyped-def]
    weekdays: list[int] | None = None,
    day_length: str = DayLength.FULL,
    area: str = "",
    any_program: bool = False,
    sibling: bool = False,
    subsidy: bool = False,
    status: str = "waiting",
    choices=(),
) -> WaitlistEntry:
    """A waitlist entry written directly (the matcher's input)."""
    from enrollment.models import WaitlistChoice

    days = weekdays or FULL_WEEK
    with alliance_scope(child.alliance_id):
        row = WaitlistEntry.objects.create(
            alliance_id=child.alliance_id,
            child=child,
            program=program,
            area=area,
            any_program=any_program,
            desired_start=desired_start,
            weekdays=days,
            day_length=day_length,
            fte=schedule_fte(days, day_length),
            sibling_enrolled=sibling,
            subsidy_eligible=subsidy,
            added_on=added_on,
            status=status,
        )
        for p in choices:
            WaitlistChoice.objects.create(alliance_id=child.alliance_id, entry=row, program=p)
        return row


__all__ = ["ChildFactory", "Decimal", "FamilyFactory", "GuardianFactory", "enroll", "entry", "fill", "months_before"]
