"""Case (a): a centre with a subsidy split and a family that pays late and in part."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from alliance.dates import add_months, month_start
from tests.acceptance import steps
from tests.e2e.conftest import check_page

pytestmark = [pytest.mark.e2e, pytest.mark.acceptance, pytest.mark.django_db(transaction=True)]

CENTRE = "Sunrise Children's Center"
ROOM = f"{CENTRE} — Preschool room (preschool)"
FAMILIES = [  # family, guardian, child, what the family pays of its share and when (day of month)
    ("Garcia family", "Elena", "Ava"),
    ("Lee family", "Min", "Noah"),
    ("Patel family", "Ravi", "Mia"),
    ("Okafor family", "Ada", "Leo"),
]


def test_centre_with_a_subsidy_split_and_a_late_partial_payer(hub, page, console_errors):
    """Sunrise Children's Center, month M = the alliance's last complete month (D = its weekdays).

    Entered through the pages: the program (joined the month before M, licence 10), a site, a
    preschool room of 10 (Mon–Fri, capacity from the join date), the rate plan PS-FT $1,200.00 a
    month, four children enrolled full time for the whole of M, the county's subsidy for Noah Lee
    ($900.00 authorized, family co-pay $300.00), M's costs (personnel $6,000, rent $2,000, food $400,
    supplies $200 = $8,600.00), the invoice run for M, the families' payments and the county's
    remittance; then the nightly rollup.

    Hand arithmetic (DESIGN.md, "The Iron Triangle"):
      billed = 4 × $1,200.00 = $4,800.00 (Noah: $300.00 family share + $900.00 payer share,
               the payer's share = min(1,200 − 300, 900) = 900)
      collected family = Garcia 1,200 + Lee 300 + Okafor 1,200 + Patel 500 (late: the 25th, after
               the due date, the 1st + 10 days) = $3,200.00; third party = county $900.00
      collection = 4,100 ÷ 4,800 = 85.4 %; families 3,200 ÷ 4,800 = 66.7 %; third parties
               900 ÷ 4,800 = 18.8 %
      open at M's end: Patel $700.00, past due since the 11th → "1–30 days"
      occupancy = enrolled FTE-days ÷ capacity-days = 4·D ÷ 10·D = 40.0 % (vacancy 60.0 %);
               enrolled FTE (a day) = 4.0, open slots a day 6.0
      cost per child = 8,600 ÷ 4 = $2,150.00; revenue per child = 4,800 ÷ 4 = $1,200.00;
               gap = 1,200 − 2,150 = −$950.00; collected revenue per child = 4,100 ÷ 4 = $1,025.00
      break-even occupancy = occupancy × cost ÷ revenue = 0.40 × 8,600 ÷ 4,800 = 71.7 %
      bad debt = 0 ÷ 4,800 = 0.0 %
    One member only: the funder's report withholds the alliance figures (fewer than three members).
    """
    today = hub.today
    m = month_start(add_months(today, -1))
    m_end = steps.month_last(m)
    joined = month_start(add_months(today, -2))
    days = steps.weekdays_between(m, m_end)

    steps.sign_in_hub(page, hub, console_errors)
    program = steps.program_create(page, hub, name=CENTRE, kind="centre", joined_on=joined, licensed=10)
    steps.site_create(page, hub, program, name="Main Street site", opened_on=joined)
    steps.classroom_create(page, hub, program, name="Preschool room", age_group="preschool", licensed=10, since=joined)
    steps.rate_plan_create(
        page,
        hub,
        program=CENTRE,
        name="Preschool full time",
        code="PS-FT",
        age_group="preschool",
        tuition="1200.00",
        since=joined,
    )
    children = {}
    for family, guardian, child in FAMILIES:
        born = today.replace(year=today.year - 4, day=1)
        children[child] = steps.family_with_child(page, hub, family=family, guardian=guardian, child=child, born=born)
        steps.enroll(
            page,
            hub,
            children[child],
            classroom=ROOM,
            start=m,
            plan="Preschool full time (PS-FT)",
            funding="subsidy" if child == "Noah" else "private_pay",
        )
    # The county's subsidy for Noah.
    steps.submit(page, f"{hub.a}/billing/payers/", {"name": "Riverbend County CCAP", "kind": "subsidy"})
    steps.submit(
        page,
        f"{hub.a}/billing/authorizations/new/",
        {
            "payer": "Riverbend County CCAP",
            "program": CENTRE,
            "child": str(children["Noah"]),
            "case_number": "CC-4471",
            "starts_on": joined.isoformat(),
            "ends_on": add_months(m_end, 6).isoformat(),
            "authorized_amount": "900.00",
            "family_copay": "300.00",
        },
    )
    payer_url = page.url
    steps.costs_enter(
        page, hub, program, m, {"personnel": "6000.00", "occupancy": "2000.00", "food": "400.00", "supplies": "200.00"}
    )
    check_page(page, console_errors)

    steps.invoice_run(page, hub, m)
    check_page(page, console_errors)

    paid = {
        "Garcia family": ("1200.00", 5),
        "Lee family": ("300.00", 6),
        "Okafor family": ("1200.00", 8),
        "Patel family": ("500.00", 25),
    }
    for family, (amount, day_of_month) in paid.items():
        account = steps.account_of(page, hub, family)
        steps.payment_record(
            page, hub, account, amount=amount, on=m.replace(day=day_of_month), reference=f"{family[:3]}-{day_of_month}"
        )
    steps.submit(
        page,
        payer_url,
        {
            "received_on": m.replace(day=20).isoformat(),
            "reference": "CCAP-EFT-1",
            "rows": f"CC-4471,{steps.iso_month(m)},900.00",
        },
    )
    steps.nightly_rollup(hub)

    # --- The dashboard, month M -----------------------------------------------------------------
    page.goto(f"{hub.a}/dashboard/?month={steps.iso_month(m)}")
    check_page(page, console_errors)
    assert steps.card(page, "occupancy") == "40.0%"
    assert steps.card(page, "fees collected") == "85.4%"
    expect(page.locator(".cards").first).to_contain_text("(66.7% families, 18.8% third parties)")
    assert steps.card(page, "bad debt") == "0.0%"
    assert steps.card(page, "revenue per enrolled child") == "$1,200.00"
    expect(page.locator(".cards").first).to_contain_text("cost $2,150.00")
    assert steps.card(page, "open slots a day") == "6.0"
    aging = page.locator("table:has(caption:text('Open family balances')) tbody td").all_inner_texts()
    assert aging == ["$0.00", "$700.00", "$0.00", "$0.00", "$0.00"]
    row = steps.members_row(page, CENTRE)
    assert (row["Occupancy"], row["Collection"], row["Bad debt"], row["Revenue − cost per child"]) == (
        "40.0%",
        "85.4%",
        "0.0%",
        "-$950.00",
    )

    # --- The member's drill-down -------------------------------------------------------------------
    page.get_by_role("link", name=CENTRE, exact=True).click()
    check_page(page, console_errors)
    figures = steps.comparison(page)
    assert figures["Occupancy"] == "40.0%"
    assert figures["Collection rate"] == "85.4%"
    assert figures["Bad debt (of billed)"] == "0.0%"
    assert figures["Cost per enrolled child"] == "$2,150.00"
    assert figures["Revenue per enrolled child"] == "$1,200.00"
    assert figures["Revenue − cost per child"] == "-$950.00"
    assert steps.card(page, "break-even occupancy") == "71.7%"
    assert steps.card(page, "enrolled FTE a day") == "4.0"
    assert steps.card(page, "open family balances") == "$700.00"

    # --- API (the session of the signed-in director) ----------------------------------------------
    month_q = f"from={steps.iso_month(m)}&to={steps.iso_month(m)}"
    occupancy = steps.api_rows(page, f"{hub.api}/metrics/program-months/?{month_q}&program={program}")
    assert len(occupancy) == 1
    assert occupancy[0]["operating_days"] == days
    assert Decimal(occupancy[0]["enrolled_fte"]) == 4 * days
    assert occupancy[0]["licensed_capacity"] == 10 * days
    assert Decimal(occupancy[0]["occupancy"]) == Decimal("0.4")
    finance = steps.api_rows(page, f"{hub.api}/metrics/program-finance-months/?{month_q}&program={program}")
    assert len(finance) == 1
    got = {
        k: finance[0][k]
        for k in ("billed", "collected_family", "collected_third_party", "written_off", "cost", "aging_1_30")
    }
    assert got == {
        "billed": "4800.00",
        "collected_family": "3200.00",
        "collected_third_party": "900.00",
        "written_off": "0.00",
        "cost": "8600.00",
        "aging_1_30": "700.00",
    }
    assert Decimal(finance[0]["collection_rate"]) == Decimal("0.8542")

    # --- CSV: the dashboard's members table and the drill-down's chart data --------------------
    members = steps.csv_download(page, f"{hub.a}/dashboard/members.csv?month={steps.iso_month(m)}")
    csv_row = members[0]
    assert (csv_row["program"], csv_row["month"]) == (CENTRE, steps.iso_month(m))
    assert Decimal(csv_row["occupancy"]) == Decimal("0.4")
    assert Decimal(csv_row["collection rate"]) == Decimal("0.8542")
    assert Decimal(csv_row["cost per child"]) == Decimal("2150.00")
    assert Decimal(csv_row["revenue per child"]) == Decimal("1200.00")
    assert Decimal(csv_row["gap per child"]) == Decimal("-950.00")
    assert Decimal(csv_row["break-even occupancy"]) == Decimal("0.7167")
    collection = steps.csv_download(
        page, f"{hub.a}/dashboard/programs/{program}/collection.csv?month={steps.iso_month(m)}"
    )
    assert {r["month"]: r[CENTRE] for r in collection}[steps.iso_month(m)] == "0.8542"

    # --- The provider's own figures ----------------------------------------------------------------
    provider = hub.person("provider", program)
    steps.sign_in_as(page, hub, provider)
    page.goto(f"{hub.a}/my-program/figures/?month={steps.iso_month(m)}")
    check_page(page, console_errors)
    own = steps.comparison(page)
    assert own["Occupancy"] == "40.0%"
    assert own["Collection rate"] == "85.4%"
    assert own["Cost per enrolled child"] == "$2,150.00"
    assert own["Revenue per enrolled child"] == "$1,200.00"
    assert own["Revenue − cost per child"] == "-$950.00"
    assert steps.card(page, "break-even occupancy") == "71.7%"
    # The alliance's quartiles would be this member's own figures: withheld, with the reason.
    expect(page.locator("td.suppressed").first).to_contain_text("Suppressed: the median and quartiles need at least 5")
    own_api = steps.api_rows(page, f"{hub.api}/metrics/program-finance-months/?{month_q}")
    assert [(r["program"], r["billed"], r["collected_third_party"]) for r in own_api] == [
        (program, "4800.00", "900.00")
    ]

    # --- The funder's report: one member, so the alliance's figures are withheld, page and PDF alike
    funder = hub.person("funder")
    steps.sign_in_as(page, hub, funder)
    page.goto(f"{hub.a}/reports/impact/?{month_q}")
    check_page(page, console_errors)
    reason = "Suppressed: fewer than 3 members (1 member here), so the figure could identify one."
    served = page.locator("tr", has=page.get_by_role("rowheader", name="Member programs served"))
    expect(served.locator("td")).to_have_text("1")
    expect(page.locator("tr", has=page.get_by_role("rowheader", name="Children served")).locator("td")).to_have_text(
        reason
    )
    assert "4,800" not in page.content()
    assert "85.4" not in page.content()
    text = " ".join(steps.pdf_text(page, f"{hub.a}/reports/impact.pdf?{month_q}").split())
    assert "Suppressed: fewer than 3 members (1 member here)" in text
    assert "4,800" not in text
    assert "85.4" not in text
    funder_api = steps.api_rows(page, f"{hub.api}/metrics/alliance-finance-months/?{month_q}")
    assert [(r["billed"], r["collection_rate"], r["suppressed_reason"]) for r in funder_api] == [(None, None, reason)]
