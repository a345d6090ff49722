"""Any month on the dashboard, a member's drill-down and the provider's figures, and the trailing 12 months.

The worked week of January (conftest.py), and two more rolled-up weeks:
  March 2–6 2026: Program X opens room R4, licensed 25 from 1 March, empty. X has R1 (10 places: Ada 1.00 and
    Cleo 0.50 FTE), R2 (6 places: Dev 1.00) and R4: 2.50 FTE a day × 5 = 12.50 FTE-days of
    (10 + 6 + 25) × 5 = 205 capacity-days: occupancy 6.1%, vacancy 93.9%. Y: Eli 5.00 ÷ 20 = 25.0%.
    Alliance: 17.50 ÷ 225 = 7.8%.
    X's money: billed 1,000.00 (a charge of 2 March), collected 600.00 (10 March); costs personnel 3,000.00
    + rent 900.00 = 3,900.00. Average enrolled FTE 12.50 ÷ 5 days = 2.5 children:
    cost per child 3,900 ÷ 2.5 = 1,560.00; revenue per child 1,000 ÷ 2.5 = 400.00 billed,
    600 ÷ 2.5 = 240.00 collected; gap 400 − 1,560 = −1,160.00 (collected: −1,320.00);
    break-even occupancy = occupancy × cost ÷ revenue = (12.50 × 3,900) ÷ (205 × 1,000) = 23.8%.
  April 6–10 2026: Fay joins R4 (1.00 FTE from 1 April): X 17.50 ÷ 205 = 8.5%; alliance 22.50 ÷ 225 = 10.0%.
    April is the last complete rolled-up month (today is later in 2026), so it is the default.
February has no rollup.

The trailing 12 months to March (April 2025 – March 2026; January and March rolled up) are ratios of the
sums, not averages of the months' ratios: alliance (17.80 + 17.50) ÷ (98 + 225) = 35.30 ÷ 323 = 10.9%
(the average of 18.2% and 7.8% would be 13.0%); X (12.80 + 12.50) ÷ (78 + 205) = 25.30 ÷ 283 = 8.9% (not 11.3%).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache

from alliance.formatting import money, pct
from alliance.tenancy import alliance_scope
from billing.ledger import ledger_entry_post
from billing.models import EntryKind
from members.models import CostCategory
from metrics.rollups import rollup_alliance
from tests.billing.factories import account_of
from tests.csvrows import csv_rows
from tests.members.factories import MonthlyCostFactory
from tests.metrics import test_dashboard
from tests.metrics.conftest import FRI, MON
from tests.metrics.factories import enroll, room

D = Decimal
MAR, APR = datetime.date(2026, 3, 1), datetime.date(2026, 4, 1)
MARCH_WEEK = (datetime.date(2026, 3, 2), datetime.date(2026, 3, 6))
APRIL_WEEK = (datetime.date(2026, 4, 6), datetime.date(2026, 4, 10))


@pytest.fixture
def months(week):
    world = week.world
    r4 = room(world.x, licensed=25, opened_on=MAR)
    enroll(r4, first_name="Fay", start=APR)
    account = account_of(week.ada.child.family, world.x)
    with alliance_scope(world.a.pk):
        ledger_entry_post(
            account=account, kind=EntryKind.CHARGE, amount=D("1000.00"), posted_on=MARCH_WEEK[0], description="March"
        )
        ledger_entry_post(
            account=account,
            kind=EntryKind.PAYMENT,
            amount=D("-600.00"),
            posted_on=datetime.date(2026, 3, 10),
            description="Paid",
        )
    MonthlyCostFactory(program=world.x, month=MAR, category=CostCategory.PERSONNEL, amount=D("3000.00"))
    MonthlyCostFactory(program=world.x, month=MAR, category=CostCategory.OCCUPANCY, amount=D("900.00"))
    with alliance_scope(world.a.pk):
        for start, end in ((MON, FRI), MARCH_WEEK, APRIL_WEEK):
            rollup_alliance(start=start, end=end)
    return week


def dashboard(world, query=""):
    return f"/a/{world.a.slug}/dashboard/{query}"


def drill_down(world, query=""):
    return f"/a/{world.a.slug}/dashboard/programs/{world.x.pk}/{query}"


def provider_page(world, query=""):
    return f"/a/{world.a.slug}/my-program/figures/{query}"


def member_row(html, name):
    """The members table's row of one program, as text."""
    start = html.index(f">{name}</a></td>")
    return html[start : html.index("</tr>", start)]


