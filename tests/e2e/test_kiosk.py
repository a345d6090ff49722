"""The door kiosk on a tablet (768 x 1024): the provider opens it and signs out; a family types its PIN
on the on-screen keypad, sees its two children with the allergy written out, checks one in, and the
screen goes back to the PIN pad by itself. axe-core clean, no sideways scroll, at tablet and phone width."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from alliance.dates import alliance_today
from alliance.tenancy import alliance_scope
from enrollment.models import AttendanceRecord, AttendanceSource
from outreach.kiosk import family_pin_set
from tests.e2e.conftest import PHONE, TABLET, check_page, no_horizontal_scroll, sign_in
from tests.e2e.test_journeys import journey  # noqa: F401  (the module's world and live server)
from tests.enrollment.factories import ChildFactory, FamilyFactory, GuardianFactory, enroll, months_before

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


@pytest.fixture(scope="module")
def quinns(journey, django_db_blocker):  # type: ignore[no-untyped-def]  # noqa: F811
    """The Quinn family (Rosa; Ivy with an egg allergy, and Jon) in the first program's first room,
    PIN 4826. Written like the module's world, outside the test's transaction, so the live server
    sees it; the world's flush removes it."""
    alliance, room = journey.alliance, journey.rooms[0]
    with django_db_blocker.unblock(), alliance_scope(alliance.pk):
        today = alliance_today(alliance)
        room.operating_days = list(range(7))  # any day the suite runs on is a kiosk day
        room.save(update_fields=["operating_days"])
        family = FamilyFactory(alliance=alliance, name="Quinn family")
        GuardianFactory(family=family, first_name="Rosa", last_name="Quinn", is_primary_contact=True)
        ivy = ChildFactory(
            family=family,
            first_name="Ivy",
            last_name="Quinn",
            date_of_birth=months_before(today, 30),
            needs_notes="Egg allergy",
        )
        jon = ChildFactory(family=family, first_name="Jon", last_name="Quinn", date_of_birth=months_before(today, 28))
        start = today - datetime.timedelta(days=10)
        e_ivy = enroll(ivy, room, start, weekdays=list(range(7)))
        enroll(jon, room, start, weekdays=list(range(7)))
        family_pin_set(actor=None, family=family, pin="4826")
    return SimpleNamespace(family=family, e_ivy=e_ivy, today=today)


def test_a_family_checks_a_child_in_at_the_door_kiosk(journey, quinns, page, console_errors):  # noqa: F811
    alliance, program = journey.alliance, journey.programs[0]
    e_ivy, today = quinns.e_ivy, quinns.today
    page.set_viewport_size(TABLET)
    sign_in(page, journey.base, journey.provider.email, journey.password)
    page.goto(f"{journey.a}/programs/{program.pk}/kiosk/")
    check_page(page, console_errors)
    no_horizontal_scroll(page)
    page.get_by_label("Name of this device").fill("Front door tablet")
    page.get_by_role("button", name="Open door kiosk").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(program.name)
    # Staff sign out: the kiosk cookie stays, the session goes.
    page.context.clear_cookies(name="sessionid")
    page.goto(f"{journey.base}/kiosk/{alliance.slug}/")
    expect(page.get_by_text("Type your family PIN")).to_be_visible()
    expect(page.get_by_text("Ivy")).to_have_count(0)
    check_page(page, console_errors)
    no_horizontal_scroll(page)

    for digit in "4826":
        page.get_by_role("button", name=digit, exact=True).click()
    page.get_by_role("button", name="OK").click()
    expect(page.get_by_role("heading", name="Quinn family")).to_be_visible()
    expect(page.get_by_text("Egg allergy")).to_be_visible()  # written out, no hover needed
    expect(page.get_by_role("button", name="Check in Jon")).to_be_visible()
    expect(page.get_by_label("Rosa Quinn")).to_be_checked()
    check_page(page, console_errors)
    no_horizontal_scroll(page)
    page.set_viewport_size(PHONE)
    no_horizontal_scroll(page)
    page.set_viewport_size(TABLET)

    page.get_by_role("button", name="Check in Ivy").click()
    expect(page.get_by_role("status")).to_contain_text("Ivy is checked in at")
    expect(page.get_by_role("button", name="Check out Ivy")).to_be_visible()
    check_page(page, console_errors)
    # A few seconds later the tablet is back at the PIN pad, with nobody's children on it.
    expect(page.get_by_text("Type your family PIN")).to_be_visible(timeout=15_000)
    expect(page.get_by_text("Ivy")).to_have_count(0)
    with alliance_scope(alliance.pk):
        record = AttendanceRecord.objects.get(enrollment=e_ivy, day=today)
        assert record.source == AttendanceSource.KIOSK
        assert record.check_out is None
