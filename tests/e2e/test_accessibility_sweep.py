"""A provider sorts a table by its column headers, with the mouse and the keyboard.

The accessibility sweep of every page, for every role, on the demo data is
tests/e2e/test_demo_sweep.py (with the tablet-width check of providers' pages).
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, TABLET, check_page, no_horizontal_scroll, sign_in
from tests.e2e.test_journeys import journey  # noqa: F401  (the module's world and live server)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


def test_a_provider_sorts_a_table_by_clicking_its_headers(journey, page, console_errors):  # noqa: F811
    """The invoice list sorts on the server (the whole list, not the page shown): each header is a
    link, reached and followed with the keyboard too, and the sorted column says so (aria-sort)."""
    sign_in(page, journey.base, journey.provider.email, journey.password)
    page.goto(f"{journey.a}/billing/invoices/")
    total = page.get_by_role("columnheader", name="Total")
    total.get_by_role("link").focus()
    page.keyboard.press("Enter")  # a real link: the keyboard sorts too
    expect(page).to_have_url(re.compile(r"sort=total"))
    total = page.get_by_role("columnheader", name="Total")
    expect(total).to_have_attribute("aria-sort", "ascending")
    amounts = [money(t) for t in page.locator("#invoices tbody tr td:nth-child(7)").all_inner_texts()]
    assert amounts == sorted(amounts)
    assert len(amounts) > 1
    total.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"sort=-total"))
    expect(page.get_by_role("columnheader", name="Total")).to_have_attribute("aria-sort", "descending")
    amounts = [money(t) for t in page.locator("#invoices tbody tr td:nth-child(7)").all_inner_texts()]
    assert amounts == sorted(amounts, reverse=True)

    due = page.get_by_role("columnheader", name="Due")
    due.get_by_role("link").click()
    expect(page.get_by_role("columnheader", name="Due")).to_have_attribute("aria-sort", "ascending")
    expect(page.get_by_role("columnheader", name="Total")).not_to_have_attribute("aria-sort", re.compile("."))
    check_page(page, console_errors)
    # The keys the script reads from cells, as the site writes numbers and dates.
    keys = page.evaluate("""() => [
        hubSortable.asNumber('$1,234.50'), hubSortable.asNumber('-$10.00'), hubSortable.asNumber('\u221285.1%'),
        hubSortable.asNumber('Riverbend'), hubSortable.asDate('2026-03-01') < hubSortable.asDate('Nov. 2, 2026'),
        hubSortable.asDate('March 9, 2026') < hubSortable.asDate('Sept. 1, 2026')]""")
    assert keys == [1234.5, -10, -85.1, None, True, True]


@pytest.mark.parametrize("width", [TABLET, PHONE], ids=["tablet-768", "phone-390"])
def test_the_today_page_passes_axe_and_fits_tablets_and_phones(journey, page, console_errors, width):  # noqa: F811
    """Hub staff's and a provider's Today list: axe-core clean, no sideways scrolling at 768 and 390 px."""
    for user, totp in ((journey.staff, journey.staff.totp_secret), (journey.provider, None)):
        page.context.clear_cookies()
        page.set_viewport_size(width)
        sign_in(page, journey.base, user.email, journey.password, totp_secret=totp)
        page.goto(f"{journey.a}/today/")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Today")
        check_page(page, console_errors)
        no_horizontal_scroll(page)
        page.goto(f"{journey.a}/today/settings/")
        check_page(page, console_errors)
        no_horizontal_scroll(page)


@pytest.mark.parametrize("width", [TABLET, PHONE], ids=["tablet-768", "phone-390"])
def test_hub_staffs_work_lists_fit_tablets_and_phones(journey, page, console_errors, width):  # noqa: F811
    """A wide table scrolls inside its frame, never the page: what is positioned inside a table
    (visually hidden text of a row's links) used to widen the collections page by 311 px at 768 px."""
    page.set_viewport_size(width)
    sign_in(page, journey.base, journey.staff.email, journey.password, totp_secret=journey.staff.totp_secret)
    for path in (
        "billing/collections/",
        "billing/aging/",
        "billing/accounts/",
        "billing/invoices/",
        "waitlist/",
        "offers/",
    ):
        page.goto(f"{journey.a}/{path}")
        no_horizontal_scroll(page)


@pytest.mark.parametrize("width", [TABLET, PHONE], ids=["tablet-768", "phone-390"])
def test_the_tour_pages_pass_axe_and_fit_tablets_and_phones(journey, page, console_errors, width):  # noqa: F811
    """The tour calendar stacks its days as a list under 700 px; the tour, publishing and booking pages
    read at tablet and phone widths, for hub staff and for the program's provider."""
    slot, inquiry = journey.tours.slot, journey.tours.inquiry
    pages = {
        "staff": [
            f"tours/?week={slot.day.isoformat()}",
            f"tour-slots/{slot.pk}/",
            "tours/new/",
            f"inquiries/{inquiry.pk}/tour/",
        ],
        "provider": [f"tours/?week={slot.day.isoformat()}", f"tour-slots/{slot.pk}/", "tours/new/"],
    }
    for who, user, totp in (
        ("staff", journey.staff, journey.staff.totp_secret),
        ("provider", journey.provider, None),
    ):
        page.context.clear_cookies()
        page.set_viewport_size(width)
        sign_in(page, journey.base, user.email, journey.password, totp_secret=totp)
        for path in pages[who]:
            page.goto(f"{journey.a}/{path}")
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            if path.startswith("tours/?week"):
                expect(page.get_by_text(re.compile(r"^[0-2] of 2 booked$"))).to_be_visible()
            check_page(page, console_errors)
            no_horizontal_scroll(page)


@pytest.mark.parametrize("width", [TABLET, PHONE], ids=["tablet-768", "phone-390"])
def test_the_kiosk_and_bulk_offer_pages_pass_axe_and_fit_tablets_and_phones(journey, page, console_errors, width):  # noqa: F811
    """The provider's door kiosk tab, a family's kiosk PIN page, the waitlist with its bulk-offer bar
    and the offer preview (the kiosk itself: tests/e2e/test_kiosk.py)."""
    program, family = journey.programs[0], journey.accounts[0].family
    page.set_viewport_size(width)
    sign_in(page, journey.base, journey.provider.email, journey.password)
    for path in (f"programs/{program.pk}/kiosk/", f"families/{family.pk}/kiosk-pin/", "waitlist/", "waitlist/offers/"):
        page.goto(f"{journey.a}/{path}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        check_page(page, console_errors)
        no_horizontal_scroll(page)


def money(text: str) -> Decimal:
    return Decimal(text.replace("$", "").replace(",", "").replace("\u2212", "-").strip())


@pytest.mark.parametrize("width", [TABLET, PHONE], ids=["tablet-768", "phone-390"])
def test_the_operator_console_passes_axe_and_fits_tablets_and_phones(journey, page, console_errors, width):  # noqa: F811
    """The platform operator's console: the alliances' overview, the create form (with its errors) and an
    alliance's page, axe-core clean and without sideways scrolling at 768 and 390 px."""
    page.set_viewport_size(width)
    sign_in(page, journey.base, journey.operator.email, journey.password, totp_secret=journey.operator.totp_secret)
    for path in ("operator/", "operator/alliances/new/", f"operator/alliances/{journey.alliance.slug}/"):
        page.goto(f"{journey.base}/{path}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        check_page(page, console_errors)
        no_horizontal_scroll(page)
    page.goto(f"{journey.base}/operator/alliances/new/")
    page.get_by_role("button", name="Create the alliance").click()
    expect(page.get_by_text("This field is required.").first).to_be_visible()
    check_page(page, console_errors)
    no_horizontal_scroll(page)


@pytest.mark.parametrize("width", [TABLET, PHONE], ids=["tablet-768", "phone-390"])
def test_the_scenario_planner_passes_axe_and_fits_tablets_and_phones(journey, page, console_errors, width):  # noqa: F811
    """A provider saves a scenario through its form (occupancy 120 first: refused on the page, in words),
    opens it beside the baseline, and the list, form and result pass axe-core without sideways scrolling;
    hub staff's "What membership does for you" with a prospective member typed in, too."""
    name = f"Fill up at {width['width']}"
    page.set_viewport_size(width)
    sign_in(page, journey.base, journey.provider.email, journey.password)
    page.goto(f"{journey.a}/scenarios/new/")
    check_page(page, console_errors)
    no_horizontal_scroll(page)
    page.get_by_label("Name").fill(name)
    page.get_by_label("Occupancy %").fill("120")
    page.get_by_role("button", name="Save and see the projection").click()
    expect(page.locator("main")).to_contain_text("Enter a percentage from 0 to 100.")
    check_page(page, console_errors)
    page.get_by_label("Occupancy %").fill("95")
    page.get_by_role("button", name="Save and see the projection").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    check_page(page, console_errors)
    no_horizontal_scroll(page)
    page.goto(f"{journey.a}/scenarios/")
    expect(page.get_by_role("link", name=name)).to_be_visible()
    check_page(page, console_errors)
    no_horizontal_scroll(page)

    page.context.clear_cookies()
    sign_in(page, journey.base, journey.staff.email, journey.password, totp_secret=journey.staff.totp_secret)
    page.goto(
        f"{journey.a}/scenarios/membership/?name=Acorns&licensed_places=40&enrolled=30&billed=30000"
        "&collection_rate=92&bad_debt_rate=4&personnel=20000&food_supplies=2500&other_cost=6000&hub_fee=600"
    )
    expect(page.get_by_role("heading", level=2, name="Acorns: a month with the alliance")).to_be_visible()
    check_page(page, console_errors)
    no_horizontal_scroll(page)
