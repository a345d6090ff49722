"""The member directory, a member's profile (the provider portal), its membership
status, quality and licensing inspections."""

from __future__ import annotations

import datetime

import pytest

from alliance.models import AuditEvent
from members.models import LicensingInspection, MemberProgram, ProgramKind, ProgramStatus
from tests.factories import MemberProgramFactory
from tests.members.factories import InspectionFactory, StaffMemberFactory

D = datetime.date


@pytest.fixture
def directory(world, in_a):
    """Programs X and Y plus three more of alliance A with distinct profiles."""
    with in_a():
        MemberProgram.objects.filter(pk=world.x.pk).update(
            licensed_capacity=82,
            city="Riverbend",
            qris_rating=4,
            qris_rated_on=D(2025, 5, 1),
            joined_on=D(2021, 10, 1),
            license_number="CC-1001",
            director_name="Rosa Williams",
        )
        MemberProgram.objects.filter(pk=world.y.pk).update(
            licensed_capacity=60, city="Fairview", joined_on=D(2023, 1, 1)
        )
    MemberProgramFactory(
        alliance=world.a,
        name="Garcia Family Child Care",
        kind=ProgramKind.FAMILY_HOME,
        licensed_capacity=8,
        qris_rating=2,
        qris_rated_on=D(2025, 1, 1),
        city="Millbrook",
        joined_on=D(2022, 6, 1),
    )
    MemberProgramFactory(
        alliance=world.a,
        name="Kowalski Kids",
        kind=ProgramKind.FAMILY_HOME,
        status=ProgramStatus.APPLICANT,
        licensed_capacity=10,
    )
    MemberProgramFactory(
        alliance=world.a,
        name="Tiny Steps",
        status=ProgramStatus.PAUSED,
        licensed_capacity=140,
        qris_rating=5,
        qris_rated_on=D(2025, 1, 1),
        joined_on=D(2020, 1, 1),
    )


def names(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [p.name for p in response.context["programs"]]


class TestDirectory:
    def test_hub_staff_see_every_member_of_their_alliance_only(self, clients, directory, page):
        response = clients.staff_a.get(page("program_list"))
        assert response.status_code == 200
        assert names(response) == ["Garcia Family Child Care", "Kowalski Kids", "Program X", "Program Y", "Tiny Steps"]
        assert b"Program Z" not in response.content

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ({"q": "fairview"}, ["Program Y"]),
            ({"q": "CC-1001"}, ["Program X"]),
            ({"q": "rosa williams"}, ["Program X"]),
            ({"kind": "family_home"}, ["Garcia Family Child Care", "Kowalski Kids"]),
            ({"status": "paused"}, ["Tiny Steps"]),
            ({"rating": "4"}, ["Program X"]),
            ({"rating": "none"}, ["Kowalski Kids", "Program Y"]),
            ({"kind": "centre", "status": "active"}, ["Program X", "Program Y"]),
        ],
    )
    def test_search_and_filters(self, clients, directory, page, query, expected):
        assert names(clients.staff_a.get(page("program_list"), query)) == expected

    @pytest.mark.parametrize(
        ("sort", "expected_first"),
        [
            ("-capacity", "Tiny Steps"),
            ("capacity", "Garcia Family Child Care"),
            ("-rating", "Tiny Steps"),
            ("rating", "Kowalski Kids"),
            ("-joined", "Program Y"),
            ("joined", "Tiny Steps"),
            ("-name", "Tiny Steps"),
        ],
    )
    def test_sorting(self, clients, directory, page, sort, expected_first):
        assert names(clients.staff_a.get(page("program_list"), {"sort": sort}))[0] == expected_first

    def test_an_unknown_filter_value_is_ignored_not_an_error(self, clients, directory, page):
        response = clients.staff_a.get(page("program_list"), {"kind": "castle"})
        assert response.status_code == 200
        assert len(names(response)) == 5

    def test_staff_counts_are_of_current_staff(self, clients, world, directory, page):
        StaffMemberFactory(program=world.x)
        StaffMemberFactory(program=world.x, ended_on=D(2025, 1, 31))
        programs = clients.staff_a.get(page("program_list"), {"q": "Program X"}).context["programs"]
        assert programs[0].staff_count == 1

    def test_the_nav_links_hub_users_to_the_directory(self, clients, page):
        assert page("program_list").encode() in clients.staff_a.get(page("program_list")).content


