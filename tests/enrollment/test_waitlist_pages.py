"""Waitlists and offers through the pages, including the Hub filling a place at
one program with a family waiting at another."""

from __future__ import annotations

import datetime
import html
import re

import pytest

from alliance.models import AuditEvent
from enrollment.models import Offer, OfferStatus, WaitlistEntry, WaitlistStatus
from tests.enrollment.conftest import next_monday
from tests.enrollment.factories import ChildFactory, FamilyFactory, entry, fill, months_before


def text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.content.decode())


@pytest.fixture
def start(today):
    return next_monday(today, weeks=2)


def application(start, **extra):  # type: ignore[no-untyped-def]
    return {
        "family-name": "Chen family",
        "family-city": "Riverbend",
        "guardian-first_name": "Li",
        "guardian-last_name": "Chen",
        "guardian-relationship": "parent",
        "guardian-phone": "(555) 400-2000",
        "guardian-consent_share_with_programs": "on",
        "child-first_name": "Mei",
        "child-last_name": "Chen",
        "child-date_of_birth": months_before(start, 20).isoformat(),
        "entry-desired_start": start.isoformat(),
        "entry-weekdays": ["0", "1", "2", "3", "4"],
        "entry-day_length": "full",
        **extra,
    }


class TestApply:
    def test_a_family_applies_once_to_the_shared_waitlist(self, world, clients, in_a, start):
        response = clients.staff_a.post(
            f"/a/{world.a.slug}/waitlist/apply/",
            application(
                start,
                **{"entry-acceptable_programs": [str(world.x.pk), str(world.y.pk)], "entry-subsidy_eligible": "on"},
            ),
        )
        with in_a():
            waiting = WaitlistEntry.objects.get()
            event = AuditEvent.objects.get(action="waitlist.entry_created")
        assert response["Location"].endswith(f"/waitlist/{waiting.pk}/")
        assert (waiting.program_id, waiting.age_group_at_start, waiting.subsidy_eligible) == (None, "toddler", True)
        assert event.after["acceptable_program_ids"] == sorted([world.x.pk, world.y.pk])

    def test_a_shared_entry_must_say_what_the_family_would_take(self, world, clients, in_a, start):
        response = clients.staff_a.post(f"/a/{world.a.slug}/waitlist/apply/", application(start))
        assert "Name at least one program the family would accept" in text(response)
        with in_a():
            assert not WaitlistEntry.objects.exists()

    def test_a_provider_adds_to_their_own_programs_list(self, world, clients, in_a, start):
        response = clients.provider_x.post(
            f"/a/{world.a.slug}/waitlist/apply/", application(start, **{"entry-any_program": "on"})
        )
        assert response.status_code == 302
        with in_a():
            assert WaitlistEntry.objects.get().program_id == world.x.pk
        listing = text(clients.provider_x.get(f"/a/{world.a.slug}/waitlist/"))
        assert "Mei Chen" in listing
        assert "Mei Chen" not in text(clients.provider_y.get(f"/a/{world.a.slug}/waitlist/"))

    def test_the_same_child_is_not_twice_on_one_list(self, world, clients, in_a, start, today):
        child = ChildFactory(family=FamilyFactory(alliance=world.a), date_of_birth=months_before(start, 20))
        entry(child, program=world.x, added_on=today, desired_start=start)
        response = clients.staff_a.post(
            f"/a/{world.a.slug}/children/{child.pk}/waitlist/",
            {"program": world.x.pk, "desired_start": start.isoformat(), "weekdays": ["0"], "day_length": "full"},
        )
        assert "is already on Program X's waitlist since" in text(response)

    def test_it_validates_ownership(self, world, clients):
        assert clients.funder_a.get(f"/a/{world.a.slug}/waitlist/").status_code == 403
        assert clients.funder_a.get(f"/a/{world.a.slug}/waitlist/apply/").status_code == 403
        assert clients.staff_b.get(f"/a/{world.a.slug}/waitlist/").status_code == 404


class TestEntry:
    @pytest.fixture
    def waiting(self, world, start, today):
        child = ChildFactory(
            family=FamilyFactory(alliance=world.a), first_name="Ada", date_of_birth=months_before(start, 24)
        )
        return entry(
            child, program=world.y, any_program=True, added_on=today - datetime.timedelta(days=60), desired_start=start
        )

    def test_the_entry_page_lists_places_that_fit(self, world, clients, rooms, waiting):
        page = text(clients.staff_a.get(f"/a/{world.a.slug}/waitlist/{waiting.pk}/"))
        assert "Open places that fit" in page
        assert "Toddler Room, Program X" in page
        assert "Infant Room" not in page

    def test_edit_and_withdraw(self, world, clients, in_a, waiting, start):
        later = start + datetime.timedelta(weeks=4)
        clients.provider_y.post(
            f"/a/{world.a.slug}/waitlist/{waiting.pk}/edit/",
            {"desired_start": later.isoformat(), "weekdays": ["1", "3"], "day_length": "part", "any_program": "on"},
        )
        with in_a():
            waiting.refresh_from_db()
        assert (waiting.desired_start, str(waiting.fte)) == (later, "0.20")
        clients.provider_y.post(f"/a/{world.a.slug}/waitlist/{waiting.pk}/withdraw/", {"reason": "Moved away."})
        with in_a():
            waiting.refresh_from_db()
            assert AuditEvent.objects.filter(action="waitlist.entry_withdrawn").count() == 1
        assert (waiting.status, waiting.status_note) == (WaitlistStatus.WITHDRAWN, "Moved away.")

    def test_it_validates_ownership(self, world, clients, waiting):
        path = f"/a/{world.a.slug}/waitlist/{waiting.pk}/"
        assert clients.provider_y.get(path).status_code == 200
        assert clients.provider_x.get(path).status_code == 404
        assert clients.provider_x.get(path + "edit/").status_code == 404
        assert clients.provider_x.post(path + "withdraw/", {"reason": "x"}).status_code == 404
        assert clients.funder_a.get(path).status_code == 403
        assert clients.admin_b.get(path).status_code == 404


