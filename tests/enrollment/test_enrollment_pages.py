"""Enrollment pages: enrolling a new child or a known one, and changing a place."""

from __future__ import annotations

import datetime
import html

import pytest

from alliance.formatting import day as shown
from alliance.models import AuditEvent
from enrollment.models import Child, EndReason, Enrollment, Family
from tests.enrollment.conftest import next_monday
from tests.enrollment.factories import ChildFactory, FamilyFactory, enroll, fill, months_before


def text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.content.decode())


@pytest.fixture
def monday(today):
    return next_monday(today, weeks=2)


@pytest.fixture(autouse=True)
def plans(world):
    """Program X's rate plans that the pages offer; program Y has one of its own."""
    from tests.billing.factories import RatePlanFactory

    return {
        "toddler": RatePlanFactory(program=world.x, name="Toddler, 3 days", code="toddler-3day"),
        "acme": RatePlanFactory(program=world.x, name="Acme employer", code="acme-ft"),
        "nameless": RatePlanFactory(program=world.x, name="Found by age group", code=""),
        "y": RatePlanFactory(program=world.y, name="Y plan", code="y-ft"),
    }


def intake(rooms, monday, **extra):  # type: ignore[no-untyped-def]
    return {
        "family-name": "Mensah family",
        "family-city": "Riverbend",
        "guardian-first_name": "Kwame",
        "guardian-last_name": "Mensah",
        "guardian-relationship": "parent",
        "guardian-email": "kwame@example.org",
        "child-first_name": "Abena",
        "child-last_name": "Mensah",
        "child-date_of_birth": months_before(monday, 22).isoformat(),
        "enrollment-classroom": rooms.toddlers.pk,
        "enrollment-start_date": monday.isoformat(),
        "enrollment-weekdays": ["0", "2", "4"],
        "enrollment-day_length": "full",
        "enrollment-funding_source": "subsidy",
        "enrollment-rate_plan_ref": "toddler-3day",
        **extra,
    }


class TestNewEnrollment:
    def test_a_provider_enrolls_a_new_family_in_one_step(self, world, clients, in_a, rooms, monday):
        response = clients.provider_x.post(f"/a/{world.a.slug}/enrollments/new/", intake(rooms, monday))
        with in_a():
            enrollment = Enrollment.objects.select_related("child__family").get()
        assert response.status_code == 302
        assert response["Location"].endswith(f"/enrollments/{enrollment.pk}/")
        assert (enrollment.child.full_name, enrollment.child.family.name) == ("Abena Mensah", "Mensah family")
        assert (str(enrollment.fte), enrollment.funding_source, enrollment.rate_plan_ref) == (
            "0.60",
            "subsidy",
            "toddler-3day",
        )
        # The provider now sees the family: a child of theirs is enrolled.
        assert clients.provider_x.get(f"/a/{world.a.slug}/families/{enrollment.child.family_id}/").status_code == 200

    def test_a_full_room_is_refused_on_the_page_and_nothing_is_saved(self, world, clients, in_a, rooms, monday):
        fill(rooms.toddlers, 12, monday, dob=months_before(monday, 24))
        response = clients.provider_x.post(f"/a/{world.a.slug}/enrollments/new/", intake(rooms, monday))
        assert response.status_code == 200
        assert f"Toddler Room is full on {shown(monday)}: 12.0 of 12 licensed places taken" in text(response)
        assert "Override reason" not in text(response)  # providers cannot override
        with in_a():
            assert not Family.objects.filter(name="Mensah family").exists()
            assert not Child.objects.filter(first_name="Abena").exists()

    def test_hub_staff_override_on_the_page(self, world, clients, in_a, rooms, monday):
        fill(rooms.toddlers, 12, monday, dob=months_before(monday, 24))
        reason = "Twin of an enrolled child; licensing allows 13 until June."
        response = clients.staff_a.post(
            f"/a/{world.a.slug}/enrollments/new/", intake(rooms, monday, **{"enrollment-override_reason": reason})
        )
        assert response.status_code == 302
        with in_a():
            assert Enrollment.objects.get(child__first_name="Abena").override_reason == reason
            assert AuditEvent.objects.get(action="enrollment.override").reason == reason

    def test_an_existing_family_can_be_chosen(self, world, clients, in_a, rooms, monday):
        family = FamilyFactory(alliance=world.a, name="Known family")
        data = {k: v for k, v in intake(rooms, monday).items() if not k.startswith(("family-", "guardian-"))}
        data["existing-family"] = family.pk
        response = clients.staff_a.post(f"/a/{world.a.slug}/enrollments/new/", data)
        assert response.status_code == 302
        with in_a():
            assert Child.objects.get(first_name="Abena").family_id == family.pk

    def test_it_validates_ownership(self, world, clients, rooms, monday):
        # A provider cannot place a child in another program's classroom: it is not a choice.
        response = clients.provider_x.post(
            f"/a/{world.a.slug}/enrollments/new/",
            intake(rooms, monday, **{"enrollment-classroom": rooms.preschool_y.pk}),
        )
        assert "Select a valid choice" in text(response)
        assert clients.funder_a.get(f"/a/{world.a.slug}/enrollments/new/").status_code == 403
        assert clients.provider_z.get(f"/a/{world.a.slug}/enrollments/new/").status_code == 404


