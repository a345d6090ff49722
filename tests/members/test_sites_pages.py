"""Pages of sites, classrooms and capacity changes."""

from __future__ import annotations

import datetime

import pytest

from members.models import Classroom, ClassroomCapacity, Site
from tests.members.factories import capacity_on

D = datetime.date

ROOM_FORM = {
    "name": "Ladybugs",
    "age_group": "infant",
    "children_per_staff": "4",
    "operating_days": ["0", "1", "2", "3", "4"],
    "opens_at": "07:00",
    "closes_at": "18:00",
    "licensed_capacity": "8",
    "desired_capacity": "8",
    "effective_from": "2026-01-05",
}


class TestSitesTab:
    def test_hub_staff_sees_each_site_with_its_classrooms_and_capacity_today(self, clients, x, page):
        response = clients.staff_a.get(page("program_sites", x.program.pk))
        assert response.status_code == 200
        assert b"Main building" in response.content
        assert b"Butterflies" in response.content
        assert response.context["classroom_licensed_total"] == 20
        assert response.context["classroom_desired_total"] == 18

    def test_provider_sees_their_own_program(self, clients, x, page):
        response = clients.provider_x.get(page("program_sites", x.program.pk))
        assert response.status_code == 200
        assert b"Add a classroom" in response.content
        assert b"Add a site" not in response.content  # sites are the Hub's to add

    def test_classrooms_over_the_license_are_flagged(self, clients, x, in_a, page):
        with in_a():
            x.program.licensed_capacity = 15
            x.program.save()
        response = clients.staff_a.get(page("program_sites", x.program.pk))
        assert response.context["over_license"] is True
        assert "more than the program's license allows" in response.content.decode()


class TestSiteForms:
    def test_hub_staff_adds_a_site(self, clients, x, in_a, page):
        response = clients.staff_a.post(page("site_create", x.program.pk), {"name": "Annex", "city": "Fairview"})
        assert response.status_code == 302
        with in_a():
            assert Site.objects.filter(program=x.program, name="Annex").exists()

    def test_a_duplicate_site_name_is_refused(self, clients, x, in_a, page):
        response = clients.staff_a.post(page("site_create", x.program.pk), {"name": "main building"})
        assert response.status_code == 200
        assert "already has a site with this name" in str(response.context["form"].errors)
        with in_a():
            assert Site.objects.filter(program=x.program).count() == 1

    def test_a_site_cannot_close_before_it_opened(self, clients, x, page):
        response = clients.staff_a.post(
            page("site_edit", x.program.pk, x.site.pk),
            {"name": "Main building", "opened_on": "2026-05-01", "closed_on": "2026-04-01"},
        )
        assert "closed_on" in response.context["form"].errors

    def test_providers_cannot_add_sites(self, clients, x, page):
        assert clients.provider_x.get(page("site_create", x.program.pk)).status_code == 403


class TestClassroomForms:
    def test_provider_adds_a_classroom_with_its_first_capacity(self, clients, x, in_a, page):
        response = clients.provider_x.post(page("classroom_create", x.program.pk), {**ROOM_FORM, "site": x.site.pk})
        assert response.status_code == 302
        with in_a():
            room = Classroom.objects.get(name="Ladybugs")
            assert room.operating_days == [0, 1, 2, 3, 4]
            assert capacity_on(room, D(2026, 1, 5)).licensed == 8
            assert capacity_on(room, D(2026, 1, 4)) is None
        follow = clients.provider_x.get(response["Location"])
        assert b"Ladybugs" in follow.content

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("children_per_staff", "8", "not a plausible ratio"),
            ("children_per_staff", "0", "At least one child per staff member"),
            ("closes_at", "06:00", "after opening time"),
            ("licensed_capacity", "-1", "greater than or equal to 0"),
            ("desired_capacity", "9", "cannot exceed the licensed capacity"),
            ("operating_days", [], "This field is required"),
        ],
    )
    def test_invalid_input_is_shown_and_nothing_is_saved(self, clients, x, in_a, page, field, value, message):
        data = {**ROOM_FORM, "site": x.site.pk, field: value}
        response = clients.provider_x.post(page("classroom_create", x.program.pk), data)
        assert response.status_code == 200
        assert message in str(response.context["form"].errors[field])
        with in_a():
            assert not Classroom.objects.filter(name="Ladybugs").exists()

    def test_a_site_of_another_program_cannot_be_chosen(self, clients, x, y, in_a, page):
        response = clients.provider_x.post(page("classroom_create", x.program.pk), {**ROOM_FORM, "site": y.site.pk})
        assert "site" in response.context["form"].errors
        with in_a():
            assert not Classroom.objects.filter(name="Ladybugs").exists()

    def test_editing_keeps_the_capacity_history(self, clients, x, in_a, page):
        response = clients.provider_x.post(
            page("classroom_edit", x.program.pk, x.room.pk),
            {
                "site": x.site.pk,
                "name": "Butterflies",
                "age_group": "preschool",
                "children_per_staff": "9",
                "operating_days": ["0", "1", "2", "3"],
                "opens_at": "07:30",
                "closes_at": "17:30",
                "closed_on": "",
            },
        )
        assert response.status_code == 302
        with in_a():
            x.room.refresh_from_db()
            assert x.room.children_per_staff == 9
            assert x.room.operating_days == [0, 1, 2, 3]
            assert ClassroomCapacity.objects.filter(classroom=x.room).count() == 1