class TestDashboardMonth:
    def test_default_is_the_last_complete_rolled_up_month(self, months, clients):
        html = clients.staff_a.get(dashboard(months.world)).content.decode()
        assert "<strong>April 2026</strong>" in html
        assert '<option value="2026-04" selected>' in html
        assert "10.0%" in html  # the alliance's April occupancy
        assert "8.5%" in member_row(html, "Program X")

    def test_the_month_in_the_url_shows_march(self, months, clients):
        page = clients.staff_a.get(dashboard(months.world, "?month=2026-03"))
        html = page.content.decode()
        assert page.status_code == 200
        assert "<strong>March 2026</strong>" in html
        assert '<option value="2026-03" selected>' in html
        assert "7.8%" in html  # the alliance's March occupancy
        assert "6.1%" in member_row(html, "Program X")
        assert "8.5%" not in member_row(html, "Program X")
        # Alliance March money: 3,900 cost and 1,000 billed over 17.50 ÷ 5 = 3.5 children.
        assert "$285.71" in html
        assert "$1,114.29" in html
        # Links keep the month: to the member's page, the sort orders, the CSVs, the months beside it.
        assert f'href="/a/{months.world.a.slug}/dashboard/programs/{months.world.x.pk}/?month=2026-03"' in html
        assert "?sort=occupancy&amp;month=2026-03#members" in html
        assert "members.csv?month=2026-03" in html
        assert '?month=2026-01" rel="prev">' in html
        assert '?month=2026-04" rel="next">' in html

    def test_members_csv_of_the_chosen_month(self, months, clients):
        rows = csv_rows(clients.staff_a.get(dashboard(months.world, "members.csv?month=2026-03")))
        assert ["Program X", "2026-03", "0.0610"] in [r[:3] for r in rows]

    def test_trailing_12_months_are_ratios_of_sums(self, months, clients):
        html = clients.staff_a.get(dashboard(months.world, "?month=2026-03&period=t12")).content.decode()
        assert "12 months to March 2026 (April 2025 to March 2026)" in html
        assert "2 of the 12 months have a rollup" in html
        assert "10.9%" in html
        assert "13.0%" not in html
        assert "8.9%" in member_row(html, "Program X")
        assert f"/dashboard/programs/{months.world.x.pk}/?month=2026-03&amp;period=t12" in html
        rows = csv_rows(clients.staff_a.get(dashboard(months.world, "members.csv?month=2026-03&period=t12")))
        assert ["Program X", "2025-04 to 2026-03", "0.0894"] in [r[:3] for r in rows]

    def test_a_month_that_is_not_a_month_falls_back_to_the_latest(self, months, clients):
        page = clients.staff_a.get(dashboard(months.world, "?month=2026-13"))
        html = page.content.decode()
        assert page.status_code == 200
        assert "“2026-13” is not a month" in html
        assert "showing April 2026, the latest month" in html
        assert "8.5%" in member_row(html, "Program X")

    def test_a_month_out_of_range_falls_back_to_the_latest(self, months, clients):
        html = clients.staff_a.get(dashboard(months.world, "?month=2031-01")).content.decode()
        assert "There are no figures for January 2031" in html
        assert "from January 2026 to April 2026" in html
        assert "<strong>April 2026</strong>" in html
        html = clients.staff_a.get(dashboard(months.world, "?month=2025-06&period=year")).content.decode()
        assert "There are no figures for June 2025" in html
        assert "showing the month" in html

    def test_a_month_without_rollup_says_so(self, months, clients):
        html = clients.staff_a.get(dashboard(months.world, "?month=2026-02")).content.decode()
        assert "No rollup for February 2026" in html
        assert "<strong>February 2026</strong>" in html

    def test_query_count_is_the_default_months(self, months, clients, django_assert_num_queries):
        """The period's one query replaces the window's: any month, and the trailing 12, cost what the
        default costs (tests/metrics/test_dashboard.py TestQueryCount)."""
        clients.staff_a.get(dashboard(months.world))
        for query in ("?month=2026-03", "?month=2026-03&period=t12"):
            cache.clear()
            with django_assert_num_queries(test_dashboard.TestQueryCount.QUERIES):
                assert clients.staff_a.get(dashboard(months.world, query)).status_code == 200

    def test_it_validates_ownership(self, months, clients):
        assert clients.staff_b.get(dashboard(months.world, "?month=2026-03")).status_code == 404
        assert clients.provider_x.get(dashboard(months.world, "?month=2026-03")).status_code == 403


