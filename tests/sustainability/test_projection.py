"""The sustainability projection: pure functions of the plan's inputs."""

from __future__ import annotations

import datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from sustainability.projection import (
    Fee,
    FeeStructure,
    Funding,
    Member,
    PlanInputs,
    compare_structures,
    project,
)

D = Decimal
A = Member("Program A", 50, D("600000.00"))
B = Member("Program B", 20, D("120000.00"))


def worked_example(**changes) -> PlanInputs:
    values = {
        "start_year": 2027,
        "years": 3,
        "staff_cost": D("10000.00"),
        "overhead_cost": D("2000.00"),
        "growth_pct": D("10"),
        "fee": Fee(FeeStructure.PER_SLOT, D("10.00")),
        "members": [A, B],
        "new_members_per_year": 1,
        "new_member_slots": 30,
        "new_member_collections": D("240000.00"),
        "grants": [Funding("Start-up grant", D("12000.00"), datetime.date(2027, 1, 1), datetime.date(2027, 12, 31))],
        "contracts": [Funding("County contract", D("6000.00"), datetime.date(2027, 7, 1), datetime.date(2028, 6, 30))],
    }
    values.update(changes)
    return PlanInputs(**values)


def test_worked_example():
    """Per-slot fee 10.00 a month: A (50 slots) pays 500.00 a month = 6,000.00 a year, B (20) 2,400.00;
    fees 2027 = 8,400.00. Cost 10,000 + 2,000 = 12,000.00, +10 % a year: 13,200.00, 14,520.00.
    One new member a year of 30 slots pays 3,600.00 a year: fees 2028 = 12,000.00 (< 13,200),
    2029 = 15,600.00 (>= 14,520), so fees alone cover cost from 2029.
    Grant 12,000 over 2027 = 1,000.00 a month; contract 6,000 Jul 2027-Jun 2028 = 500.00 a month,
    3,000.00 a year in each. Surplus: 2027 8,400 + 3,000 + 12,000 - 12,000 = 11,400.00;
    2028 12,000 + 3,000 - 13,200 = 1,800.00; 2029 15,600 - 14,520 = 1,080.00."""
    projection = project(worked_example())
    rows = [(y.year, y.cost, y.fees, y.contracts, y.grants, y.surplus, y.members) for y in projection.years]
    assert rows == [
        (2027, D("12000.00"), D("8400.00"), D("3000.00"), D("12000.00"), D("11400.00"), 2),
        (2028, D("13200.00"), D("12000.00"), D("3000.00"), D("0.00"), D("1800.00"), 3),
        (2029, D("14520.00"), D("15600.00"), D("0.00"), D("0.00"), D("1080.00"), 4),
    ]
    assert projection.coverage_year == 2029
    assert projection.years[0].months[0].grants == D("1000.00")
    assert projection.years[0].months[6].contracts == D("500.00")
    assert [(m.name, m.annual_fee, m.joins_in) for m in projection.member_fees] == [
        ("Program A", D("6000.00"), None),
        ("Program B", D("2400.00"), None),
        ("New member 1 (2028)", D("3600.00"), 2028),
        ("New member 1 (2029)", D("3600.00"), 2029),
    ]
    assert projection.total.surplus == D("14280.00")


def test_each_structure_costs_each_member():
    """Flat 300.00 a month: 3,600.00 a year each. Share 1 % of collections: A 600,000 × 1 % = 6,000.00,
    B 1,200.00. Per slot 10.00: A 6,000.00, B 2,400.00. Fees 2027: flat 7,200, share 7,200, slot 8,400:
    none covers 12,000 in 2027."""
    fees = [Fee(FeeStructure.FLAT, D("300")), Fee(FeeStructure.PER_SLOT, D("10")), Fee(FeeStructure.SHARE, D("1"))]
    compared = compare_structures(worked_example(), fees)
    assert [[m.annual_fee for m in c.projection.member_fees[:2]] for c in compared] == [
        [D("3600.00"), D("3600.00")],
        [D("6000.00"), D("2400.00")],
        [D("6000.00"), D("1200.00")],
    ]
    assert [c.projection.years[0].fees for c in compared] == [D("7200.00"), D("8400.00"), D("7200.00")]


def test_not_within_the_plan():
    projection = project(worked_example(new_members_per_year=0))
    assert projection.coverage_year is None


def test_uneven_spread_adds_up_to_the_amount():
    """100.00 over 3 months: 33.33, 33.33 and 33.34."""
    grant = Funding("g", D("100.00"), datetime.date(2027, 1, 15), datetime.date(2027, 3, 2))
    assert list(grant.by_month().values()) == [D("33.33"), D("33.33"), D("33.34")]


money = st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False, allow_infinity=False)
day = st.dates(min_value=datetime.date(2025, 1, 1), max_value=datetime.date(2032, 12, 31))
fundings = st.lists(
    st.tuples(money, day, day).map(lambda t: Funding("f", t[0], min(t[1], t[2]), max(t[1], t[2]))), max_size=4
)
members = st.lists(st.builds(Member, st.just("m"), st.integers(0, 300), money), min_size=0, max_size=8)
fees = st.one_of(
    st.builds(Fee, st.just(FeeStructure.FLAT), money),
    st.builds(Fee, st.just(FeeStructure.PER_SLOT), st.decimals(0, 500, places=2)),
    st.builds(Fee, st.just(FeeStructure.SHARE), st.decimals(0, 20, places=2)),
)
plans = st.builds(
    PlanInputs,
    start_year=st.integers(2026, 2030),
    years=st.integers(3, 5),
    staff_cost=money,
    overhead_cost=money,
    growth_pct=st.decimals(-10, 25, places=2),
    fee=fees,
    members=members,
    new_members_per_year=st.integers(0, 10),
    new_member_slots=st.integers(0, 200),
    new_member_collections=money,
    grants=fundings,
    contracts=fundings,
)


@settings(max_examples=150, deadline=None)
@given(plans)
def test_totals_equal_the_sum_of_their_parts(inputs):
    projection = project(inputs)
    for year in projection.years:
        assert len(year.months) == 12
        for name in ("staff", "overhead", "fees", "contracts", "grants"):
            assert getattr(year, name) == sum(getattr(m, name) for m in year.months)
        assert year.surplus == year.fees + year.contracts + year.grants - year.staff - year.overhead
    assert projection.total.surplus == sum(y.surplus for y in projection.years)
    # Every grant month inside the plan is counted, to the cent.
    first, last = datetime.date(inputs.start_year, 1, 1), datetime.date(inputs.start_year + inputs.years - 1, 12, 1)
    inside = sum(
        (a for g in inputs.grants for month, a in g.by_month().items() if first <= month <= last), Decimal("0.00")
    )
    assert projection.total.grants == inside
    for grant in inputs.grants:
        assert sum(grant.by_month().values()) == grant.amount
    # The first year's cost is the plan's staff + overhead exactly.
    assert projection.years[0].cost == inputs.staff_cost + inputs.overhead_cost
    # What each member pays a year is what the year's fees add up from.
    current = sum((m.annual_fee for m in projection.member_fees if m.joins_in is None), Decimal("0.00"))
    assert projection.years[0].fees == current


@settings(max_examples=100, deadline=None)
@given(plans)
def test_fees_covering_year_one_make_year_one_the_coverage_year(inputs):
    projection = project(inputs)
    if projection.years[0].fees >= projection.years[0].cost:
        assert projection.coverage_year == inputs.start_year
    elif projection.coverage_year is not None:
        assert projection.coverage_year > inputs.start_year
        covered = next(y for y in projection.years if y.year == projection.coverage_year)
        assert covered.fees >= covered.cost
