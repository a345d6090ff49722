"""Families, guardians and children: the Hub's register and the provider's view of it."""

from __future__ import annotations

import datetime
import html

import pytest

from alliance.models import AuditEvent
from enrollment.models import Child, Family, Guardian
from tests.enrollment.factories import ChildFactory, FamilyFactory, GuardianFactory, enroll, months_before


def text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.content.decode())


@pytest.fixture
def lopez(world, rooms, today):
    family = FamilyFactory(alliance=world.a, name="Lopez family")
    GuardianFactory(family=family, first_name="Rosa", last_name="Lopez", email="rosa@example.org")
    maya = ChildFactory(family=family, first_name="Maya", date_of_birth=months_before(today, 24))
    enroll(maya, rooms.toddlers, today - datetime.timedelta(days=30))
    sibling = ChildFactory(family=family, first_name="Nico", date_of_birth=months_before(today, 40))
    enroll(sibling, rooms.preschool_y, today - datetime.timedelta(days=30))
    return family


class TestList:
    def test_search_finds_a_family_by_guardian_or_child(self, world, clients, lopez):
        FamilyFactory(alliance=world.a, name="Nguyen family")
        for query in ("rosa", "Maya", "lopez"):
            page = text(clients.staff_a.get(f"/a/{world.a.slug}/families/?q={query}"))
            assert "Lopez family" in page, query
            assert "Nguyen family" not in page, query

    def test_a_provider_lists_families_enrolled_with_them(self, world, clients, lopez):
        FamilyFactory(alliance=world.a, name="Nguyen family")
        assert "Lopez family" in text(clients.provider_x.get(f"/a/{world.a.slug}/families/"))
        assert "Nguyen family" not in text(clients.provider_x.get(f"/a/{world.a.slug}/families/"))

    def test_it_validates_ownership(self, world, clients, lopez):
        assert clients.funder_a.get(f"/a/{world.a.slug}/families/").status_code == 403
        assert clients.staff_b.get(f"/a/{world.a.slug}/families/").status_code == 404
        assert "Lopez family" not in text(clients.provider_z.get(f"/a/{world.b.slug}/families/"))


class TestDetail:
    def test_the_family_page_shows_guardians_and_children(self, world, clients, lopez):
        page = text(clients.staff_a.get(f"/a/{world.a.slug}/families/{lopez.pk}/"))
        assert "Rosa Lopez" in page
        assert "rosa@example.org" in page
        assert "Maya Lopez" in page
        assert "Nico Lopez" in page

    def test_a_provider_sees_only_their_own_programs_children_of_the_family(self, world, clients, lopez):
        page = text(clients.provider_x.get(f"/a/{world.a.slug}/families/{lopez.pk}/"))
        assert "Maya Lopez" in page
        assert "Nico Lopez" not in page

    def test_it_validates_ownership(self, world, clients, lopez):
        stranger = FamilyFactory(alliance=world.a, name="Unenrolled family")
        assert clients.provider_x.get(f"/a/{world.a.slug}/families/{stranger.pk}/").status_code == 404
        assert clients.provider_z.get(f"/a/{world.a.slug}/families/{lopez.pk}/").status_code == 404
        assert clients.funder_a.get(f"/a/{world.a.slug}/families/{lopez.pk}/").status_code == 403
        assert clients.admin_b.get(f"/a/{world.a.slug}/families/{lopez.pk}/edit/").status_code == 404


