"""The projection's properties (hypothesis) and the start-up guide's 65-child centre worked by hand."""

from __future__ import annotations

import datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from planning.projection import BaselineMonth, Changes, cents, project, project_month

D = Decimal
MONTH = datetime.date(2026, 1, 1)

CENTRE_65 = BaselineMonth(
    month=MONTH,
    licensed_capacity=D("75"),
    enrolled_fte=D("65"),
    billed=D("65000.00"),
    collected=D("61750.00"),
    written_off=D("1950.00"),
    personnel=D("45500.00"),
    costs={
        "occupancy": D("8000.00"),
        "food": D("3500.00"),
        "supplies": D("2000.00"),
        "insurance": D("1000.00"),
        "other": D("1000.00"),
    },
    hub_fee=D("0.00"),
    staff_fte=D("20"),
    tuition_by_age_group={"preschool": D("65000.00")},
)
JOINING = Changes(
    occupancy=D("70") / D("75"),
    collection_rate=D("0.98"),
    bad_debt_rate=D("0.01"),
    purchasing_savings=D("0.10"),
    hub_fee=D("1300.00"),
)


def test_the_guides_65_child_centre_before_joining() -> None:
    """75 places, 65 FTE, billed 65,000, 3 % bad debt (1,950), cost 45,500 + 8,000 + 3,500 + 2,000 + 1,000
    + 1,000 = 61,000. Revenue kept 65,000 − 1,950 = 63,050; net 2,050; cost per child 61,000 ÷ 65 = 938.46;
    revenue per child 63,050 ÷ 65 = 970.00; gap 2,050 ÷ 65 = 31.54; break-even 61,000 ÷ (65,000 × 75/65 ×
    0.97 = 72,750) = 0.83849 → 83.8 %."""
    base = project_month(CENTRE_65, Changes())
    assert cents(base.cost) == D("61000.00")
    assert cents(base.revenue) == D("63050.00")
    assert cents(base.net_result) == D("2050.00")
    assert cents(base.cost_per_child) == D("938.46")
    assert cents(base.revenue_per_child) == D("970.00")
    assert cents(base.gap_per_child) == D("31.54")
    assert base.break_even_occupancy.quantize(D("0.0001")) == D("0.8385")


def test_the_guides_65_child_centre_after_joining() -> None:
    """70 of 75 places: billed 65,000 × 70/65 = 70,000; bad debt 1 % = 700; revenue 69,300; collected
    98 % = 68,600. Cost 45,500 + 8,000 + food 3,500 × 0.9 = 3,150 + supplies 2,000 × 0.9 = 1,800 + 1,000 +
    1,000 + Hub fee 1,300 = 61,750. Net 69,300 − 61,750 = 7,550 (was 2,050: 5,500 better). Cost per child
    61,750 ÷ 70 = 882.14; revenue per child 990.00; break-even 61,750 ÷ (75,000 × 0.99 = 74,250) = 83.2 %."""
    after = project_month(CENTRE_65, JOINING)
    assert cents(after.billed) == D("70000.00")
    assert cents(after.written_off) == D("700.00")
    assert cents(after.collected) == D("68600.00")
    assert cents(after.cost) == D("61750.00")
    assert cents(after.net_result) == D("7550.00")
    assert cents(after.cost_per_child) == D("882.14")
    assert cents(after.revenue_per_child) == D("990.00")
    assert after.break_even_occupancy.quantize(D("0.001")) == D("0.832")


def test_rates_and_wages_and_staffing() -> None:
    """Infant tuition 20,000 up 10 % (22,000), preschool 40,000 unchanged, other billed 1,000: billed 63,000.
    Personnel 30,000 with wages +5 % and 10 staff FTE + 1: 30,000 × 1.05 × 11/10 = 34,650."""
    month = BaselineMonth(
        month=MONTH,
        licensed_capacity=D("60"),
        enrolled_fte=D("50"),
        billed=D("61000"),
        collected=D("60000"),
        written_off=D("0"),
        personnel=D("30000"),
        staff_fte=D("10"),
        tuition_by_age_group={"infant": D("20000"), "preschool": D("40000")},
    )
    after = project_month(month, Changes(rates={"infant": D("0.10")}, wages=D("0.05"), staffing_fte=D("1")))
    assert cents(after.billed) == D("63000.00")
    assert cents(after.personnel) == D("34650.00")