class TestClassroomCapacityPage:
    def test_the_detail_shows_the_history_and_the_capacity_in_force(self, clients, x, page):
        response = clients.provider_x.get(page("classroom_detail", x.program.pk, x.room.pk))
        assert response.status_code == 200
        assert response.context["in_force"].licensed_capacity == 20
        assert b"Capacity history" in response.content

    def test_provider_records_a_change_from_a_date(self, clients, x, in_a, page):
        response = clients.provider_x.post(
            page("classroom_capacity", x.program.pk, x.room.pk),
            {
                "effective_from": "2026-09-01",
                "licensed_capacity": "16",
                "desired_capacity": "",
                "reason": "Fire marshal visit",
            },
        )
        assert response.status_code == 302
        with in_a():
            assert capacity_on(x.room, D(2026, 8, 31)).licensed == 20
            after = capacity_on(x.room, D(2026, 9, 1))
            assert (after.licensed, after.target) == (16, 16)
        detail = clients.provider_x.get(page("classroom_detail", x.program.pk, x.room.pk))
        assert b"Fire marshal visit" in detail.content

    def test_an_invalid_change_is_refused(self, clients, x, in_a, page):
        response = clients.provider_x.post(
            page("classroom_capacity", x.program.pk, x.room.pk),
            {"effective_from": "2026-09-01", "licensed_capacity": "10", "desired_capacity": "12"},
        )
        assert response.status_code == 200
        assert "desired_capacity" in response.context["form"].errors
        with in_a():
            assert ClassroomCapacity.objects.filter(classroom=x.room).count() == 1


class TestStrangers:
    @pytest.fixture
    def urls(self, x, page):
        p, room = x.program.pk, x.room.pk
        return [
            page("program_sites", p),
            page("site_edit", p, x.site.pk),
            page("classroom_create", p),
            page("classroom_detail", p, room),
            page("classroom_edit", p, room),
            page("classroom_capacity", p, room),
        ]

    def test_it_validates_ownership(self, clients, urls):
        for url in urls:
            assert clients.admin_b.get(url).status_code == 404, url
            assert clients.provider_y.get(url).status_code in (403, 404), url
            assert clients.funder_a.get(url).status_code == 403, url

    def test_provider_of_another_program_gets_404_on_pages_they_could_use(self, clients, x, page):
        for name, args in [
            ("program_sites", []),
            ("classroom_detail", [x.room.pk]),
            ("classroom_capacity", [x.room.pk]),
        ]:
            url = page(name, x.program.pk, *args)
            assert clients.provider_y.get(url).status_code == 404, url

    def test_a_classroom_of_another_program_is_404_under_ones_own(self, clients, x, y, page):
        url = page("classroom_detail", x.program.pk, y.room.pk)
        assert clients.provider_x.get(url).status_code == 404
        posted = clients.provider_x.post(
            page("classroom_capacity", x.program.pk, y.room.pk),
            {"effective_from": "2026-09-01", "licensed_capacity": "1"},
        )
        assert posted.status_code == 404
