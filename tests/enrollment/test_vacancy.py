"""Vacancy: the capacity in force each day, enrolled FTE, open places and
occupancy, per classroom, program and alliance, in a fixed number of queries."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

import pytest

from enrollment.rules import DayLength
from enrollment.vacancy import room_days, vacancy_report
from members.models import AgeGroup, ProgramStatus
from tests.enrollment.conftest import next_monday
from tests.enrollment.factories import ChildFactory, FamilyFactory, enroll, fill, months_before
from tests.factories import MemberProgramFactory
from tests.members.factories import ClassroomCapacityFactory, SiteFactory, classroom

DAY = datetime.timedelta(days=1)


@pytest.fixture
def monday(today):
    return next_monday(today)


class TestCapacityInForce:
    def test_the_day_capacity_changes_uses_the_new_capacity(self, world, rooms, in_a, monday):
        cut = monday + datetime.timedelta(days=2)  # a Wednesday
        ClassroomCapacityFactory(classroom=rooms.infants, effective_from=cut, licensed_capacity=6, desired_capacity=5)
        fill(rooms.infants, 5, monday - datetime.timedelta(weeks=4), dob=months_before(monday, 6))
        with in_a():
            days = {
                d.day: d
                for d in room_days(
                    classroom_ids=[rooms.infants.pk], start=monday, end=monday + datetime.timedelta(days=4)
                )
            }
            report = vacancy_report(start=cut, end=cut, program_ids=[world.x.pk], age_group=AgeGroup.INFANT)
        assert (days[cut - DAY].licensed, days[cut - DAY].open_slots) == (8, Decimal("3.00"))
        assert (days[cut].licensed, days[cut].desired, days[cut].open_slots) == (6, 5, Decimal("1.00"))
        infants = report.classrooms[0].figures
        assert (infants.capacity_now, infants.enrolled_now, infants.open_now) == (6, Decimal("5.00"), Decimal("1.00"))
        assert infants.occupancy == Decimal("83.3")
        assert infants.occupancy_of_desired == Decimal("100.0")

    def test_only_operating_days_count_and_a_closed_room_stops(self, world, rooms, in_a, monday):
        site = SiteFactory(program=world.x)
        closing = classroom(
            site, name="Closing Room", age_group=AgeGroup.TODDLER, licensed=10, operating_days=[0, 2, 4]
        )
        with in_a():
            closing.closed_on = monday + datetime.timedelta(days=4)  # the Friday
            closing.save()
            days = [
                d.day
                for d in room_days(classroom_ids=[closing.pk], start=monday, end=monday + datetime.timedelta(days=13))
            ]
        assert days == [monday, monday + datetime.timedelta(days=2)]

    def test_enrollments_count_from_their_first_to_their_last_day(self, world, rooms, in_a, monday):
        family = FamilyFactory(alliance=world.a)
        dob = months_before(monday, 24)
        enroll(
            ChildFactory(family=family, date_of_birth=dob),
            rooms.toddlers,
            monday + DAY,
            monday + datetime.timedelta(days=3),
        )
        enroll(
            ChildFactory(family=family, date_of_birth=dob),
            rooms.toddlers,
            monday,
            weekdays=[0, 2, 4],
            day_length=DayLength.FULL,
        )
        with in_a():
            rows = room_days(classroom_ids=[rooms.toddlers.pk], start=monday, end=monday + datetime.timedelta(days=4))
            load = [(d.enrolled_fte, d.children) for d in rows]
        assert load == [
            (Decimal("0.60"), 1),
            (Decimal("1.60"), 2),
            (Decimal("1.60"), 2),
            (Decimal("1.60"), 2),
            (Decimal("0.60"), 1),
        ]


class TestRollups:
    def test_program_and_alliance_add_up_their_classrooms(self, world, rooms, in_a, monday):
        fill(rooms.toddlers, 9, monday, dob=months_before(monday, 24))
        fill(rooms.infants, 8, monday, dob=months_before(monday, 6))
        fill(rooms.preschool_y, 10, monday, dob=months_before(monday, 40))
        with in_a():
            report = vacancy_report(start=monday, end=monday + datetime.timedelta(days=27))
        programs = {p.program.name: p.figures for p in report.programs}
        assert (programs["Program X"].capacity_now, programs["Program X"].enrolled_now) == (20, Decimal("17.00"))
        assert programs["Program X"].occupancy == Decimal("85.0")
        assert (report.total.capacity_now, report.total.open_now, report.total.occupancy) == (
            40,
            Decimal("13.00"),
            Decimal("67.5"),
        )
        assert [c.classroom.name for c in report.with_open_slots()] == ["Y Preschool", "Toddler Room"]
        groups = {(g.age_group, g.area): g.figures.open_now for g in report.groups}
        assert groups == {
            (AgeGroup.INFANT, "Riverbend"): Decimal("0.00"),
            (AgeGroup.TODDLER, "Riverbend"): Decimal("3.00"),
            (AgeGroup.PRESCHOOL, "Millbrook"): Decimal("10.00"),
        }

    def test_another_alliance_and_departed_programs_are_not_counted(self, world, rooms, in_a, monday):
        gone = MemberProgramFactory(alliance=world.a, name="Gone", status=ProgramStatus.LEFT)
        classroom(SiteFactory(program=gone), name="Gone room", licensed=30)
        with in_a():
            report = vacancy_report(start=monday, end=monday)
        assert {c.classroom.name for c in report.classrooms} == {"Toddler Room", "Infant Room", "Y Preschool"}


class TestSetBased:
    def test_matches_a_day_by_day_count_of_random_enrollments(self, world, rooms, in_a, monday):
        rng = random.Random(7)
        start = monday - datetime.timedelta(days=60)
        ClassroomCapacityFactory(
            classroom=rooms.toddlers, effective_from=start + datetime.timedelta(days=45), licensed_capacity=14
        )
        family = FamilyFactory(alliance=world.a)
        made = []
        for _ in range(40):
            first = start + datetime.timedelta(days=rng.randrange(-30, 120))
            last = None if rng.random() < 0.3 else first + datetime.timedelta(days=rng.randrange(0, 90))
            weekdays = sorted(rng.sample(range(5), rng.randrange(1, 6)))
            length = rng.choice([DayLength.FULL, DayLength.PART])
            room = rng.choice([rooms.toddlers, rooms.infants])
            made.append(enroll(ChildFactory(family=family), room, first, last, weekdays=weekdays, day_length=length))
        end = start + datetime.timedelta(days=100)
        with in_a():
            rows = room_days(classroom_ids=[rooms.toddlers.pk, rooms.infants.pk], start=start, end=end)
        for row in rows:
            expected = [e for e in made if e.classroom_id == row.classroom_id and e.is_active_on(row.day)]
            assert row.enrolled_fte == sum((e.fte for e in expected), Decimal(0)), row
            assert row.children == len(expected)
            if row.classroom_id == rooms.toddlers.pk:
                assert row.licensed == (14 if row.day >= start + datetime.timedelta(days=45) else 12)
        assert len(rows) == 2 * sum(1 for n in range(101) if (start + datetime.timedelta(days=n)).weekday() < 5)

    @pytest.mark.parametrize(("programs", "days"), [(1, 7), (4, 90), (6, 366)])
    def test_a_report_is_two_queries_whatever_its_size(
        self, world, in_a, monday, django_assert_num_queries, programs, days
    ):
        for number in range(programs):
            program = MemberProgramFactory(alliance=world.a, name=f"Sized {number}")
            site = SiteFactory(program=program)
            for group in (AgeGroup.INFANT, AgeGroup.TODDLER, AgeGroup.PRESCHOOL):
                room = classroom(site, name=f"{group} {number}", age_group=group, licensed=10)
                ClassroomCapacityFactory(classroom=room, effective_from=monday + DAY, licensed_capacity=11)
                fill(room, 3, monday - datetime.timedelta(days=10), dob=months_before(monday, 24))
        with in_a():
            with django_assert_num_queries(2):
                report = vacancy_report(start=monday, end=monday + datetime.timedelta(days=days - 1))
                # Rolling up and reading every figure costs nothing more.
                assert len(report.classrooms) == 3 * programs
                assert report.total.occupancy is not None
                assert all(c.figures.open_min >= 0 for c in report.classrooms)
                assert [p.figures.classrooms for p in report.programs] == [3] * programs
