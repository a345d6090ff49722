"""Case (c): a charge written off four months after it was billed."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from alliance.dates import add_months, month_start
from tests.acceptance import steps
from tests.e2e.conftest import check_page

pytestmark = [pytest.mark.e2e, pytest.mark.acceptance, pytest.mark.django_db(transaction=True)]

CENTRE = "Maple Street Children's Center"
ROOM = f"{CENTRE} — Pre-K room (preschool)"


def test_a_write_off_four_months_later_moves_the_month_billed_and_the_trailing_rate(hub, page, console_errors):
    """Maple Street Children's Center. B = five months before the alliance's month, B+1 the month
    after it, W = B + 4 = the last complete month (the write-off's month).

    Entered through the pages: the centre (joined the month before B), a pre-K room of 8, the plan
    PK-FT $1,000.00 a month; Jae Kim enrolled for B and B+1, Sami Haddad for B only; the invoice
    runs for B and B+1; the Kims pay each invoice on the 5th; the Haddads never pay. The nightly
    rollup's task is run over the history (from the join month) and then, after the write-off, as
    beat runs it (its own range: last month to yesterday).

    Before the write-off:
      B billed = 2 × 1,000 = $2,000.00, written off 0 → bad debt 0.0 %
      trailing 12 months to W: billed 2,000 + 1,000 = $3,000.00, written off 0 → 0.0 %
      the Haddads' $1,000.00 is over 90 days past due at W's end (due B's 1st + 10 days)
    The write-off, entered in W on the account's write-off page with effective date W's 15th,
    $1,000.00 (the whole balance). Then (DESIGN.md, "Bad debt" — it belongs to the month billed):
      B: written off 1,000 ÷ billed 2,000 = 50.0 % (the month B changes, four months later)
      W: nothing billed → no rate ("—"); write-offs posted in W = $1,000.00 (cash side)
      trailing 12 months to W = 1,000 ÷ 3,000 = 33.3 % > the 2 % limit → the member is flagged
      the Haddads' invoice says it is written off; their balance and the over-90 bucket are $0.00
    """
    today = hub.today
    w = month_start(add_months(today, -1))
    b = add_months(w, -4)
    b1 = add_months(b, 1)
    joined = add_months(b, -1)

    steps.sign_in_hub(page, hub, console_errors)
    program = steps.program_create(page, hub, name=CENTRE, kind="centre", joined_on=joined, licensed=8)
    steps.site_create(page, hub, program, name="Maple Street", opened_on=joined)
    steps.classroom_create(page, hub, program, name="Pre-K room", age_group="preschool", licensed=8, since=joined)
    steps.rate_plan_create(
        page,
        hub,
        program=CENTRE,
        name="Pre-K full time",
        code="PK-FT",
        age_group="preschool",
        tuition="1000.00",
        since=joined,
    )
    born = today.replace(year=today.year - 4, day=1)
    kim = steps.family_with_child(page, hub, family="Kim family", guardian="Soo", child="Jae", born=born)
    steps.enroll(page, hub, kim, classroom=ROOM, start=b, end=steps.month_last(b1), plan="Pre-K full time (PK-FT)")
    haddad = steps.family_with_child(page, hub, family="Haddad family", guardian="Rana", child="Sami", born=born)
    steps.enroll(page, hub, haddad, classroom=ROOM, start=b, end=steps.month_last(b), plan="Pre-K full time (PK-FT)")
    steps.invoice_run(page, hub, b)
    steps.invoice_run(page, hub, b1)
    kim_account = steps.account_of(page, hub, "Kim family")
    for month in (b, b1):
        steps.payment_record(page, hub, kim_account, amount="1000.00", on=month.replace(day=5))
    steps.nightly_rollup(hub, start=joined)

    b_q, w_q = steps.iso_month(b), steps.iso_month(w)
    page.goto(f"{hub.a}/dashboard/?month={b_q}")
    check_page(page, console_errors)
    assert steps.card(page, "bad debt") == "0.0%"
    page.goto(f"{hub.a}/dashboard/?month={w_q}&period=t12")
    check_page(page, console_errors)
    assert steps.card(page, "bad debt") == "0.0%"
    aging = page.locator("table:has(caption:text('Open family balances')) tbody td").all_inner_texts()
    assert aging == ["$0.00", "$0.00", "$0.00", "$0.00", "$1,000.00"]

    # --- The write-off, four months after the charge was billed ----------------------------------
    haddad_account = steps.account_of(page, hub, "Haddad family")
    page.goto(f"{hub.a}/billing/accounts/{haddad_account}/write-off/")
    check_page(page, console_errors)
    effective = page.get_by_label(re.compile("effective", re.I))
    assert effective.count() == 1, "the write-off page asks for no effective date"
    effective.fill(w.replace(day=15).isoformat())
    steps.submit(
        page,
        None,
        {"reason": "The family moved away without a forwarding address; letters came back.", "amount": "1000.00"},
    )
    expect(page.locator("#balance")).to_have_text("$0.00")
    page.get_by_role("link", name=re.compile(r"^\d+$")).first.click()  # the Haddads' invoice of B
    expect(page.locator("main")).to_contain_text(re.compile("written off", re.I))
    check_page(page, console_errors)

    steps.nightly_rollup(hub)  # the nightly run's own range: last month to yesterday

    # --- The month billed changed; the trailing rate too ------------------------------------------
    page.goto(f"{hub.a}/dashboard/?month={b_q}")
    check_page(page, console_errors)
    assert steps.card(page, "bad debt") == "50.0%"
    assert steps.members_row(page, CENTRE)["Bad debt"] == "50.0%"
    page.goto(f"{hub.a}/dashboard/?month={w_q}&period=t12")
    check_page(page, console_errors)
    assert steps.card(page, "bad debt") == "33.3%"
    expect(page.locator(".cards").first).to_contain_text(re.compile(r"write-offs posted\D*\$1,000\.00", re.I))
    assert re.search("bad debt", steps.members_row(page, CENTRE)["Flags"], re.I)
    aging = page.locator("table:has(caption:text('Open family balances')) tbody td").all_inner_texts()
    assert aging == ["$0.00", "$0.00", "$0.00", "$0.00", "$0.00"]

    page.goto(f"{hub.a}/dashboard/programs/{program}/?month={b_q}")
    check_page(page, console_errors)
    assert steps.comparison(page)["Bad debt (of billed)"] == "50.0%"

    month_range = f"from={b_q}&to={w_q}&program={program}"
    rows = {r["month"][:7]: r for r in steps.api_rows(page, f"{hub.api}/metrics/program-finance-months/?{month_range}")}
    assert (rows[b_q]["billed"], rows[b_q]["written_off"], Decimal(rows[b_q]["bad_debt_rate"])) == (
        "2000.00",
        "1000.00",
        Decimal("0.5"),
    )
    assert rows[w_q]["bad_debt_rate"] is None
    bad_debt_csv = steps.csv_download(page, f"{hub.a}/dashboard/programs/{program}/bad-debt.csv?month={w_q}")
    by_month = {r[next(iter(r))][:7]: r for r in bad_debt_csv}
    assert Decimal(by_month[b_q][CENTRE]) == Decimal("0.5"), bad_debt_csv

    # --- The provider sees the same month B --------------------------------------------------------
    steps.sign_in_as(page, hub, hub.person("provider", program))
    page.goto(f"{hub.a}/my-program/figures/?month={b_q}")
    check_page(page, console_errors)
    assert steps.comparison(page)["Bad debt (of billed)"] == "50.0%"
    page.goto(f"{hub.a}/my-program/figures/?month={w_q}&period=t12")
    assert steps.comparison(page)["Bad debt (of billed)"] == "33.3%"

    # --- The funder: one member, withheld on the page and in the PDF ---------------------------------
    steps.sign_in_as(page, hub, hub.person("funder"))
    page.goto(f"{hub.a}/reports/impact/?from={b_q}&to={w_q}")
    check_page(page, console_errors)
    reason = "Suppressed: fewer than 3 members (1 member here), so the figure could identify one."
    expect(page.locator("tr", has=page.get_by_role("rowheader", name="Children served")).locator("td")).to_have_text(
        reason
    )
    text = " ".join(steps.pdf_text(page, f"{hub.a}/reports/impact.pdf?from={b_q}&to={w_q}").split())
    assert "Suppressed: fewer than 3 members (1 member here)" in text
    assert "33.3%" not in text
    assert "50.0%" not in text
