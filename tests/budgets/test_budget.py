"""A member program's budget and budget against actual: pages, CSV, PDF, API, access.

Actors (conftest `world`): Alice is hub staff of alliance A, program X's provider owns the
budget, program Y's provider is a stranger in the same alliance, alliance B's people are strangers,
and A's funder sees no program's budget.

The year budgeted is last year in the alliance's calendar, so every month of it is over and a month
counts as measured as soon as its rollup snapshot exists.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from alliance.dates import alliance_today
from alliance.models import AuditEvent
from alliance.tenancy import alliance_scope
from billing.models import RatePeriod
from budgets.models import Budget, BudgetEnrollment, BudgetLine
from budgets.selectors import budget_vs_actual, plan_month_price
from budgets.services import budget_create, budget_save
from members.models import MonthlyCost
from metrics.models import ProgramFinanceMonth
from tests.billing.factories import ChildFactory, RatePlanFactory, enroll, room_of

ZERO = Decimal("0.00")


def d(text: str) -> Decimal:
    return Decimal(text)


def snapshot(program, month: datetime.date, *, billed: str, family: str = "0", third: str = "0") -> None:  # type: ignore[no-untyped-def]
    money = {
        name: ZERO
        for name in (
            "written_off",
            "aging_current",
            "aging_1_30",
            "aging_31_60",
            "aging_61_90",
            "aging_over_90",
            "cost",
            "personnel_admin",
            "personnel_classroom",
        )
    }
    ProgramFinanceMonth.objects.create(
        program=program,
        month=month,
        billed=d(billed),
        collected_family=d(family),
        collected_third_party=d(third),
        **money,
    )


@pytest.fixture
def year(today) -> int:  # type: ignore[no-untyped-def]
    return today.year - 1


@pytest.fixture
def plan(world):  # type: ignore[no-untyped-def]
    return RatePlanFactory(
        program=world.x,
        name="Preschool full time",
        tuition=d("1200.00"),
        period=RatePeriod.MONTHLY,
        effective_from=datetime.date(2020, 1, 1),
    )


@pytest.fixture
def worked_example(world, plan, year):  # type: ignore[no-untyped-def]
    """January of `year`: 10 children on a $1,200.00 monthly plan, personnel $8,000.00 and food $500.00
    budgeted; billed $11,400.00, collected $10,000.00 + $1,000.00, personnel $8,600.00 and food $450.00
    measured."""
    jan = datetime.date(year, 1, 1)
    with alliance_scope(world.a.pk):
        budget = budget_create(actor=world.users.provider_x, program=world.x, year=year)
        budget_save(
            actor=world.users.provider_x,
            budget=budget,
            children={(plan.pk, 1): 10},
            amounts={("personnel", 1): "8000.00", ("food", 1): "500.00"},
        )
        snapshot(world.x, jan, billed="11400.00", family="10000.00", third="1000.00")
        MonthlyCost.objects.create(program=world.x, month=jan, category="personnel", amount=d("8600.00"))
        MonthlyCost.objects.create(program=world.x, month=jan, category="food", amount=d("450.00"))
    return budget


class TestBudgetAgainstActual:
    def test_the_worked_example_as_the_provider_sees_it(self, world, clients, worked_example, year):
        """Hand arithmetic, January:

        revenue budgeted  10 children x $1,200.00 = $12,000.00; billed $11,400.00
          variance 11,400.00 - 12,000.00 = -$600.00; -600 / 12,000 x 100 = -5.0 %
          exactly 5 % under is not MORE than the 5 % threshold: not flagged.
        collected 10,000.00 + 1,000.00 = $11,000.00; -1,000.00, -8.3 % (1,000 / 12,000 = 8.33 %): flagged.
        personnel budgeted $8,000.00, actual $8,600.00: +$600.00, +7.5 %: over by more than 5 %, flagged.
        food budgeted $500.00, actual $450.00: -$50.00, -10.0 %: a cost under budget is never flagged.
        total cost 8,500.00 against 9,050.00: +$550.00, 550 / 8,500 = 6.47 % → +6.5 %, flagged.
        net budgeted 12,000.00 - 8,500.00 = $3,500.00; actual 11,400.00 - 9,050.00 = $2,350.00: -$1,150.00,
          -32.9 % (1,150 / 3,500 = 32.857 %), flagged.
        Only January is measured, so the year to date is January's figures.
        """
        page = clients.provider_x.get(f"/a/alliance-a/programs/{world.x.pk}/budget/{year}/")
        assert page.status_code == 200
        html = page.content.decode()
        for figure in ("$12,000.00", "$11,400.00", "-$600.00", "-5.0%", "$8,600.00", "+$600.00", "+7.5%"):
            assert figure in html, figure
        for figure in ("$8,500.00", "$9,050.00", "+$550.00", "+6.5%", "-$1,150.00", "-32.9%", "-8.3%"):
            assert figure in html, figure

        with alliance_scope(world.a.pk):
            report = budget_vs_actual(world.x, year, today=datetime.date(year + 1, 1, 10))
        jan = report.months[0]
        assert (jan.revenue.budget, jan.revenue.actual, jan.revenue.variance) == (
            d("12000.00"),
            d("11400.00"),
            d("-600.00"),
        )
        assert jan.revenue.variance_percent == Decimal("-5")
        assert not jan.revenue.flagged
        assert jan.collected.flagged
        assert jan.cost.flagged
        assert jan.row("personnel").flagged
        assert not jan.row("food").flagged
        assert [m.measured for m in report.months] == [True] + [False] * 11
        assert report.ytd is not None
        assert report.ytd.revenue.variance == d("-600.00")

        january = clients.provider_x.get(f"/a/alliance-a/programs/{world.x.pk}/budget/{year}/?month={year}-01")
        assert "Over budget" in january.content.decode()
        assert "January" in january.content.decode()

    def test_csv_and_pdf(self, world, clients, worked_example, year):
        base = f"/a/alliance-a/programs/{world.x.pk}/budget/{year}/"
        csv = clients.staff_a.get(base + "csv/")
        assert csv.status_code == 200
        assert csv["Content-Type"].startswith("text/csv")
        text = csv.content.decode()
        assert f'"Program X","{year}-01","Revenue (budget) against billed",12000.00,11400.00,-600.00,-5.0,""' in text
        assert '"Personnel",8000.00,8600.00,600.00,7.5,"Over budget"' in text
        pdf = clients.provider_x.get(base + "pdf/")
        assert pdf.status_code == 200
        assert pdf.content.startswith(b"%PDF")

    def test_a_year_without_a_budget_says_so_and_offers_both_starts(self, world, clients, year):
        page = clients.provider_x.get(f"/a/alliance-a/programs/{world.x.pk}/budget/{year}/")
        html = page.content.decode()
        assert page.status_code == 200
        assert f"has no budget for {year} yet" in html
        assert f"Start from {year - 1}" in html
        assert clients.provider_x.get(f"/a/alliance-a/programs/{world.x.pk}/budget/{year}/csv/").status_code == 404

    def test_it_validates_ownership(self, world, clients, worked_example, year):
        base = f"/a/alliance-a/programs/{world.x.pk}/budget/{year}/"
        assert clients.provider_y.get(base).status_code == 404
        assert clients.provider_y.post(base + "edit/", {"food_m1": "1.00"}).status_code == 404
        assert clients.funder_a.get(base).status_code == 403
        assert clients.admin_b.get(base.replace("alliance-a", "alliance-b")).status_code == 404
        assert clients.staff_b.get(base).status_code == 404
        assert clients.staff_a.get(base).status_code == 200

    def test_the_current_year_link_opens_this_year(self, world, clients, today):
        response = clients.provider_x.get(f"/a/alliance-a/programs/{world.x.pk}/budget/")
        assert response.status_code == 302
        assert response["Location"].endswith(f"/budget/{today.year}/")


class TestEditingTheGrid:
    def test_saving_creates_the_budget_and_records_the_cells(self, world, clients, plan, year):
        """3 children x $1,200.00 in March = $3,600.00 tuition; rent $2,000.00 in March."""
        url = f"/a/alliance-a/programs/{world.x.pk}/budget/{year}/edit/"
        form = clients.provider_x.get(url)
        assert form.status_code == 200
        assert f'name="plan_{plan.pk}_m3"' in form.content.decode()
        response = clients.provider_x.post(
            url, {f"plan_{plan.pk}_m3": "3", "occupancy_m3": "2,000.00", "note": "Draft"}
        )
        assert response.status_code == 302
        with alliance_scope(world.a.pk):
            budget = Budget.objects.get(program=world.x, year=year)
            assert list(BudgetEnrollment.objects.filter(budget=budget).values_list("month", "children")) == [(3, 3)]
            assert list(BudgetLine.objects.values_list("kind", "month", "amount")) == [("occupancy", 3, d("2000.00"))]
            event = AuditEvent.objects.get(action="budget.saved")
            assert event.after == {
                f"plan_{plan.pk}_m3": "3",
                "occupancy_m3": "2000.00",
                "note": "Draft",
            }
            assert event.program_id == world.x.pk
        page = clients.provider_x.get(f"/a/alliance-a/programs/{world.x.pk}/budget/{year}/")
        assert "$3,600.00" in page.content.decode()

    def test_bad_cells_are_shown_and_nothing_is_saved(self, world, clients, plan, year):
        url = f"/a/alliance-a/programs/{world.x.pk}/budget/{year}/edit/"
        response = clients.provider_x.post(
            url, {"food_m2": "-5.00", "supplies_m4": "twelve", f"plan_{plan.pk}_m1": "2.5", "other_m1": "1.005"}
        )
        html = response.content.decode()
        assert response.status_code == 400
        assert "Food, Feb: an amount cannot be negative." in html
        assert "Supplies, Apr: enter an amount such as 1250.00." in html
        assert "Preschool full time, Jan: enter a whole number of children." in html
        assert "Other, Jan: an amount has at most two decimal places." in html
        assert 'value="-5.00"' in html
        assert 'aria-invalid="true"' in html
        with alliance_scope(world.a.pk):
            assert not Budget.objects.exists()
            assert not AuditEvent.objects.filter(action__startswith="budget").exists()

    def test_a_plan_not_in_force_in_a_month_is_refused(self, world, clients, year):
        ended = RatePlanFactory(
            program=world.x,
            name="Old toddler rate",
            effective_from=datetime.date(2020, 1, 1),
            effective_to=datetime.date(year, 6, 30),
        )
        url = f"/a/alliance-a/programs/{world.x.pk}/budget/{year}/edit/"
        response = clients.staff_a.post(url, {f"plan_{ended.pk}_m6": "4", f"plan_{ended.pk}_m7": "4"})
        assert response.status_code == 400
        assert f"Old toddler rate is not in force in Jul {year}" in response.content.decode()
        assert "Jun" not in response.content.decode().split("The budget was not saved")[1].split("</ul>")[0]

    def test_starting_from_last_years_actuals(self, world, clients, plan):
        """Budget year = this year; last year's January was measured: 1 child enrolled on the 15th on the
        preschool plan (billing's plan_for picks it: the only plan, any age group), billed $1,450.00,
        rent $2,000.00 entered. The January cells become 1 child (1 x $1,200.00 = $1,200.00 tuition),
        rent $2,000.00 and other income 1,450.00 - 1,200.00 = $250.00. February, not measured, stays empty."""
        this_year = alliance_today(world.a).year
        last_jan = datetime.date(this_year - 1, 1, 1)
        with alliance_scope(world.a.pk):
            room = room_of(world.x)
            child = ChildFactory(family__alliance=world.a)
            enroll(child, room, start=datetime.date(this_year - 2, 9, 1))
            snapshot(world.x, last_jan, billed="1450.00")
            MonthlyCost.objects.create(program=world.x, month=last_jan, category="occupancy", amount=d("2000.00"))
        response = clients.provider_x.post(f"/a/alliance-a/programs/{world.x.pk}/budget/{this_year}/from-last-year/")
        assert response.status_code == 302
        assert response["Location"].endswith("/edit/")
        with alliance_scope(world.a.pk):
            budget = Budget.objects.get(program=world.x, year=this_year)
            assert list(
                BudgetEnrollment.objects.filter(budget=budget).values_list("rate_plan", "month", "children")
            ) == [(plan.pk, 1, 1)]
            lines = set(BudgetLine.objects.filter(budget=budget).values_list("kind", "month", "amount"))
            assert lines == {("occupancy", 1, d("2000.00")), ("other_income", 1, d("250.00"))}
            assert AuditEvent.objects.get(action="budget.saved").reason.startswith("Filled from the measured months")

    def test_nothing_measured_last_year_is_said_plainly(self, world, clients, year):
        response = clients.provider_x.post(
            f"/a/alliance-a/programs/{world.x.pk}/budget/{year}/from-last-year/", follow=True
        )
        assert f"has no measured months in {year - 1} to start from" in response.content.decode()
        with alliance_scope(world.a.pk):
            assert not Budget.objects.exists()


def test_a_weekly_plan_is_priced_as_billing_prices_a_month(world):
    """March 2026 has 22 weekdays (2-6, 9-13, 16-20, 23-27, 30-31). A $300.00 weekly plan for five days
    a week: 300 x 22 / 5 = $1,320.00 a child; a three-day plan at $200.00 a week: Mon-Wed in March 2026
    are 14 days (Mondays 5, Tuesdays 5, Wednesdays 4), 200 x 14 / 3
    = $933.333..., which the budget rounds per plan-month: 2 children = $1,866.67."""
    with alliance_scope(world.a.pk):
        weekly = RatePlanFactory(program=world.x, period=RatePeriod.WEEKLY, tuition=d("300.00"))
        three = RatePlanFactory(program=world.x, period=RatePeriod.WEEKLY, tuition=d("200.00"), days_per_week=3)
    assert plan_month_price(weekly, 2026, 3) == d("1320.00")
    assert (plan_month_price(three, 2026, 3) * 2).quantize(d("0.01")) == d("1866.67")


class TestApi:
    def test_create_read_update_and_vs_actual(self, world, clients, plan, year):
        """Same worked example through the API: 10 x $1,200.00 = $12,000.00 budgeted, $11,400.00 billed."""
        api = "/api/a/alliance-a/budgets/"
        body = {
            "program": world.x.pk,
            "year": year,
            "enrollments": [{"rate_plan": plan.pk, "month": 1, "children": 10}],
            "lines": [{"kind": "personnel", "month": 1, "amount": "8000.00"}],
        }
        created = clients.provider_x.post(api, body, content_type="application/json")
        assert created.status_code == 201, created.json()
        budget_id = created.json()["id"]
        assert created.json()["lines"] == [{"kind": "personnel", "month": 1, "amount": "8000.00"}]
        with alliance_scope(world.a.pk):
            snapshot(world.x, datetime.date(year, 1, 1), billed="11400.00")
        report = clients.provider_x.get(f"{api}{budget_id}/vs-actual/").json()
        revenue = report["months"][0]["figures"][0]
        assert revenue == {
            "key": "revenue",
            "name": "Revenue (budget) against billed",
            "budget": "12000.00",
            "actual": "11400.00",
            "variance": "-600.00",
            "variance_percent": "-5.0",
            "flagged": False,
        }
        patched = clients.staff_a.patch(f"{api}{budget_id}/", {"note": "Board draft"}, content_type="application/json")
        assert patched.status_code == 200
        assert patched.json()["enrollments"][0]["children"] == 10
        assert clients.provider_y.get(f"{api}{budget_id}/").status_code == 404
        assert clients.funder_a.get(api).status_code == 403
        assert clients.admin_b.get(f"/api/a/alliance-b/budgets/{budget_id}/").status_code == 404

    def test_bad_input_is_400_and_writes_nothing(self, world, clients, plan, year):
        api = "/api/a/alliance-a/budgets/"
        bad = clients.provider_x.post(
            api,
            {"program": world.x.pk, "year": year, "lines": [{"kind": "food", "month": 1, "amount": "-1.00"}]},
            content_type="application/json",
        )
        assert bad.status_code == 400
        assert "lines" in bad.json()
        other = clients.provider_x.post(api, {"program": world.y.pk, "year": year}, content_type="application/json")
        assert other.status_code == 400
        assert "program" in other.json()
        with alliance_scope(world.a.pk):
            assert not Budget.objects.exists()
