"""The impact report and the value of membership agree with themselves: each figure read in two
places and compared (issue 20, point 5).

Alliance A, January to June 2026, four centres, every month 20 operating days and 500 capacity-days:

  Y, W, U joined on 1 April 2026; the Hub has their figures from January (before they joined).
  X joined on 1 November 2021, long before its figures begin: it has no baseline.

  Each member, January–March: billed 10,000.00, written off 300.00, cost 8,000.00, 400 FTE-days
  (20 enrolled children a day); April–June: billed 12,000.00, written off 40.00, cost 9,000.00,
  460 FTE-days (23 a day).

Members since joining (Y, W, U; baseline January–March, now April–June):
  cost per enrolled child before = 3 × 3 × 8,000 ÷ (9 months × 20) = 72,000 ÷ 180 = $400.00,
  the alliance trend's January–March cost per child (32,000 ÷ 80 = 400.00) — not the trend's
  first months of every member, and not a figure from months after joining;
  now = 81,000 ÷ (9 × 23) = 391.304… = $391.30, the trend's April–June (36,000 ÷ 92).
  Revenue, an average month: 3 × 10,000 = $30,000.00 before, $36,000.00 now (+$6,000.00).
Savings since joining, the same three members (value of membership over April–June):
  bad debt avoided = 36,000 × 900 ÷ 30,000 − 120 = $960.00 each, $2,880.00 together;
  revenue from fuller rooms = 36,000 × (1,380 − 0.8 × 1,500) ÷ 1,380 = 4,695.652… = $4,695.65 each,
  $14,086.95 together.
Hub fees: Y, W, U $150.00 flat each month from April: 3 × 3 × 150 = $1,350.00 invoiced, in 3 of the
  period's 6 months — the same figure in the savings section and the Hub's sustainability
  (the rollup's agreements estimate, $9,999.00 a month here, is not shown as "member fees").
X's value page: no baseline; instead Y, W, U together: bad debt 2,700 ÷ 90,000 = 3.0% before,
  120 × 3 ÷ 108,000 = 0.3% now; occupancy 3,600 ÷ 4,500 = 80.0% before, 4,140 ÷ 4,500 = 92.0% now.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from alliance.tenancy import alliance_scope
from billing.member_fees import member_fees_invoice
from members.models import MemberProgram
from metrics.models import AllianceFinanceMonth, AllianceMonth, ProgramFinanceMonth, ProgramMonth
from metrics.reports import impact_report
from metrics.value import member_value
from sharedservices.models import CatalogueItem, MemberOrder, MemberOrderLine, PurchasingCycle, Vendor
from tests.factories import MemberProgramFactory
from tests.members.factories import HubServiceFactory, SubscriptionFactory

MONTHS = [datetime.date(2026, m, 1) for m in range(1, 7)]
JOINED = datetime.date(2026, 4, 1)
PERIOD = "from=2026-01&to=2026-06"
ZERO = Decimal("0.00")
MONEY_ZERO = {
    name: ZERO
    for name in (
        "collected_family",
        "collected_third_party",
        "aging_current",
        "aging_1_30",
        "aging_31_60",
        "aging_61_90",
        "aging_over_90",
        "personnel_admin",
        "personnel_classroom",
    )
}


def figures_of(month: datetime.date) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """billed, written off, cost, FTE-days of one member's month."""
    if month < JOINED:
        return Decimal("10000.00"), Decimal("300.00"), Decimal("8000.00"), Decimal("400")
    return Decimal("12000.00"), Decimal("40.00"), Decimal("9000.00"), Decimal("460")


def snapshots(programs: list[MemberProgram]) -> None:
    """Program months of the members, and the alliance months as their sums (as the rollup writes them)."""
    for month in MONTHS:
        billed, written_off, cost, fte = figures_of(month)
        for program in programs:
            ProgramFinanceMonth.objects.create(
                program=program, month=month, billed=billed, written_off=written_off, cost=cost, **MONEY_ZERO
            )
            ProgramMonth.objects.create(
                program=program,
                month=month,
                operating_days=20,
                licensed_capacity=500,
                target_capacity=500,
                enrolled_fte=fte,
                enrolled_children=25,
                scheduled_child_days=0,
                attended_child_days=0,
            )
        n = len(programs)
        AllianceFinanceMonth.objects.create(
            month=month,
            billed=billed * n,
            written_off=written_off * n,
            cost=cost * n,
            member_fees=Decimal("9999.00"),
            hub_cost=Decimal("1000.00"),
            grants=ZERO,
            contracts=ZERO,
            **MONEY_ZERO,
        )
        AllianceMonth.objects.create(
            month=month,
            operating_days=20,
            licensed_capacity=500 * n,
            target_capacity=500 * n,
            enrolled_fte=fte * n,
            enrolled_children=25 * n,
            scheduled_child_days=0,
            attended_child_days=0,
        )


