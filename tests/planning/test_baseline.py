"""The baseline year read from metrics' snapshots and the member's records, and the scenario bench."""

from __future__ import annotations

from decimal import Decimal

from alliance.dates import add_months, month_start
from alliance.tenancy import alliance_scope
from planning.bench import bench_scenario
from planning.projection import Changes, cents, project
from planning.selectors import baseline_year
from tests.planning.conftest import measured

D = Decimal


def test_the_baseline_is_the_last_12_measured_months_as_the_rollup_has_them(world, centre, today):
    """Per month: 1,500 capacity-days ÷ 20 days = 75 places, 1,300 ÷ 20 = 65 FTE; cost 61,000 = personnel
    45,500 + the five categories entered (15,500). A month with nothing billed is not measured; the
    current month is not complete; other members' months are not this one's."""
    with alliance_scope(world.a.pk):
        measured(world.x, add_months(centre[0], -1), billed="0.00")  # older and empty: not a measured month
        measured(world.x, month_start(today))  # the current month: not complete
        measured(world.y, centre[-1], fte_days=100)
        months = baseline_year(world.x)
    assert [m.month for m in months] == centre
    first = months[0]
    assert first.licensed_capacity == 75
    assert first.enrolled_fte == 65
    assert first.personnel == D("45500.00")
    assert sum(first.costs.values()) == D("15500.00")
    assert first.staff_fte == 20
    assert first.hub_fee == 0
    year = project(months, Changes()).baseline
    assert cents(year.cost) == D("732000.00")  # 12 × 61,000
    assert cents(year.net_result) == D("24600.00")  # 12 × 2,050


def test_no_measured_months_no_baseline(world):
    with alliance_scope(world.a.pk):
        assert baseline_year(world.y) == []


def test_the_scenario_bench_reports_median_and_p95(world, centre):
    lines: list[str] = []
    with alliance_scope(world.a.pk):
        figures = bench_scenario(alliance=world.a, runs=3, log=lines.append)
    assert figures["baseline_months"] == 12
    assert figures["runs"] == 3
    assert figures["median_ms"] > 0
    assert figures["p95_ms"] >= figures["median_ms"]
    assert figures["queries"] <= 8  # loading the baseline is a fixed number of queries
