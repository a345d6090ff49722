"""The door kiosk: a program's tablet opened by staff, a family's PIN, its children checked in and out.

Actors: Alice (provider of program X) opens the kiosk on the tablet; the Adams family (Amy Adams,
guardian; Ava and Ben, both in X's toddler room) has PIN 2468; the Baker family has a child in X
too; Zed (provider of program Z, alliance B) is the stranger whose tablet must not work in A.
"""

from __future__ import annotations

import datetime
import html
import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from alliance.dates import alliance_now, alliance_today
from alliance.models import AuditEvent
from alliance.tenancy import alliance_scope
from enrollment.models import AttendanceRecord, AttendanceSource
from members.models import AgeGroup
from outreach.kiosk import WRONG_PINS_PER_WINDOW, family_pin_set, kiosk_family_for_pin, pin_lookup
from outreach.models import FamilyPin, KioskDevice
from outreach.views_kiosk import KIOSK_COOKIE
from tests.enrollment.factories import ChildFactory, FamilyFactory, GuardianFactory, enroll, months_before
from tests.members.factories import SiteFactory, classroom
from tests.outreach.conftest import family_client

EVERY_DAY = list(range(7))


@pytest.fixture
def room(world, today):
    # Open every day, so the kiosk works whatever day the suite runs on.
    return classroom(
        SiteFactory(program=world.x, name="X main"),
        name="Toddler Room",
        age_group=AgeGroup.TODDLER,
        licensed=12,
        opened_on=datetime.date(2024, 1, 1),
        operating_days=EVERY_DAY,
    )


@pytest.fixture
def room_z(world):
    return classroom(SiteFactory(program=world.z, name="Z main"), name="Z Room", operating_days=EVERY_DAY)


@pytest.fixture
def adams(world, room, today):
    family = FamilyFactory(alliance=world.a, name="Adams family")
    amy = GuardianFactory(
        family=family, first_name="Amy", last_name="Adams", email="amy@example.org", is_primary_contact=True
    )
    ava = ChildFactory(
        family=family,
        first_name="Ava",
        last_name="Adams",
        date_of_birth=months_before(today, 26),
        needs_notes="Peanut allergy: EpiPen in the office",
    )
    ben = ChildFactory(family=family, first_name="Ben", last_name="Adams", date_of_birth=months_before(today, 20))
    start = today - datetime.timedelta(days=30)
    e_ava = enroll(ava, room, start, weekdays=EVERY_DAY)
    e_ben = enroll(ben, room, start, weekdays=EVERY_DAY)
    with alliance_scope(world.a.pk):
        family_pin_set(actor=world.users.staff_a, family=family, pin="2468")
    return family, amy, e_ava, e_ben


def open_kiosk(client: Client, world, program, name: str = "Front door tablet") -> Client:
    response = client.post(f"/a/{world.a.slug}/programs/{program.pk}/kiosk/", {"name": name})
    assert response.status_code == 302, response.content
    assert response["Location"] == f"/kiosk/{world.a.slug}/"
    tablet = Client()
    tablet.cookies[KIOSK_COOKIE] = response.cookies[KIOSK_COOKIE].value
    tablet.cookies[KIOSK_COOKIE]["path"] = "/kiosk/"
    return tablet


def text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def ticket_of(response) -> str:  # type: ignore[no-untyped-def]
    return re.search(r'name="ticket" value="([^"]+)"', response.content.decode()).group(1)


