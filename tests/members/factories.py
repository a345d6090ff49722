"""Factories of member data, created inside their alliance's scope."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory

from members.models import (
    AgeGroup,
    Classroom,
    ClassroomCapacity,
    CostCategory,
    Credential,
    HubService,
    InspectionOutcome,
    LicensingInspection,
    MonthlyCost,
    PayBasis,
    PricingModel,
    ServiceSubscription,
    Site,
    StaffCategory,
    StaffMember,
)
from members.selectors import CapacityInForce, classroom_capacities_on
from tests.factories import MemberProgramFactory, TenantFactory

__all__ = ["MemberProgramFactory"]


class SiteFactory(TenantFactory):
    class Meta:
        model = Site

    program = factory.SubFactory(MemberProgramFactory)
    alliance = factory.SelfAttribute("program.alliance")
    name = factory.Sequence(lambda n: f"Site {n}")
    city = "Riverbend"


class ClassroomFactory(TenantFactory):
    """A classroom without capacity; see `classroom()` for one with its first capacity."""

    class Meta:
        model = Classroom

    site = factory.SubFactory(SiteFactory)
    alliance = factory.SelfAttribute("site.alliance")
    name = factory.Sequence(lambda n: f"Room {n}")
    age_group = AgeGroup.PRESCHOOL
    children_per_staff = 10
    operating_days = factory.LazyFunction(lambda: [0, 1, 2, 3, 4])
    opens_at = datetime.time(7, 0)
    closes_at = datetime.time(18, 0)


def classroom(
    site: Site,
    *,
    licensed: int = 20,
    desired: int | None = None,
    opened_on: datetime.date = datetime.date(2025, 1, 1),
    **fields,
) -> Classroom:  # type: ignore[no-untyped-def]
    """A classroom whose capacity applies from `opened_on`."""
    room = ClassroomFactory(site=site, **fields)
    ClassroomCapacityFactory(
        classroom=room, effective_from=opened_on, licensed_capacity=licensed, desired_capacity=desired
    )
    return room


class ClassroomCapacityFactory(TenantFactory):
    class Meta:
        model = ClassroomCapacity

    classroom = factory.SubFactory(ClassroomFactory)
    alliance = factory.SelfAttribute("classroom.alliance")
    effective_from = datetime.date(2026, 1, 1)
    licensed_capacity = 20
    desired_capacity = None


class StaffMemberFactory(TenantFactory):
    class Meta:
        model = StaffMember

    program = factory.SubFactory(MemberProgramFactory)
    alliance = factory.SelfAttribute("program.alliance")
    first_name = factory.Sequence(lambda n: f"Pat{n}")
    last_name = "Teacher"
    position = "Lead teacher"
    category = StaffCategory.CLASSROOM
    fte = Decimal("1.00")
    pay_basis = PayBasis.HOURLY
    hourly_wage = Decimal("18.00")
    annual_salary = None
    benefits_annual = Decimal("0.00")
    started_on = datetime.date(2024, 1, 1)


class CredentialFactory(TenantFactory):
    class Meta:
        model = Credential

    staff = factory.SubFactory(StaffMemberFactory)
    alliance = factory.SelfAttribute("staff.alliance")
    name = "Pediatric CPR & First Aid"
    issued_on = datetime.date(2024, 6, 1)
    expires_on = datetime.date(2026, 6, 1)


class MonthlyCostFactory(TenantFactory):
    class Meta:
        model = MonthlyCost

    program = factory.SubFactory(MemberProgramFactory)
    alliance = factory.SelfAttribute("program.alliance")
    month = datetime.date(2026, 1, 1)
    category = CostCategory.OCCUPANCY
    amount = Decimal("4200.00")


class HubServiceFactory(TenantFactory):
    class Meta:
        model = HubService

    alliance = factory.SubFactory("tests.factories.AllianceFactory")
    name = factory.Sequence(lambda n: f"Service {n}")
    pricing_model = PricingModel.FLAT_MONTHLY
    rate = Decimal("325.00")


class SubscriptionFactory(TenantFactory):
    class Meta:
        model = ServiceSubscription

    program = factory.SubFactory(MemberProgramFactory)
    alliance = factory.SelfAttribute("program.alliance")
    service = factory.SubFactory(HubServiceFactory, alliance=factory.SelfAttribute("..alliance"))
    pricing_model = factory.SelfAttribute("service.pricing_model")
    rate = factory.SelfAttribute("service.rate")
    starts_on = datetime.date(2025, 1, 1)
    ends_on = None


class InspectionFactory(TenantFactory):
    class Meta:
        model = LicensingInspection

    program = factory.SubFactory(MemberProgramFactory)
    alliance = factory.SelfAttribute("program.alliance")
    inspected_on = datetime.date(2026, 3, 10)
    outcome = InspectionOutcome.COMPLIANT


def capacity_on(room: Classroom, day: datetime.date) -> CapacityInForce | None:
    """One classroom's capacity in force on a day, read as the product reads it."""
    return classroom_capacities_on([room.pk], day).get(room.pk)
