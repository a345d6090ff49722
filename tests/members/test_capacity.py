"""Capacity history: the capacity in force on a day, across changes."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from alliance.models import AuditEvent
from members.models import ClassroomCapacity
from members.selectors import classroom_capacities_on, classrooms_with_capacity_on
from members.services import classroom_capacity_set, classroom_update
from tests.members.factories import ClassroomCapacityFactory, capacity_on, classroom

D = datetime.date


@pytest.fixture
def changed(x):
    """Butterflies: 20 (desired 18) from 2025-01-01, 16 (desired 15) from 2026-03-01."""
    ClassroomCapacityFactory(classroom=x.room, effective_from=D(2026, 3, 1), licensed_capacity=16, desired_capacity=15)
    return x.room


class TestCapacityOnADay:
    def test_the_capacity_in_force_changes_on_the_day_of_the_change(self, in_a, changed):
        with in_a():
            assert capacity_on(changed, D(2026, 2, 28)).licensed == 20
            assert capacity_on(changed, D(2026, 3, 1)).licensed == 16
            assert capacity_on(changed, D(2026, 3, 1)).desired == 15
            assert capacity_on(changed, D(2030, 1, 1)).licensed == 16

    def test_there_is_no_capacity_before_the_first_one(self, in_a, changed):
        with in_a():
            assert capacity_on(changed, D(2024, 12, 31)) is None

    def test_a_closed_classroom_has_no_capacity_from_its_closing_day(self, in_a, changed, world):
        with in_a():
            classroom_update(actor=world.users.staff_a, classroom=changed, data={"closed_on": D(2026, 6, 1)})
            changed.refresh_from_db()
            assert capacity_on(changed, D(2026, 5, 31)).licensed == 16
            assert capacity_on(changed, D(2026, 6, 1)) is None

    def test_target_falls_back_to_licensed_when_no_desired_capacity(self, in_a, x):
        room = classroom(x.site, name="Owls", licensed=12, desired=None)
        with in_a():
            assert capacity_on(room, D(2026, 1, 1)).target == 12


class TestManyClassrooms:
    def test_one_query_answers_for_many_classrooms(self, in_a, x, changed, django_assert_num_queries):
        owls = classroom(x.site, name="Owls", licensed=12, opened_on=D(2026, 4, 1))
        with in_a():
            with django_assert_num_queries(1):
                on_day = classroom_capacities_on([changed.pk, owls.pk], D(2026, 3, 15))
        assert {k: v.licensed for k, v in on_day.items()} == {changed.pk: 16}

    def test_annotation_gives_each_row_its_capacity_that_day(self, in_a, x, changed):
        from members.models import Classroom

        owls = classroom(x.site, name="Owls", licensed=12, opened_on=D(2026, 4, 1))
        with in_a():
            rows = classrooms_with_capacity_on(Classroom.objects.filter(pk__in=[changed.pk, owls.pk]), D(2026, 2, 1))
            found = {r.name: (r.licensed_capacity_on, r.desired_capacity_on) for r in rows}
        assert found == {"Butterflies": (20, 18), "Owls": (None, None)}


class TestRecordingAChange:
    def test_a_change_adds_history_and_an_audit_event(self, in_a, world, x):
        with in_a():
            classroom_capacity_set(
                actor=world.users.provider_x,
                classroom=x.room,
                effective_from=D(2026, 9, 1),
                licensed_capacity=22,
                desired_capacity=20,
                reason="New room layout",
            )
            assert ClassroomCapacity.objects.filter(classroom=x.room).count() == 2
            assert capacity_on(x.room, D(2026, 8, 31)).licensed == 20
            event = AuditEvent.objects.get(action="classroom.capacity_set")
            assert event.program_id == world.x.pk
            assert event.after["licensed_capacity"] == 22

    def test_a_second_change_on_the_same_day_corrects_the_first(self, in_a, world, x):
        with in_a():
            for licensed in (22, 24):
                classroom_capacity_set(
                    actor=None, classroom=x.room, effective_from=D(2026, 9, 1), licensed_capacity=licensed
                )
            assert capacity_on(x.room, D(2026, 9, 1)).licensed == 24
            assert ClassroomCapacity.objects.filter(classroom=x.room).count() == 2

    def test_desired_above_licensed_is_refused_and_nothing_changes(self, in_a, x):
        with in_a():
            with pytest.raises(ValidationError) as exc:
                classroom_capacity_set(
                    actor=None,
                    classroom=x.room,
                    effective_from=D(2026, 9, 1),
                    licensed_capacity=10,
                    desired_capacity=12,
                )
            assert "desired_capacity" in exc.value.message_dict
            assert ClassroomCapacity.objects.filter(classroom=x.room).count() == 1