# --- PINs --------------------------------------------------------------------------------------
class TestPins:
    def test_a_pin_is_stored_hashed_and_found_by_its_hmac(self, world, adams):
        family = adams[0]
        with alliance_scope(world.a.pk):
            row = FamilyPin.objects.get(family=family)
        assert "2468" not in row.pin_hash
        assert "2468" not in row.lookup
        assert row.lookup == pin_lookup(alliance_id=world.a.pk, pin="2468")
        assert row.lookup != pin_lookup(alliance_id=world.b.pk, pin="2468")

    @pytest.mark.parametrize("pin", ["123", "1234567", "12a4", ""])
    def test_a_pin_is_4_to_6_digits(self, world, adams, pin):
        with alliance_scope(world.a.pk), pytest.raises(ValidationError) as exc:
            family_pin_set(actor=None, family=adams[0], pin=pin)
        assert "4 to 6 digits" in str(exc.value)

    def test_two_families_of_one_program_may_not_share_a_pin(self, world, room, adams, today):
        baker = FamilyFactory(alliance=world.a, name="Baker family")
        enroll(ChildFactory(family=baker, date_of_birth=months_before(today, 24)), room, today, weekdays=EVERY_DAY)
        with alliance_scope(world.a.pk):
            with pytest.raises(ValidationError) as exc:
                family_pin_set(actor=None, family=baker, pin="2468")
            assert "Another family at the same program" in str(exc.value)
            _, pin = family_pin_set(actor=None, family=baker, pin="1357")
            assert pin == "1357"

    def test_a_family_of_another_program_may_use_the_same_pin(self, world, adams, today):
        room_y = classroom(SiteFactory(program=world.y), operating_days=EVERY_DAY)
        other = FamilyFactory(alliance=world.a)
        enroll(ChildFactory(family=other, date_of_birth=months_before(today, 24)), room_y, today)
        with alliance_scope(world.a.pk):
            family_pin_set(actor=None, family=other, pin="2468")
            assert FamilyPin.objects.filter(lookup=pin_lookup(alliance_id=world.a.pk, pin="2468")).count() == 2

    def test_staff_reset_a_pin_and_see_it_once(self, world, adams, clients):
        family = adams[0]
        url = f"/a/{world.a.slug}/families/{family.pk}/kiosk-pin/"
        response = clients.provider_x.post(url, {"pin": ""})
        assert response.status_code == 200
        new_pin = re.search(r'class="pin-once">(\d{4,6})<', response.content.decode()).group(1)
        assert new_pin != "2468"
        again = clients.provider_x.get(url)
        assert new_pin not in again.content.decode()
        with alliance_scope(world.a.pk):
            device = KioskDevice.objects.create(alliance=world.a, program=world.x, name="t", token_hash="x")
            assert kiosk_family_for_pin(device=device, pin=new_pin) == family
            assert kiosk_family_for_pin(device=device, pin="2468") is None
            assert AuditEvent.objects.filter(action="kiosk.pin_reset", object_id=str(family.pk)).exists()

    def test_a_bad_pin_is_a_form_error(self, world, adams, clients):
        url = f"/a/{world.a.slug}/families/{adams[0].pk}/kiosk-pin/"
        response = clients.staff_a.post(url, {"pin": "12"})
        assert response.status_code == 400
        assert "Ensure this value has at least 4 characters" in text(response)

    def test_the_family_sets_its_own_pin_on_the_family_page(self, world, adams):
        family, amy, *_ = adams
        client = family_client(world.a, amy)
        assert "Door kiosk" in text(client.get(f"/family/{world.a.slug}/"))
        url = f"/family/{world.a.slug}/kiosk-pin/"
        assert client.post(url, {"pin": "97531", "pin_again": "97530"}).status_code == 400
        response = client.post(url, {"pin": "97531", "pin_again": "97531"})
        assert response.status_code == 302
        with alliance_scope(world.a.pk):
            row = FamilyPin.objects.get(family=family)
            assert row.lookup == pin_lookup(alliance_id=world.a.pk, pin="97531")
            assert row.set_by_guardian == amy

    def test_the_stranger_gets_404_for_the_pin_page(self, world, adams, clients):
        url = f"/a/{world.a.slug}/families/{adams[0].pk}/kiosk-pin/"
        assert clients.provider_y.get(url).status_code == 404
        assert clients.admin_b.get(url).status_code == 404


