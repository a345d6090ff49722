"""Issue 23, part 1, in the browser: a platform operator creates an alliance from the console, invites its
first hub administrator, who accepts the invitation (password, then TOTP) and reaches the alliance's Today
page; the operator suspends it and the administrator sees the suspended page.

The console's pages are also in the accessibility checks at tablet and phone width
(tests/e2e/test_accessibility_sweep.py).
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.e2e.conftest import check_page, current_totp, sign_in
from tests.e2e.test_journeys import journey  # noqa: F401  (the module's world and live server)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

NEWCOMER = "director@lakeside-e2e.test"
NEW_PASSWORD = "Lakeside-first-2026"


def fact(page, term: str):  # type: ignore[no-untyped-def]
    """The figure beside a term of the alliance's overview."""
    return page.locator("#overview dt", has_text=term).locator("xpath=following-sibling::dd[1]")


def test_an_operator_creates_an_alliance_and_its_first_admin_reaches_today(journey, page, console_errors):  # noqa: F811
    """The worked example, by hand:

    - The operator enters Lakeside Child Care Alliance at /a/lakeside/, New York time, targets budgeted
      occupancy 80 %, target 92.5 %, bad debt at most 3 %, collection at least 97 %.
    - The new alliance's overview before anyone joins: 0 member programs, 0 people (0 hub administrators,
      1 invitation pending once invited), 0 children, no invoice run, never rolled up.
    - The director accepts: 0 + 1 = 1 person, 1 hub administrator, 1 - 1 = 0 invitations pending.
    - Their targets page shows the operator's figures back: 80 %, 92.5 %, 3 %, 97 % (stored 0.8000, 0.9250,
      0.0300, 0.9700; x 100 on the page).
    """
    sign_in(page, journey.base, journey.operator.email, journey.password, totp_secret=journey.operator.totp_secret)
    page.goto(f"{journey.base}/")
    expect(page).to_have_url(f"{journey.base}/operator/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Operator console")
    check_page(page, console_errors)

    page.get_by_role("link", name="Create an alliance").first.click()
    check_page(page, console_errors)
    page.get_by_label("Name").fill("Lakeside Child Care Alliance")
    page.get_by_label("Address").fill("lakeside")
    page.get_by_label("Region").fill("Lake County")
    page.get_by_label("Time zone").select_option("America/New_York")
    page.get_by_label("Budgeted occupancy (%)").fill("96")  # above the target: refused, nothing created
    page.get_by_label("Target occupancy (%)").fill("92.5")
    page.get_by_label("Bad debt at most (% of billed)").fill("3")
    page.get_by_label("Collection rate at least (%)").fill("97")
    page.get_by_role("button", name="Create the alliance").click()
    expect(page.get_by_text("The budgeted occupancy cannot exceed the target.")).to_be_visible()
    check_page(page, console_errors)
    page.get_by_label("Budgeted occupancy (%)").fill("80")
    page.get_by_role("button", name="Create the alliance").click()
    expect(page).to_have_url(f"{journey.base}/operator/alliances/lakeside/")
    expect(page.get_by_text("Lakeside Child Care Alliance is created at /a/lakeside/")).to_be_visible()
    expect(fact(page, "Member programs")).to_have_text("0")
    expect(fact(page, "People")).to_have_text("0 (0 hub administrators; 0 invitations pending)")
    expect(fact(page, "Children")).to_have_text("0")
    expect(fact(page, "Last invoice run")).to_have_text("none yet")
    expect(fact(page, "Rolled up to")).to_have_text("never")
    expect(page.get_by_text("No invitation yet")).to_be_visible()
    check_page(page, console_errors)

    sent_before = len(mail.outbox)
    page.get_by_label("Email of the first hub administrator").fill(NEWCOMER)
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text(f"Invitation sent to {NEWCOMER}")).to_be_visible()
    expect(fact(page, "People")).to_have_text("0 (0 hub administrators; 1 invitation pending)")
    expect(page.get_by_role("row", name=re.compile(NEWCOMER))).to_contain_text("pending")
    check_page(page, console_errors)
    assert len(mail.outbox) == sent_before + 1
    email = mail.outbox[-1]
    assert email.to == [NEWCOMER]
    link = re.search(r"(http://\S+/a/lakeside/join/\S+/)", email.body).group(1)

    # The director, in a browser of their own: the usual invitation page, a password, then TOTP.
    page.context.clear_cookies()
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lakeside Child Care Alliance")
    check_page(page, console_errors)
    page.get_by_label(re.compile(r"^Password:?$")).fill(NEW_PASSWORD)
    page.get_by_label("Password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Create account and join").click()
    page.wait_for_load_state()
    if "/reauthenticate/" in page.url:  # setting TOTP up asks for the password once more
        page.get_by_label("Password").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/accounts/2fa/totp/activate/")
    secret = page.locator("#authenticator_secret").input_value()
    assert len(secret) >= 16
    page.get_by_label("Authenticator code").fill(current_totp(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_load_state()
    page.goto(f"{journey.base}/a/lakeside/today/")
    if "/reauthenticate/" in page.url:  # the session passes the new second factor once
        page.get_by_label("Code").fill(current_totp(secret))
        page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(f"{journey.base}/a/lakeside/today/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Today")
    check_page(page, console_errors)
    page.goto(f"{journey.base}/a/lakeside/dashboard/targets/")
    for label, figure in (
        ("Budgeted occupancy (%)", 80),
        ("Target occupancy (%)", 92.5),
        ("Bad debt at most (% of billed)", 3),
        ("Collection rate at least (%)", 97),
    ):
        assert float(page.get_by_label(label).input_value()) == figure, label
    director_cookies = page.context.cookies()

    # The operator sees the director counted, then suspends the alliance.
    page.context.clear_cookies()
    sign_in(page, journey.base, journey.operator.email, journey.password, totp_secret=journey.operator.totp_secret)
    page.goto(f"{journey.base}/operator/")
    row = page.get_by_role("row", name=re.compile("Lakeside Child Care Alliance"))
    expect(row.locator("td").nth(3)).to_have_text("1")  # people
    expect(row.locator("td").nth(4)).to_have_text("0")  # children
    row.get_by_role("link", name="Lakeside Child Care Alliance").click()
    expect(fact(page, "People")).to_have_text("1 (1 hub administrator; 0 invitations pending)")
    page.get_by_label("Reason").fill("Membership fee unpaid")
    page.get_by_role("button", name="Suspend Lakeside Child Care Alliance").click()
    expect(page.get_by_text("Lakeside Child Care Alliance is suspended")).to_be_visible()
    check_page(page, console_errors)

    page.context.clear_cookies()
    page.context.add_cookies(director_cookies)
    response = page.goto(f"{journey.base}/a/lakeside/today/")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_text("This alliance is suspended.")).to_be_visible()
    expect(page.get_by_text("Reason given: Membership fee unpaid")).to_be_visible()
    check_page(page, console_errors, expect_status_errors=True)