class TestDrillDownMonth:
    def test_march_of_one_member(self, months, clients):
        page = clients.staff_a.get(drill_down(months.world, "?month=2026-03"))
        html = page.content.decode()
        assert page.status_code == 200
        assert "<caption>March 2026</caption>" in html
        assert "6.1%" in html  # occupancy
        assert "$1,560.00" in html
        assert "$400.00" in html
        assert "23.8%" in html  # break-even occupancy
        # Back to the dashboard of the same month; the CSVs of the same window.
        assert f'href="/a/{months.world.a.slug}/dashboard/?month=2026-03"' in html
        rows = csv_rows(clients.staff_a.get(drill_down(months.world, "occupancy.csv?month=2026-03")))
        assert rows[-1][:2] == ["2026-03", "0.0610"]

    def test_trailing_12_months_of_one_member(self, months, clients):
        html = clients.staff_a.get(drill_down(months.world, "?month=2026-03&period=t12")).content.decode()
        assert "<caption>12 months to March 2026 (April 2025 to March 2026)</caption>" in html
        assert "8.9%" in html

    def test_bad_month_falls_back(self, months, clients):
        page = clients.staff_a.get(drill_down(months.world, "?month=March"))
        assert page.status_code == 200
        assert "“March” is not a month" in page.content.decode()
        assert "<caption>April 2026</caption>" in page.content.decode()

    def test_it_validates_ownership(self, months, clients):
        assert clients.staff_b.get(drill_down(months.world, "?month=2026-03")).status_code == 404


class TestProviderMonth:
    def test_the_provider_picks_march(self, months, clients):
        page = clients.provider_x.get(provider_page(months.world, "?month=2026-03"))
        html = page.content.decode()
        assert page.status_code == 200
        assert "<caption>March 2026</caption>" in html
        assert "6.1%" in html
        assert "$1,560.00" in html
        assert "Program Y" not in html
        assert "my-program/figures/occupancy.csv?month=2026-03" in html

    def test_the_provider_page_and_the_api_agree_on_march(self, months, clients):
        world = months.world
        html = clients.provider_x.get(provider_page(world, "?month=2026-03")).content.decode()
        money_row = one_row(clients.provider_x.get(api(world, "program-finance-months/?month=2026-03")))
        occupancy_row = one_row(clients.provider_x.get(api(world, "program-months/?month=2026-03")))
        assert (money_row["program"], occupancy_row["program"]) == (world.x.pk, world.x.pk)
        for name in ("cost_per_child", "revenue_per_child"):
            assert money(D(money_row[name])) in html, name
        assert pct(D(money_row["break_even_occupancy"])) in html
        assert pct(D(occupancy_row["occupancy"])) in html

    def test_default_and_bad_month(self, months, clients):
        assert "<caption>April 2026</caption>" in clients.provider_x.get(provider_page(months.world)).content.decode()
        html = clients.provider_x.get(provider_page(months.world, "?month=2026-00")).content.decode()
        assert "“2026-00” is not a month" in html

    def test_it_validates_ownership(self, months, clients):
        assert clients.provider_z.get(provider_page(months.world, "?month=2026-03")).status_code == 404


def api(world, path):
    return f"/api/a/{world.a.slug}/metrics/{path}"


def one_row(response):
    assert response.status_code == 200, response.content
    [row] = response.json()["results"]
    return row


