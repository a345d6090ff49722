"""Attendance: one click per child on a classroom's day page, refusals that say
what happened, and a CSV upload that imports every row or none."""

from __future__ import annotations

import datetime
import html

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from alliance.formatting import day as shown
from alliance.models import AuditEvent
from enrollment.models import AttendanceRecord
from enrollment.services import (
    attendance_check_in,
    attendance_check_out,
    attendance_clear,
    attendance_mark_absent,
)
from tests.csvrows import csv_rows
from tests.enrollment.factories import ChildFactory, FamilyFactory, enroll, months_before

EIGHT = datetime.time(8, 2)


def last_weekday(today: datetime.date) -> datetime.date:
    day = today - datetime.timedelta(days=1)
    while day.weekday() > 4:
        day -= datetime.timedelta(days=1)
    return day


@pytest.fixture
def day(today):
    return last_weekday(today)


@pytest.fixture
def maya(world, rooms, day):
    child = ChildFactory(
        family=FamilyFactory(alliance=world.a),
        first_name="Maya",
        last_name="Lopez",
        date_of_birth=months_before(day, 24),
    )
    return enroll(child, rooms.toddlers, day - datetime.timedelta(days=60))


@pytest.fixture
def leo(world, rooms, day):
    child = ChildFactory(family=FamilyFactory(alliance=world.a), first_name="Leo", date_of_birth=months_before(day, 24))
    return enroll(child, rooms.toddlers, day - datetime.timedelta(days=60))


def url(world, rooms, name: str = "") -> str:
    base = f"/a/{world.a.slug}/attendance/classrooms/{rooms.toddlers.pk}/"
    return base + name


class TestServices:
    def test_a_second_check_in_is_refused_with_the_first_time(self, world, in_a, maya, day):
        with in_a():
            attendance_check_in(actor=world.users.provider_x, enrollment=maya, day=day, at=EIGHT)
            with pytest.raises(ValidationError) as refused:
                attendance_check_in(actor=world.users.provider_x, enrollment=maya, day=day, at=datetime.time(8, 30))
            assert AttendanceRecord.objects.filter(enrollment=maya).count() == 1
        assert refused.value.messages == [f"Maya Lopez was already checked in at 08:02 on {shown(day)}."]

    def test_check_out_after_check_in_only(self, world, in_a, maya, day):
        with in_a():
            with pytest.raises(ValidationError, match="Maya Lopez is not checked in on"):
                attendance_check_out(actor=world.users.provider_x, enrollment=maya, day=day, at=EIGHT)
            attendance_check_in(actor=world.users.provider_x, enrollment=maya, day=day, at=EIGHT)
            with pytest.raises(ValidationError, match="Check-out at 07:00 would be before check-in at 08:02."):
                attendance_check_out(actor=world.users.provider_x, enrollment=maya, day=day, at=datetime.time(7))
            record = attendance_check_out(
                actor=world.users.provider_x, enrollment=maya, day=day, at=datetime.time(17, 45)
            )
            with pytest.raises(ValidationError, match="already checked out at 17:45"):
                attendance_check_out(actor=world.users.provider_x, enrollment=maya, day=day, at=datetime.time(18))
        assert (record.check_in, record.check_out, record.checked_out_by_id) == (
            EIGHT,
            datetime.time(17, 45),
            world.users.provider_x.pk,
        )

    def test_an_absent_child_is_not_checked_in_until_the_absence_is_undone(self, world, in_a, maya, day):
        with in_a():
            record = attendance_mark_absent(actor=world.users.provider_x, enrollment=maya, day=day, reason="sick")
            with pytest.raises(ValidationError, match=r"marked absent \(sick\).*clear the absence first"):
                attendance_check_in(actor=world.users.provider_x, enrollment=maya, day=day, at=EIGHT)
            attendance_clear(actor=world.users.provider_x, record=record, reason="Came in late after all.")
            attendance_check_in(actor=world.users.provider_x, enrollment=maya, day=day, at=EIGHT)
            cleared = AuditEvent.objects.get(action="attendance.cleared")
        assert cleared.before["absence_reason"] == "sick"
        assert cleared.program_id == world.x.pk

    def test_days_that_have_not_come_or_are_outside_the_enrollment_are_refused(self, world, in_a, maya, today):
        with in_a():
            with pytest.raises(ValidationError, match="has not come yet"):
                attendance_check_in(
                    actor=world.users.provider_x, enrollment=maya, day=today + datetime.timedelta(days=1), at=EIGHT
                )
            with pytest.raises(ValidationError, match="Maya Lopez is not enrolled in Toddler Room on"):
                attendance_check_in(
                    actor=world.users.provider_x,
                    enrollment=maya,
                    day=maya.start_date - datetime.timedelta(days=1),
                    at=EIGHT,
                )
            saturday = today - datetime.timedelta(days=(today.weekday() - 5) % 7 or 7)
            with pytest.raises(ValidationError, match="Toddler Room is not open on Saturdays"):
                attendance_check_in(actor=world.users.provider_x, enrollment=maya, day=saturday, at=EIGHT)