class TestCreateProgram:
    def test_hub_admin_adds_an_applicant(self, clients, in_a, page):
        response = clients.admin_a.post(
            page("program_create"),
            {
                "name": "Sunrise Kids",
                "kind": "centre",
                "status": "applicant",
                "licensed_capacity": "64",
                "license_number": "CC-2002",
            },
        )
        assert response.status_code == 302
        with in_a():
            program = MemberProgram.objects.get(name="Sunrise Kids")
            assert program.status == ProgramStatus.APPLICANT
            assert program.joined_on is None
            assert AuditEvent.objects.filter(action="program.created", program=program).exists()

    def test_an_active_member_gets_a_join_date(self, clients, in_a, page, today):
        clients.admin_a.post(
            page("program_create"),
            {"name": "Sunrise Kids", "kind": "centre", "status": "active", "licensed_capacity": "64"},
        )
        with in_a():
            assert MemberProgram.objects.get(name="Sunrise Kids").joined_on == today

    def test_license_numbers_are_unique_within_the_alliance(self, clients, directory, in_a, page):
        response = clients.admin_a.post(
            page("program_create"),
            {
                "name": "Copycat",
                "kind": "centre",
                "status": "applicant",
                "licensed_capacity": "10",
                "license_number": "cc-1001",
            },
        )
        assert response.status_code == 200
        assert "license_number" in response.context["form"].errors
        with in_a():
            assert not MemberProgram.objects.filter(name="Copycat").exists()

    def test_the_same_license_number_is_fine_in_another_alliance(self, clients, directory, world, page):
        response = clients.admin_b.post(
            f"/a/{world.b.slug}/programs/new/",
            {
                "name": "Copycat",
                "kind": "centre",
                "status": "applicant",
                "licensed_capacity": "10",
                "license_number": "CC-1001",
            },
        )
        assert response.status_code == 302

    def test_only_the_hub_admin_adds_programs(self, clients, page):
        assert clients.staff_a.get(page("program_create")).status_code == 403
        assert clients.provider_x.get(page("program_create")).status_code == 403


class TestProfile:
    def test_provider_lands_on_their_portal_with_tabs(self, clients, world, page):
        response = clients.provider_x.get(page("program_detail", world.x.pk))
        assert response.status_code == 200
        for tab in (b"Sites &amp; classrooms", b"Staff", b"Costs", b"Hub services"):
            assert tab in response.content
        assert b"Edit profile" not in response.content

    def test_hub_staff_edit_the_profile(self, clients, world, in_a, page):
        response = clients.staff_a.post(
            page("program_edit", world.x.pk),
            {
                "name": "Program X",
                "legal_name": "Program X LLC",
                "kind": "centre",
                "license_number": "CC-9",
                "licensed_capacity": "75",
                "joined_on": "2021-10-01",
                "director_name": "Rosa Williams",
                "director_email": "rosa@x.example",
                "qris_rating": "3",
                "qris_rated_on": "2025-04-01",
            },
        )
        assert response.status_code == 302
        profile = clients.staff_a.get(page("program_detail", world.x.pk))
        assert b"Program X LLC" in profile.content
        assert b"rosa@x.example" in profile.content
        with in_a():
            event = AuditEvent.objects.get(action="program.updated")
            assert event.after["licensed_capacity"] == 75
            assert "name" not in event.after

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"licensed_capacity": "-5"}, "licensed_capacity"),
            ({"qris_rating": "6", "qris_rated_on": "2025-01-01"}, "qris_rating"),
            ({"qris_rating": "3"}, "qris_rated_on"),
            ({"accreditation": "naeyc"}, "accreditation_expires_on"),
            ({"qris_rating": "3", "qris_rated_on": "2099-01-01"}, "qris_rated_on"),
            ({"director_email": "not-an-email"}, "director_email"),
            ({"name": "Program Y"}, "name"),
        ],
    )
    def test_invalid_profiles_change_nothing(self, clients, world, in_a, page, changes, field):
        data = {"name": "Program X", "kind": "centre", "licensed_capacity": "40", "joined_on": "2021-10-01", **changes}
        response = clients.staff_a.post(page("program_edit", world.x.pk), data)
        assert response.status_code == 200
        assert field in response.context["form"].errors
        with in_a():
            assert MemberProgram.objects.get(pk=world.x.pk).licensed_capacity == 0

    def test_providers_cannot_edit_the_profile(self, clients, world, page):
        assert clients.provider_x.get(page("program_edit", world.x.pk)).status_code == 403


