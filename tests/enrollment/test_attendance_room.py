"""A room's day as a classroom runs it: everyone in or out at once with exceptions,
times corrected with a reason, the staff-to-child ratio against the licence, needs
readable without hover, and the printable sign-in sheet."""

from __future__ import annotations

import datetime
import html
import io

import pytest
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from alliance.models import AuditEvent
from enrollment.models import AttendanceRecord, StaffAttendance
from enrollment.selectors import RoomRatio, room_ratio
from enrollment.services import attendance_check_in, staff_check_in
from enrollment.services.attendance_bulk import check_time_not_ahead
from tests.enrollment.factories import ChildFactory, FamilyFactory, GuardianFactory, enroll, months_before
from tests.members.factories import StaffMemberFactory

EIGHT = datetime.time(8, 0)


def last_weekday(today: datetime.date) -> datetime.date:
    day = today - datetime.timedelta(days=1)
    while day.weekday() > 4:
        day -= datetime.timedelta(days=1)
    return day


@pytest.fixture
def day(today):
    return last_weekday(today)


def child_in(world, room, day, first: str, *, needs: str = "", family=None):  # type: ignore[no-untyped-def]
    child = ChildFactory(
        family=family or FamilyFactory(alliance=world.a, name=f"{first} family"),
        first_name=first,
        last_name="Lopez",
        date_of_birth=months_before(day, 8 if room.age_group == "infant" else 24),
        needs_notes=needs,
    )
    return enroll(child, room, day - datetime.timedelta(days=60))


@pytest.fixture
def toddlers(world, rooms, day):
    """Maya, Leo and Ana in the toddler room (1:6), Mon–Fri."""
    return {name: child_in(world, rooms.toddlers, day, name) for name in ("Maya", "Leo", "Ana")}


def page(world, room, name: str = "") -> str:
    return f"/a/{world.a.slug}/attendance/classrooms/{room.pk}/{name}"


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.content.decode())