@pytest.fixture
def alliance(world):
    return members_since_april(world, without_baseline=3)


def members_since_april(world, *, without_baseline: int):  # type: ignore[no-untyped-def]
    """Y, W, U joined in April; X and `without_baseline` - 1 more (T, S) long before the figures
    begin, with X's figures. Three without a baseline: the before/after figures of Y, W, U beside
    the alliance's month totals leave out enough members that none can be solved for."""
    u = MemberProgramFactory(alliance=world.a, name="Program U")
    w = MemberProgramFactory(alliance=world.a, name="Program W")
    joiners = [world.y, w, u]
    early = [world.x] + [
        MemberProgramFactory(alliance=world.a, name=f"Program {name}", joined_on=datetime.date(2021, 11, 1))
        for name in "TS"[: without_baseline - 1]
    ]
    service = HubServiceFactory(alliance=world.a, name="Bookkeeping", rate=Decimal("150.00"))
    for program in joiners:
        SubscriptionFactory(program=program, service=service, starts_on=JOINED)
    with alliance_scope(world.a.pk):
        MemberProgram.objects.filter(pk__in=[p.pk for p in joiners]).update(joined_on=JOINED)
        MemberProgram.objects.filter(pk=world.x.pk).update(joined_on=datetime.date(2021, 11, 1))
        snapshots([*early, *joiners])
        for month in MONTHS[3:]:
            member_fees_invoice(month=month)
        vendor = Vendor.objects.create(name="Classroom Supply")
        wipes = CatalogueItem.objects.create(
            vendor=vendor, name="Wipes", unit="case", alliance_price=Decimal("24.50"), list_price=Decimal("30.00")
        )
        cycle = PurchasingCycle.objects.create(name="Spring", closes_on=datetime.date(2026, 4, 20))
        for program in [world.x, *joiners]:
            order = MemberOrder.objects.create(cycle=cycle, program=program)
            MemberOrderLine.objects.create(
                order=order,
                item=wipes,
                quantity=2,
                alliance_price=wipes.alliance_price,
                list_price=wipes.list_price,
                delivered_quantity=2,
                delivered_on=datetime.date(2026, 5, 4),
                savings=Decimal("11.00"),
            )
    return world


def report_of(world):  # type: ignore[no-untyped-def]
    with alliance_scope(world.a.pk):
        return impact_report(start=MONTHS[0], end=MONTHS[-1])


def test_the_baseline_is_of_before_joining_and_agrees_with_the_trend(alliance):
    report = report_of(alliance)
    ba = report.before_after
    assert (ba.programs, ba.cost_programs) == (3, 3)
    assert (ba.cost_per_child_before, ba.cost_per_child_after) == (Decimal("400.00"), Decimal("391.30"))
    trend = {row[0]: row for row in next(c for c in report.charts if c.slug == "cost-revenue").rows}
    # The trend's cost per child (the chart's last column) in the baseline months and in the last three.
    assert {trend[m][2] for m in ("2026-01", "2026-02", "2026-03")} == {"400.00"}
    assert {trend[m][2] for m in ("2026-04", "2026-05", "2026-06")} == {"391.30"}
    assert (ba.monthly_revenue_before, ba.monthly_revenue_after, ba.monthly_revenue_change) == (
        Decimal("30000.00"),
        Decimal("36000.00"),
        Decimal("6000.00"),
    )
    assert (ba.monthly_cost_before, ba.monthly_cost_after) == (Decimal("24000.00"), Decimal("27000.00"))


