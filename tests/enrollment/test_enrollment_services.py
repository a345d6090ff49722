"""Enrolling: capacity and age refusals with their messages, hub overrides,
schedules, transfers and endings."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from alliance.formatting import day as shown
from alliance.models import AuditEvent
from enrollment.models import AttendanceRecord, EndReason, Enrollment
from enrollment.rules import DayLength
from enrollment.services import (
    enrollment_change_schedule,
    enrollment_create,
    enrollment_end,
    enrollment_transfer,
)
from enrollment.vacancy import room_days
from members.models import AgeGroup
from tests.enrollment.conftest import next_monday
from tests.enrollment.factories import ChildFactory, FamilyFactory, enroll, fill, months_before
from tests.members.factories import ClassroomCapacityFactory, SiteFactory, classroom

DAY = datetime.timedelta(days=1)


@pytest.fixture
def monday(today):
    return next_monday(today, weeks=2)


@pytest.fixture
def toddler(world, monday):
    return ChildFactory(
        family=FamilyFactory(alliance=world.a, name="Lopez family"),
        first_name="Maya",
        last_name="Lopez",
        date_of_birth=months_before(monday, 24),
    )


def messages_of(exc: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return exc.value.messages


class TestCapacity:
    def test_a_full_room_refuses_and_names_the_day_and_the_numbers(self, world, rooms, in_a, monday, toddler):
        fill(rooms.toddlers, 12, monday, dob=months_before(monday, 24))
        with in_a(), pytest.raises(ValidationError) as refused:
            enrollment_create(
                actor=world.users.provider_x,
                child=toddler,
                classroom=rooms.toddlers,
                start_date=monday,
                weekdays=[0, 1, 2, 3, 4],
            )
        assert messages_of(refused) == [
            f"Toddler Room is full on {shown(monday)}: 12.0 of 12 licensed places taken "
            "(FTE; 12 children enrolled); this enrollment (1.0) would make 13.0."
        ]
        with in_a():
            assert not Enrollment.objects.filter(child=toddler).exists()

    def test_the_first_day_over_capacity_is_named_even_weeks_ahead(self, world, rooms, in_a, monday, toddler):
        fill(rooms.toddlers, 11, monday, dob=months_before(monday, 24))
        later = monday + datetime.timedelta(weeks=3)
        fill(rooms.toddlers, 1, later, dob=months_before(monday, 24))
        with in_a(), pytest.raises(ValidationError) as refused:
            enrollment_create(
                actor=world.users.staff_a,
                child=toddler,
                classroom=rooms.toddlers,
                start_date=monday,
                weekdays=[0, 1, 2, 3, 4],
            )
        assert f"Toddler Room is full on {shown(later)}: 12.0 of 12" in messages_of(refused)[0]

    def test_an_enrollment_that_ends_before_the_room_fills_up_is_accepted(self, world, rooms, in_a, monday, toddler):
        fill(rooms.toddlers, 11, monday, dob=months_before(monday, 24))
        later = monday + datetime.timedelta(weeks=3)
        fill(rooms.toddlers, 1, later, dob=months_before(monday, 24))
        with in_a():
            done = enrollment_create(
                actor=world.users.staff_a,
                child=toddler,
                classroom=rooms.toddlers,
                start_date=monday,
                end_date=later - DAY,
                weekdays=[0, 1, 2, 3, 4],
            )
        assert done.end_date == later - DAY

    def test_a_capacity_cut_is_checked_on_its_day(self, world, rooms, in_a, monday, toddler):
        cut = monday + datetime.timedelta(weeks=2)
        ClassroomCapacityFactory(classroom=rooms.toddlers, effective_from=cut, licensed_capacity=10)
        fill(rooms.toddlers, 10, monday, dob=months_before(monday, 24))
        with in_a(), pytest.raises(ValidationError) as refused:
            enrollment_create(
                actor=world.users.staff_a,
                child=toddler,
                classroom=rooms.toddlers,
                start_date=monday,
                weekdays=[0, 1, 2, 3, 4],
            )
        assert messages_of(refused)[0].startswith(
            f"Toddler Room is full on {shown(cut)}: 10.0 of 10 licensed places taken"
        )

    def test_part_timers_share_a_place_by_fte(self, world, rooms, in_a, monday):
        dob = months_before(monday, 24)
        fill(rooms.toddlers, 11, monday, dob=dob)
        family = FamilyFactory(alliance=world.a)
        with in_a():
            mwf = enrollment_create(
                actor=world.users.provider_x,
                child=ChildFactory(family=family, date_of_birth=dob),
                classroom=rooms.toddlers,
                start_date=monday,
                weekdays=[0, 2, 4],
            )
            tth = enrollment_create(
                actor=world.users.provider_x,
                child=ChildFactory(family=family, date_of_birth=dob),
                classroom=rooms.toddlers,
                start_date=monday,
                weekdays=[1, 3],
                day_length=DayLength.FULL,
            )
            assert (mwf.fte, tth.fte) == (Decimal("0.60"), Decimal("0.40"))
            with pytest.raises(ValidationError) as refused:
                enrollment_create(
                    actor=world.users.provider_x,
                    child=ChildFactory(family=family, date_of_birth=dob),
                    classroom=rooms.toddlers,
                    start_date=monday,
                    weekdays=[1],
                    day_length=DayLength.PART,
                )
        assert (
            "12.0 of 12 licensed places taken (FTE; 13 children enrolled); this enrollment (0.1) would make 12.1."
        ) in messages_of(refused)[0]

    def test_a_day_with_no_capacity_recorded_is_refused(self, world, in_a, monday, toddler):
        site = SiteFactory(program=world.x)
        room = classroom(
            site,
            name="New Room",
            age_group=AgeGroup.TODDLER,
            licensed=10,
            opened_on=monday + datetime.timedelta(weeks=4),
        )
        with in_a(), pytest.raises(ValidationError) as refused:
            enrollment_create(
                actor=world.users.staff_a, child=toddler, classroom=room, start_date=monday, weekdays=[0, 1, 2, 3, 4]
            )
        assert messages_of(refused) == [f"New Room has no licensed capacity recorded on {shown(monday)}."]


class TestAge:
    def test_a_child_outside_the_rooms_age_group_is_refused_with_the_age(self, world, rooms, in_a, monday, toddler):
        with in_a(), pytest.raises(ValidationError) as refused:
            enrollment_create(
                actor=world.users.staff_a,
                child=toddler,
                classroom=rooms.infants,
                start_date=monday,
                weekdays=[0, 1, 2, 3, 4],
            )
        assert messages_of(refused) == [
            f"Maya Lopez is 2 years old on {shown(monday)} (toddler); Infant Room takes infants "
            "(0 months to under 18 months)."
        ]

    def test_both_refusals_are_reported_together(self, world, rooms, in_a, monday, toddler):
        fill(rooms.infants, 8, monday, dob=months_before(monday, 6))
        with in_a(), pytest.raises(ValidationError) as refused:
            enrollment_create(
                actor=world.users.staff_a,
                child=toddler,
                classroom=rooms.infants,
                start_date=monday,
                weekdays=[0, 1, 2, 3, 4],
            )
        assert [m.split(" ")[0] for m in messages_of(refused)] == ["Maya", "Infant"]


class TestOverride:
    def test_hub_staff_override_with_a_written_reason_and_it_is_audited(self, world, rooms, in_a, monday, toddler):
        fill(rooms.toddlers, 12, monday, dob=months_before(monday, 24))
        reason = "Licensing approved a temporary 13th place for this sibling."
        with in_a():
            enrollment = enrollment_create(
                actor=world.users.staff_a,
                child=toddler,
                classroom=rooms.toddlers,
                start_date=monday,
                weekdays=[0, 1, 2, 3, 4],
                override_reason=reason,
            )
            assert enrollment.override_reason == reason
            event = AuditEvent.objects.get(action="enrollment.override")
        assert event.reason == reason
        assert event.actor_id == world.users.staff_a.pk
        assert event.after["refusals"][0].startswith(f"Toddler Room is full on {shown(monday)}")
        assert event.object_id == str(enrollment.pk)
        assert event.program_id == world.x.pk

    def test_a_provider_cannot_override(self, world, rooms, in_a, monday, toddler):
        fill(rooms.toddlers, 12, monday, dob=months_before(monday, 24))
        with in_a(), pytest.raises(ValidationError) as refused:
            enrollment_create(
                actor=world.users.provider_x,
                child=toddler,
                classroom=rooms.toddlers,
                start_date=monday,
                weekdays=[0, 1, 2, 3, 4],
                override_reason="Director's call, ok",
            )
        assert messages_of(refused) == ["Only Hub staff can override a refusal."]

    def test_a_one_word_reason_is_not_a_reason(self, world, rooms, in_a, monday, toddler):
        with in_a(), pytest.raises(ValidationError, match="at least 10 characters"):
            enrollment_create(
                actor=world.users.staff_a,
                child=toddler,
                classroom=rooms.infants,
                start_date=monday,
                weekdays=[0, 1, 2, 3, 4],
                override_reason="ok",
            )

    def test_no_override_is_recorded_when_nothing_was_refused(self, world, rooms, in_a, monday, toddler):
        with in_a():
            enrollment = enrollment_create(
                actor=world.users.staff_a,
                child=toddler,
                classroom=rooms.toddlers,
                start_date=monday,
                weekdays=[0, 1, 2, 3, 4],
                override_reason="Just in case there is a problem.",
            )
            assert enrollment.override_reason == ""
            assert not AuditEvent.objects.filter(action="enrollment.override").exists()
            assert AuditEvent.objects.filter(action="enrollment.created", object_id=str(enrollment.pk)).exists()


class TestScheduleAndOverlap:
    def test_days_must_be_days_the_room_is_open(self, world, rooms, in_a, monday, toddler):
        with in_a(), pytest.raises(ValidationError) as refused:
            enrollment_create(
                actor=world.users.staff_a, child=toddler, classroom=rooms.toddlers, start_date=monday, weekdays=[4, 5]
            )
        assert refused.value.message_dict["weekdays"] == ["Toddler Room is open Mon–Fri; Sat is not among its days."]

    def test_a_child_is_not_enrolled_twice_on_the_same_days(self, world, rooms, in_a, monday, toddler):
        site = SiteFactory(program=world.y)
        other = classroom(site, name="Y Toddlers", age_group=AgeGroup.TODDLER, licensed=10)
        enroll(toddler, rooms.toddlers, monday, weekdays=[0, 2, 4])
        with in_a():
            with pytest.raises(ValidationError, match="already enrolled in Toddler Room at Program X on Mon"):
                enrollment_create(
                    actor=world.users.staff_a,
                    child=toddler,
                    classroom=other,
                    start_date=monday + datetime.timedelta(weeks=1),
                    weekdays=[0, 1],
                )
            # Other days at another program are fine: a family may use two providers.
            split = enrollment_create(
                actor=world.users.staff_a, child=toddler, classroom=other, start_date=monday, weekdays=[1, 3]
            )
        assert split.program_id == world.y.pk

    def test_a_schedule_change_keeps_each_days_fte(self, world, rooms, in_a, monday, toddler):
        first = enroll(toddler, rooms.toddlers, monday)
        change = monday + datetime.timedelta(weeks=2)
        with in_a():
            second = enrollment_change_schedule(
                actor=world.users.provider_x,
                enrollment=first,
                effective_from=change,
                weekdays=[0, 2, 4],
                day_length=DayLength.FULL,
            )
            first.refresh_from_db()
            days = {
                d.day: d.enrolled_fte
                for d in room_days(
                    classroom_ids=[rooms.toddlers.pk], start=monday, end=change + datetime.timedelta(days=7)
                )
            }
            assert AuditEvent.objects.filter(action="enrollment.schedule_changed").count() == 1
        assert (first.end_date, first.end_reason) == (change - DAY, EndReason.SCHEDULE_CHANGE)
        assert (second.start_date, second.previous_id, second.fte) == (change, first.pk, Decimal("0.60"))
        assert days[change - datetime.timedelta(days=3)] == Decimal("1.00")  # the Friday before
        assert days[change] == Decimal("0.60")

    def test_a_change_on_the_first_day_edits_the_enrollment_in_place(self, world, rooms, in_a, monday, toddler):
        first = enroll(toddler, rooms.toddlers, monday)
        with in_a():
            same = enrollment_change_schedule(
                actor=world.users.staff_a,
                enrollment=first,
                effective_from=monday,
                weekdays=[1, 3],
                day_length=DayLength.PART,
            )
        assert same.pk == first.pk
        assert same.fte == Decimal("0.20")

    def test_a_change_before_recorded_attendance_is_refused(self, world, rooms, in_a, today, toddler):
        start = today - datetime.timedelta(days=21)
        first = enroll(toddler, rooms.toddlers, start)
        attended = today - datetime.timedelta(days=1 if today.weekday() not in (0, 6) else 3)
        with in_a():
            AttendanceRecord.objects.create(enrollment=first, day=attended, check_in=datetime.time(8))
            with pytest.raises(ValidationError, match=f"Attendance is recorded on {shown(attended)}"):
                enrollment_change_schedule(
                    actor=world.users.staff_a,
                    enrollment=first,
                    effective_from=attended,
                    weekdays=[0],
                    day_length=DayLength.FULL,
                )


class TestTransferAndEnd:
    def test_a_transfer_checks_the_new_room_and_links_the_enrollments(self, world, rooms, in_a, monday, toddler):
        first = enroll(toddler, rooms.toddlers, monday)
        move = monday + datetime.timedelta(weeks=1)
        with in_a():
            with pytest.raises(ValidationError, match="Infant Room takes infants"):
                enrollment_transfer(
                    actor=world.users.staff_a, enrollment=first, classroom=rooms.infants, effective_from=move
                )
            site = SiteFactory(program=world.y)
            other = classroom(site, name="Y Toddlers", age_group=AgeGroup.TODDLER, licensed=10)
            moved = enrollment_transfer(
                actor=world.users.staff_a, enrollment=first, classroom=other, effective_from=move
            )
            first.refresh_from_db()
        assert (first.end_date, first.end_reason) == (move - DAY, EndReason.TRANSFER)
        assert (moved.classroom_id, moved.program_id, moved.previous_id) == (other.pk, world.y.pk, first.pk)

    def test_ending_needs_a_reason_and_a_day_after_the_start(self, world, rooms, in_a, monday, toddler):
        first = enroll(toddler, rooms.toddlers, monday)
        with in_a():
            with pytest.raises(ValidationError) as refused:
                enrollment_end(
                    actor=world.users.provider_x, enrollment=first, end_date=monday - DAY, reason=EndReason.OTHER
                )
            assert set(refused.value.message_dict) == {"end_date", "note"}
            ended = enrollment_end(
                actor=world.users.provider_x,
                enrollment=first,
                end_date=monday + datetime.timedelta(days=30),
                reason=EndReason.GRADUATED,
            )
            event = AuditEvent.objects.get(action="enrollment.ended")
        assert ended.end_reason == EndReason.GRADUATED
        assert event.before == {"end_date": None, "end_reason": "", "end_note": ""}

    def test_ending_before_recorded_attendance_is_refused(self, world, rooms, in_a, today, toddler):
        start = today - datetime.timedelta(days=30)
        first = enroll(toddler, rooms.toddlers, start)
        with in_a():
            AttendanceRecord.objects.create(
                enrollment=first, day=start + datetime.timedelta(days=7), check_in=datetime.time(8)
            )
            with pytest.raises(ValidationError, match="the enrollment cannot end before that day"):
                enrollment_end(
                    actor=world.users.staff_a, enrollment=first, end_date=start + DAY, reason=EndReason.MOVED
                )