class TestFillingAPlaceFromAnotherProgramsWaitlist:
    """The issue's "done when": board, match, offer to a family on another
    program's list, accept, and occupancy rises."""

    def test_the_whole_way(self, world, clients, in_a, rooms, start, today):
        fill(rooms.toddlers, 11, today - datetime.timedelta(days=60), dob=months_before(start, 24))
        ada = ChildFactory(
            family=FamilyFactory(alliance=world.a, name="Okafor family"),
            first_name="Ada",
            last_name="Okafor",
            date_of_birth=months_before(start, 24),
        )
        waiting = entry(
            ada, program=world.y, any_program=True, added_on=today - datetime.timedelta(days=200), desired_start=start
        )
        hub = clients.staff_a
        board = text(hub.get(f"/a/{world.a.slug}/vacancies/?start={start.isoformat()}&days=30"))
        assert re.search(r"Toddler Room</a></td>\s*<td>Program X</td>", board)
        match = text(
            hub.get(f"/a/{world.a.slug}/vacancies/classrooms/{rooms.toddlers.pk}/match/?start={start.isoformat()}")
        )
        assert "Ada Okafor" in match
        assert "Program Y" in match

        hub.post(
            f"/a/{world.a.slug}/vacancies/classrooms/{rooms.toddlers.pk}/match/",
            {"entry": waiting.pk, "start_date": start.isoformat(), "respond_by": today.isoformat()},
        )
        with in_a():
            offer = Offer.objects.get(entry=waiting)
        assert "Ada Okafor" in text(clients.provider_x.get(f"/a/{world.a.slug}/offers/{offer.pk}/"))

        accepted = hub.post(f"/a/{world.a.slug}/offers/{offer.pk}/accept/", {"funding_source": "private_pay"})
        assert accepted.status_code == 302
        with in_a():
            offer.refresh_from_db()
            waiting.refresh_from_db()
        assert (offer.status, waiting.status) == (OfferStatus.ACCEPTED, WaitlistStatus.PLACED)
        after = text(hub.get(f"/a/{world.a.slug}/vacancies/?start={start.isoformat()}&days=1&program={world.x.pk}"))
        assert "12.0" in after
        assert "60.0%" in after


class TestOfferPages:
    @pytest.fixture
    def offer(self, world, rooms, in_a, start, today):
        child = ChildFactory(
            family=FamilyFactory(alliance=world.a), first_name="Ada", date_of_birth=months_before(start, 24)
        )
        waiting = entry(child, program=world.x, added_on=today, desired_start=start)
        from enrollment.services import offer_create

        with in_a():
            return offer_create(actor=world.users.staff_a, entry=waiting, classroom=rooms.toddlers, start_date=start)

    def test_decline_through_the_page(self, world, clients, in_a, offer):
        response = clients.provider_x.post(
            f"/a/{world.a.slug}/offers/{offer.pk}/decline/", {"note": "Chose a closer program.", "keep_waiting": "on"}
        )
        assert response.status_code == 302
        with in_a():
            offer.refresh_from_db()
        assert offer.status == OfferStatus.DECLINED

    def test_accepting_twice_shows_the_offer_is_closed(self, world, clients, offer):
        clients.staff_a.post(f"/a/{world.a.slug}/offers/{offer.pk}/accept/", {"funding_source": "private_pay"})
        again = clients.staff_a.post(f"/a/{world.a.slug}/offers/{offer.pk}/accept/", {"funding_source": "private_pay"})
        assert again.status_code == 400
        assert "This offer is already accepted." in text(again)

    def test_the_list_shows_open_offers_by_default(self, world, clients, offer):
        assert "Ada" in text(clients.staff_a.get(f"/a/{world.a.slug}/offers/"))
        assert "Ada" not in text(clients.staff_a.get(f"/a/{world.a.slug}/offers/?status=declined"))

    def test_it_validates_ownership(self, world, clients, offer):
        path = f"/a/{world.a.slug}/offers/{offer.pk}/"
        assert clients.provider_y.get(path).status_code == 404
        assert clients.provider_y.post(path + "accept/", {}).status_code == 404
        assert clients.provider_x.post(path + "withdraw/", {"note": "no"}).status_code == 403
        assert clients.funder_a.get(path).status_code == 403
        assert clients.provider_z.get(path).status_code == 404