class TestMembershipStatus:
    def test_hub_admin_pauses_a_member_and_it_is_recorded(self, clients, world, in_a, page):
        with in_a():
            MemberProgram.objects.filter(pk=world.x.pk).update(joined_on=D(2021, 1, 1))
        response = clients.admin_a.post(
            page("program_status", world.x.pk),
            {"status": "paused", "effective_on": "2026-01-15", "reason": "Renovation"},
        )
        assert response.status_code == 302
        with in_a():
            program = MemberProgram.objects.get(pk=world.x.pk)
            assert (program.status, program.status_changed_on) == ("paused", D(2026, 1, 15))
            event = AuditEvent.objects.get(action="program.status_changed")
            assert (event.before["status"], event.after["status"], event.reason) == ("active", "paused", "Renovation")

    def test_leaving_keeps_every_record(self, clients, world, x, in_a, page):
        clients.admin_a.post(page("program_status", world.x.pk), {"status": "left", "effective_on": "2026-02-01"})
        response = clients.staff_a.get(page("program_sites", world.x.pk))
        assert b"Butterflies" in response.content
        assert "Left" in clients.staff_a.get(page("program_list"), {"status": "left"}).content.decode()

    def test_a_future_or_unchanged_status_is_refused(self, clients, world, in_a, page):
        future = clients.admin_a.post(
            page("program_status", world.x.pk), {"status": "paused", "effective_on": "2099-01-01"}
        )
        assert "effective_on" in future.context["form"].errors
        same = clients.admin_a.post(
            page("program_status", world.x.pk), {"status": "active", "effective_on": "2026-01-01"}
        )
        assert "status" in same.context["form"].errors
        with in_a():
            assert MemberProgram.objects.get(pk=world.x.pk).status == "active"

    def test_only_the_hub_admin_changes_status(self, clients, world, page):
        assert clients.staff_a.get(page("program_status", world.x.pk)).status_code == 403


class TestQualityAndInspections:
    def test_inspections_are_listed_newest_first(self, clients, world, page):
        InspectionFactory(program=world.x, inspected_on=D(2025, 3, 1))
        InspectionFactory(
            program=world.x, inspected_on=D(2026, 3, 1), outcome="findings", findings="Gate latch too low."
        )
        response = clients.provider_x.get(page("program_quality", world.x.pk))
        assert [i.inspected_on for i in response.context["inspections"]] == [D(2026, 3, 1), D(2025, 3, 1)]
        assert b"Gate latch too low." in response.content

    def test_hub_staff_record_an_inspection_with_findings(self, clients, world, in_a, page):
        response = clients.staff_a.post(
            page("inspection_create", world.x.pk),
            {
                "inspected_on": "2026-03-10",
                "inspection_type": "routine",
                "outcome": "findings",
                "findings": "Two staff files missing TB tests.",
                "corrective_action_due": "2026-04-10",
            },
        )
        assert response.status_code == 302
        with in_a():
            assert LicensingInspection.objects.get(program=world.x).corrective_action_due == D(2026, 4, 10)

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"findings": ""}, "findings"),
            ({"corrective_action_due": "2026-01-01"}, "corrective_action_due"),
            ({"inspected_on": "2099-01-01"}, "inspected_on"),
        ],
    )
    def test_invalid_inspections_change_nothing(self, clients, world, in_a, page, changes, field):
        data = {
            "inspected_on": "2026-03-10",
            "inspection_type": "routine",
            "outcome": "findings",
            "findings": "Something.",
            **changes,
        }
        response = clients.staff_a.post(page("inspection_create", world.x.pk), data)
        assert field in response.context["form"].errors
        with in_a():
            assert not LicensingInspection.objects.exists()

    def test_providers_see_but_do_not_record_inspections(self, clients, world, page):
        assert b"Record an inspection" not in clients.provider_x.get(page("program_quality", world.x.pk)).content
        assert clients.provider_x.get(page("inspection_create", world.x.pk)).status_code == 403


class TestStrangers:
    def test_it_validates_ownership(self, clients, world, page):
        inspection = InspectionFactory(program=world.x)
        for url in [
            page("program_detail", world.x.pk),
            page("program_quality", world.x.pk),
            page("program_edit", world.x.pk),
            page("program_status", world.x.pk),
            page("inspection_edit", world.x.pk, inspection.pk),
            page("program_list"),
        ]:
            assert clients.admin_b.get(url).status_code == 404, url
            assert clients.funder_a.get(url).status_code == 403, url
        for url in [page("program_detail", world.x.pk), page("program_quality", world.x.pk)]:
            assert clients.provider_y.get(url).status_code == 404, url

    def test_an_inspection_of_another_program_is_404_under_ones_own(self, clients, world, page):
        inspection = InspectionFactory(program=world.y)
        assert clients.staff_a.get(page("inspection_edit", world.x.pk, inspection.pk)).status_code == 404

    def test_providers_do_not_get_the_directory(self, clients, page):
        assert clients.provider_x.get(page("program_list")).status_code == 403