class TestEveryoneAtOnce:
    def test_check_in_all_with_one_absent_and_one_late_in_one_submit(self, world, rooms, clients, in_a, toddlers, day):
        """Three expected; Leo is sick, Ana came at 08:40: one submit records Maya at 08:00,
        Leo absent, Ana at 08:40, and one audit event names all three."""
        maya, leo, ana = toddlers["Maya"], toddlers["Leo"], toddlers["Ana"]
        form = {
            "day": day.isoformat(),
            "at": "08:00",
            f"choice-{leo.pk}": "absent:sick",
            f"choice-{ana.pk}": "at",
            f"at-{ana.pk}": "08:40",
        }
        response = clients.provider_x.post(page(world, rooms.toddlers, "all-in/"), form, follow=True)
        assert response.status_code == 200
        assert "2 checked in; 1 absent (Leo Lopez)." in text_of(response)
        with in_a():
            records = {r.enrollment_id: r for r in AttendanceRecord.objects.filter(day=day)}
            event = AuditEvent.objects.get(action="attendance.bulk_checked_in")
        assert records[maya.pk].check_in == EIGHT
        assert records[leo.pk].absence_reason == "sick"
        assert records[ana.pk].check_in == datetime.time(8, 40)
        assert sorted(event.after["checked_in"]) == ["Ana Lopez", "Maya Lopez"]
        assert event.after["absent"] == ["Leo Lopez"]
        assert event.after["different_times"] == {"Ana Lopez": "08:40"}
        assert event.actor_id == world.users.provider_x.pk

        # The same form again (a double tap, a reload): nothing changes, no second event.
        again = clients.provider_x.post(page(world, rooms.toddlers, "all-in/"), form, follow=True)
        assert "Nothing changed" in text_of(again)
        with in_a():
            assert AttendanceRecord.objects.filter(day=day).count() == 3
            assert AuditEvent.objects.filter(action="attendance.bulk_checked_in").count() == 1

    def test_a_child_not_here_yet_is_left_open_and_checked_in_later(self, world, rooms, clients, in_a, toddlers, day):
        leo = toddlers["Leo"]
        clients.provider_x.post(
            page(world, rooms.toddlers, "all-in/"), {"day": day.isoformat(), "at": "08:00", f"choice-{leo.pk}": "skip"}
        )
        with in_a():
            assert not AttendanceRecord.objects.filter(enrollment=leo, day=day).exists()
            assert AttendanceRecord.objects.filter(day=day).count() == 2
        sheet = text_of(clients.provider_x.get(page(world, rooms.toddlers) + f"?day={day.isoformat()}"))
        assert "Check everyone in at once" in sheet  # Leo is still to come

    def test_check_out_all_keeps_one_staying_and_refuses_a_time_before_check_in(
        self, world, rooms, clients, in_a, toddlers, day
    ):
        maya, leo, ana = toddlers["Maya"], toddlers["Leo"], toddlers["Ana"]
        with in_a():
            for enrollment, at in ((maya, EIGHT), (leo, EIGHT), (ana, datetime.time(9, 30))):
                attendance_check_in(actor=world.users.provider_x, enrollment=enrollment, day=day, at=at)
        refused = clients.provider_x.post(
            page(world, rooms.toddlers, "all-out/"), {"day": day.isoformat(), "at": "09:00"}
        )
        assert refused.status_code == 400
        assert "Ana Lopez was checked in at 09:30, after 09:00." in text_of(refused)
        with in_a():
            assert not AttendanceRecord.objects.filter(day=day, check_out__isnull=False).exists()
        clients.provider_x.post(
            page(world, rooms.toddlers, "all-out/"),
            {"day": day.isoformat(), "at": "17:00", f"choice-{leo.pk}": "skip"},
        )
        with in_a():
            outs = dict(AttendanceRecord.objects.filter(day=day).values_list("enrollment_id", "check_out"))
            assert AuditEvent.objects.get(action="attendance.bulk_checked_out").after["staying"] == ["Leo Lopez"]
        assert outs == {maya.pk: datetime.time(17), leo.pk: None, ana.pk: datetime.time(17)}

    def test_a_time_later_than_the_alliances_clock_is_refused_on_today_only(self):
        today = datetime.date(2026, 12, 7)
        check_time_not_ahead(today, datetime.time(8, 15), today=today, now=datetime.time(8, 15))
        check_time_not_ahead(today - datetime.timedelta(days=1), datetime.time(17), today=today, now=EIGHT)
        with pytest.raises(ValidationError) as refused:
            check_time_not_ahead(today, datetime.time(8, 16), today=today, now=datetime.time(8, 15))
        assert refused.value.messages == ["08:16 has not come yet today (it is 08:15 now)."]

    def test_an_exception_for_a_child_of_another_room_refuses_everything(
        self, world, rooms, clients, in_a, toddlers, day
    ):
        infant = child_in(world, rooms.infants, day, "Zoe")
        response = clients.provider_x.post(
            page(world, rooms.toddlers, "all-in/"),
            {"day": day.isoformat(), "at": "08:00", f"choice-{infant.pk}": "absent:sick"},
        )
        # The infant is not on the toddler room's roster: her choice is not even read, everyone
        # else is checked in, and she is untouched.
        assert response.status_code == 302
        with in_a():
            assert not AttendanceRecord.objects.filter(enrollment=infant).exists()

    def test_the_api_twin_answers_400_with_field_errors_and_is_idempotent(
        self, world, rooms, clients, in_a, toddlers, day
    ):
        maya, leo = toddlers["Maya"], toddlers["Leo"]
        url = f"/api/a/{world.a.slug}/attendance/bulk-check-in/"
        bad = clients.provider_x.post(
            url,
            {
                "classroom": rooms.toddlers.pk,
                "day": day.isoformat(),
                "exceptions": [{"enrollment": leo.pk, "kind": "absent"}],
            },
            content_type="application/json",
        )
        assert bad.status_code == 400
        assert "Leo Lopez: choose the reason for the absence." in str(bad.json())
        body = {
            "classroom": rooms.toddlers.pk,
            "day": day.isoformat(),
            "at": "08:05",
            "exceptions": [{"enrollment": leo.pk, "kind": "absent", "reason": "vacation"}],
        }
        first = clients.provider_x.post(url, body, content_type="application/json").json()
        assert sorted(first["done"]) == ["Ana Lopez", "Maya Lopez"]
        assert first["absent"] == ["Leo Lopez"]
        second = clients.provider_x.post(url, body, content_type="application/json").json()
        assert second["done"] == []
        assert len(second["already_recorded"]) == 3
        with in_a():
            assert AttendanceRecord.objects.get(enrollment=maya, day=day).check_in == datetime.time(8, 5)
        other = clients.provider_y.post(url, body, content_type="application/json")
        assert other.status_code == 400  # another program's room "does not exist" for them
        assert "classroom" in other.json()

    def test_the_api_corrects_times_with_a_reason(self, world, rooms, clients, in_a, toddlers, day):
        with in_a():
            record = attendance_check_in(actor=world.users.provider_x, enrollment=toddlers["Maya"], day=day, at=EIGHT)
        url = f"/api/a/{world.a.slug}/attendance/{record.pk}/correct/"
        missing = clients.provider_x.post(url, {"check_in": "07:45"}, content_type="application/json")
        assert missing.status_code == 400
        assert "reason" in missing.json()
        backwards = clients.provider_x.post(
            url, {"check_in": "07:45", "check_out": "07:00", "reason": "typo"}, content_type="application/json"
        )
        assert backwards.status_code == 400
        assert "Check-out at 07:00 would be before check-in at 07:45." in str(backwards.json())
        done = clients.provider_x.post(
            url, {"check_in": "07:45", "reason": "Came with her sister"}, content_type="application/json"
        )
        assert done.status_code == 200
        assert done.json()["check_in"] == "07:45:00"
        with in_a():
            event = AuditEvent.objects.get(action="attendance.corrected")
        assert (event.before, event.after, event.reason) == (
            {"check_in": "08:00:00"},
            {"check_in": "07:45:00"},
            "Came with her sister",
        )

    def test_it_validates_ownership(self, world, rooms, clients, toddlers, day):
        form = {"day": day.isoformat(), "at": "08:00"}
        for name in ("all-in/", "all-out/", "staff/"):
            assert clients.provider_y.post(page(world, rooms.toddlers, name), form).status_code == 404
            assert clients.admin_b.post(page(world, rooms.toddlers, name), form).status_code == 404
        for name in ("ratio/", "sign-in-sheet.pdf"):
            assert clients.provider_y.get(page(world, rooms.toddlers, name)).status_code == 404
            assert clients.admin_b.get(page(world, rooms.toddlers, name)).status_code == 404


