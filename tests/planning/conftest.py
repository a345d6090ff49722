"""Program X measured as the start-up guide's centre serving 65 children, every month of the last year.

Each of the 12 months before the alliance's current month: 20 operating days, 75 licensed places
(1,500 capacity-days), 65 FTE (1,300 FTE-days); billed 65,000.00, collected 61,750.00, written off
1,950.00; cost 61,000.00 = personnel 45,500.00 (classroom) + rent 8,000 + food 3,500 + supplies 2,000
+ insurance 1,000 + other 1,000 entered. Staff roster: 20 FTE (20 people at 1.00). No Hub fee charged.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from alliance.dates import add_months, month_start
from alliance.tenancy import alliance_scope
from members.models import CostCategory, MemberProgram, MonthlyCost
from metrics.models import ProgramFinanceMonth, ProgramMonth
from tests.members.factories import StaffMemberFactory

D = Decimal
ENTERED = {
    CostCategory.OCCUPANCY: D("8000.00"),
    CostCategory.FOOD: D("3500.00"),
    CostCategory.SUPPLIES: D("2000.00"),
    CostCategory.INSURANCE: D("1000.00"),
    CostCategory.OTHER: D("1000.00"),
}


def measured(program: MemberProgram, month: datetime.date, *, fte_days: int = 1300, billed: str = "65000.00") -> None:
    zero = D("0.00")
    ProgramMonth.objects.create(
        program=program, month=month, operating_days=20, licensed_capacity=1500, target_capacity=1500,
        enrolled_fte=D(fte_days), enrolled_children=65, scheduled_child_days=0, attended_child_days=0,
    )  # fmt: skip
    ProgramFinanceMonth.objects.create(
        program=program, month=month, billed=D(billed), collected_family=D("61750.00"), collected_third_party=zero,
        written_off=D("1950.00"), aging_current=zero, aging_1_30=zero, aging_31_60=zero, aging_61_90=zero,
        aging_over_90=zero, cost=D("61000.00"), personnel_admin=zero, personnel_classroom=D("45500.00"),
    )  # fmt: skip
    for category, amount in ENTERED.items():
        MonthlyCost.objects.create(program=program, month=month, category=category, amount=amount)


@pytest.fixture
def centre(world, today):
    """Program X with its 12 measured months (oldest first) and a 20-FTE roster."""
    current = month_start(today)
    months = [add_months(current, -n) for n in range(12, 0, -1)]
    with alliance_scope(world.a.pk):
        for month in months:
            measured(world.x, month)
        for _n in range(20):
            StaffMemberFactory(program=world.x, fte=D("1.00"), started_on=add_months(current, -24), ended_on=None)
    return months
