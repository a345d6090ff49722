"""Occupancy rollups against the hand-computed worked example (see conftest.py)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command

from alliance.tenancy import alliance_scope
from metrics.models import AllianceDay, AllianceMonth, ClassroomDay, ProgramDay, ProgramMonth
from metrics.rollups import rollup_alliance
from tests.metrics.conftest import FRI, MON, THU, TUE, WED
from tests.metrics.factories import attend

JAN = datetime.date(2026, 1, 1)


def roll(alliance, start=MON, end=FRI):
    with alliance_scope(alliance.pk):
        return rollup_alliance(start=start, end=end)


def snapshot_rows(alliance):
    with alliance_scope(alliance.pk):
        return {
            model.__name__: list(model.objects.order_by("pk").values())
            for model in (ClassroomDay, ProgramDay, AllianceDay, ProgramMonth, AllianceMonth)
        }


class TestClassroomDays:
    def test_room_one_day_by_day(self, week):
        roll(week.world.a)
        with alliance_scope(week.world.a.pk):
            rows = {r.day: r for r in ClassroomDay.objects.filter(classroom=week.r1)}
        # Weekdays only: Sat 3 and Sun 4 / Sat 10 are outside the range or closed.
        assert sorted(rows) == [MON, TUE, WED, THU, FRI]
        # Mon: Ada 1.00 + Ben 0.60 = 1.60 FTE, 2 children, both scheduled, both present.
        assert (
            rows[MON].enrolled_fte,
            rows[MON].enrolled_children,
            rows[MON].scheduled_child_days,
            rows[MON].attended_child_days,
        ) == (Decimal("1.60"), 2, 2, 2)
        # Tue: Ben is enrolled (his FTE counts) but not scheduled on Tuesdays: 1 scheduled, Ada present.
        assert (rows[TUE].enrolled_fte, rows[TUE].scheduled_child_days, rows[TUE].attended_child_days) == (
            Decimal("1.60"),
            1,
            1,
        )
        # Wed: Ada sick, Ben present: 2 scheduled, 1 attended.
        assert (rows[WED].scheduled_child_days, rows[WED].attended_child_days) == (2, 1)
        # Thu: Ben's enrollment ended Wed; Cleo 0.50 starts: 1.00 + 0.50 = 1.50.
        assert rows[THU].enrolled_fte == Decimal("1.50")
        assert rows[THU].attended_child_days == 2
        # Fri: Cleo sick: 2 scheduled, 1 attended.
        assert (rows[FRI].scheduled_child_days, rows[FRI].attended_child_days) == (2, 1)
        assert {(r.licensed_capacity, r.target_capacity) for r in rows.values()} == {(10, 8)}
        # Open slots on Thu: 10 − 1.50 = 8.50.
        assert rows[THU].open_slots == Decimal("8.50")

    def test_a_check_in_on_an_unscheduled_day_is_not_attendance(self, week):
        # Ben (Mon, Wed, Fri) is dropped in on Tuesday: his check-in is recorded, but attendance counts
        # scheduled children only, so Tuesday stays 1 scheduled and 1 attended (Ada).
        attend(week.ben, TUE)
        roll(week.world.a)
        with alliance_scope(week.world.a.pk):
            tuesday = ClassroomDay.objects.get(classroom=week.r1, day=TUE)
        assert (tuesday.scheduled_child_days, tuesday.attended_child_days) == (1, 1)

    def test_the_capacity_in_force_that_day_is_used(self, week):
        roll(week.world.a)
        with alliance_scope(week.world.a.pk):
            capacities = dict(ClassroomDay.objects.filter(classroom=week.r2).values_list("day", "licensed_capacity"))
        # 5 places until Tuesday; the row effective Wednesday raises it to 6.
        assert capacities == {MON: 5, TUE: 5, WED: 6, THU: 6, FRI: 6}


class TestProgramAndAlliance:
    def test_program_day_adds_its_rooms(self, week):
        roll(week.world.a)
        with alliance_scope(week.world.a.pk):
            wed = ProgramDay.objects.get(program=week.world.x, day=WED)
        # Wed: capacity R1 10 + R2 6 = 16; target 8 + 6 = 14; FTE 1.60 + 1.00 = 2.60; open 16 − 2.60 = 13.40.
        assert (wed.licensed_capacity, wed.target_capacity, wed.enrolled_fte, wed.open_slots) == (
            16,
            14,
            Decimal("2.60"),
            Decimal("13.40"),
        )

    def test_program_month_sums_its_days(self, week):
        roll(week.world.a)
        with alliance_scope(week.world.a.pk):
            month = ProgramMonth.objects.get(program=week.world.x, month=JAN)
        # FTE-days: R1 1.60×3 + 1.50×2 = 7.80; R2 1.00×5 = 5.00; total 12.80.
        # Capacity-days: R1 10×5 = 50; R2 5+5+6+6+6 = 28; total 78. Occupancy 12.80 ÷ 78 = 16.4%.
        # Scheduled: R1 2+1+2+2+2 = 9, R2 5 → 14; attended: R1 2+1+1+2+1 = 7, R2 5 → 12 (85.7%).
        assert (month.operating_days, month.licensed_capacity, month.enrolled_fte) == (5, 78, Decimal("12.80"))
        assert (month.scheduled_child_days, month.attended_child_days) == (14, 12)

    def test_alliance_adds_its_programs_and_no_other_alliances(self, week):
        roll(week.world.a)
        with alliance_scope(week.world.a.pk):
            month = AllianceMonth.objects.get(month=JAN)
            days = AllianceDay.objects.count()
        # X 12.80 + Y (Eli 1.00 × 5) 5.00 = 17.80 FTE-days; capacity 78 + 4×5 = 98. Z (alliance B) adds nothing.
        assert (month.enrolled_fte, month.licensed_capacity, month.operating_days, days) == (Decimal("17.80"), 98, 5, 5)
        # Eli has no attendance records: scheduled 14 + 5 = 19, attended 12.
        assert (month.scheduled_child_days, month.attended_child_days) == (19, 12)
        with alliance_scope(week.world.b.pk):
            assert not ClassroomDay.objects.exists()

    def test_applicant_programs_are_not_rolled_up(self, week):
        with alliance_scope(week.world.a.pk):
            week.world.y.status = "applicant"
            week.world.y.joined_on = None
            week.world.y.save()
        roll(week.world.a)
        with alliance_scope(week.world.a.pk):
            assert AllianceMonth.objects.get(month=JAN).licensed_capacity == 78


class TestIdempotence:
    def test_a_rerun_gives_identical_rows_and_writes_none(self, week):
        first = roll(week.world.a)
        before = snapshot_rows(week.world.a)
        again = roll(week.world.a)
        assert snapshot_rows(week.world.a) == before
        assert first.tables["metrics_classroomday"] == (15, 15, 0)  # 3 rooms × 5 days
        assert again.tables["metrics_classroomday"] == (15, 0, 0)  # nothing changed, nothing written

    def test_a_rerun_after_a_correction_replaces_rows(self, week):
        roll(week.world.a)
        with alliance_scope(week.world.a.pk):
            # Ada's enrollment really ended Tuesday; R2 closed for good on Thursday.
            week.ada.end_date = TUE
            week.ada.save()
            week.r2.closed_on = THU
            week.r2.save()
        result = roll(week.world.a)
        with alliance_scope(week.world.a.pk):
            month = ProgramMonth.objects.get(program=week.world.x, month=JAN)
            r2_days = ClassroomDay.objects.filter(classroom=week.r2).count()
        # R1: Mon/Tue 1.60, Wed Ben 0.60, Thu/Fri Cleo 0.50 → 3.20 + 0.60 + 1.00 = 4.80;
        # R2 open Mon–Wed only: 3.00. Total 7.80.
        assert month.enrolled_fte == Decimal("7.80")
        assert r2_days == 3
        assert result.tables["metrics_classroomday"][2] == 2  # Thu and Fri of R2 deleted

    def test_a_rollup_of_a_later_range_keeps_earlier_days(self, week):
        roll(week.world.a)
        roll(week.world.a, start=datetime.date(2026, 1, 12), end=datetime.date(2026, 1, 12))
        with alliance_scope(week.world.a.pk):
            month = AllianceMonth.objects.get(month=JAN)
        # The week's 5 days plus Monday 12th (Ada, Cleo, Dev, Eli: 1 + 0.5 + 1 + 1 = 3.50).
        assert (month.operating_days, month.enrolled_fte) == (6, Decimal("21.30"))


class TestCommand:
    def test_rollup_command_for_a_range(self, week, capsys):
        call_command("rollup", "--alliance", "alliance-a", "--from", "2026-01-05", "--to", "2026-01-09")
        assert '"metrics_programday": [10, 10, 0]' in capsys.readouterr().out
        with alliance_scope(week.world.a.pk):
            assert ProgramDay.objects.count() == 10

    def test_unknown_alliance_and_bad_dates_are_refused(self, world):
        from django.core.management.base import CommandError

        with pytest.raises(CommandError, match="No alliance"):
            call_command("rollup", "--alliance", "nope")
        with pytest.raises(CommandError, match="not a date"):
            call_command("rollup", "--alliance", "alliance-a", "--from", "5 Jan")


def test_two_rollups_of_one_alliance_at_once_both_finish_with_the_same_rows(transactional_db, week):
    """Two real connections roll the same week up at once (the nightly task and a manual rerun): the
    second waits for the first's lock, then finds every row already written and changes none."""
    import threading

    from django.db import connection

    barrier = threading.Barrier(2)
    results: list[object] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(roll(week.world.a))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    written = sorted(result.tables["metrics_classroomday"][1] for result in results)  # type: ignore[attr-defined]
    assert written == [0, 15]  # one wrote the 15 room-days, the other found them written
    with alliance_scope(week.world.a.pk):
        assert ClassroomDay.objects.count() == 15
