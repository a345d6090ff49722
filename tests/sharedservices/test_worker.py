"""The lapse of open cover requests runs in a real Celery worker, inside the right alliance's scope."""

from __future__ import annotations

import datetime

import pytest

from alliance.celery import app
from alliance.dates import alliance_today
from alliance.models import AuditEvent
from alliance.tenancy import alliance_scope
from sharedservices.models import CoverRequest, CoverStatus
from sharedservices.tasks import cover_requests_lapse
from tests.factories import AllianceFactory, MemberProgramFactory
from tests.members.factories import SiteFactory, classroom
from tests.sharedservices.factories import cover
from tests.worker import celery_worker


@pytest.fixture
def not_eager():
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = True


def stale_request(alliance):  # type: ignore[no-untyped-def]
    with alliance_scope(alliance.pk):
        yesterday = alliance_today() - datetime.timedelta(days=1)
    room = classroom(SiteFactory(program=MemberProgramFactory(alliance=alliance)), name="Owls")
    return cover(room, yesterday)


@pytest.mark.worker
def test_a_real_worker_closes_one_alliances_stale_requests(transactional_db, not_eager):
    alliance_a = AllianceFactory(slug="cover-a")
    alliance_b = AllianceFactory(slug="cover-b")
    stale_a, stale_b = stale_request(alliance_a), stale_request(alliance_b)

    with celery_worker():
        outcome = cover_requests_lapse.delay(alliance_a.pk).get(timeout=60)
    assert outcome == {"alliance_id": alliance_a.pk, "lapsed": [stale_a.pk]}

    with alliance_scope(alliance_a.pk):
        stale_a.refresh_from_db()
        assert stale_a.status == CoverStatus.UNFILLED
        event = AuditEvent.objects.get(action="cover.lapsed")
        assert event.object_id == str(stale_a.pk)
        assert event.actor_label == "system"
    with alliance_scope(alliance_b.pk):
        assert CoverRequest.objects.get(pk=stale_b.pk).status == CoverStatus.OPEN  # another alliance's: untouched