class TestRatio:
    def test_the_worked_example(self):
        """A room at 1:4. 8 children with 2 staff: 8 ÷ 4 = 2 needed, 2 there → within ratio.
        A 9th child: 9 ÷ 4 = 2.25, rounded up 3 needed, 2 there → over ratio, 1 more needed.
        Group size 8: the 9th child is also 1 over the largest group."""
        eight = RoomRatio(children=8, staff=2, children_per_staff=4, max_group=8)
        assert (eight.staff_needed, eight.within_ratio, eight.ok) == (2, True, True)
        assert eight.summary == "Within ratio: 8 children, 2 staff at 1:4 (needs 2)."
        nine = RoomRatio(children=9, staff=2, children_per_staff=4, max_group=8)
        assert (nine.staff_needed, nine.staff_short, nine.over_group) == (3, 1, 1)
        assert nine.summary == (
            "Over ratio: 9 children, 2 staff at 1:4 (needs 3); 1 more staff needed now."
            " Over group size: at most 8 children together; 1 too many."
        )
        assert RoomRatio(children=0, staff=0, children_per_staff=4, max_group=8).ok

    def test_the_page_says_over_ratio_in_words_as_children_and_staff_come_and_go(
        self, world, rooms, clients, in_a, day
    ):
        """The infant room is 1:4. Five infants checked in with one teacher: 5 ÷ 4 → 2 needed,
        1 there → over ratio. A second teacher comes in → within. One leaves → over again."""
        infants = [child_in(world, rooms.infants, day, f"Baby{i}") for i in range(5)]
        ada = StaffMemberFactory(program=world.x, first_name="Ada", last_name="Reyes")
        ben = StaffMemberFactory(program=world.x, first_name="Ben", last_name="Ortiz")
        StaffMemberFactory(program=world.y, first_name="Yan")  # another program's teacher is not offered
        clients.provider_x.post(page(world, rooms.infants, "all-in/"), {"day": day.isoformat(), "at": "08:00"})
        staff_url = page(world, rooms.infants, "staff/")
        clients.provider_x.post(staff_url, {"staff": ada.pk, "day": day.isoformat(), "action": "in", "at": "07:30"})
        sheet = text_of(clients.provider_x.get(page(world, rooms.infants) + f"?day={day.isoformat()}"))
        assert "OVER RATIO" in sheet
        assert "Over ratio: 5 children, 1 staff at 1:4 (needs 2); 1 more staff needed now." in sheet
        assert "Yan" not in sheet
        clients.provider_x.post(staff_url, {"staff": ben.pk, "day": day.isoformat(), "action": "in", "at": "08:10"})
        panel = text_of(clients.provider_x.get(page(world, rooms.infants, "ratio/") + f"?day={day.isoformat()}"))
        assert "Within ratio: 5 children, 2 staff at 1:4 (needs 2)." in panel
        clients.provider_x.post(staff_url, {"staff": ben.pk, "day": day.isoformat(), "action": "out", "at": "12:00"})
        with in_a():
            assert room_ratio(rooms.infants, day).summary.startswith("Over ratio: 5 children, 1 staff")
            assert StaffAttendance.objects.get(staff=ben).check_out == datetime.time(12)
        # A child going home brings the room back within: 4 ÷ 4 = 1.
        one = infants[0]
        clients.provider_x.post(
            page(world, rooms.infants, "mark/"),
            {"enrollment": one.pk, "day": day.isoformat(), "action": "check_out", "at": "12:30"},
        )
        with in_a():
            assert room_ratio(rooms.infants, day).within_ratio

    def test_staff_of_another_program_cannot_be_checked_in(self, world, rooms, in_a, day):
        yan = StaffMemberFactory(program=world.y, first_name="Yan")
        with in_a(), pytest.raises(ValidationError, match="is not classroom staff of this program"):
            staff_check_in(actor=world.users.admin_a, classroom=rooms.infants, staff=yan, day=day, at=EIGHT)


