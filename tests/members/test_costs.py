"""Monthly costs: the month sheet, personnel derived from the roster, the 12-month table."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from alliance.dates import add_months, alliance_today, month_start, next_month_start
from alliance.models import AuditEvent
from members.models import MonthlyCost
from members.selectors import program_monthly_costs
from tests.members.factories import MonthlyCostFactory, StaffMemberFactory

D = datetime.date


@pytest.fixture
def last_month(today: datetime.date) -> datetime.date:
    """The alliance's last month: complete, so costs may be entered for it."""
    return add_months(month_start(today), -1)


def sheet(**amounts: str) -> dict[str, str]:
    return {c: amounts.get(c, "") for c in ("personnel", "occupancy", "food", "supplies", "insurance", "other")}


class TestMonthCosts:
    def test_personnel_comes_from_the_roster_when_not_entered(self, world, in_a):
        StaffMemberFactory(program=world.x)  # 3120.00 a month
        MonthlyCostFactory(program=world.x, month=D(2026, 1, 1), category="occupancy", amount=Decimal("4200.00"))
        with in_a():
            month = program_monthly_costs(world.x, [D(2026, 1, 1)])[0]
        assert month.personnel_is_derived
        assert month.personnel == Decimal("3120.00")
        assert month.total == Decimal("7320.00")

    def test_an_entered_personnel_figure_wins(self, world, in_a):
        StaffMemberFactory(program=world.x)
        MonthlyCostFactory(program=world.x, month=D(2026, 1, 1), category="personnel", amount=Decimal("2999.99"))
        with in_a():
            month = program_monthly_costs(world.x, [D(2026, 1, 1)])[0]
        assert not month.personnel_is_derived
        assert month.total == Decimal("2999.99")


class TestMonthSheet:
    def test_provider_enters_a_month_and_sees_it_in_the_table(self, clients, world, in_a, page, last_month):
        url = page("costs_month", world.x.pk, last_month.year, last_month.month)
        response = clients.provider_x.post(url, sheet(occupancy="4200.00", food="1850.25", insurance="410"))
        assert response.status_code == 302
        with in_a():
            amounts = dict(MonthlyCost.objects.filter(program=world.x).values_list("category", "amount"))
            assert amounts == {
                "occupancy": Decimal("4200.00"),
                "food": Decimal("1850.25"),
                "insurance": Decimal("410.00"),
            }
            event = AuditEvent.objects.get(action="costs.updated")
            assert event.after == {"occupancy": "4200.00", "food": "1850.25", "insurance": "410.00"}
        table = clients.provider_x.get(page("program_costs", world.x.pk))
        assert "$6,460.25" in table.content.decode()  # the month's total

    def test_clearing_a_category_removes_it_and_other_months_stay(self, clients, world, in_a, page, last_month):
        MonthlyCostFactory(program=world.x, month=last_month, category="food", amount=Decimal("100.00"))
        MonthlyCostFactory(program=world.x, month=D(2025, 1, 1), category="food", amount=Decimal("90.00"))
        url = page("costs_month", world.x.pk, last_month.year, last_month.month)
        assert clients.provider_x.get(url).context["form"].initial == {"food": Decimal("100.00")}
        clients.provider_x.post(url, sheet(occupancy="10.00"))
        with in_a():
            assert list(
                MonthlyCost.objects.filter(program=world.x).order_by("month").values_list("month", "category")
            ) == [(D(2025, 1, 1), "food"), (last_month, "occupancy")]

    def test_a_new_month_is_picked_on_the_form(self, clients, world, in_a, page, last_month):
        response = clients.provider_x.post(
            page("costs_new", world.x.pk), {**sheet(other="12.00"), "month": last_month.strftime("%Y-%m")}
        )
        assert response.status_code == 302
        with in_a():
            assert MonthlyCost.objects.get(program=world.x).month == last_month

    @pytest.mark.parametrize(
        ("data", "field"),
        [
            (sheet(food="-5"), "food"),
            (sheet(food="12.345"), "food"),
            (sheet(food="lots"), "food"),
            (sheet(food="12345678901.00"), "food"),
        ],
    )
    def test_invalid_amounts_change_nothing(self, clients, world, in_a, page, data, field, last_month):
        url = page("costs_month", world.x.pk, last_month.year, last_month.month)
        response = clients.provider_x.post(url, {**data, "occupancy": "100"})
        assert response.status_code == 200
        assert field in response.context["form"].errors
        with in_a():
            assert not MonthlyCost.objects.exists()

    def test_future_months_cannot_be_entered(self, clients, world, page):
        next_month = next_month_start(alliance_today(world.a))
        url = page("costs_month", world.x.pk, next_month.year, next_month.month)
        assert clients.provider_x.get(url).status_code == 404
        response = clients.provider_x.post(
            page("costs_new", world.x.pk), {**sheet(food="1"), "month": next_month.strftime("%Y-%m")}
        )
        assert "month" in response.context["form"].errors

    def test_the_table_marks_derived_personnel(self, clients, world, page):
        StaffMemberFactory(program=world.x)
        response = clients.provider_x.get(page("program_costs", world.x.pk))
        assert b'class="derived"' in response.content
        assert "$3,120.00" in response.content.decode()


class TestStrangers:
    def test_it_validates_ownership(self, clients, world, page, last_month):
        urls = [
            page("program_costs", world.x.pk),
            page("costs_new", world.x.pk),
            page("costs_month", world.x.pk, last_month.year, last_month.month),
        ]
        for url in urls:
            assert clients.admin_b.get(url).status_code == 404, url
            assert clients.provider_y.get(url).status_code == 404, url
            assert clients.funder_a.get(url).status_code == 403, url

    def test_a_stranger_posting_costs_changes_nothing(self, clients, world, in_a, page, last_month):
        url = page("costs_month", world.x.pk, last_month.year, last_month.month)
        assert clients.provider_y.post(url, sheet(food="1.00")).status_code == 404
        with in_a():
            assert not MonthlyCost.objects.exists()