# --- The kiosk ----------------------------------------------------------------------------------
class TestKiosk:
    def test_worked_example_pin_then_both_children_then_check_in(self, world, adams, clients):
        """Amy types 2468: Ava (peanut allergy shown) and Ben appear; she checks Ava in. The record
        is Ava's, today's, at the alliance's wall-clock time (Chicago), from the kiosk, audited."""
        family, amy, e_ava, e_ben = adams
        tablet = open_kiosk(clients.provider_x, world, world.x)
        pad = tablet.get(f"/kiosk/{world.a.slug}/")
        assert pad.status_code == 200
        assert "Type your family PIN" in text(pad)
        assert "Ava" not in text(pad)  # no child list for passers-by

        shown = tablet.post(f"/kiosk/{world.a.slug}/", {"pin": "2468"})
        assert shown.status_code == 200
        page = text(shown)
        assert "Adams family" in page
        assert "Check in Ava" in page
        assert "Check in Ben" in page
        assert "Peanut allergy: EpiPen in the office" in page
        assert "Amy Adams" in page

        before = alliance_now(world.a)
        done = tablet.post(
            f"/kiosk/{world.a.slug}/mark/",
            {"ticket": ticket_of(shown), "guardian": amy.pk, "mark": f"{e_ava.pk}:check_in"},
        )
        after = alliance_now(world.a)
        assert done.status_code == 200
        with alliance_scope(world.a.pk):
            record = AttendanceRecord.objects.get(enrollment=e_ava)
            assert record.day == alliance_today(world.a)
            assert record.source == AttendanceSource.KIOSK
            # The time in Chicago (UTC-6 in winter, UTC-5 in summer), not the server's UTC.
            moments = {before.time().replace(second=0, microsecond=0), after.time().replace(second=0, microsecond=0)}
            assert record.check_in in moments
            assert not AttendanceRecord.objects.filter(enrollment=e_ben).exists()
            event = AuditEvent.objects.get(action="attendance.kiosk_check_in", object_id=str(record.pk))
            assert event.reason == "at the kiosk by Amy Adams"
            assert event.program_id == world.x.pk
        page = text(done)
        assert f"Ava is checked in at {record.check_in:%H:%M}." in page
        assert "Check out Ava" in page
        assert "Check in Ben" in page
        assert 'data-return-after="8"' in done.content.decode()  # back to the PIN pad after a few seconds

        # The same tap again is refused by the attendance rules: no double check-in.
        again = tablet.post(
            f"/kiosk/{world.a.slug}/mark/",
            {"ticket": ticket_of(done), "guardian": amy.pk, "mark": f"{e_ava.pk}:check_in"},
        )
        assert again.status_code == 400
        assert "already checked in" in text(again)

        out = tablet.post(
            f"/kiosk/{world.a.slug}/mark/",
            {"ticket": ticket_of(done), "guardian": amy.pk, "mark": f"{e_ava.pk}:check_out"},
        )
        assert out.status_code == 200
        assert "Ava is checked out at" in text(out)
        with alliance_scope(world.a.pk):
            assert AuditEvent.objects.filter(action="attendance.kiosk_check_out").count() == 1

    def test_the_tablet_needs_no_staff_session_and_opens_nothing_else(self, world, adams, clients):
        tablet = open_kiosk(clients.provider_x, world, world.x)  # only the device cookie, no session
        assert tablet.get(f"/kiosk/{world.a.slug}/").status_code == 200
        assert tablet.get(f"/a/{world.a.slug}/attendance/").status_code == 302  # to sign in
        assert tablet.get(f"/api/a/{world.a.slug}/children/").status_code in (401, 403)

    def test_without_a_device_the_kiosk_is_403(self, world, adams):
        response = Client().get(f"/kiosk/{world.a.slug}/")
        assert response.status_code == 403
        assert "not set up as a door kiosk" in text(response)
        assert Client().post(f"/kiosk/{world.a.slug}/", {"pin": "2468"}).status_code == 403

    def test_a_forged_cookie_is_403(self, world, adams):
        tablet = Client()
        tablet.cookies[KIOSK_COOKIE] = f"{world.a.pk}:forged"
        assert tablet.get(f"/kiosk/{world.a.slug}/").status_code == 403

    def test_a_revoked_device_stops_at_once(self, world, adams, clients):
        tablet = open_kiosk(clients.staff_a, world, world.x)
        with alliance_scope(world.a.pk):
            device = KioskDevice.objects.get(program=world.x)
        devices = clients.provider_x.get(f"/a/{world.a.slug}/programs/{world.x.pk}/kiosk/")
        assert "Front door tablet" in text(devices)
        assert "Active" in text(devices)
        response = clients.provider_x.post(f"/a/{world.a.slug}/programs/{world.x.pk}/kiosk/{device.pk}/revoke/")
        assert response.status_code == 302
        off = tablet.get(f"/kiosk/{world.a.slug}/")
        assert off.status_code == 403
        assert "switched off by staff" in text(off)
        with alliance_scope(world.a.pk):
            assert AuditEvent.objects.filter(action="kiosk.device_revoked", object_id=str(device.pk)).exists()

    def test_the_other_program_and_the_other_alliance_get_404(self, world, adams, clients, room_z):
        tablet = open_kiosk(clients.provider_x, world, world.x)
        with alliance_scope(world.a.pk):
            device = KioskDevice.objects.get(program=world.x)
        revoke = f"/a/{world.a.slug}/programs/{world.x.pk}/kiosk/{device.pk}/revoke/"
        assert clients.provider_y.get(f"/a/{world.a.slug}/programs/{world.x.pk}/kiosk/").status_code == 404
        assert clients.provider_y.post(revoke).status_code == 404
        assert clients.admin_b.post(revoke).status_code == 404
        # Alliance B's tablet at alliance A's kiosk: 404, and A's tablet at B's kiosk too.
        zed_tablet = Client()
        response = clients.provider_z.post(f"/a/{world.b.slug}/programs/{world.z.pk}/kiosk/", {"name": "Z door"})
        zed_tablet.cookies[KIOSK_COOKIE] = response.cookies[KIOSK_COOKIE].value
        assert zed_tablet.get(f"/kiosk/{world.b.slug}/").status_code == 200
        assert zed_tablet.get(f"/kiosk/{world.a.slug}/").status_code == 404
        assert zed_tablet.post(f"/kiosk/{world.a.slug}/", {"pin": "2468"}).status_code == 404
        assert tablet.get(f"/kiosk/{world.b.slug}/").status_code == 404

    def test_a_pin_opens_only_this_programs_children(self, world, adams, clients, today):
        room_y = classroom(SiteFactory(program=world.y), operating_days=EVERY_DAY)
        tablet_y = open_kiosk(clients.provider_y, world, world.y)
        # The Adams family has nobody at program Y: its PIN is a wrong PIN there.
        assert tablet_y.post(f"/kiosk/{world.a.slug}/", {"pin": "2468"}).status_code == 400
        cara = ChildFactory(family=adams[0], first_name="Cara", date_of_birth=months_before(today, 40))
        enroll(cara, room_y, today - datetime.timedelta(days=3), weekdays=EVERY_DAY)
        page = text(tablet_y.post(f"/kiosk/{world.a.slug}/", {"pin": "2468"}))
        assert "Check in Cara" in page
        assert "Ava" not in page
        assert "Ben" not in page

    def test_a_ticket_of_another_device_is_404(self, world, adams, clients):
        tablet_x = open_kiosk(clients.provider_x, world, world.x)
        tablet_x2 = open_kiosk(clients.staff_a, world, world.x, name="Back door")
        shown = tablet_x.post(f"/kiosk/{world.a.slug}/", {"pin": "2468"})
        e_ava = adams[2]
        response = tablet_x2.post(
            f"/kiosk/{world.a.slug}/mark/",
            {"ticket": ticket_of(shown), "guardian": adams[1].pk, "mark": f"{e_ava.pk}:check_in"},
        )
        assert response.status_code == 404

    def test_wrong_pins_pause_the_device(self, world, adams, clients):
        tablet = open_kiosk(clients.provider_x, world, world.x)
        url = f"/kiosk/{world.a.slug}/"
        for _ in range(WRONG_PINS_PER_WINDOW - 1):
            response = tablet.post(url, {"pin": "0000"})
            assert response.status_code == 400
            assert "That PIN is not one of this program's families" in text(response)
        paused = tablet.post(url, {"pin": "0000"})
        assert paused.status_code == 429
        assert "Too many wrong PINs" in text(paused)
        # Even the right PIN waits out the pause.
        right = tablet.post(url, {"pin": "2468"})
        assert right.status_code == 429
        assert "Adams" not in text(right)
        # Another tablet is not paused.
        other = open_kiosk(clients.staff_a, world, world.x, name="Back door")
        assert other.post(url, {"pin": "2468"}).status_code == 200

    def test_a_family_page_without_a_guardian_choice_is_refused(self, world, adams, clients):
        tablet = open_kiosk(clients.provider_x, world, world.x)
        shown = tablet.post(f"/kiosk/{world.a.slug}/", {"pin": "2468"})
        response = tablet.post(
            f"/kiosk/{world.a.slug}/mark/", {"ticket": ticket_of(shown), "mark": f"{adams[2].pk}:check_in"}
        )
        assert response.status_code == 400
        assert "who is at the door" in text(response)
        with alliance_scope(world.a.pk):
            assert not AttendanceRecord.objects.exists()
