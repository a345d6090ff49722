"""Offer expiry runs in a real Celery worker, inside the right alliance's scope."""

from __future__ import annotations

import datetime

import pytest

from alliance.celery import app
from alliance.dates import alliance_today
from alliance.models import AuditEvent
from alliance.tenancy import alliance_scope
from enrollment.models import Offer, OfferStatus, WaitlistStatus
from enrollment.tasks import offers_expire
from tests.enrollment.factories import ChildFactory, FamilyFactory, entry, months_before
from tests.factories import AllianceFactory, MemberProgramFactory
from tests.members.factories import SiteFactory, classroom
from tests.worker import celery_worker


@pytest.fixture
def not_eager():
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = True


def lapsed_offer(alliance):  # type: ignore[no-untyped-def]
    today = alliance_today(alliance)
    program = MemberProgramFactory(alliance=alliance)
    room = classroom(SiteFactory(program=program), name="Toddlers", age_group="toddler", licensed=10)
    child = ChildFactory(family=FamilyFactory(alliance=alliance), date_of_birth=months_before(today, 24))
    waiting = entry(child, program=program, added_on=today, desired_start=today, status=WaitlistStatus.OFFERED)
    with alliance_scope(alliance.pk):
        return Offer.objects.create(
            entry=waiting,
            classroom=room,
            program=program,
            start_date=today,
            weekdays=[0, 1, 2, 3, 4],
            fte="1.00",
            respond_by=today - datetime.timedelta(days=1),
        )


@pytest.mark.worker
def test_a_real_worker_expires_one_alliances_lapsed_offers(transactional_db, not_eager):
    alliance_a = AllianceFactory(slug="offers-a")
    alliance_b = AllianceFactory(slug="offers-b")
    offer_a, offer_b = lapsed_offer(alliance_a), lapsed_offer(alliance_b)

    with celery_worker():
        outcome = offers_expire.delay(alliance_a.pk).get(timeout=60)
    assert outcome == {"alliance_id": alliance_a.pk, "expired": [offer_a.pk]}

    with alliance_scope(alliance_a.pk):
        offer_a.refresh_from_db()
        offer_a.entry.refresh_from_db()
        event = AuditEvent.objects.get(action="offer.expired")
        assert (offer_a.status, offer_a.entry.status) == (OfferStatus.EXPIRED, WaitlistStatus.WAITING)
        assert event.object_id == str(offer_a.pk)
        assert event.actor_label == "system"
    with alliance_scope(alliance_b.pk):
        offer_b.refresh_from_db()
        assert offer_b.status == OfferStatus.OPEN  # another alliance's offer is not touched
        assert not AuditEvent.objects.filter(action="offer.expired").exists()