class TestSheet:
    def test_the_day_page_lists_the_classroom_with_one_button_each(self, world, rooms, clients, maya, leo, day):
        response = clients.provider_x.get(url(world, rooms) + f"?day={day.isoformat()}")
        assert response.status_code == 200
        html = response.content.decode()
        assert "Maya Lopez" in html
        assert html.count('value="check_in"') == 2
        assert f'hx-post="{url(world, rooms, "mark/")}"' in html

    def test_one_click_checks_in_and_answers_htmx_with_the_row(self, world, rooms, clients, in_a, maya, day):
        response = clients.provider_x.post(
            url(world, rooms, "mark/"),
            {"enrollment": maya.pk, "day": day.isoformat(), "action": "check_in"},
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert html.strip().startswith(f'<tr id="att-{maya.pk}"')
        assert 'value="check_out"' in html
        with in_a():
            assert AttendanceRecord.objects.get(enrollment=maya, day=day).checked_in_by_id == world.users.provider_x.pk

    def test_a_double_click_shows_the_refusal_in_the_row(self, world, rooms, clients, maya, day):
        data = {"enrollment": maya.pk, "day": day.isoformat(), "action": "check_in"}
        clients.provider_x.post(url(world, rooms, "mark/"), data, HTTP_HX_REQUEST="true")
        second = clients.provider_x.post(url(world, rooms, "mark/"), data, HTTP_HX_REQUEST="true")
        assert "Maya Lopez was already checked in at" in second.content.decode()

    def test_without_javascript_the_form_posts_and_comes_back(self, world, rooms, clients, in_a, maya, day):
        response = clients.provider_x.post(
            url(world, rooms, "mark/"),
            {"enrollment": maya.pk, "day": day.isoformat(), "action": "absent", "reason": "family"},
        )
        assert response.status_code == 302
        assert response["Location"].endswith(f"?day={day.isoformat()}")
        with in_a():
            assert AttendanceRecord.objects.get(enrollment=maya, day=day).absence_reason == "family"

    def test_the_overview_counts_each_classroom(self, world, rooms, clients, in_a, maya, leo, day):
        with in_a():
            attendance_check_in(actor=world.users.provider_x, enrollment=maya, day=day, at=EIGHT)
        html = clients.provider_x.get(f"/a/{world.a.slug}/attendance/?day={day.isoformat()}").content.decode()
        assert "Toddler Room" in html
        assert "Y Preschool" not in html

    def test_it_validates_ownership(self, world, rooms, clients, maya, day):
        # A provider of another program, and a stranger alliance, get 404; a funder 403.
        assert clients.provider_y.get(url(world, rooms)).status_code == 404
        assert (
            clients.provider_y.post(
                url(world, rooms, "mark/"), {"enrollment": maya.pk, "day": day.isoformat(), "action": "check_in"}
            ).status_code
            == 404
        )
        assert clients.admin_b.get(url(world, rooms)).status_code == 404
        assert clients.funder_a.get(url(world, rooms)).status_code == 403

    def test_an_enrollment_of_another_classroom_is_not_found_here(self, world, rooms, clients, day):
        child = ChildFactory(family=FamilyFactory(alliance=world.a), date_of_birth=months_before(day, 6))
        infant = enroll(child, rooms.infants, day - datetime.timedelta(days=10))
        response = clients.provider_x.post(
            url(world, rooms, "mark/"), {"enrollment": infant.pk, "day": day.isoformat(), "action": "check_in"}
        )
        assert response.status_code == 404


class Upload:
    def __init__(self, response) -> None:  # type: ignore[no-untyped-def]
        self.response, self.status_code = response, response.status_code
        self.text = html.unescape(response.content.decode())


def upload(client, world, text: str) -> Upload:  # type: ignore[no-untyped-def]
    return Upload(
        client.post(
            f"/a/{world.a.slug}/attendance/upload/",
            {"file": SimpleUploadedFile("export.csv", text.encode(), content_type="text/csv")},
        )
    )


class TestCsvUpload:
    def test_the_page_offers_a_file_to_upload_and_imports_it(self, world, clients, in_a, maya, day):
        page = clients.provider_x.get(f"/a/{world.a.slug}/attendance/upload/").content.decode()
        assert 'enctype="multipart/form-data"' in page
        assert '<input type="file" name="file"' in page
        text = f"child_id,date,check_in,check_out,absence_reason\n{maya.child_id},{day.isoformat()},08:05,17:30,\n"
        response = clients.provider_x.post(
            f"/a/{world.a.slug}/attendance/upload/",
            {"file": SimpleUploadedFile("export.csv", text.encode(), content_type="text/csv")},
            follow=True,
        )
        when = f"{day:%b} {day.day}, {day.year}"
        assert f"1 attendance records imported (1 present, 0 absent), {when} to {when}." in response.content.decode()
        with in_a():
            assert AttendanceRecord.objects.get(day=day).check_in == datetime.time(8, 5)

    def test_a_clean_file_imports_every_row(self, world, clients, in_a, maya, leo, day):
        text = (
            "child_id,child_name,date,check_in,check_out,absence_reason\n"
            f"{maya.child_id},Maya,{day.isoformat()},08:05,17:30,\n"
            f"{leo.child_id},Leo,{day.strftime('%m/%d/%Y')},,,Sick\n"
        )
        response = upload(clients.provider_x, world, text)
        assert response.status_code == 302
        with in_a():
            records = {r.enrollment_id: r for r in AttendanceRecord.objects.filter(day=day)}
            event = AuditEvent.objects.get(action="attendance.imported")
        assert records[maya.pk].check_in == datetime.time(8, 5)
        assert records[leo.pk].absence_reason == "sick"
        assert records[maya.pk].source == "csv"
        assert event.after["rows"] == 2

    def test_one_bad_row_imports_nothing_and_names_line_and_column(self, world, clients, in_a, maya, leo, day):
        text = (
            "child_id,date,check_in,check_out,absence_reason\n"
            f"{maya.child_id},{day.isoformat()},08:05,17:30,\n"
            "\n"
            f"{leo.child_id},{day.isoformat()},25:00,,\n"
        )
        response = upload(clients.provider_x, world, text)
        assert response.status_code == 400
        html = response.text
        assert "Nothing was imported: 1 problem" in html
        assert "Line 4, column check_in: “25:00” is not a time such as 08:05 or 8:05 AM." in html
        with in_a():
            assert not AttendanceRecord.objects.exists()

    def test_row_problems_are_all_listed(self, world, clients, maya, leo, day, today):
        text = (
            "child_id,date,check_in,check_out,absence_reason\n"
            f"{maya.child_id},{day.isoformat()},09:00,08:00,\n"
            f"{leo.child_id},{day.isoformat()},08:00,,sick\n"
            f"abc,{day.isoformat()},08:00,,\n"
            f"{maya.child_id},{(today + datetime.timedelta(days=2)).isoformat()},08:00,,\n"
        )
        html = upload(clients.provider_x, world, text).text
        assert "Line 2, column check_out: Check-out 08:00 is before check-in 09:00." in html
        assert "Line 3, column absence_reason: A child is either present" in html
        assert "Line 4, column child_id: “abc” is not a child number." in html

    def test_repeats_and_days_already_recorded_are_refused(self, world, clients, in_a, maya, day):
        with in_a():
            attendance_check_in(actor=world.users.provider_x, enrollment=maya, day=day, at=EIGHT)
        other = day - datetime.timedelta(days=7)
        text = (
            "child_id,date,check_in,check_out,absence_reason\n"
            f"{maya.child_id},{day.isoformat()},08:00,,\n"
            f"{maya.child_id},{other.isoformat()},08:00,,\n"
            f"{maya.child_id},{other.isoformat()},09:00,,\n"
        )
        html = upload(clients.provider_x, world, text).text
        assert f"Line 2, column date: Maya Lopez's attendance on {day.isoformat()} is already recorded." in html
        assert f"Line 4, column date: Child {maya.child_id} on {other.isoformat()} repeats line 3." in html

    def test_a_provider_imports_only_their_programs_children(self, world, clients, rooms, day):
        child = ChildFactory(family=FamilyFactory(alliance=world.a), date_of_birth=months_before(day, 40))
        enroll(child, rooms.preschool_y, day - datetime.timedelta(days=30))
        text = f"child_id,date,check_in,check_out,absence_reason\n{child.pk},{day.isoformat()},08:00,,\n"
        html = upload(clients.provider_x, world, text).text
        assert f"Line 2, column child_id: Child {child.pk} is not enrolled in your program on" in html
        assert upload(clients.staff_a, world, text).status_code == 302

    def test_missing_columns_are_named(self, world, clients):
        html = upload(clients.provider_x, world, "child,date\n1,2026-01-05\n").text
        assert "Line 1: Missing columns: child_id, check_in, check_out, absence_reason." in html

    def test_the_roster_download_is_a_file_to_fill_in(self, world, rooms, clients, maya, day):
        response = clients.provider_x.get(url(world, rooms, "roster.csv") + f"?day={day.isoformat()}")
        assert response["Content-Type"].startswith("text/csv")
        rows = csv_rows(response)
        assert rows[0] == ["child_id", "child_name", "date", "check_in", "check_out", "absence_reason", "note"]
        assert rows[1] == [str(maya.child_id), "Maya Lopez", day.isoformat(), "", "", "", ""]

    def test_it_validates_ownership(self, world, clients):
        assert clients.funder_a.get(f"/a/{world.a.slug}/attendance/upload/").status_code == 403
        assert clients.provider_z.get(f"/a/{world.a.slug}/attendance/upload/").status_code == 404


class TestTimes:
    """A day entered afterwards gets the room's hours (or the times typed), not the clock's; times can be corrected."""

    def test_a_past_day_checks_in_at_opening_and_out_at_closing(self, world, rooms, clients, in_a, maya, day):
        page = clients.provider_x.get(url(world, rooms) + f"?day={day.isoformat()}").content.decode()
        opens, closes = rooms.toddlers.opens_at.strftime("%H:%M"), rooms.toddlers.closes_at.strftime("%H:%M")
        assert f'name="at" value="{opens}"' in page
        data = {"enrollment": maya.pk, "day": day.isoformat()}
        clients.provider_x.post(url(world, rooms, "mark/"), {**data, "action": "check_in", "at": opens})
        row = clients.provider_x.post(
            url(world, rooms, "mark/"), {**data, "action": "check_out"}, HTTP_HX_REQUEST="true"
        )
        assert f"<td>{opens}</td>" in row.content.decode()
        assert f"<td>{closes}</td>" in row.content.decode()
        with in_a():
            record = AttendanceRecord.objects.get(enrollment=maya, day=day)
        assert (record.check_in, record.check_out) == (rooms.toddlers.opens_at, rooms.toddlers.closes_at)

    def test_times_typed_are_kept_and_can_be_corrected_with_an_audit_event(
        self, world, rooms, clients, in_a, maya, day
    ):
        data = {"enrollment": maya.pk, "day": day.isoformat()}
        clients.provider_x.post(url(world, rooms, "mark/"), {**data, "action": "check_in", "at": "08:40"})
        row = clients.provider_x.post(
            url(world, rooms, "mark/"),
            {**data, "action": "correct", "check_in_at": "08:10", "check_out_at": "16:45"},
            HTTP_HX_REQUEST="true",
        ).content.decode()
        assert "Say why the times change (at least 3 characters)." in row
        row = clients.provider_x.post(
            url(world, rooms, "mark/"),
            {
                **data,
                "action": "correct",
                "check_in_at": "08:10",
                "check_out_at": "16:45",
                "correction_reason": "Came at ten past; clicked late",
            },
            HTTP_HX_REQUEST="true",
        ).content.decode()
        assert "<td>08:10</td>" in row
        assert "<td>16:45</td>" in row
        with in_a():
            record = AttendanceRecord.objects.get(enrollment=maya, day=day)
            event = AuditEvent.objects.get(action="attendance.corrected")
        assert (record.check_in, record.check_out) == (datetime.time(8, 10), datetime.time(16, 45))
        assert event.before["check_in"] == "08:40:00"
        assert event.after["check_out"] == "16:45:00"
        assert (event.reason, event.actor_id) == ("Came at ten past; clicked late", world.users.provider_x.pk)
        backwards = clients.provider_x.post(
            url(world, rooms, "mark/"),
            {**data, "action": "correct", "check_in_at": "09:00", "check_out_at": "08:00", "correction_reason": "typo"},
            HTTP_HX_REQUEST="true",
        ).content.decode()
        assert "Check-out at 08:00 would be before check-in at 09:00." in backwards
