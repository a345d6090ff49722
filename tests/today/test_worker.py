"""The Today digest through a real Celery worker: the alliance's queueing task writes the record and
the outbox row in one transaction, the outbox sends the email task, the worker runs it once."""

from __future__ import annotations

import time

import pytest

from alliance.celery import app
from alliance.models import Membership, Role, TaskOutbox
from alliance.tenancy import alliance_scope
from tests.factories import AllianceFactory, MemberProgramFactory, member
from tests.worker import celery_worker
from today.models import DigestSent
from today.tasks import queue_digests_task


@pytest.fixture
def not_eager():
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = True


@pytest.mark.worker
def test_a_real_worker_queues_and_sends_the_digest_once(transactional_db, not_eager):
    alliance = AllianceFactory(slug="today-worker", digest_hour=0)  # midnight: always past the morning hour
    MemberProgramFactory(alliance=alliance)
    staff = member(alliance, Role.HUB_STAFF)
    member(alliance, Role.HUB_STAFF)  # not opted in
    with alliance_scope(alliance.pk):
        Membership.objects.filter(user=staff).update(today_digest=True)

    with celery_worker():
        outcome = queue_digests_task.delay(alliance.pk).get(timeout=60)
        assert len(outcome["queued"]) == 1
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            row = TaskOutbox.objects.get(alliance_id=alliance.pk, name="today.send_digest")
            if row.done_at is not None:
                break
            time.sleep(0.2)
        assert row.done_at is not None, "the worker sent the digest"
        # The same day again: the record is there, nothing more is queued.
        assert queue_digests_task.delay(alliance.pk).get(timeout=60)["queued"] == []

    with alliance_scope(alliance.pk):
        [record] = DigestSent.objects.all()
        assert record.membership.user_id == staff.pk
        assert record.items == 0  # an empty list is still sent: "Nothing due" under each kind
    assert TaskOutbox.objects.filter(alliance_id=alliance.pk, name="today.send_digest").count() == 1
