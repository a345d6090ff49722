"""Case (b): a family child-care home whose personnel comes from the staff roster, and a child who
leaves mid-month."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from alliance.dates import add_months, month_start
from tests.acceptance import figures, steps
from tests.e2e.conftest import check_page

pytestmark = [pytest.mark.e2e, pytest.mark.acceptance, pytest.mark.django_db(transaction=True)]

HOME = "Rivera Family Child Care"
GROUP = f"{HOME} — Home group (mixed ages)"
FAMILIES = [
    ("Cohen family", "Dana", "Eli"),
    ("Dubois family", "Luc", "Zoe"),
    ("Mensah family", "Kofi", "Kai"),
    ("Larsen family", "Ingrid", "Ivy"),
]
TUITION = Decimal("900.00")
COST_ENTERED = Decimal("900.00")  # rent share $600 + food $300; personnel left blank
ROSTER = Decimal("36000") / 12 + Decimal("15.00") * Decimal("0.5") * 2080 / 12  # $3,000.00 + $1,300.00


def test_home_with_roster_personnel_and_a_child_leaving_mid_month(hub, page, console_errors):
    """Rivera Family Child Care, month M = the alliance's last complete month; D = M's weekdays,
    d = the weekdays from M's 1st to the 15th (Ivy Larsen's last day).

    Entered through the pages: the home (licence 6) and its one group of 6 (mixed ages, Mon–Fri), the
    plan FCC-FT $900.00 a month, four children full time from M's 1st, Ivy's enrollment ended on
    the 15th (moved away), the roster — the owner Maria Rivera, salaried $36,000 a year, and an
    assistant at $15.00 an hour, 0.5 FTE — and M's costs with personnel left blank ("use the
    roster"): rent $600, food $300; the invoice run for M; every family pays its invoice.

    Hand arithmetic (DESIGN.md):
      personnel from the roster = 36,000 ÷ 12 + 15.00 × 0.5 × 2,080 ÷ 12 = 3,000 + 1,300 = $4,300.00
      program cost = 4,300 + 600 + 300 = $5,200.00
      Ivy's tuition = 900 × d ÷ D (prorated by scheduled days); billed = 3 × 900 + 900·d/D
      enrolled FTE-days = 3·D + d; capacity-days = 6·D
      occupancy = (3D + d) ÷ 6D; enrolled FTE = (3D + d) ÷ D
      cost per child = 5,200 ÷ FTE; revenue per child = billed ÷ FTE; gap = revenue − cost
      break-even occupancy = occupancy × cost ÷ revenue = (3D + d)·5,200 ÷ (6D · billed)
      collection = billed ÷ billed = 100.0 %
    E.g. for D = 21, d = 11: Ivy $471.43, billed $3,171.43, occupancy 74 ÷ 126 = 58.7 %, FTE 3.52,
    cost per child $1,475.68, revenue per child $900.00, gap −$575.68, break-even 96.3 %.
    """
    today = hub.today
    m = month_start(add_months(today, -1))
    m_end = steps.month_last(m)
    joined = month_start(add_months(today, -2))
    leaves = m.replace(day=15)
    big_d = steps.weekdays_between(m, m_end)
    small_d = steps.weekdays_between(m, leaves)
    ivy = figures.cents(TUITION * small_d / big_d)
    billed = 3 * TUITION + ivy
    cost = ROSTER + COST_ENTERED
    fte_days = 3 * big_d + small_d
    capacity_days = 6 * big_d
    cost_per_child = figures.per_child(cost, fte_days, big_d)
    revenue_per_child = figures.per_child(billed, fte_days, big_d)

    steps.sign_in_hub(page, hub, console_errors)
    program = steps.program_create(page, hub, name=HOME, kind="family_home", joined_on=joined, licensed=6)
    steps.site_create(page, hub, program, name="Rivera home", opened_on=joined)
    steps.classroom_create(
        page, hub, program, name="Home group", age_group="mixed", licensed=6, since=joined, children_per_staff=6
    )
    steps.rate_plan_create(
        page, hub, program=HOME, name="Full time", code="FCC-FT", age_group="mixed", tuition=str(TUITION), since=joined
    )
    steps.staff_create(
        page,
        hub,
        program,
        first_name="Maria",
        last_name="Rivera",
        position="Owner and provider",
        category="classroom",
        fte="1.00",
        started_on=joined,
        pay_basis="salary",
        annual_salary="36000.00",
    )
    steps.staff_create(
        page,
        hub,
        program,
        first_name="Tom",
        last_name="Baker",
        position="Assistant",
        category="classroom",
        fte="0.50",
        started_on=joined,
        pay_basis="hourly",
        hourly_wage="15.00",
    )
    enrollments = {}
    for family, guardian, child in FAMILIES:
        born = today.replace(year=today.year - 3, day=1)
        child_pk = steps.family_with_child(page, hub, family=family, guardian=guardian, child=child, born=born)
        enrollments[child] = steps.enroll(page, hub, child_pk, classroom=GROUP, start=m, plan="Full time (FCC-FT)")
    steps.enrollment_end(page, hub, enrollments["Ivy"], last_day=leaves)
    steps.costs_enter(page, hub, program, m, {"occupancy": "600.00", "food": "300.00"})
    # The costs page counts the roster where the month has no personnel row.
    expect(page.locator("main")).to_contain_text(figures.money(cost))
    check_page(page, console_errors)

    steps.invoice_run(page, hub, m)
    for family, _, child in FAMILIES:
        account = steps.account_of(page, hub, family)
        amount = ivy if child == "Ivy" else TUITION
        steps.payment_record(page, hub, account, amount=str(amount), on=m.replace(day=20 if child == "Ivy" else 5))
    steps.nightly_rollup(hub)

    # --- API: the month's sums -------------------------------------------------------------------
    month_q = f"from={steps.iso_month(m)}&to={steps.iso_month(m)}"
    occupancy = steps.api_rows(page, f"{hub.api}/metrics/program-months/?{month_q}&program={program}")
    assert (
        occupancy[0]["operating_days"],
        Decimal(occupancy[0]["enrolled_fte"]),
        occupancy[0]["licensed_capacity"],
    ) == (
        big_d,
        fte_days,
        capacity_days,
    )
    assert Decimal(occupancy[0]["occupancy"]) == figures.ratio(fte_days, capacity_days)
    finance = steps.api_rows(page, f"{hub.api}/metrics/program-finance-months/?{month_q}&program={program}")
    assert (Decimal(finance[0]["billed"]), Decimal(finance[0]["collected_family"])) == (billed, billed)
    assert Decimal(finance[0]["personnel_classroom"]) == figures.cents(ROSTER)
    assert Decimal(finance[0]["cost"]) == figures.cents(cost)
    assert Decimal(finance[0]["collection_rate"]) == 1

    # --- The dashboard and the member's drill-down -------------------------------------------------
    page.goto(f"{hub.a}/dashboard/?month={steps.iso_month(m)}")
    check_page(page, console_errors)
    assert steps.card(page, "occupancy") == figures.pct(fte_days, capacity_days)
    assert steps.card(page, "fees collected") == "100.0%"
    assert steps.card(page, "revenue per enrolled child") == figures.money(revenue_per_child)
    expect(page.locator(".cards").first).to_contain_text(f"cost {figures.money(cost_per_child)}")
    row = steps.members_row(page, HOME)
    assert row["Revenue − cost per child"] == figures.money(revenue_per_child - cost_per_child)

    page.get_by_role("link", name=HOME, exact=True).click()
    check_page(page, console_errors)
    drill = steps.comparison(page)
    assert drill["Occupancy"] == figures.pct(fte_days, capacity_days)
    assert drill["Cost per enrolled child"] == figures.money(cost_per_child)
    assert drill["Revenue per enrolled child"] == figures.money(revenue_per_child)
    assert drill["Revenue − cost per child"] == figures.money(revenue_per_child - cost_per_child)
    assert steps.card(page, "break-even occupancy") == figures.pct(fte_days * cost, capacity_days * billed)

    members = steps.csv_download(page, f"{hub.a}/dashboard/members.csv?month={steps.iso_month(m)}")
    assert Decimal(members[0]["cost per child"]) == cost_per_child
    assert Decimal(members[0]["break-even occupancy"]) == figures.ratio(fte_days * cost, capacity_days * billed)

    # --- The provider's figures ------------------------------------------------------------------------
    steps.sign_in_as(page, hub, hub.person("provider", program))
    page.goto(f"{hub.a}/my-program/figures/?month={steps.iso_month(m)}")
    check_page(page, console_errors)
    own = steps.comparison(page)
    assert own["Occupancy"] == figures.pct(fte_days, capacity_days)
    assert own["Cost per enrolled child"] == figures.money(cost_per_child)
    assert own["Revenue − cost per child"] == figures.money(revenue_per_child - cost_per_child)

    # --- The funder's report: one member, withheld ----------------------------------------------------
    steps.sign_in_as(page, hub, hub.person("funder"))
    page.goto(f"{hub.a}/reports/impact/?{month_q}")
    check_page(page, console_errors)
    reason = "Suppressed: fewer than 3 members (1 member here), so the figure could identify one."
    expect(page.locator("tr", has=page.get_by_role("rowheader", name="Children served")).locator("td")).to_have_text(
        reason
    )
    text = " ".join(steps.pdf_text(page, f"{hub.a}/reports/impact.pdf?{month_q}").split())
    assert "Suppressed: fewer than 3 members (1 member here)" in text
    assert figures.money(cost_per_child) not in text
