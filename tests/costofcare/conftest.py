from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from alliance.dates import add_months, month_start
from members.models import AgeGroup, CostCategory, PayBasis, StaffCategory
from tests.billing.factories import RatePlanFactory
from tests.members.factories import MonthlyCostFactory, SiteFactory, StaffMemberFactory, classroom


@pytest.fixture
def infant_centre(world, today):
    """Program X as the pages' worked example (tests/costofcare/test_pages.py): two classroom staff at
    $16.00 an hour with $6,656.00 a year of benefits each (20 % of 16 × 2,080 = 33,280), a director on
    $54,000.00 a year (4,500.00 a month), one infant room 1:4 for 8 open 7:00–17:00 Monday to Friday,
    last month's rent $3,000.00, food $1,000.00 and supplies $500.00, and an infant plan of
    $1,752.66 a month."""
    return infant_centre_at(world.x, today)


def infant_centre_at(x, today):  # type: ignore[no-untyped-def]
    """The worked example's records at program `x`."""
    for _ in range(2):
        StaffMemberFactory(program=x, hourly_wage=Decimal("16.00"), benefits_annual=Decimal("6656.00"))
    StaffMemberFactory(
        program=x,
        position="Director",
        category=StaffCategory.ADMINISTRATION,
        pay_basis=PayBasis.SALARY,
        hourly_wage=None,
        annual_salary=Decimal("54000.00"),
    )
    site = SiteFactory(program=x)
    classroom(
        site,
        licensed=8,
        age_group=AgeGroup.INFANT,
        children_per_staff=4,
        opens_at=datetime.time(7, 0),
        closes_at=datetime.time(17, 0),
    )
    last_month = add_months(month_start(today), -1)
    for category, amount in (
        (CostCategory.OCCUPANCY, "3000.00"),
        (CostCategory.FOOD, "1000.00"),
        (CostCategory.SUPPLIES, "500.00"),
    ):
        MonthlyCostFactory(program=x, month=last_month, category=category, amount=Decimal(amount))
    RatePlanFactory(program=x, name="Infant full time", age_group=AgeGroup.INFANT, tuition=Decimal("1752.66"))
    return x
