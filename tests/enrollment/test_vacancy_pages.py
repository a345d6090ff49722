"""The vacancy board, a classroom's places, and matching a place to a waiting child."""

from __future__ import annotations

import datetime
import html

import pytest

from alliance.models import AuditEvent
from enrollment.models import Offer, OfferStatus
from tests.enrollment.conftest import next_monday
from tests.enrollment.factories import ChildFactory, FamilyFactory, entry, fill, months_before


def text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.content.decode())


@pytest.fixture
def loaded(world, rooms, today):
    fill(rooms.toddlers, 9, today - datetime.timedelta(days=30), dob=months_before(today, 24))
    fill(rooms.infants, 8, today - datetime.timedelta(days=30), dob=months_before(today, 6))
    return rooms


class TestBoard:
    def test_the_hub_sees_open_places_by_classroom_age_group_and_program(self, world, clients, loaded):
        response = clients.staff_a.get(f"/a/{world.a.slug}/vacancies/")
        assert response.status_code == 200
        page = text(response)
        assert "Toddler Room" in page
        assert "Y Preschool" in page
        assert "Program Y" in page
        assert "Open places by age group and area" in page
        assert "Match" in page  # the hub may match a place
        assert "Z Room" not in page

    def test_filters_narrow_the_board(self, world, clients, loaded, today):
        page = text(
            clients.staff_a.get(
                f"/a/{world.a.slug}/vacancies/?age_group=toddler&area=Riverbend&start={today.isoformat()}&days=30"
            )
        )
        assert "Toddler Room" in page
        assert "Y Preschool" not in page

    def test_a_provider_sees_their_own_program_only(self, world, clients, loaded):
        page = text(clients.provider_x.get(f"/a/{world.a.slug}/vacancies/"))
        assert "Vacancies — Program X" in page
        assert "Toddler Room" in page
        assert "Y Preschool" not in page
        assert ">Match<" not in page

    def test_it_validates_ownership(self, world, clients, loaded):
        assert clients.funder_a.get(f"/a/{world.a.slug}/vacancies/").status_code == 403
        assert clients.admin_b.get(f"/a/{world.a.slug}/vacancies/").status_code == 404


class TestClassroom:
    def test_the_classroom_page_shows_today_and_the_weeks_ahead(self, world, clients, loaded):
        response = clients.staff_a.get(f"/a/{world.a.slug}/vacancies/classrooms/{loaded.toddlers.pk}/")
        page = text(response)
        assert response.status_code == 200
        assert "Week by week" in page
        assert "Enrolled today (9)" in page
        assert "Find waiting children" in page

    def test_it_validates_ownership(self, world, clients, loaded):
        path = f"/a/{world.a.slug}/vacancies/classrooms/{loaded.toddlers.pk}/"
        assert clients.provider_x.get(path).status_code == 200
        assert clients.provider_y.get(path).status_code == 404
        assert clients.funder_a.get(path).status_code == 403
        assert clients.staff_b.get(path).status_code == 404
        assert clients.staff_a.get(f"/a/{world.a.slug}/vacancies/classrooms/{loaded.room_z.pk}/").status_code == 404


class TestMatch:
    @pytest.fixture
    def start(self, today):
        return next_monday(today, weeks=2)

    @pytest.fixture
    def waiting(self, world, start, today):
        child = ChildFactory(
            family=FamilyFactory(alliance=world.a, name="Okafor family"),
            first_name="Ada",
            last_name="Okafor",
            date_of_birth=months_before(start, 24),
        )
        return entry(
            child, program=world.y, any_program=True, added_on=today - datetime.timedelta(days=90), desired_start=start
        )

    def test_the_hub_matches_and_offers_a_place_to_a_family_waiting_elsewhere(
        self, world, clients, in_a, loaded, start, waiting
    ):
        path = f"/a/{world.a.slug}/vacancies/classrooms/{loaded.toddlers.pk}/match/"
        page = text(clients.staff_a.get(path + f"?start={start.isoformat()}"))
        assert "Ada Okafor" in page
        assert "Any program" in page
        assert "3.0</strong> FTE open" in page
        respond_by = start - datetime.timedelta(days=2)
        response = clients.staff_a.post(
            path, {"entry": waiting.pk, "start_date": start.isoformat(), "respond_by": respond_by.isoformat()}
        )
        with in_a():
            offer = Offer.objects.get(entry=waiting)
            assert AuditEvent.objects.filter(action="offer.made", object_id=str(offer.pk)).exists()
        assert response.status_code == 302
        assert response["Location"].endswith(f"/offers/{offer.pk}/")
        assert (offer.status, offer.classroom_id, offer.respond_by) == (
            OfferStatus.OPEN,
            loaded.toddlers.pk,
            respond_by,
        )

    def test_a_refused_offer_says_why(self, world, clients, loaded, start, waiting):
        path = f"/a/{world.a.slug}/vacancies/classrooms/{loaded.infants.pk}/match/"
        response = clients.staff_a.post(
            path, {"entry": waiting.pk, "start_date": start.isoformat(), "respond_by": start.isoformat()}
        )
        assert response.status_code == 400
        assert "Infant Room takes infants" in text(response)

    def test_it_validates_ownership(self, world, clients, loaded, waiting, start):
        path = f"/a/{world.a.slug}/vacancies/classrooms/{loaded.toddlers.pk}/match/"
        assert clients.provider_x.get(path).status_code == 403  # matching is the Hub's work
        assert clients.funder_a.get(path).status_code == 403
        assert clients.admin_b.post(path, {"entry": waiting.pk}).status_code == 404
        other = f"/a/{world.a.slug}/vacancies/classrooms/{loaded.room_z.pk}/match/"
        assert clients.staff_a.get(other).status_code == 404
