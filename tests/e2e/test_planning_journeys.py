"""What-if journeys in a real browser: a provider's budget, cost of care and saved scenario with its
PDF; the Hub's sustainability plan and the funder's view of it (issue 24).

Every page visited passes axe-core (no serious or critical violation) with a clean console, does not
scroll sideways, and shows the figures worked out by hand in each journey's docstring from the journey
world (tests/e2e/journey_data.py): Little Oaks has one preschool room of 8 licensed places, five children
on the $1,050.00 monthly "Preschool full time" plan since three months ago, invoices for the last two
months and this one (5 × 1,050.00 = $5,250.00 billed a month) and costs in the last two months of
personnel $3,900.00 and occupancy $1,400.00 ($5,300.00), no roster; three active members of 12 licensed
places each. Everything the journeys add goes through the pages.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from alliance.dates import add_months, month_start
from alliance.tenancy import alliance_scope
from budgets.models import Budget
from costofcare.models import CostOfCareAssumptions
from planning.models import Scenario
from sustainability.models import Grant, Plan
from tests.e2e.conftest import PHONE, check_page, no_horizontal_scroll, screenshot, sign_in
from tests.e2e.test_journeys import journey  # noqa: F401  (the module's world and live server)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


def cells(row) -> list[str]:  # type: ignore[no-untyped-def]
    return [text.strip() for text in row.locator("td").all_inner_texts()]


def test_provider_budgets_a_month_prices_care_by_age_group_and_prints_a_scenario(journey, page, console_errors):  # noqa: F811
    """Little Oaks' director (no budget, no assumptions, no scenario yet) works through the pages.

    Budget, last month (M): 6 children planned on the $1,050.00 plan = $6,300.00 revenue; personnel
    $3,600.00 + occupancy $1,400.00 = $5,000.00 cost. Measured: billed 5 × 1,050 = $5,250.00, variance
    5,250 − 6,300 = −$1,050.00 = −16.7 % (flagged "Under budget", beyond 5 %); cost 3,900 + 1,400 =
    $5,300.00, +$300.00 = +6.0 % ("Over budget"); personnel +$300.00 = 300 ÷ 3,600 = +8.3 %. Year to date the
    budget is M's alone ($6,300.00), billed $5,250.00 for each of the two invoiced past months in M's year.

    Cost of care, typed: $18.00 an hour + 20 % benefits = $21.60, 10 hours a day, 260 days a year
    (21.67 days a month): one adult a month 21.60 × 10 × 21.67 = $4,680.72. Preschool 1:10 in groups of 10,
    8 children served: classroom 4,680.72 × 1 ÷ 10 = $468.07; rent (blank: the average of the two measured
    months, $1,400.00) ÷ 8 children = $175.00; no other costs, no administration on the roster: $643.07 a
    child, against the plan's $1,050.00: +$406.93. Infants 1:4 in groups of 8 (2 adults): 4,680.72 × 2 ÷ 8 =
    $1,170.18 + $175.00 = $1,345.18, against an infant rate of $1,200.00 typed in: "You lose $145.18 on every
    infant each month".

    Scenario "Fill the preschool room", occupancy 100 %: the baseline is the two measured months with money
    billed, 8 places and 5 FTE each. Billed 2 × 5,250 = $10,500.00 becomes 10,500 × 8 ÷ 5 = $16,800.00;
    cost 2 × 5,300 = $10,600.00 either way; net result −$100.00 becomes +$6,200.00; cost per child
    10,600 ÷ 10 child-months = $1,060.00 becomes 10,600 ÷ 16 = $662.50; break-even occupancy
    10,600 ÷ 16,800 = 63.1 % in both.
    """
    program = journey.programs[0]
    last_month = month_start(add_months(journey.today, -1))
    year = last_month.year
    invoiced_months_in_year = sum(1 for m in (month_start(add_months(journey.today, -2)), last_month) if m.year == year)
    sign_in(page, journey.base, journey.provider.email, journey.password, console_errors=console_errors)
    expect(page).to_have_url(f"{journey.a}/today/")
    nav = page.get_by_role("navigation", name="Main")

    # --- Budget: the empty year, the grid, then budget against actual -----------------------------------
    nav.get_by_role("link", name="Budget", exact=True).click()
    budget_url = f"{journey.a}/programs/{program.pk}/budget/{year}/"
    if page.url != budget_url:  # in January, last month's budget is last year's
        page.goto(budget_url)
    expect(page.locator("main")).to_contain_text(f"{program.name} has no budget for {year} yet.")
    check_page(page, console_errors)
    no_horizontal_scroll(page)
    page.get_by_role("link", name=f"Create the {year} budget").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Edit the {year} budget")
    check_page(page, console_errors)
    no_horizontal_scroll(page)
    m = last_month.month
    page.get_by_label(f"Preschool full time, {m}/{year}: children", exact=True).fill("6")
    page.get_by_label(f"Personnel, {m}/{year}", exact=True).fill("3600.00")
    page.get_by_label(f"Occupancy / rent, {m}/{year}", exact=True).fill("1400.00")
    page.get_by_label("Note", exact=True).fill("Planned to fill a sixth place")
    page.get_by_role("button", name="Save the budget").click()
    expect(page).to_have_url(budget_url)
    expect(page.locator(".messages")).to_contain_text(f"The {year} budget is saved.")
    label = last_month.strftime("%b %Y")
    row = page.locator("table tbody tr", has=page.get_by_role("rowheader", name=label, exact=True))
    expect(row).to_have_count(1)
    assert cells(row) == [
        "$6,300.00", "$5,250.00", "-$1,050.00", "-16.7%", "Under budget",
        "$5,000.00", "$5,300.00", "+$300.00", "+6.0%", "Over budget",
    ]  # fmt: skip
    billed_ytd = Decimal("5250.00") * invoiced_months_in_year
    revenue_card = page.locator(".card", has_text="billed to")
    expect(revenue_card.locator(".figure")).to_have_text(f"${billed_ytd:,.2f}")
    expect(revenue_card).to_contain_text("against $6,300.00 budgeted")
    check_page(page, console_errors)
    no_horizontal_scroll(page)
    # The month's lines: personnel over budget by 300 ÷ 3,600 = 8.3 %.
    row.get_by_role("link", name=label).click()
    expect(page.get_by_role("heading", name=f"{last_month:%B %Y} by line")).to_be_visible()
    lines = page.get_by_role("region", name="Budget against actual by line")
    personnel = lines.locator("tr", has=page.get_by_role("rowheader", name="Personnel", exact=True))
    assert cells(personnel) == ["$3,600.00", "$3,900.00", "+$300.00", "+8.3%", "Over budget"]
    check_page(page, console_errors)
    with alliance_scope(journey.alliance.pk):
        assert Budget.objects.filter(program=program, year=year).count() == 1

    # --- Cost of care by age group: a wage first, then the table --------------------------------------
    nav.locator("summary", has_text="Hub services").click()
    nav.get_by_role("link", name="Cost of care by age group").click()
    expect(page).to_have_url(f"{journey.a}/programs/{program.pk}/cost-of-care/")
    expect(page.locator("main")).to_contain_text("the roster has no classroom staff yet")
    check_page(page, console_errors)
    page.get_by_role("link", name="Change the assumptions").click()
    check_page(page, console_errors)
    page.get_by_label("Average classroom hourly wage:", exact=True).fill("18.00")
    page.get_by_label("Benefits, % of wages:", exact=True).fill("20")
    page.get_by_label("Hours open a day:", exact=True).fill("10")
    page.get_by_label("Days open a year:", exact=True).fill("260")
    page.locator("#id_preschool_children_per_staff").fill("10")
    page.locator("#id_preschool_group_size").fill("10")
    page.locator("#id_preschool_children").fill("8")
    page.locator("#id_infant_children_per_staff").fill("4")
    page.locator("#id_infant_group_size").fill("8")
    page.locator("#id_infant_rate_monthly").fill("1200.00")
    page.get_by_role("button", name="Save assumptions").click()
    expect(page).to_have_url(f"{journey.a}/programs/{program.pk}/cost-of-care/")
    expect(page.locator(".losses")).to_contain_text(
        "You lose $145.18 on every infant each month: care costs $1,345.18 and the rate is $1,200.00."
    )
    table = page.get_by_role("table", name="Cost per child a month, by age group")
    preschool = table.locator("tbody tr", has=page.get_by_role("rowheader", name="Preschool", exact=True))
    assert cells(preschool) == [
        "8", "1:10 · 10 (1 staff)", "$468.07", "$175.00", "$0.00", "$0.00", "$643.07", "$1,050.00", "+$406.93",
        "—", "—",
    ]  # fmt: skip
    infants = table.locator("tbody tr", has=page.get_by_role("rowheader", name="Infants", exact=True))
    assert cells(infants)[1:] == [
        "1:4 · 8 (2 staff)", "$1,170.18", "$175.00", "$0.00", "$0.00", "$1,345.18", "$1,200.00", "-$145.18",
        "—", "—",
    ]  # fmt: skip
    check_page(page, console_errors)
    no_horizontal_scroll(page)
    with alliance_scope(journey.alliance.pk):
        assert CostOfCareAssumptions.objects.get(program=program).hourly_wage == Decimal("18.00")

    # --- Scenario planner: save one, open it from the list, print it for the board ------------------------
    nav.locator("summary", has_text="Hub services").click()
    nav.get_by_role("link", name="Scenario planner").click()
    expect(page).to_have_url(f"{journey.a}/scenarios/")
    expect(page.locator("main")).to_contain_text("No scenarios saved yet.")
    check_page(page, console_errors)
    page.get_by_role("link", name="New scenario").click()
    check_page(page, console_errors)
    page.get_by_label("Name").fill("Fill the preschool room")
    page.get_by_label("Occupancy %").fill("100")
    page.get_by_role("button", name="Save and see the projection").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{program.name}: Fill the preschool room")
    check_page(page, console_errors)
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Scenario planner").click()
    expect(page).to_have_url(f"{journey.a}/scenarios/")
    check_page(page, console_errors)
    page.get_by_role("link", name="Fill the preschool room").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{program.name}: Fill the preschool room")
    year_table = page.get_by_role("region", name="The year beside the baseline")
    expect(year_table.locator("caption")).to_contain_text("2 measured months")

    def figure(name: str) -> list[str]:
        return cells(year_table.locator("tr", has=page.get_by_role("rowheader", name=name, exact=True)))

    assert figure("Occupancy") == ["62.5%", "100.0%", "37.5%"]
    assert figure("Billed") == ["$10,500.00", "$16,800.00", "+$6,300.00"]
    assert figure("Total cost") == ["$10,600.00", "$10,600.00", "+$0.00"]
    assert figure("Cost per child per month") == ["$1,060.00", "$662.50", "-$397.50"]
    assert figure("Net result") == ["-$100.00", "$6,200.00", "+$6,300.00"]
    assert figure("Break-even occupancy")[:2] == ["63.1%", "63.1%"]
    check_page(page, console_errors)
    no_horizontal_scroll(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="PDF for the board").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    with alliance_scope(journey.alliance.pk):
        assert Scenario.objects.get(program=program).occupancy == Decimal("100.00")
    screenshot(page, "provider-scenario")


def test_hub_staff_plan_the_hubs_sustainability_and_a_funder_sees_it(journey, page, console_errors):  # noqa: F811
    """The Hub has no plan. Staff create one for three years from next year (S): staff $30,000.00 and
    overhead $6,000.00 growing 10 % a year, $50.00 a licensed slot a month, two members of 12 slots joining
    each later year. Fees: three members × 12 slots × 50.00 = $1,800.00 a month, $21,600.00 in S; cost
    $36,000.00. S+1: cost 33,000 + 6,600 = $39,600.00, 5 members, fees (1,800 + 2 × 600) × 12 =
    $36,000.00. S+2: cost 36,300 + 7,260 = $43,560.00, 7 members, fees 4,200 × 12 = $50,400.00: fees alone
    cover cost from S+2. A start-up grant of $24,000.00 over S gives 2,000.00 a month: surplus in S
    21,600 + 24,000 − 36,000 = +$9,600.00; S+1 36,000 − 39,600 = −$3,600.00; S+2 50,400 − 43,560 =
    +$6,840.00. The funder sees the same totals (three members: the disclosure rule lets fees show)."""
    start = journey.today.year + 1
    sign_in(
        page,
        journey.base,
        journey.staff.email,
        journey.password,
        totp_secret=journey.staff.totp_secret,
        console_errors=console_errors,
    )
    expect(page).to_have_url(f"{journey.a}/today/")
    nav = page.get_by_role("navigation", name="Main")
    nav.locator("summary", has_text="Administration").click()
    nav.get_by_role("link", name="Sustainability plan").click()
    expect(page).to_have_url(f"{journey.a}/sustainability/")
    expect(page.locator("main")).to_contain_text("The Hub has no sustainability plan yet.")
    check_page(page, console_errors)
    no_horizontal_scroll(page)

    page.get_by_role("link", name="Create the plan").click()
    check_page(page, console_errors)
    page.get_by_label("Start year:", exact=True).fill(str(start))
    page.get_by_label("Years:", exact=True).fill("3")
    page.get_by_label("Staff cost:", exact=True).fill("30000.00")
    page.get_by_label("Overhead cost:", exact=True).fill("6000.00")
    page.get_by_label("Cost growth (% a year):", exact=True).fill("10")
    page.get_by_label("Fee structure:", exact=True).select_option("per_slot")
    page.get_by_label("Fee per licensed slot a month:", exact=True).fill("50.00")
    page.get_by_label("New members per year:", exact=True).fill("2")
    page.get_by_label("Licensed slots of a new member:", exact=True).fill("12")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page).to_have_url(f"{journey.a}/sustainability/")
    expect(page.locator(".coverage")).to_have_text(f"Member fees alone cover the Hub's cost from {start + 2}.")
    check_page(page, console_errors)

    page.get_by_role("link", name="Add a grant").click()
    check_page(page, console_errors)
    page.get_by_label("Name:", exact=True).fill("Start-up grant")
    page.get_by_label("Funder:", exact=True).fill("Riverbend Community Foundation")
    page.get_by_label("Amount:", exact=True).fill("24000.00")
    page.get_by_label("Starts on:", exact=True).fill(datetime.date(start, 1, 1).isoformat())
    page.get_by_label("Ends on:", exact=True).fill(datetime.date(start, 12, 31).isoformat())
    page.get_by_label("Restriction:", exact=True).fill("Start-up staff only")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page).to_have_url(f"{journey.a}/sustainability/")
    expect(page.get_by_role("link", name="Start-up grant")).to_be_visible()
    years = page.get_by_role("table", name="Projection by year")
    by_year = {
        y: cells(years.locator("tbody tr", has=page.get_by_role("rowheader", name=str(y), exact=True)))
        for y in (start, start + 1, start + 2)
    }
    # Members, staff, overhead, Hub cost, member fees, contracts, grants, surplus, fees cover cost.
    assert by_year[start] == [
        "3", "$30,000.00", "$6,000.00", "$36,000.00", "$21,600.00", "$0.00", "$24,000.00", "+$9,600.00", "No",
    ]  # fmt: skip
    assert by_year[start + 1] == [
        "5", "$33,000.00", "$6,600.00", "$39,600.00", "$36,000.00", "$0.00", "$0.00", "-$3,600.00", "No",
    ]  # fmt: skip
    assert by_year[start + 2] == [
        "7", "$36,300.00", "$7,260.00", "$43,560.00", "$50,400.00", "$0.00", "$0.00", "+$6,840.00", "Yes",
    ]  # fmt: skip
    check_page(page, console_errors)
    no_horizontal_scroll(page)
    with alliance_scope(journey.alliance.pk):
        plan = Plan.objects.get()
        assert (plan.start_year, plan.years, plan.slot_fee) == (start, 3, Decimal("50.00"))
        assert Grant.objects.get(plan=plan).amount == Decimal("24000.00")
    screenshot(page, "hub-staff-sustainability-plan")

    # The funder's aggregate view.
    page.context.clear_cookies()
    sign_in(page, journey.base, journey.funder.email, journey.password)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Hub sustainability").click()
    expect(page).to_have_url(f"{journey.a}/sustainability/funders/")
    expect(page.get_by_role("heading", level=1)).to_have_text("The Hub's road to sustainability")
    expect(page.locator(".coverage")).to_have_text(f"Member fees alone cover the Hub's cost from {start + 2}.")
    funder_years = page.get_by_role("table", name="The plan by year")
    first = funder_years.locator("tbody tr", has=page.get_by_role("rowheader", name=str(start), exact=True))
    # Members, Hub cost, member fees, contracts, grants, surplus.
    assert cells(first) == ["3", "$36,000.00", "$21,600.00", "$0.00", "$24,000.00", "+$9,600.00"]
    for program in journey.programs:  # no member's own fee, nor its name
        expect(page.locator("main")).not_to_contain_text(program.name)
    check_page(page, console_errors)
    no_horizontal_scroll(page)
    page.set_viewport_size(PHONE)
    no_horizontal_scroll(page)
    screenshot(page, "funder-sustainability-phone")
    assert re.search(r"/sustainability/funders/$", page.url)