class TestWrites:
    def test_the_hub_adds_a_family_with_its_first_guardian(self, world, clients, in_a):
        response = clients.staff_a.post(
            f"/a/{world.a.slug}/families/new/",
            {
                "family-name": "Kim family",
                "family-city": "Riverbend",
                "guardian-first_name": "Joon",
                "guardian-last_name": "Kim",
                "guardian-relationship": "parent",
                "guardian-phone": "(555) 300-1000",
            },
        )
        with in_a():
            family = Family.objects.get(name="Kim family")
            guardian = Guardian.objects.get(family=family)
            assert AuditEvent.objects.filter(action="family.created").count() == 1
        assert response.status_code == 302
        assert guardian.is_primary_contact

    def test_a_guardian_needs_a_way_to_be_reached(self, world, clients, in_a):
        response = clients.staff_a.post(
            f"/a/{world.a.slug}/families/new/",
            {
                "family-name": "Kim family",
                "guardian-first_name": "Joon",
                "guardian-last_name": "Kim",
                "guardian-relationship": "parent",
            },
        )
        assert "Give a phone number or an email address" in text(response)
        with in_a():
            assert not Family.objects.exists()

    def test_a_provider_edits_a_guardian_of_an_enrolled_family(self, world, clients, in_a, lopez):
        with in_a():
            rosa = Guardian.objects.get(family=lopez)
        response = clients.provider_x.post(
            f"/a/{world.a.slug}/guardians/{rosa.pk}/edit/",
            {
                "first_name": "Rosa",
                "last_name": "Lopez-Diaz",
                "relationship": "parent",
                "email": "rosa@example.org",
                "phone": "",
                "is_primary_contact": "on",
                "can_pick_up": "on",
                "consent_photos": "on",
            },
        )
        assert response.status_code == 302
        with in_a():
            rosa.refresh_from_db()
            event = AuditEvent.objects.get(action="guardian.updated")
        assert rosa.last_name == "Lopez-Diaz"
        assert rosa.consent_photos
        assert event.before["last_name"] == "Lopez"
        assert event.after["last_name"] == "Lopez-Diaz"

    def test_the_hub_adds_a_child(self, world, clients, in_a, lopez, today):
        born = today - datetime.timedelta(days=90)
        response = clients.staff_a.post(
            f"/a/{world.a.slug}/families/{lopez.pk}/children/new/",
            {
                "first_name": "Lu",
                "last_name": "Lopez",
                "date_of_birth": born.isoformat(),
                "needs_notes": "Peanut allergy.",
            },
        )
        with in_a():
            lu = Child.objects.get(first_name="Lu")
        assert response["Location"].endswith(f"/children/{lu.pk}/")
        page = text(clients.staff_a.get(f"/a/{world.a.slug}/children/{lu.pk}/"))
        assert "Peanut allergy." in page
        assert "Not enrolled." in page

    def test_a_birth_date_far_ahead_is_a_typing_mistake(self, world, clients, lopez, today):
        response = clients.staff_a.post(
            f"/a/{world.a.slug}/families/{lopez.pk}/children/new/",
            {"first_name": "Lu", "last_name": "Lopez", "date_of_birth": today.replace(year=today.year + 2).isoformat()},
        )
        assert "looks like a typing mistake" in text(response)

    def test_it_validates_ownership(self, world, clients, lopez):
        assert clients.provider_x.get(f"/a/{world.a.slug}/families/new/").status_code == 403
        assert clients.provider_x.get(f"/a/{world.a.slug}/families/{lopez.pk}/children/new/").status_code == 403
        assert clients.provider_y.get(f"/a/{world.a.slug}/families/{lopez.pk}/guardians/new/").status_code == 200
        assert clients.staff_b.post(f"/a/{world.a.slug}/families/new/", {}).status_code == 404


class TestChild:
    def test_the_child_page_shows_enrollments_and_attendance(self, world, clients, in_a, lopez):
        with in_a():
            maya = Child.objects.get(first_name="Maya")
        page = text(clients.staff_a.get(f"/a/{world.a.slug}/children/{maya.pk}/"))
        assert "Toddler Room" in page
        assert "Attendance, last 30 days" in page
        assert f"child number {maya.pk}" in page

    def test_it_validates_ownership(self, world, clients, in_a, lopez):
        with in_a():
            nico = Child.objects.get(first_name="Nico")
        assert clients.provider_y.get(f"/a/{world.a.slug}/children/{nico.pk}/").status_code == 200
        assert clients.provider_x.get(f"/a/{world.a.slug}/children/{nico.pk}/").status_code == 404
        assert clients.provider_x.get(f"/a/{world.a.slug}/children/{nico.pk}/edit/").status_code == 404
        assert clients.funder_a.get(f"/a/{world.a.slug}/children/{nico.pk}/").status_code == 403
        assert clients.funder_b.get(f"/a/{world.a.slug}/children/{nico.pk}/").status_code == 404
