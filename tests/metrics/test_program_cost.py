"""One program-month cost (DESIGN.md, "Program cost"), read on the costs page, the rollup, the dashboard and the API.

Worked example (issue 20, point 1): program X, last month, a room licensed for 10, eight children at 1.00 FTE
the whole month; personnel left blank on the month's cost form, the roster holds one salaried teacher on
96,000.00 a year (8,000.00 a month); rent 2,500.00 entered; eight charges of 1,200.00 billed (9,600.00).

  cost             = 8,000.00 (roster) + 2,500.00 = 10,500.00
  cost per child   = 10,500.00 ÷ 8 = 1,312.50        revenue per child = 9,600.00 ÷ 8 = 1,200.00
  break-even       = occupancy × cost ÷ revenue = 0.8 × 10,500 ÷ 9,600 = 87.5 %
  cost flag        : cost per child 1,312.50 is above revenue per child 1,200.00

Family child-care home Y (issue 20, point 5): no staff of its own, rent 500.00 entered; the owner's labour is
the alliance's local median wage for a home owner, 15.00 an hour × 40 × 52 ÷ 12 = 2,600.00 a month, so its
month costs 3,100.00; declaring a wage of 3,000.00 on the program makes it 3,500.00; a personnel row entered for
the month (1,000.00) replaces roster and owner alike: 1,500.00.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from alliance.dates import add_months, month_end, month_start
from alliance.tenancy import alliance_scope
from billing.ledger import ledger_entry_post
from billing.models import EntryKind
from members.models import CostCategory, MemberProgram, PayBasis, ProgramKind
from members.selectors import program_month_costs
from metrics.models import ProgramFinanceMonth
from metrics.rollups import rollup_alliance
from tests.billing.factories import account_of
from tests.members.factories import MonthlyCostFactory, StaffMemberFactory
from tests.metrics.factories import enroll, room

D = Decimal


@pytest.fixture
def month(today):
    return add_months(month_start(today), -1)


def rollup(world, month):
    with alliance_scope(world.a.pk):
        rollup_alliance(start=month, end=month_end(month))


@pytest.fixture
def centre(world, month):
    classroom = room(world.x, licensed=10, opened_on=add_months(month, -2))
    for n in range(8):
        enrollment = enroll(classroom, first_name=f"Kid{n}", start=add_months(month, -1))
        with alliance_scope(world.a.pk):
            ledger_entry_post(
                account=account_of(enrollment.child.family, world.x),
                kind=EntryKind.CHARGE,
                amount=D("1200.00"),
                posted_on=month,
                description="Tuition",
            )
    StaffMemberFactory(
        program=world.x, pay_basis=PayBasis.SALARY, hourly_wage=None, annual_salary=D("96000.00")
    )  # 8,000.00 a month
    return world


def costs_form(**amounts: str) -> dict[str, str]:
    return {c: amounts.get(c, "") for c in CostCategory.values}


class TestWorkedExample:
    def test_costs_page_and_rollup_agree_with_personnel_from_the_roster(self, centre, clients, month):
        world = centre
        # Entered through the month's cost form, personnel left blank ("use the staff roster").
        url = f"/a/{world.a.slug}/programs/{world.x.pk}/costs/{month.year}/{month.month}/"
        response = clients.provider_x.post(url, costs_form(occupancy="2500.00"))
        assert response.status_code == 302
        costs_page = clients.provider_x.get(f"/a/{world.a.slug}/programs/{world.x.pk}/costs/").content.decode()
        assert "$10,500.00" in costs_page
        rollup(world, month)
        with alliance_scope(world.a.pk):
            row = ProgramFinanceMonth.objects.get(program=world.x, month=month)
        assert (row.cost, row.personnel_classroom, row.billed) == (D("10500.00"), D("8000.00"), D("9600.00"))

        drill = clients.staff_a.get(
            f"/a/{world.a.slug}/dashboard/programs/{world.x.pk}/?month={month:%Y-%m}"
        ).content.decode()
        assert "$1,312.50" in drill  # cost per enrolled child
        assert "87.5%" in drill  # break-even occupancy
        dashboard = clients.staff_a.get(f"/a/{world.a.slug}/dashboard/?month={month:%Y-%m}").content.decode()
        assert "Cost per child $1,312.50 is above revenue per child $1,200.00" in dashboard

        api = clients.provider_x.get(
            f"/api/a/{world.a.slug}/programs/{world.x.pk}/monthly-costs/", {"months": 2}
        ).json()
        by_month = {r["month"]: r for r in api}
        assert by_month[f"{month:%Y-%m}"]["total"] == "10500.00"
        assert by_month[f"{month:%Y-%m}"]["personnel"] == "8000.00"
        assert by_month[f"{month:%Y-%m}"]["personnel_from_roster"] is True

    def test_an_entered_personnel_row_replaces_the_roster_in_both(self, centre, clients, month):
        world = centre
        MonthlyCostFactory(program=world.x, month=month, category=CostCategory.PERSONNEL, amount=D("7000.00"))
        MonthlyCostFactory(program=world.x, month=month, category=CostCategory.OCCUPANCY, amount=D("2500.00"))
        rollup(world, month)
        costs_page = clients.provider_x.get(f"/a/{world.a.slug}/programs/{world.x.pk}/costs/").content.decode()
        assert "$9,500.00" in costs_page
        with alliance_scope(world.a.pk):
            assert ProgramFinanceMonth.objects.get(program=world.x, month=month).cost == D("9500.00")

    def test_staff_who_left_mid_month_count_for_their_days(self, world, month):
        StaffMemberFactory(
            program=world.x,
            pay_basis=PayBasis.SALARY,
            hourly_wage=None,
            annual_salary=D("12000.00"),
            ended_on=month + datetime.timedelta(days=9),
        )  # 1,000.00 a month, 10 days of the month
        days = month_end(month).day
        expected = (D("1000.00") * 10 / days).quantize(D("0.01"))
        MonthlyCostFactory(program=world.x, month=month, category=CostCategory.FOOD, amount=D("1.00"))
        rollup(world, month)
        with alliance_scope(world.a.pk):
            selected = program_month_costs([world.x], [month])[(world.x.pk, month)]
            row = ProgramFinanceMonth.objects.get(program=world.x, month=month)
        assert selected.cost == row.cost == expected + D("1.00")


class TestHomeOwnerLabour:
    @pytest.fixture
    def home(self, world, month):
        with alliance_scope(world.a.pk):
            MemberProgram.objects.filter(pk=world.y.pk).update(kind=ProgramKind.FAMILY_HOME)
        room(world.y, licensed=6, opened_on=add_months(month, -2))
        MonthlyCostFactory(program=world.y, month=month, category=CostCategory.OCCUPANCY, amount=D("500.00"))
        return world

    def cost_in_rollup(self, world, month):
        rollup(world, month)
        with alliance_scope(world.a.pk):
            return ProgramFinanceMonth.objects.get(program=world.y, month=month)

    def test_the_local_median_wage_is_the_default(self, home, clients, month):
        row = self.cost_in_rollup(home, month)
        assert (row.cost, row.personnel_classroom) == (D("3100.00"), D("2600.00"))
        api = clients.provider_y.get(f"/api/a/{home.a.slug}/programs/{home.y.pk}/monthly-costs/").json()
        assert {r["month"]: r["total"] for r in api}[f"{month:%Y-%m}"] == "3100.00"
        costs_page = clients.provider_y.get(f"/a/{home.a.slug}/programs/{home.y.pk}/costs/").content.decode()
        assert "$3,100.00" in costs_page

    def test_an_owner_on_the_roster_is_not_counted_twice(self, home, clients, month):
        """The owner salaried on the roster at 36,000.00 a year: 3,000.00 a month from the roster and no default
        owner labour beside it, so 500.00 + 3,000.00 = 3,500.00 (not 6,100.00)."""
        StaffMemberFactory(
            program=home.y,
            position="Owner and provider",
            pay_basis=PayBasis.SALARY,
            hourly_wage=None,
            annual_salary=D("36000.00"),
            started_on=add_months(month, -6),
        )
        row = self.cost_in_rollup(home, month)
        assert (row.cost, row.personnel_classroom) == (D("3500.00"), D("3000.00"))
        costs_page = clients.provider_y.get(f"/a/{home.a.slug}/programs/{home.y.pk}/costs/").content.decode()
        assert "$3,500.00" in costs_page

    def test_a_declared_wage_on_the_program_form_wins_and_is_audited(self, home, clients, month):
        from alliance.models import AuditEvent

        page = clients.admin_a.get(f"/a/{home.a.slug}/programs/{home.y.pk}/edit/")
        form = page.context["form"]
        data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
        data.update(owner_monthly_wage="3000.00", joined_on="2024-01-01")
        response = clients.admin_a.post(f"/a/{home.a.slug}/programs/{home.y.pk}/edit/", data)
        assert response.status_code == 302, response.context["form"].errors
        with alliance_scope(home.a.pk):
            assert AuditEvent.objects.filter(after__owner_monthly_wage="3000.00").count() == 1
        assert self.cost_in_rollup(home, month).cost == D("3500.00")

    def test_a_month_with_personnel_entered_counts_no_owner_wage(self, home, month):
        MonthlyCostFactory(program=home.y, month=month, category=CostCategory.PERSONNEL, amount=D("1000.00"))
        assert self.cost_in_rollup(home, month).cost == D("1500.00")

    def test_the_alliance_setting_changes_the_default(self, home, clients, month):
        data = {
            "name": home.a.name,
            "region": "",
            "timezone": home.a.timezone,
            "locale": home.a.locale,
            "fiscal_year_start_month": "7",
            "home_owner_hourly_wage": "20.00",
        }
        response = clients.admin_a.post(f"/a/{home.a.slug}/settings/", data)
        assert response.status_code == 302
        # 20.00 × 40 × 52 ÷ 12 = 3,466.67, plus rent 500.00.
        assert self.cost_in_rollup(home, month).cost == D("3966.67")
