"""Beat's schedule: one table in settings, and beat holds exactly these entries.

An entry added to or dropped from settings.CELERY_BEAT_SCHEDULE, or a tasks.py that
registers one of its own on the side, fails here until this list says so too."""

from __future__ import annotations

from celery.schedules import crontab
from django.conf import settings

from alliance.celery import app

# name -> (task, when, in UTC)
EXPECTED = {
    "metrics-nightly-rollups": ("metrics.nightly_rollups", crontab(hour=2, minute=30)),
    "metrics-weekly-digest": ("metrics.weekly_digests", crontab(day_of_week="mon", hour=12, minute=0)),
    "enrollment-expire-offers": ("enrollment.offers_expire_everywhere", crontab(minute=15)),
    "sharedservices-lapse-cover-requests": (
        "sharedservices.cover_requests_lapse_everywhere",
        crontab(hour=5, minute=30),
    ),
    "billing-late-fees-daily": ("billing.late_fees_daily", crontab(hour=7, minute=15)),
    # Hourly: each alliance sends its Today digests once its own morning hour has come.
    "today-daily-digests": ("today.daily_digests", crontab(minute=5)),
    # Seconds: the task outbox's relay (not a fan-out: a system table) and the stalled-run check.
    "alliance-outbox-relay": ("alliance.outbox_relay", 10),
    "billing-stalled-runs": ("billing.runs_check_stalled_everywhere", 60),
}


def beat_schedule() -> dict:
    """The schedule as a beat process sees it: after the apps' task modules are imported
    and the app is finalized, when anything registering entries on the side would have run."""
    app.loader.import_default_modules()
    app.finalize(auto=True)
    return app.conf.beat_schedule


def test_beat_holds_exactly_the_expected_tasks_at_their_times():
    schedule = beat_schedule()
    assert sorted(schedule) == sorted(EXPECTED)
    for name, (task, when) in EXPECTED.items():
        assert schedule[name]["task"] == task, name
        assert schedule[name]["schedule"] == when, name


def test_every_scheduled_task_is_a_registered_task():
    schedule = beat_schedule()
    missing = sorted(entry["task"] for entry in schedule.values() if entry["task"] not in app.tasks)
    assert missing == []


def test_the_schedule_is_the_one_in_settings():
    assert beat_schedule() == settings.CELERY_BEAT_SCHEDULE