money = st.decimals(min_value=0, max_value=200_000, places=2, allow_nan=False, allow_infinity=False)
ratio = st.decimals(min_value=0, max_value=1, places=4, allow_nan=False, allow_infinity=False)
change = st.decimals(min_value=D("-0.5"), max_value=D("0.5"), places=3, allow_nan=False, allow_infinity=False)


@st.composite
def baseline_months(draw: st.DrawFn, month: datetime.date = MONTH) -> BaselineMonth:
    capacity = draw(st.integers(min_value=1, max_value=300))
    fte = draw(st.decimals(min_value=0, max_value=capacity, places=2, allow_nan=False, allow_infinity=False))
    infant, preschool, other = draw(money), draw(money), draw(money)
    billed = infant + preschool + other
    collected = cents(billed * draw(ratio))
    written_off = cents(billed * draw(ratio) / 10)
    return BaselineMonth(
        month=month,
        licensed_capacity=D(capacity),
        enrolled_fte=fte,
        billed=billed,
        collected=collected,
        written_off=written_off,
        personnel=draw(money),
        staff_fte=D(draw(st.integers(min_value=1, max_value=40))),
        costs={"occupancy": draw(money), "food": draw(money), "supplies": draw(money)},
        hub_fee=draw(money),
        tuition_by_age_group={"infant": infant, "preschool": preschool},
    )


@st.composite
def years(draw: st.DrawFn) -> list[BaselineMonth]:
    count = draw(st.integers(min_value=1, max_value=12))
    return [draw(baseline_months(datetime.date(2025, 1 + i, 1))) for i in range(count)]


@st.composite
def changes(draw: st.DrawFn) -> Changes:
    return Changes(
        occupancy=draw(st.none() | ratio),
        rates={"infant": draw(change), "preschool": draw(change)},
        collection_rate=draw(st.none() | ratio),
        bad_debt_rate=draw(st.none() | ratio.map(lambda r: r / 5)),
        wages=draw(change),
        staffing_fte=draw(st.decimals(min_value=-1, max_value=5, places=1, allow_nan=False, allow_infinity=False)),
        hub_fee=draw(st.none() | money),
        purchasing_savings=draw(ratio.map(lambda r: r / 4)),
    )


@settings(max_examples=80, deadline=None)
@given(years(), changes())
def test_at_break_even_occupancy_the_gap_is_zero_to_the_cent(months: list[BaselineMonth], scenario: Changes) -> None:
    year = project(months, scenario).projected
    if year.break_even_occupancy is None:
        return
    at_break_even = project(months, Changes(**{**scenario.__dict__, "occupancy": year.break_even_occupancy}))
    assert cents(at_break_even.projected.net_result) == 0
    for baseline in months:  # and each month on its own
        alone = project([baseline], scenario).projected
        if alone.break_even_occupancy is None:
            continue
        there = project([baseline], Changes(**{**scenario.__dict__, "occupancy": alone.break_even_occupancy}))
        assert cents(there.projected.net_result) == 0
        if there.projected.enrolled_fte:
            assert cents(there.projected.gap_per_child) == 0


@settings(max_examples=80, deadline=None)
@given(years())
def test_no_changes_reproduce_the_baseline_months_exactly(months: list[BaselineMonth]) -> None:
    projection = project(months, Changes())
    for row, measured in zip(projection.months, months, strict=True):
        assert row.projected == row.baseline
        assert row.projected.billed == measured.billed
        assert row.projected.collected == measured.collected
        assert row.projected.written_off == measured.written_off
        assert row.projected.enrolled_fte == measured.enrolled_fte
        assert row.projected.cost == measured.personnel + sum(measured.costs.values()) + measured.hub_fee


@settings(max_examples=80, deadline=None)
@given(years(), changes())
def test_the_years_totals_are_the_sum_of_their_months(months: list[BaselineMonth], scenario: Changes) -> None:
    """Money, FTE and places of the year are the sums of its months'; cost is personnel + the rest + Hub fee."""
    projection = project(months, scenario)
    for side in ("baseline", "projected"):
        year = getattr(projection, side)
        rows = [getattr(r, side) for r in projection.months]
        for name in (
            "billed",
            "collected",
            "written_off",
            "personnel",
            "hub_fee",
            "cost",
            "revenue",
            "net_result",
            "enrolled_fte",
            "licensed_capacity",
        ):
            total, parts = getattr(year, name), sum((getattr(r, name) for r in rows), D(0))
            # Equal at the full precision the projection keeps (28 digits), and so as shown, to the cent.
            assert abs(total - parts) < D("1e-15"), name
            assert cents(total) == cents(parts), name
        assert year.cost == year.personnel + year.non_personnel + year.hub_fee