class TestApiFigures:
    """The API's derived figures are the pages' for the same month (metrics/figures.py, one computation)."""

    def test_program_month_figures_equal_the_drill_down(self, months, clients):
        world = months.world
        row = one_row(clients.staff_a.get(api(world, f"program-finance-months/?program={world.x.pk}&month=2026-03")))
        assert row["month"] == "2026-03-01"
        assert (row["average_enrolled_fte"], row["cost_per_child"], row["revenue_per_child"]) == (
            "2.50",
            "1560.00",
            "400.00",
        )
        assert (row["collected_revenue_per_child"], row["gap_per_child"], row["collected_gap_per_child"]) == (
            "240.00",
            "-1160.00",
            "-1320.00",
        )
        assert row["break_even_occupancy"] == "0.2378"
        page = clients.staff_a.get(drill_down(world, "?month=2026-03"))
        finance = page.context["latest"].finance
        for name in ("cost_per_child", "revenue_per_child", "gap_per_child", "break_even_occupancy"):
            assert D(row[name]) == getattr(finance, name), name
        html = page.content.decode()
        assert money(D(row["cost_per_child"])) in html
        assert money(D(row["revenue_per_child"])) in html
        assert money(D(row["gap_per_child"])) in html
        assert pct(D(row["break_even_occupancy"])) in html
        occupancy = one_row(clients.staff_a.get(api(world, f"program-months/?program={world.x.pk}&month=2026-03")))
        # 12.50 FTE-days of 205 capacity-days: occupancy 0.0610, vacancy 0.9390.
        assert (occupancy["licensed_capacity"], occupancy["occupancy"], occupancy["vacancy"]) == (
            205,
            "0.0610",
            "0.9390",
        )
        assert pct(D(occupancy["occupancy"])) in html

    def test_alliance_month_figures_equal_the_dashboard(self, months, clients):
        world = months.world
        row = one_row(clients.staff_a.get(api(world, "alliance-finance-months/?month=2026-03")))
        # 3,900 cost and 1,000 billed over 17.50 ÷ 5 = 3.5 children; break-even (17.50 × 3,900) ÷ (225 × 1,000).
        assert (row["cost_per_child"], row["revenue_per_child"], row["break_even_occupancy"]) == (
            "1114.29",
            "285.71",
            "0.3033",
        )
        html = clients.staff_a.get(dashboard(world, "?month=2026-03")).content.decode()
        assert money(D(row["cost_per_child"])) in html
        assert money(D(row["revenue_per_child"])) in html
        occupancy = one_row(clients.staff_a.get(api(world, "alliance-months/?month=2026-03")))
        assert (occupancy["occupancy"], occupancy["vacancy"]) == ("0.0778", "0.9222")
        assert pct(D(occupancy["occupancy"])) in html

    def test_one_row_by_id_has_the_same_figures(self, months, clients):
        world = months.world
        listed = one_row(clients.staff_a.get(api(world, f"program-finance-months/?program={world.x.pk}&month=2026-03")))
        detail = clients.staff_a.get(api(world, f"program-finance-months/{listed['id']}/")).json()
        assert detail == listed

    def test_a_bad_month_is_a_400_naming_it(self, months, clients):
        response = clients.staff_a.get(api(months.world, "program-finance-months/?month=2026-13"))
        assert response.status_code == 400
        assert list(response.json()) == ["month"]
        assert clients.staff_a.get(api(months.world, "alliance-months/?month=March")).status_code == 400

    def test_provider_gets_its_own_programs_figures_only(self, months, clients):
        world = months.world
        rows = clients.provider_x.get(api(world, "program-finance-months/?month=2026-03")).json()["results"]
        assert [(r["program"], r["cost_per_child"]) for r in rows] == [(world.x.pk, "1560.00")]
        assert (
            clients.provider_y.get(api(world, f"program-finance-months/?program={world.x.pk}")).json()["results"] == []
        )

    def test_funder_gets_a_two_member_month_suppressed(self, months, clients):
        row = one_row(clients.funder_a.get(api(months.world, "alliance-finance-months/?month=2026-03")))
        assert (row["cost_per_child"], row["break_even_occupancy"], row["billed"]) == (None, None, None)
        assert row["suppressed_reason"].startswith("Suppressed: fewer than 3 members")
        row = one_row(clients.funder_a.get(api(months.world, "alliance-months/?month=2026-03")))
        assert (row["vacancy"], row["suppressed_reason"][:10]) == (None, "Suppressed")

    def test_it_validates_ownership(self, months, clients):
        assert clients.staff_b.get(api(months.world, "program-finance-months/?month=2026-03")).status_code == 404
        assert clients.funder_a.get(api(months.world, "program-finance-months/?month=2026-03")).status_code == 403
