"""Each role's journey through the Hub in a real browser.

Every page visited passes axe-core (no serious or critical violation) with a
clean console; each journey's last page is saved to var/screenshots/.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from alliance.dates import add_months, month_start
from alliance.models import AuditEvent
from alliance.tenancy import alliance_scope
from billing.models import CollectionNote, InvoiceRun, Payment
from enrollment.models import AttendanceRecord
from tests.e2e.conftest import PHONE, TABLET, check_page, no_horizontal_scroll, screenshot, sign_in
from tests.e2e.journey_data import build_journey_world, last_weekday

# Plain `django_db`: the test thread only reads (inside its own transaction); the journeys'
# writes go through the live server and are committed.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


@pytest.fixture(scope="module")
def journey(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """One alliance and one live server for every journey of this module.

    Built once and flushed once at the end (a flush costs seconds; per test, as the
    `live_server` fixture does, it would be most of this folder's time). The journeys
    touch different rows, so they do not depend on each other's order.
    """
    from django.core.management import call_command
    from django.db import connections
    from django.test.utils import override_settings
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        world = build_journey_world()
        server = LiveServer("localhost")
        try:
            world.base = server.url
            world.a = f"{server.url}/a/{world.alliance.slug}"
            yield world
        finally:
            server.stop()
            call_command("flush", verbosity=0, interactive=False)
            # This fixture's code may run in another context than the one the test database was
            # created in (Playwright's sync API switches greenlets), with a connection of its own:
            # close it, or the run could not drop its test database.
            connections.close_all()


FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_hub_staff_signs_in_with_totp_previews_and_issues_invoices_and_records_a_payment(journey, page, console_errors):
    sign_in(
        page,
        journey.base,
        journey.staff.email,
        journey.password,
        totp_secret=journey.staff.totp_secret,
        console_errors=console_errors,
    )
    expect(page).to_have_url(f"{journey.a}/today/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Today")
    check_page(page, console_errors)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(page).to_have_url(f"{journey.a}/dashboard/")
    check_page(page, console_errors)

    # Drill into a member from the dashboard.
    page.get_by_role("link", name=journey.programs[1].name).first.click()
    expect(page).to_have_url(re.compile(rf"/dashboard/programs/{journey.programs[1].pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(journey.programs[1].name)
    check_page(page, console_errors)

    # Run next month's invoices and watch the progress bar finish.
    page.get_by_role("link", name="Billing", exact=True).click()
    check_page(page, console_errors)
    page.goto(f"{journey.a}/billing/runs/")
    check_page(page, console_errors)
    # Preview the month first: every family's invoice and the totals, then one program's families.
    page.get_by_role("link", name="Preview next month's invoices").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Invoice preview")
    expect(page.locator("#preview-invoices")).to_have_text("12")
    total = page.locator("#preview-total").inner_text()
    assert re.fullmatch(r"\$[\d,]+\.\d\d", total), total  # the alliance's money format
    check_page(page, console_errors)
    page.locator("#preview-programs").get_by_role("link", name=journey.programs[0].name).click()
    expect(page.locator("#preview-families tbody tr").first).to_be_visible()
    check_page(page, console_errors)
    # Issue from the preview: the run issues exactly what was previewed.
    page.get_by_role("button", name=f"Issue 12 invoices totalling {total}").click()
    progress = page.get_by_role("progressbar", name="Programs invoiced")
    expect(progress).to_have_attribute("value", "3", timeout=20_000)
    expect(page.locator("#run-progress")).to_contain_text("3 of 3 programs invoiced")
    expect(page.locator("#run-progress .card").first).to_contain_text("12")  # invoices created
    expect(page.locator("#run-progress .card").nth(1)).to_contain_text(total)
    check_page(page, console_errors)
    with alliance_scope(journey.alliance.pk):
        assert InvoiceRun.objects.get().status == "done"

    # Record a payment on the Garcia family's account.
    account = journey.accounts[0]
    page.goto(f"{journey.a}/billing/accounts/{account.pk}/")
    balance_before = page.locator("#balance").inner_text()
    check_page(page, console_errors)
    page.get_by_role("link", name="Record a payment").click()
    check_page(page, console_errors)
    page.get_by_label("Amount").fill("400.00")
    page.get_by_label("Method").select_option(label="Check")
    page.get_by_label("Reference").fill("1042")
    page.get_by_role("button", name="Record payment").click()
    expect(page.locator("#balance")).not_to_have_text(balance_before)
    expect(page.get_by_role("cell", name="1042", exact=True)).to_be_visible()
    check_page(page, console_errors)
    with alliance_scope(journey.alliance.pk):
        assert str(Payment.objects.get(account=account, reference="1042").amount) == "400.00"
    screenshot(page, "hub-staff-payment")


def test_hub_staff_opens_today_and_follows_an_item_to_where_it_is_done(journey, page, console_errors):
    """Tomorrow's unfilled cover is on the Today list, counted in the top bar; its link opens the
    cover request, where a substitute is booked. The list reads at tablet and phone widths."""
    sign_in(page, journey.base, journey.staff.email, journey.password, totp_secret=journey.staff.totp_secret)
    expect(page).to_have_url(f"{journey.a}/today/")
    cover = page.get_by_role("region", name=re.compile("^Unfilled cover, next 3 days"))
    expect(cover.get_by_role("row")).to_have_count(2)  # the header and tomorrow's request
    expect(page.locator(".nav-today .nav-count")).not_to_have_text("0")
    check_page(page, console_errors)
    for width in (TABLET, PHONE):
        page.set_viewport_size(width)
        no_horizontal_scroll(page)
    screenshot(page, "hub-staff-today-phone")
    page.set_viewport_size(TABLET)
    cover.get_by_role("link", name="Preschool room").click()
    expect(page).to_have_url(f"{journey.a}/cover/{journey.cover.pk}/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_page(page, console_errors)


def test_hub_staff_finds_a_family_on_the_collections_list_and_logs_a_promise(journey, page, console_errors):
    """The Haddad family owes two months. Hub staff search the worklist, see the phone number as a
    tel: link, log the call and a promise in one step, and come back to the list as they left it."""
    sign_in(
        page,
        journey.base,
        journey.staff.email,
        journey.password,
        totp_secret=journey.staff.totp_secret,
        console_errors=console_errors,
    )
    page.goto(f"{journey.a}/billing/collections/")
    check_page(page, console_errors)
    page.get_by_role("textbox", name="Search").fill("010-4242")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"q=010-4242"))
    row = page.locator("#worklist tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Haddad family")
    expect(row.get_by_role("link", name="(555) 010-4242")).to_have_attribute("href", "tel:5550104242")
    expect(row.get_by_role("link", name="rana@haddad-e2e.test")).to_have_attribute(
        "href", "mailto:rana@haddad-e2e.test"
    )
    check_page(page, console_errors)

    row.get_by_role("link", name=re.compile("Log call with Haddad family")).click()
    expect(page.get_by_role("link", name="(555) 010-4242")).to_be_visible()  # the number is on the form too
    check_page(page, console_errors)
    page.get_by_label("How it went").select_option(label="Spoke with the family")
    page.locator("#id_note").fill("Rana will pay on Friday")
    page.get_by_label("Promised amount").fill("500.00")
    promised_on = journey.today + datetime.timedelta(days=3)
    page.get_by_label("Promised by").fill(promised_on.isoformat())
    page.get_by_role("button", name="Save the call").click()

    expect(page).to_have_url(re.compile(r"/billing/collections/\?q=010-4242"))
    expect(page.locator(".messages")).to_contain_text("Promise of $500.00")
    expect(row).to_contain_text("Promise pending")
    expect(row).to_contain_text("Spoke with the family")
    check_page(page, console_errors)
    with alliance_scope(journey.alliance.pk):
        note = CollectionNote.objects.get(account__family__name="Haddad family")
        assert (str(note.promised_amount), note.promised_on, note.outcome) == ("500.00", promised_on, "reached")

    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the number is still a tap away
    page.goto(f"{journey.a}/billing/collections/")
    expect(page.get_by_role("link", name="(555) 010-4242")).to_be_visible()
    screenshot(page, "hub-staff-collections-phone")


def test_provider_takes_attendance_on_a_tablet_and_sees_their_iron_triangle(journey, page, console_errors):
    page.set_viewport_size(TABLET)
    sign_in(page, journey.base, journey.provider.email, journey.password)
    expect(page).to_have_url(f"{journey.a}/today/")
    check_page(page, console_errors)
    no_horizontal_scroll(page)

    day = last_weekday(journey.today)
    page.goto(f"{journey.a}/attendance/?day={day.isoformat()}")
    check_page(page, console_errors)
    page.get_by_role("link", name="Preschool room").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_page(page, console_errors)
    no_horizontal_scroll(page)

    rows = page.locator("table.attendance tbody tr")
    expect(rows).to_have_count(5)
    first, second = rows.nth(0), rows.nth(1)
    first.get_by_role("button", name="Check in").click()
    expect(first.get_by_role("button", name="Check out")).to_be_visible()
    second.get_by_label("Absence reason").select_option(label="Sick")
    second.get_by_role("button", name="Absent").click()
    expect(second).to_contain_text("Absent: sick")
    check_page(page, console_errors)
    with alliance_scope(journey.alliance.pk):
        assert AttendanceRecord.objects.filter(day=day).count() == 2

    page.get_by_role("link", name="My figures").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text(re.compile("occupancy", re.I))
    check_page(page, console_errors)
    no_horizontal_scroll(page)
    screenshot(page, "provider-iron-triangle")


def test_provider_checks_a_room_in_at_once_corrects_a_time_and_opens_the_sheet(journey, page, console_errors):
    """Little Oaks' preschool room (five children, 1:10 at most) on a day before the seeded
    history: everyone in at 08:00 but Mia (sick) — four in, one absent; Ava's time corrected
    to 07:50 with a reason; no staff checked in, so the page says "Over ratio" in words."""
    room = journey.rooms[0]
    day = last_weekday(month_start(add_months(journey.today, -1)) - datetime.timedelta(days=3))
    page.set_viewport_size(TABLET)
    sign_in(page, journey.base, journey.provider.email, journey.password)
    sheet = f"{journey.a}/attendance/classrooms/{room.pk}/?day={day.isoformat()}"
    page.goto(sheet)
    check_page(page, console_errors)
    no_horizontal_scroll(page)

    everyone = page.get_by_role("region", name="Check everyone in at once")
    everyone.get_by_label("Time for everyone").fill("08:00")
    everyone.get_by_label("Exception for Mia Okafor").select_option(label="Absent: sick")
    everyone.get_by_role("button", name="Check in everyone").click()
    expect(page.locator(".messages")).to_contain_text("4 checked in; 1 absent (Mia Okafor).")
    expect(page.locator("#room-ratio")).to_contain_text("Over ratio: 4 children, 0 staff")
    check_page(page, console_errors)

    ava = page.locator("table.attendance tbody tr", has_text="Ava Garcia")
    ava.get_by_text("Correct times").click()
    ava.get_by_label("In", exact=True).fill("07:50")
    ava.get_by_label("Reason").fill("Came in before the room opened its sheet")
    ava.get_by_role("button", name="Save times").click()
    expect(page.locator("table.attendance tbody tr", has_text="Ava Garcia")).to_contain_text("07:50")
    with alliance_scope(journey.alliance.pk):
        records = AttendanceRecord.objects.filter(day=day, enrollment__classroom=room)
        assert records.filter(check_in=datetime.time(8, 0)).count() == 3
        assert records.filter(absence_reason="sick").count() == 1
        assert AuditEvent.objects.filter(action="attendance.corrected", reason__startswith="Came in").exists()

    link = page.get_by_role("link", name="Print sign-in sheet (PDF)")
    pdf = page.request.get(journey.base + (link.get_attribute("href") or ""))
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")

    page.set_viewport_size(PHONE)
    page.goto(sheet)
    expect(page.locator("#room-ratio")).to_contain_text("Over ratio")
    check_page(page, console_errors)
    no_horizontal_scroll(page)
    screenshot(page, "provider-room-at-once")


def test_funder_signs_in_and_downloads_the_impact_report_pdf(journey, page, console_errors):
    sign_in(page, journey.base, journey.funder.email, journey.password)
    expect(page).to_have_url(f"{journey.a}/reports/")
    check_page(page, console_errors)
    page.get_by_role("link", name=re.compile("last 12 months")).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_page(page, console_errors)
    for child in ("Ava", "Garcia"):
        expect(page.locator("body")).not_to_contain_text(child)
    page.get_by_role("link", name="Impact reports").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="PDF", exact=True).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    page.get_by_role("link", name=re.compile("last 12 months")).click()
    screenshot(page, "funder-impact-report")


def test_a_user_of_another_alliance_cannot_reach_its_pages(journey, page, console_errors):
    sign_in(
        page,
        journey.base,
        journey.stranger_admin.email,
        journey.password,
        totp_secret=journey.stranger_admin.totp_secret,
    )
    expect(page).to_have_url(f"{journey.base}/a/{journey.stranger.slug}/today/")
    for path in ("/dashboard/", f"/billing/accounts/{journey.accounts[0].pk}/", f"/programs/{journey.programs[0].pk}/"):
        response = page.goto(f"{journey.a}{path}")
        assert response is not None
        assert response.status == 404
        expect(page.locator("body")).not_to_contain_text(journey.alliance.name)
        expect(page.locator("body")).not_to_contain_text("Garcia")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    check_page(page, console_errors, expect_status_errors=True)
    page.get_by_role("link", name="Back to your Hub").click()
    expect(page).to_have_url(f"{journey.base}/a/{journey.stranger.slug}/today/")
    page.goto(f"{journey.a}/dashboard/")
    screenshot(page, "stranger-404")


def test_a_family_signs_autopay_on_its_page_and_receives_a_receipt(journey, page, console_errors):
    """Rosa Dubois asks for a sign-in link, signs the autopay authorization on her family page (a copy
    arrives by email); the Hub makes Sunrise's ACH file and Rosa receives the receipt of the debit."""
    slug, program = journey.alliance.slug, journey.autopay_account.program
    mail.outbox.clear()
    page.goto(f"{journey.base}/family/{slug}/sign-in/")
    page.get_by_label("Your email address").fill("rosa@dubois-e2e.test")
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.wait_for_load_state()
    (link_message,) = [m for m in mail.outbox if m.to == ["rosa@dubois-e2e.test"]]
    link = re.search(r"https?://\S+/sign-in/\S+/", link_message.body)
    assert link, link_message.body
    page.goto(link.group(0))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{journey.base}/family/{slug}/")
    check_page(page, console_errors)

    page.get_by_role("link", name="Set up autopay").click()
    expect(page.locator("blockquote.authorization")).to_contain_text(f"I authorize {program.name} to debit")
    check_page(page, console_errors)
    page.get_by_label("Name on the bank account").fill("Rosa Dubois")
    page.get_by_label("Routing number").fill("011000015")
    page.get_by_label("Account number", exact=True).fill("80417733926514")
    page.get_by_label("Account number again").fill("80417733926514")
    page.get_by_label("I have read the authorization above and I agree to it").check()
    page.get_by_label("Type your full name to sign").fill("Rosa Dubois")
    page.get_by_role("button", name="Sign and set up autopay").click()
    expect(page.get_by_text(f"Autopay is set up for {program.name}")).to_be_visible()
    expect(page.get_by_text("from the account ending in 6514")).to_be_visible()
    check_page(page, console_errors)
    copies = [m for m in mail.outbox if m.subject.endswith(f"Autopay set up for {program.name}")]
    assert [m.to for m in copies] == [["rosa@dubois-e2e.test"]]
    screenshot(page, "family-autopay")

    # The Hub makes Sunrise's ACH file; the family's receipt goes out.
    page.context.clear_cookies()
    sign_in(page, journey.base, journey.staff.email, journey.password, totp_secret=journey.staff.totp_secret)
    page.goto(f"{journey.a}/billing/ach/")
    page.get_by_label("Program").select_option(label=program.name)
    page.get_by_label("Settlement date").fill((journey.today + datetime.timedelta(days=2)).isoformat())
    page.get_by_role("button", name="Generate the ACH file").click()
    expect(page.get_by_text(re.compile(r"ACH file: 1 famil"))).to_be_visible()
    check_page(page, console_errors)
    receipts = [m for m in mail.outbox if f"Receipt: autopay payment to {program.name}" in m.subject]
    assert [m.to for m in receipts] == [["rosa@dubois-e2e.test"]]
    assert "ending in 6514" in receipts[0].body


def test_hub_staff_reply_to_an_inquiry_book_a_tour_and_notify_a_substitute(journey, page, console_errors):
    """Hub staff's morning messages: Nadia Petrova's new inquiry is answered from the "Reply to an inquiry"
    template, Nadia is booked on Little Oaks' Wednesday tour (10:00–10:45, 2 families) with the "Tour
    confirmation" template, the tour calendar then reads "1 of 2 booked", and Tariq Bell, booked for a
    cover at Sunrise, is sent the booking's details from the cover request."""
    tours = journey.tours
    little_oaks = journey.programs[0].name
    mail.outbox.clear()
    sign_in(page, journey.base, journey.staff.email, journey.password, totp_secret=journey.staff.totp_secret)
    page.goto(f"{journey.a}/inquiries/")
    page.get_by_role("link", name=re.compile("Nadia Petrova")).first.click()
    expect(page).to_have_url(f"{journey.a}/inquiries/{tours.inquiry.pk}/")
    check_page(page, console_errors)

    # Reply with a template.
    page.get_by_role("link", name="Write to the family").click()
    page.locator("#use-template").select_option(label="Reply to an inquiry (email)")
    page.get_by_role("button", name="Use it").click()
    expect(page.get_by_label("Subject")).to_have_value("Your inquiry #{inquiry_number} to {alliance}")
    check_page(page, console_errors)
    page.get_by_role("button", name="Send").click()
    expect(page).to_have_url(f"{journey.a}/inquiries/{tours.inquiry.pk}/")
    expect(page.get_by_text("Message to nadia@petrova-e2e.test queued")).to_be_visible()

    # Book the tour, confirmed with the tour template.
    page.get_by_role("link", name="Book a tour").click()
    check_page(page, console_errors)
    page.get_by_role("radio", name=re.compile(r"Little Oaks Learning Center — .*10:00–10:45 \(2 of 2 free\)")).check()
    page.get_by_label("Confirm with a message template").select_option(label="Tour confirmation (email)")
    page.get_by_role("button", name="Book the tour").click()
    expect(page).to_have_url(f"{journey.a}/inquiries/{tours.inquiry.pk}/")
    expect(page.get_by_role("status").get_by_text(f"Tour of {little_oaks} booked")).to_be_visible()
    tours_panel = page.locator("section", has=page.get_by_role("heading", name="Tours", exact=True))
    expect(tours_panel.locator(".badge-booked")).to_have_text("Booked")
    expect(page.get_by_text(re.compile(r"^Email on "))).to_be_visible()  # the confirmation was the first contact
    check_page(page, console_errors)
    to_nadia = [m for m in mail.outbox if m.to == ["nadia@petrova-e2e.test"]]
    confirmation = next(m for m in to_nadia if m.subject.endswith(f"Your tour of {little_oaks}"))
    assert "10:00–10:45" in confirmation.body
    assert any("Thank you for asking" in m.body for m in to_nadia)

    # The program's tour calendar counts the booking.
    page.get_by_role("link", name="Tour calendar").click()
    page.get_by_label("Program", exact=True).select_option(label=little_oaks)
    page.get_by_label("Week of").fill(tours.slot.day.isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("1 of 2 booked")).to_be_visible()
    check_page(page, console_errors)
    for width in (TABLET, PHONE):
        page.set_viewport_size(width)
        no_horizontal_scroll(page)
    screenshot(page, "hub-staff-tour-calendar-phone")
    page.set_viewport_size(TABLET)

    # Notify the substitute of a filled cover request.
    page.goto(f"{journey.a}/cover/{tours.cover.pk}/")
    page.get_by_role("link", name="Notify the substitute").click()
    page.get_by_label("Subject").fill("Your cover at {program}")
    page.get_by_label("Message").fill("Hello {recipient}, you are booked in {classroom} on {cover_day}, {cover_hours}.")
    page.get_by_role("button", name="Send").click()
    expect(page).to_have_url(f"{journey.a}/cover/{tours.cover.pk}/")
    expect(page.get_by_text("Message to tariq@bell-e2e.test queued")).to_be_visible()
    check_page(page, console_errors)
    (to_tariq,) = [m for m in mail.outbox if m.to == ["tariq@bell-e2e.test"]]
    assert "Hello Tariq, you are booked in Preschool room on" in to_tariq.body
    assert "09:00–13:00" in to_tariq.body