def test_every_section_about_baselines_counts_the_same_members(alliance, clients):
    report = report_of(alliance)
    assert report.before_after.programs == report.savings.measured_members == 3
    assert (report.savings.bad_debt_avoided, report.savings.revenue_from_occupancy) == (
        Decimal("2880.00"),
        Decimal("14086.95"),
    )
    body = clients.funder_a.get(f"/a/{alliance.a.slug}/reports/impact/?{PERIOD}").content.decode()
    assert "3 members have figures of before they joined" in body
    assert "Bad debt avoided since joining (3 members)" in body
    assert "Revenue from fuller rooms since joining (3 members)" in body
    assert "$400.00" in body
    assert "$391.30" in body
    assert "0 have a baseline" not in body
    assert "(0 do)" not in body


def test_hub_fees_are_one_figure_with_one_label(alliance, clients):
    report = report_of(alliance)
    assert report.savings.fee_charged == report.hub.member_fees == Decimal("1350.00")
    assert (report.savings.fee_months, report.savings.period_months) == (3, 6)
    body = clients.funder_a.get(f"/a/{alliance.a.slug}/reports/impact/?{PERIOD}").content.decode()
    label = "Hub fees invoiced to members (member-fee invoices of 3 of the period's 6 months)"
    assert body.count(label) == 2
    assert body.count("$1,350.00") == 2
    assert "$9,999.00" not in body
    assert "$59,994.00" not in body
    assert "22.5% of Hub cost" in body  # 1,350 ÷ 6,000


def test_a_member_without_a_baseline_is_offered_the_members_measured_effects(alliance, clients):
    with alliance_scope(alliance.a.pk):
        value = member_value(MemberProgram.objects.get(pk=alliance.x.pk), start=JOINED, end=MONTHS[-1])
    assert value.baseline is None
    assert value.bad_debt_avoided is None
    assert "from before it joined on Nov 1, 2021" in value.baseline_note
    fx = value.effects
    assert fx is not None
    assert fx.members == 3
    assert fx.withheld is None
    assert (fx.baseline.bad_debt_rate, fx.now.bad_debt_rate) == (Decimal("0.0300"), Decimal("0.0033"))
    body = clients.provider_x.get(
        f"/a/{alliance.a.slug}/value/programs/{alliance.x.pk}/?from=2026-04&to=2026-06"
    ).content.decode()
    section = body[body.index("<h2>Since joining</h2>") : body.index("The records behind the figures")]
    assert "There are no figures of Program X from before it joined on Nov 1, 2021" in section
    assert "the 3 members with figures of before they joined" in section
    for figure in ("3.0%", "0.3%", "80.0%", "92.0%"):
        assert figure in section, figure
    for other in ("Program Y", "Program W", "Program U"):
        assert other not in body
    # Y has its own baseline: its page compares with its months of before it joined.
    own = clients.provider_y.get(
        f"/a/{alliance.a.slug}/value/programs/{alliance.y.pk}/?from=2026-04&to=2026-06"
    ).content.decode()
    assert "figures of before it joined on Apr 1, 2026, 3 months (January 2026 to March 2026)" in own
    assert "$960.00" in own
    assert "$4,695.65" in own


def test_the_api_gives_the_page_s_baseline_and_effects(alliance, clients):
    base = f"/api/a/{alliance.a.slug}/value-of-membership/{{}}/?from=2026-04&to=2026-06"
    x = clients.provider_x.get(base.format(alliance.x.pk)).json()
    assert (x["baseline"], x["bad_debt_avoided"]) == (None, None)
    assert x["baseline_note"].startswith("There are no figures of Program X from before it joined on Nov 1, 2021")
    effects = x["effects"]
    assert (effects["members"], effects["suppressed_reason"]) == (3, None)
    assert (effects["baseline"]["bad_debt_rate"], effects["now"]["bad_debt_rate"]) == ("0.0300", "0.0033")
    assert (effects["baseline"]["occupancy"], effects["now"]["occupancy"]) == ("0.8000", "0.9200")
    y = clients.provider_y.get(base.format(alliance.y.pk)).json()
    assert y["baseline"]["months"] == ["2026-01-01", "2026-02-01", "2026-03-01"]
    assert (y["bad_debt_avoided"], y["revenue_from_occupancy"], y["effects"]) == ("960.00", "4695.65", None)
