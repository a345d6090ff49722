"""Factories of billing tests: households, children, enrollments and rate plans,
each created inside its alliance's scope."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory

from alliance.tenancy import alliance_scope
from billing.models import FamilyAccount, RatePeriod, RatePlan
from enrollment.models import Child, Enrollment, Family
from enrollment.rules import DayLength, schedule_fte
from members.models import AgeGroup, Classroom, MemberProgram
from tests.factories import TenantFactory
from tests.members.factories import SiteFactory, classroom


class FamilyFactory(TenantFactory):
    class Meta:
        model = Family

    name = factory.Sequence(lambda n: f"Family {n}")


class ChildFactory(TenantFactory):
    class Meta:
        model = Child

    family = factory.SubFactory(FamilyFactory)
    alliance = factory.SelfAttribute("family.alliance")
    first_name = factory.Sequence(lambda n: f"Kid{n}")
    last_name = factory.SelfAttribute("family.name")
    date_of_birth = datetime.date(2022, 3, 1)


class RatePlanFactory(TenantFactory):
    class Meta:
        model = RatePlan

    alliance = factory.SelfAttribute("program.alliance")
    name = factory.Sequence(lambda n: f"Plan {n}")
    age_group = ""
    period = RatePeriod.MONTHLY
    tuition = Decimal("1000.00")
    effective_from = datetime.date(2025, 1, 1)


def room_of(program: MemberProgram, *, age_group: str = AgeGroup.PRESCHOOL) -> Classroom:
    site = SiteFactory(program=program)
    return classroom(site, licensed=50, age_group=age_group)


def enroll(
    child: Child,
    room: Classroom,
    *,
    start: datetime.date,
    end: datetime.date | None = None,
    weekdays: list[int] | None = None,
    day_length: str = DayLength.FULL,
    ref: str = "",
) -> Enrollment:
    """An enrollment row as the enrollment services would leave it (capacity rules are theirs)."""
    days = weekdays if weekdays is not None else [0, 1, 2, 3, 4]
    with alliance_scope(child.alliance_id):
        return Enrollment.objects.create(
            child=child,
            classroom=room,
            program_id=room.site.program_id,
            start_date=start,
            end_date=end,
            weekdays=days,
            day_length=day_length,
            fte=schedule_fte(days, day_length),
            rate_plan_ref=ref,
        )


def account_of(family: Family, program: MemberProgram, **fields) -> FamilyAccount:  # type: ignore[no-untyped-def]
    with alliance_scope(family.alliance_id):
        return FamilyAccount.objects.create(family=family, program=program, **fields)
