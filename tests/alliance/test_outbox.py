"""The task outbox (alliance/outbox.py): work a request starts is saved with the request and sent
after it commits; with the broker unreachable the request still answers and the row waits for the
relay."""

from __future__ import annotations

import time
import uuid

import pytest
from django.db import transaction

from alliance.celery import app
from alliance.models import AuditEvent, Invitation, Role, TaskFailure, TaskOutbox
from alliance.outbox import outbox_send, task_enqueue
from alliance.tasks import outbox_relay as outbox_relay_task
from alliance.tasks import send_invitation_email
from alliance.tenancy import alliance_scope
from tests.conftest import signed_in
from tests.factories import AllianceFactory, MemberProgramFactory, member
from tests.worker import broker_unreachable, celery_worker


@pytest.fixture
def not_eager():
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = True


def test_a_rolled_back_request_leaves_no_work_behind(db, django_capture_on_commit_callbacks):
    alliance = AllianceFactory(slug="outbox-rollback")
    with django_capture_on_commit_callbacks() as callbacks, alliance_scope(alliance.pk):
        try:
            with transaction.atomic():
                task_enqueue(send_invitation_email.si(alliance.pk, 1, "http://hub/join/x/"))
                raise RuntimeError("the request failed after queueing")
        except RuntimeError:
            pass
        assert not TaskOutbox.objects.exists()
    assert callbacks == []


def test_work_is_saved_only_inside_an_alliance_scope(db):
    from alliance.tenancy import TenancyError

    with pytest.raises(TenancyError):
        task_enqueue(send_invitation_email.si(1, 1, "x"))


def test_an_unreadable_row_is_set_aside_and_the_rows_behind_it_are_sent(db, not_eager):
    """A row whose payload no key reads (a key dropped too early) never blocks the relay: it is set
    aside with its error and shown on its alliance's task failures page."""
    alliance = AllianceFactory(slug="outbox-broken")
    broken = TaskOutbox.objects.create(
        alliance_id=alliance.pk, task_id=uuid.uuid4(), name="billing.invoice_run_start", payload="not a token"
    )
    with alliance_scope(alliance.pk):
        good = task_enqueue(outbox_relay_task.si())
    try:
        assert outbox_send(older_than=0) == 1
    finally:
        app.control.purge()  # the relay message sent to this run's queue
    broken.refresh_from_db()
    good.refresh_from_db()
    assert good.sent_at is not None
    assert good.payload == ""
    assert broken.sent_at is not None
    assert broken.last_error.startswith("not sent: ImproperlyConfigured")
    with alliance_scope(alliance.pk):
        failure = TaskFailure.objects.get()
    assert (failure.task_name, failure.task_id) == ("billing.invoice_run_start", str(broken.task_id))
    assert outbox_send(older_than=0) == 0  # nothing left to send, nothing tried again


@pytest.mark.worker
def test_an_invitation_made_while_the_broker_is_down_is_sent_once_it_is_back(transactional_db, not_eager):
    alliance = AllianceFactory(slug="outbox-invite")
    program = MemberProgramFactory(alliance=alliance)
    admin = member(alliance, Role.HUB_ADMIN)
    browser = signed_in(admin)

    with broker_unreachable():
        response = browser.post(
            f"/a/{alliance.slug}/invitations/",
            {"email": "new.director@example.org", "role": Role.PROVIDER, "program": program.pk},
        )
    # The request answers as usual: the invitation and its outbox row are saved together.
    assert response.status_code == 302
    page = browser.get(response["Location"])
    assert b"Invitation sent to new.director@example.org" in page.content
    with alliance_scope(alliance.pk):
        invitation = Invitation.objects.get(email="new.director@example.org")
    row = TaskOutbox.objects.get(alliance_id=alliance.pk)
    assert row.sent_at is None
    assert row.attempts == 1
    assert "Error" in row.last_error or "refused" in row.last_error
    assert row.name == "alliance.send_invitation_email"
    # The invitation link's one-time token is never stored in clear: the payload is encrypted.
    assert "join" not in row.payload
    assert "new.director" not in row.payload

    with celery_worker(HUB_OUTBOX_RELAY_AFTER_SECONDS="0"):
        # Beat's relay, run by the worker, sends the row; the worker then sends the email.
        relayed = outbox_relay_task.delay().get(timeout=60)
        assert relayed["sent"] == 1
        row.refresh_from_db()
        assert row.sent_at is not None
        assert row.payload == ""
        with alliance_scope(alliance.pk):
            sent = AuditEvent.objects.filter(action="invitation.sent", object_id=str(invitation.pk))
            deadline = time.monotonic() + 60
            while not sent.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert sent.count() == 1
        # The same message delivered again (its worker died before acknowledging it) sends nothing
        # twice. (Its result would be the first run's, kept under the same id: the one worker runs
        # messages in order, so a relay queued after it has run once this answers.)
        send_invitation_email.apply_async((alliance.pk, invitation.pk, "http://hub/join/t/"), task_id=str(row.task_id))
        outbox_relay_task.delay().get(timeout=60)
    with alliance_scope(alliance.pk):
        assert AuditEvent.objects.filter(action="invitation.sent").count() == 1
