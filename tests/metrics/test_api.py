"""The snapshot API: figures by alliance, program and period, scoped by role."""

from __future__ import annotations

import pytest

from alliance.tenancy import alliance_scope
from metrics.rollups import rollup_alliance
from tests.metrics.conftest import FRI, MON
from tests.metrics.factories import members_with_one_child


@pytest.fixture
def rolled(week):
    for alliance in (week.world.a, week.world.b):
        with alliance_scope(alliance.pk):
            rollup_alliance(start=MON, end=FRI)
    return week


def api(world, path):
    return f"/api/a/{world.a.slug}/metrics/{path}"


def results(response):
    data = response.json()
    return data["results"] if isinstance(data, dict) and "results" in data else data


class TestAllianceMonths:
    def test_hub_gets_the_alliance_figures(self, rolled, clients):
        [row] = results(clients.staff_a.get(api(rolled.world, "alliance-months/?from=2026-01&to=2026-01")))
        # 17.80 FTE-days ÷ 98 capacity-days = 0.1816; attendance 12 ÷ 19 = 0.6316. Decimals as strings.
        assert (row["month"], row["enrolled_fte"], row["occupancy"], row["attendance"]) == (
            "2026-01-01",
            "17.80",
            "0.1816",
            "0.6316",
        )
        assert row["suppressed_reason"] is None

    def test_a_funder_gets_a_month_of_two_members_as_nulls_and_why(self, rolled, clients):
        [row] = results(clients.funder_a.get(api(rolled.world, "alliance-months/?from=2026-01&to=2026-01")))
        assert (row["month"], row["enrolled_fte"], row["occupancy"], row["licensed_capacity"]) == (
            "2026-01-01",
            None,
            None,
            None,
        )
        assert row["suppressed_reason"].startswith("Suppressed: fewer than 3 members (2 members here)")

    def test_a_funder_gets_the_figures_of_three_members(self, week, clients):
        members_with_one_child(week.world.a, [4])
        with alliance_scope(week.world.a.pk):
            rollup_alliance(start=MON, end=FRI)
        [row] = results(clients.funder_a.get(api(week.world, "alliance-months/?from=2026-01&to=2026-01")))
        # X and Y's 17.80 FTE-days and 98 capacity-days, and the third member's 5.00 and 20.
        assert (row["enrolled_fte"], row["licensed_capacity"], row["suppressed_reason"]) == ("22.80", 118, None)

    def test_a_period_without_figures_is_empty(self, rolled, clients):
        assert results(clients.staff_a.get(api(rolled.world, "alliance-months/?from=2025-01&to=2025-06"))) == []

    def test_providers_are_refused_alliance_totals(self, rolled, clients):
        assert clients.provider_x.get(api(rolled.world, "alliance-months/")).status_code == 403


class TestProgramMonths:
    def test_hub_sees_every_program_and_filters_one(self, rolled, clients):
        rows = results(clients.staff_a.get(api(rolled.world, "program-months/")))
        assert sorted(r["program"] for r in rows) == sorted([rolled.world.x.pk, rolled.world.y.pk])
        [x] = results(clients.staff_a.get(api(rolled.world, f"program-months/?program={rolled.world.x.pk}")))
        assert (x["occupancy"], x["licensed_capacity"]) == ("0.1641", 78)

    def test_provider_sees_only_its_program(self, rolled, clients):
        rows = results(clients.provider_y.get(api(rolled.world, "program-months/")))
        assert [r["program"] for r in rows] == [rolled.world.y.pk]
        assert results(clients.provider_y.get(api(rolled.world, f"program-months/?program={rolled.world.x.pk}"))) == []

    def test_funders_get_no_program_rows(self, rolled, clients):
        assert clients.funder_a.get(api(rolled.world, "program-months/")).status_code == 403
        assert clients.funder_a.get(api(rolled.world, "program-finance-months/")).status_code == 403

    def test_finance_months(self, rolled, clients):
        response = clients.staff_a.get(api(rolled.world, "program-finance-months/"))
        assert response.status_code == 200
        assert results(response) == []


class TestStranger:
    def test_it_validates_ownership(self, rolled, clients):
        assert clients.staff_b.get(api(rolled.world, "alliance-months/")).status_code == 404
        assert clients.provider_z.get(api(rolled.world, "program-months/")).status_code == 404
