"""The enrollment API: the same rules and scoping as the pages."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from alliance.formatting import day as shown
from alliance.models import AuditEvent
from enrollment.models import AttendanceRecord, Enrollment, Offer, WaitlistEntry
from tests.enrollment.conftest import next_monday
from tests.enrollment.factories import ChildFactory, FamilyFactory, GuardianFactory, enroll, entry, fill, months_before


@pytest.fixture
def monday(today):
    return next_monday(today, weeks=2)


@pytest.fixture
def maya(world, rooms, today):
    family = FamilyFactory(alliance=world.a, name="Lopez family")
    GuardianFactory(family=family)
    child = ChildFactory(family=family, first_name="Maya", date_of_birth=months_before(today, 24))
    return enroll(child, rooms.toddlers, today - datetime.timedelta(days=30))


def api(world, path: str) -> str:  # type: ignore[no-untyped-def]
    return f"/api/a/{world.a.slug}/{path}"


class TestReads:
    def test_a_provider_reads_their_own_programs_rows_only(self, world, clients, rooms, maya, today):
        other = ChildFactory(
            family=FamilyFactory(alliance=world.a, name="Other family"), date_of_birth=months_before(today, 40)
        )
        enroll(other, rooms.preschool_y, today)
        for path, key, expected in [
            ("families/", "name", ["Lopez family"]),
            ("children/", "first_name", ["Maya"]),
            ("enrollments/", "child_name", ["Maya Lopez"]),
        ]:
            rows = clients.provider_x.get(api(world, path)).json()["results"]
            assert [r[key] for r in rows] == expected, path
        assert len(clients.staff_a.get(api(world, "enrollments/")).json()["results"]) == 2

    def test_enrollment_figures_are_strings_and_status_is_computed(self, world, clients, maya):
        row = clients.staff_a.get(api(world, f"enrollments/{maya.pk}/")).json()
        assert (row["fte"], row["weekdays"], row["status"]) == ("1.00", [0, 1, 2, 3, 4], "active")

    def test_vacancies_give_the_boards_figures(self, world, clients, rooms, maya, today):
        data = clients.staff_a.get(api(world, f"vacancies/?start={today.isoformat()}&days=30")).json()
        toddlers = next(c for c in data["classrooms"] if c["name"] == "Toddler Room")
        assert toddlers["capacity_now"] == 12
        assert toddlers["program"] == world.x.pk
        assert {p["name"] for p in data["programs"]} == {"Program X", "Program Y"}
        own = clients.provider_x.get(api(world, "vacancies/")).json()
        assert {p["name"] for p in own["programs"]} == {"Program X"}
        days = clients.provider_x.get(api(world, f"vacancies/{rooms.toddlers.pk}/?days=7")).json()["days"]
        assert all(d["licensed"] == 12 for d in days)
        assert len(days) >= 4

    def test_it_validates_ownership(self, world, clients, rooms, maya):
        for path in (
            "families/",
            "children/",
            "enrollments/",
            "attendance/",
            "waitlist-entries/",
            "offers/",
            "vacancies/",
        ):
            assert clients.funder_a.get(api(world, path)).status_code == 403, path
            assert clients.admin_b.get(api(world, path)).status_code == 404, path
        assert clients.provider_y.get(api(world, f"enrollments/{maya.pk}/")).status_code == 404
        assert clients.provider_y.get(api(world, f"vacancies/{rooms.toddlers.pk}/")).status_code == 404
        assert clients.provider_x.get(api(world, f"vacancies/{rooms.toddlers.pk}/matches/")).status_code == 403


class TestEnrolling:
    def payload(self, child, rooms, monday, **extra):  # type: ignore[no-untyped-def]
        return {
            "child": child.pk,
            "classroom": rooms.toddlers.pk,
            "start_date": monday.isoformat(),
            "weekdays": [0, 2, 4],
            **extra,
        }

    def test_a_full_room_answers_400_with_the_refusal(self, world, clients, rooms, maya, monday):
        fill(rooms.toddlers, 12, monday, dob=months_before(monday, 24))
        child = ChildFactory(family=maya.child.family, date_of_birth=months_before(monday, 24))
        response = clients.staff_a.post(
            api(world, "enrollments/"), self.payload(child, rooms, monday), content_type="application/json"
        )
        assert response.status_code == 400
        assert response.json()["non_field_errors"][0].startswith(f"Toddler Room is full on {shown(monday)}")

    def test_hub_override_through_the_api(self, world, clients, in_a, rooms, maya, monday):
        fill(rooms.toddlers, 12, monday, dob=months_before(monday, 24))
        response = clients.staff_a.post(
            api(world, "enrollments/"),
            self.payload(
                ChildFactory(family=maya.child.family, date_of_birth=months_before(monday, 24)),
                rooms,
                monday,
                override_reason="Emergency placement agreed with licensing.",
            ),
            content_type="application/json",
        )
        assert response.status_code == 201
        assert response.json()["fte"] == "0.60"
        with in_a():
            assert AuditEvent.objects.filter(action="enrollment.override").count() == 1

    def test_a_new_child_through_intake(self, world, clients, in_a, rooms, monday):
        response = clients.provider_x.post(
            api(world, "enrollments/intake/"),
            {
                "family_data": {"name": "Ali family"},
                "guardian_data": {"first_name": "Sara", "last_name": "Ali", "email": "sara@example.org"},
                "child": {
                    "first_name": "Omar",
                    "last_name": "Ali",
                    "date_of_birth": months_before(monday, 20).isoformat(),
                },
                "enrollment": {"classroom": rooms.toddlers.pk, "start_date": monday.isoformat(), "weekdays": [0, 1]},
            },
            content_type="application/json",
        )
        assert response.status_code == 201, response.json()
        with in_a():
            assert Enrollment.objects.get(pk=response.json()["id"]).child.family.name == "Ali family"

    def test_intake_errors_name_the_part(self, world, clients, rooms, monday):
        response = clients.provider_x.post(
            api(world, "enrollments/intake/"),
            {
                "family_data": {"name": "Ali family"},
                "guardian_data": {"first_name": "Sara", "last_name": "Ali"},
                "child": {"first_name": "Omar", "last_name": "Ali", "date_of_birth": "2024-06-03"},
                "enrollment": {"classroom": rooms.toddlers.pk, "start_date": monday.isoformat(), "weekdays": [0]},
            },
            content_type="application/json",
        )
        assert response.status_code == 400
        assert response.json() == {
            "guardian_data": {"phone": ["Give a phone number or an email address, so the program can reach them."]}
        }

    def test_end_and_schedule_actions(self, world, clients, in_a, maya, today):
        later = today + datetime.timedelta(days=14)
        changed = clients.provider_x.post(
            api(world, f"enrollments/{maya.pk}/schedule/"),
            {"effective_from": later.isoformat(), "weekdays": [1, 3], "day_length": "part"},
            content_type="application/json",
        )
        assert changed.status_code == 200
        assert changed.json()["previous"] == maya.pk
        ended = clients.provider_x.post(
            api(world, f"enrollments/{changed.json()['id']}/end/"),
            {"end_date": (later + datetime.timedelta(days=30)).isoformat(), "reason": "moved"},
            content_type="application/json",
        )
        assert ended.json()["end_reason"] == "moved"

    def test_another_programs_child_or_room_does_not_exist_for_a_provider(self, world, clients, rooms, maya, monday):
        response = clients.provider_y.post(
            api(world, "enrollments/"), self.payload(maya.child, rooms, monday), content_type="application/json"
        )
        assert response.status_code == 400
        assert set(response.json()) == {"child", "classroom"}
        assert clients.funder_a.post(api(world, "enrollments/"), {}).status_code == 403


class TestAttendance:
    def test_check_in_twice_is_refused(self, world, clients, maya, today):
        monday = today - datetime.timedelta(days=today.weekday() or 7)  # the last Monday before today
        body = {"enrollment": maya.pk, "day": monday.isoformat(), "at": "08:10"}
        first = clients.provider_x.post(api(world, "attendance/check-in/"), body, content_type="application/json")
        assert first.status_code == 201
        assert first.json()["state"] == "checked_in"
        second = clients.provider_x.post(api(world, "attendance/check-in/"), body, content_type="application/json")
        assert second.status_code == 400
        assert "already checked in at 08:10" in second.json()["non_field_errors"][0]

    def test_upload_reports_line_and_column(self, world, clients, in_a, maya, today):
        monday = today - datetime.timedelta(days=today.weekday() or 7)
        text = f"child_id,date,check_in,check_out,absence_reason\n{maya.child_id},{monday.isoformat()},8am,,\n"
        response = clients.provider_x.post(
            api(world, "attendance/upload/"), {"file": SimpleUploadedFile("a.csv", text.encode())}
        )
        assert response.status_code == 400
        assert response.json()["errors"] == [
            {"line": 2, "column": "check_in", "message": "“8am” is not a time such as 08:05 or 8:05 AM."}
        ]
        with in_a():
            assert not AttendanceRecord.objects.exists()


class TestWaitlistAndOffers:
    def test_waitlist_offer_and_accept(self, world, clients, in_a, rooms, monday, today):
        child = ChildFactory(family=FamilyFactory(alliance=world.a), date_of_birth=months_before(monday, 24))
        created = clients.staff_a.post(
            api(world, "waitlist-entries/"),
            {
                "child": child.pk,
                "program": None,
                "acceptable_program_ids": [world.x.pk],
                "desired_start": monday.isoformat(),
                "weekdays": [0, 1, 2, 3, 4],
                "day_length": "full",
            },
            content_type="application/json",
        )
        assert created.status_code == 201, created.json()
        assert created.json()["age_group_at_start"] == "toddler"
        matches = clients.staff_a.get(api(world, f"vacancies/{rooms.toddlers.pk}/matches/?start={monday}")).json()
        assert [m["entry"] for m in matches["matches"]] == [created.json()["id"]]
        offer = clients.staff_a.post(
            api(world, "offers/"),
            {"entry": created.json()["id"], "classroom": rooms.toddlers.pk, "start_date": monday.isoformat()},
            content_type="application/json",
        )
        assert offer.status_code == 201
        assert offer.json()["status"] == "open"
        accepted = clients.provider_x.post(
            api(world, f"offers/{offer.json()['id']}/accept/"), {}, content_type="application/json"
        )
        assert accepted.json()["status"] == "accepted"
        assert accepted.json()["enrollment"]
        with in_a():
            assert WaitlistEntry.objects.get().status == "placed"

    def test_a_provider_waitlists_on_their_own_list_only(self, world, clients, rooms, monday, today):
        child = ChildFactory(family=FamilyFactory(alliance=world.a), date_of_birth=months_before(monday, 24))
        enroll(child, rooms.toddlers, today - datetime.timedelta(days=3))  # visible to provider X
        body = {"child": child.pk, "desired_start": monday.isoformat(), "weekdays": [0], "day_length": "full"}
        assert (
            clients.provider_x.post(
                api(world, "waitlist-entries/"), {**body, "program": None}, content_type="application/json"
            ).status_code
            == 403
        )
        assert (
            clients.provider_x.post(
                api(world, "waitlist-entries/"), {**body, "program": world.x.pk}, content_type="application/json"
            ).status_code
            == 201
        )

    def test_offers_are_the_hubs_to_make(self, world, clients, rooms, monday, today):
        child = ChildFactory(family=FamilyFactory(alliance=world.a), date_of_birth=months_before(monday, 24))
        waiting = entry(child, program=world.x, added_on=today, desired_start=monday)
        body = {"entry": waiting.pk, "classroom": rooms.toddlers.pk, "start_date": monday.isoformat()}
        assert clients.provider_x.post(api(world, "offers/"), body, content_type="application/json").status_code == 403
        assert clients.admin_b.post(api(world, "offers/"), body, content_type="application/json").status_code == 404
        assert not Offer.objects.unscoped().exists()