@pytest.fixture
def maya(world, rooms, monday):
    child = ChildFactory(
        family=FamilyFactory(alliance=world.a),
        first_name="Maya",
        last_name="Lopez",
        date_of_birth=months_before(monday, 24),
    )
    return enroll(child, rooms.toddlers, monday)


class TestChanges:
    def test_the_list_filters_and_narrows(self, world, clients, rooms, monday, maya):
        assert "Maya Lopez" in text(clients.staff_a.get(f"/a/{world.a.slug}/enrollments/?status=upcoming"))
        assert "Maya Lopez" not in text(clients.staff_a.get(f"/a/{world.a.slug}/enrollments/?status=ended"))
        assert "Maya Lopez" not in text(clients.provider_y.get(f"/a/{world.a.slug}/enrollments/?status="))

    def test_a_known_child_is_enrolled_from_their_page(self, world, clients, in_a, rooms, monday, maya):
        response = clients.staff_a.post(
            f"/a/{world.a.slug}/children/{maya.child_id}/enroll/",
            {
                "classroom": rooms.toddlers.pk,
                "start_date": (monday + datetime.timedelta(weeks=1)).isoformat(),
                "weekdays": ["1"],
                "day_length": "full",
                "funding_source": "private_pay",
            },
        )
        assert "already enrolled in Toddler Room at Program X on Tue" in text(response)

    def test_schedule_change_transfer_and_end_through_the_pages(self, world, clients, in_a, rooms, monday, maya):
        base = f"/a/{world.a.slug}/enrollments/{maya.pk}/"
        change = monday + datetime.timedelta(weeks=1)
        response = clients.provider_x.post(
            base + "schedule/",
            {"effective_from": change.isoformat(), "weekdays": ["0", "2", "4"], "day_length": "full"},
        )
        with in_a():
            second = Enrollment.objects.get(previous=maya)
        assert response["Location"].endswith(f"/enrollments/{second.pk}/")
        page = text(clients.provider_x.get(f"/a/{world.a.slug}/enrollments/{second.pk}/"))
        assert "History of this place" in page
        assert "Mon, Wed, Fri, full day" in page

        # The first part of the place cannot end again: it continues as the second.
        response = clients.provider_x.post(base + "end/", {"end_date": monday.isoformat(), "reason": "moved"})
        assert "continues under a later schedule or classroom" in text(response)

        response = clients.staff_a.post(
            f"/a/{world.a.slug}/enrollments/{second.pk}/end/",
            {"end_date": (change + datetime.timedelta(days=60)).isoformat(), "reason": "graduated"},
        )
        with in_a():
            second.refresh_from_db()
        assert response.status_code == 302
        assert second.end_reason == EndReason.GRADUATED

    def test_terms_change_what_billing_reads(self, world, clients, in_a, maya):
        clients.staff_a.post(
            f"/a/{world.a.slug}/enrollments/{maya.pk}/terms/",
            {"funding_source": "employer", "rate_plan_ref": "acme-ft"},
        )
        with in_a():
            maya.refresh_from_db()
            event = AuditEvent.objects.get(action="enrollment.terms_changed")
        assert (maya.funding_source, maya.rate_plan_ref) == ("employer", "acme-ft")
        assert event.before == {"funding_source": "private_pay", "rate_plan_ref": ""}

    def test_the_page_offers_a_known_family(self, world, clients, maya):
        page = text(clients.provider_x.get(f"/a/{world.a.slug}/enrollments/new/"))
        assert '<select name="existing-family"' in page

    def test_the_rate_plan_is_chosen_among_the_programs_plans(self, world, clients, in_a, rooms, monday, plans):
        page = text(clients.provider_x.get(f"/a/{world.a.slug}/enrollments/new/"))
        select = page.split('name="enrollment-rate_plan_ref"')[1].split("</select>")[0]
        assert '<option value="toddler-3day">Toddler, 3 days (toddler-3day)</option>' in select
        assert '<option value="" selected>By age group and schedule</option>' in select
        assert "y-ft" not in select  # another program's plan is not offered to program X's provider
        refused = clients.provider_x.post(
            f"/a/{world.a.slug}/enrollments/new/", intake(rooms, monday, **{"enrollment-rate_plan_ref": "y-ft"})
        )
        assert refused.status_code == 200
        assert "Select a valid choice" in text(refused)
        with in_a():
            assert not Enrollment.objects.exists()

    def test_the_api_takes_a_plans_code_or_id_of_the_program_only(self, world, clients, in_a, rooms, monday, plans):
        child = ChildFactory(family=FamilyFactory(alliance=world.a), date_of_birth=months_before(monday, 22))
        api = f"/api/a/{world.a.slug}/enrollments/"
        body = {"child": child.pk, "classroom": rooms.toddlers.pk, "start_date": monday.isoformat(), "weekdays": [0]}
        other = clients.staff_a.post(api, {**body, "rate_plan_ref": "y-ft"}, content_type="application/json")
        assert other.status_code == 400
        assert other.json() == {"rate_plan_ref": ["That rate plan is another program's; choose one of this program's."]}
        by_other_id = {**body, "rate_plan_ref": str(plans["y"].pk)}
        assert clients.staff_a.post(api, by_other_id, content_type="application/json").status_code == 400
        unknown = clients.staff_a.post(api, {**body, "rate_plan_ref": "nope"}, content_type="application/json")
        assert unknown.json() == {"rate_plan_ref": ["This program has no rate plan “nope”."]}
        by_id = {**body, "rate_plan_ref": str(plans["acme"].pk)}
        created = clients.staff_a.post(api, by_id, content_type="application/json")
        assert created.status_code == 201
        assert created.json()["rate_plan_ref"] == "acme-ft"

    def test_a_transfer_offers_only_visible_classrooms(self, world, clients, rooms, maya):
        page = text(clients.provider_x.get(f"/a/{world.a.slug}/enrollments/{maya.pk}/transfer/"))
        assert "Infant Room" in page
        assert "Y Preschool" not in page
        assert "Toddler Room (" not in page

    def test_it_validates_ownership(self, world, clients, maya):
        for suffix in ("", "schedule/", "transfer/", "end/", "terms/"):
            path = f"/a/{world.a.slug}/enrollments/{maya.pk}/{suffix}"
            assert clients.provider_y.get(path).status_code == 404, path
            assert clients.admin_b.get(path).status_code == 404, path
            assert clients.funder_a.get(path).status_code == 403, path