class TestNeedsAndSheet:
    def test_needs_are_written_on_the_row_not_hidden_in_a_tooltip(self, world, rooms, clients, day):
        child_in(world, rooms.toddlers, day, "Maya", needs="Peanut allergy: EpiPen in the office")
        sheet = text_of(clients.provider_x.get(page(world, rooms.toddlers) + f"?day={day.isoformat()}"))
        assert '<span class="needs-badge"><strong>Needs:</strong> Peanut allergy: EpiPen in the office</span>' in sheet
        assert 'title="Peanut allergy' not in sheet

    def test_the_sign_in_sheet_lists_children_pick_ups_and_needs(self, world, rooms, clients, day):
        family = FamilyFactory(alliance=world.a, name="Lopez family")
        GuardianFactory(family=family, first_name="Rosa", last_name="Lopez", phone="(555) 201-3344")
        GuardianFactory(family=family, first_name="Tio", last_name="Lopez", can_pick_up=False, is_primary_contact=False)
        child_in(world, rooms.toddlers, day, "Maya", needs="Peanut allergy", family=family)
        response = clients.provider_x.get(page(world, rooms.toddlers, "sign-in-sheet.pdf") + f"?day={day.isoformat()}")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
        for words in ("Daily sign-in sheet", "Toddler Room", "Maya Lopez", "Peanut allergy", "Rosa Lopez", "Signature"):
            assert words in text
        assert "Tio" not in text  # not allowed to pick up


class TestSubstitutesCount:
    def test_a_substitute_booked_into_the_room_counts_during_the_booked_hours(self, world, rooms, clients, in_a, today):
        """The infant room is 1:4. Five infants in, one teacher: 5 ÷ 4 → 2 needed, 1 there → over.
        Ana Alvarez is booked to cover the room today for hours that include now → 2 staff, within
        ratio, and the panel names her. A booking of another room, one cancelled and one whose
        hours are not now change nothing."""
        from alliance.dates import alliance_time
        from sharedservices.models import CoverStatus
        from tests.sharedservices.factories import SubstituteFactory, cover

        with in_a():  # open every day, so the test runs on a weekend too
            type(rooms.infants).objects.filter(pk=rooms.infants.pk).update(operating_days=list(range(7)))
            rooms.infants.refresh_from_db()
            for i in range(5):
                attendance_check_in(
                    actor=world.users.admin_a,
                    enrollment=child_in(world, rooms.infants, today, f"Baby{i}"),
                    day=today,
                    at=datetime.time(0, 0),
                )
        ada = StaffMemberFactory(program=world.x, first_name="Ada", last_name="Reyes")
        with in_a():
            staff_check_in(
                actor=world.users.admin_a, classroom=rooms.infants, staff=ada, day=today, at=datetime.time(0)
            )
        ana = SubstituteFactory(alliance=world.a, first_name="Ana", last_name="Alvarez")
        bo = SubstituteFactory(alliance=world.a, first_name="Bo", last_name="Kim")
        now = alliance_time(world.a)
        not_now = ("00:00", "00:30") if now >= datetime.time(1) else ("23:00", "23:30")
        cover(rooms.toddlers, today, "00:00", "23:59", status=CoverStatus.FILLED, substitute=bo)
        cover(rooms.infants, today, "00:00", "23:59", status=CoverStatus.CANCELLED, substitute=bo)
        cover(rooms.infants, today, *not_now, status=CoverStatus.FILLED, substitute=bo)
        with in_a():
            assert room_ratio(rooms.infants, today).summary.startswith("Over ratio: 5 children, 1 staff at 1:4")
        cover(rooms.infants, today, "00:00", "23:59", status=CoverStatus.FILLED, substitute=ana)
        panel = text_of(clients.provider_x.get(page(world, rooms.infants, "ratio/") + f"?day={today.isoformat()}"))
        assert "Within ratio: 5 children, 2 staff (substitute Ana Alvarez covering) at 1:4 (needs 2)." in panel
        assert "incl. 1 substitute booked for now" in panel
        # Yesterday's page has no "now" for a booking: the substitute is not counted there.
        with in_a():
            assert room_ratio(rooms.infants, today - datetime.timedelta(days=1)).substitutes == ()
