"""The rollup task: per alliance, in its scope; the nightly fan-out; a real worker."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.conf import settings

from alliance.celery import app
from alliance.tenancy import alliance_scope
from metrics.models import AllianceMonth, ProgramDay
from metrics.rollups import nightly_range
from metrics.tasks import nightly_rollups, rollup_alliance_task
from tests.factories import AllianceFactory, MemberProgramFactory
from tests.metrics.conftest import FRI, MON
from tests.metrics.factories import enroll, room


@pytest.fixture
def not_eager():
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = True


def test_the_task_rolls_up_one_alliance_in_its_scope(week):
    outcome = rollup_alliance_task.delay(week.world.a.pk, MON.isoformat(), FRI.isoformat()).get()
    assert outcome["tables"]["metrics_programday"] == [10, 10, 0]
    with alliance_scope(week.world.a.pk):
        assert AllianceMonth.objects.get().enrolled_fte == Decimal("17.80")
    with alliance_scope(week.world.b.pk):
        assert not ProgramDay.objects.exists()


def test_the_nightly_fan_out_rolls_every_alliance_up_for_the_nightly_range(week, monkeypatch):
    queued = []
    monkeypatch.setattr(rollup_alliance_task, "delay", lambda alliance_id: queued.append(alliance_id))
    assert nightly_rollups.delay().get() == sorted([week.world.a.pk, week.world.b.pk])
    assert sorted(queued) == sorted([week.world.a.pk, week.world.b.pk])


def test_beat_schedules_the_nightly_rollups():
    entry = settings.CELERY_BEAT_SCHEDULE["metrics-nightly-rollups"]
    assert entry["task"] == nightly_rollups.name
    assert entry["task"] in app.tasks


def test_the_nightly_range_is_last_month_to_yesterday(world, monkeypatch):
    monkeypatch.setattr("metrics.rollups.alliance_today", lambda alliance: datetime.date(2026, 3, 1))
    assert nightly_range(world.a) == (datetime.date(2026, 1, 1), datetime.date(2026, 2, 28))


@pytest.mark.worker
def test_a_real_worker_runs_the_rollup(transactional_db, not_eager):
    alliance = AllianceFactory(slug="metrics-worker")
    other = AllianceFactory(slug="metrics-worker-b")
    program = MemberProgramFactory(alliance=alliance)
    enroll(room(program, licensed=4), first_name="Wren", start=datetime.date(2026, 1, 1), fte="0.50")
    enroll(room(MemberProgramFactory(alliance=other), licensed=2), first_name="Yul", start=datetime.date(2026, 1, 1))
    from tests.worker import celery_worker

    with celery_worker():
        outcome = rollup_alliance_task.delay(alliance.pk, "2026-01-05", "2026-01-09").get(timeout=60)
    assert outcome["alliance_id"] == alliance.pk
    with alliance_scope(alliance.pk):
        month = AllianceMonth.objects.get()
    # 0.50 FTE × 5 days = 2.50 FTE-days against 4 × 5 = 20 capacity-days.
    assert (month.enrolled_fte, month.licensed_capacity) == (Decimal("2.50"), 20)
    with alliance_scope(other.pk):
        assert not AllianceMonth.objects.exists()


def test_the_weekly_digest_mails_hub_staff_the_flagged_members(week, mailoutbox):
    from metrics.tasks import weekly_digest_task

    rollup_alliance_task.delay(week.world.a.pk, MON.isoformat(), FRI.isoformat()).get()
    outcome = weekly_digest_task.delay(week.world.a.pk).get()
    assert outcome["flagged"] == 2
    [mail] = mailoutbox
    admin, staff = week.world.users.admin_a, week.world.users.staff_a
    assert sorted(mail.to) == sorted([admin.email, staff.email])  # Hub roles only: no provider, no funder
    assert mail.subject == "Alliance A: 2 members flagged (January 2026)"
    # X: 12.80 ÷ 78 = 16.4%; Y: 5.00 ÷ 20 = 25.0%; both under the 85% budget. Alliance B's Z is not there.
    assert "* Program X\n    - Occupancy 16.4% is below the budgeted 85.0%" in mail.body
    assert "Program Y" in mail.body
    assert "Program Z" not in mail.body


def test_a_digest_delivered_twice_is_mailed_once(week, mailoutbox):
    """Its worker died after mailing but before acknowledging: the message comes back with its id."""
    from metrics.tasks import weekly_digest_task

    first = weekly_digest_task.apply_async((week.world.a.pk,), task_id="6b3c9a55-1f4e-4a7e-9c1d-2b8f0e6a7d31").get()
    again = weekly_digest_task.apply_async((week.world.a.pk,), task_id="6b3c9a55-1f4e-4a7e-9c1d-2b8f0e6a7d31").get()
    assert first["subject"].startswith("Alliance A:")
    assert again == {"already_done": True}
    assert len(mailoutbox) == 1
    # Next week's digest is a new message: it is mailed.
    weekly_digest_task.delay(week.world.a.pk).get()
    assert len(mailoutbox) == 2


def test_beat_schedules_the_weekly_digest():
    entry = settings.CELERY_BEAT_SCHEDULE["metrics-weekly-digest"]
    assert entry["task"] == "metrics.weekly_digests"
    assert entry["task"] in app.tasks
