"""Celery tasks run in a real worker process, inside the right alliance's scope."""

from __future__ import annotations

import pytest

from alliance.celery import app
from alliance.models import AuditEvent, Invitation, Role
from alliance.services import invitation_create
from alliance.tasks import send_invitation_email
from alliance.tenancy import alliance_scope
from tests.factories import AllianceFactory, MemberProgramFactory, member
from tests.worker import celery_worker


@pytest.fixture
def not_eager():
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = True


@pytest.mark.worker
def test_a_real_worker_runs_the_task_in_the_alliances_scope(transactional_db, not_eager):
    alliance_a = AllianceFactory(slug="worker-a")
    alliance_b = AllianceFactory(slug="worker-b")
    program = MemberProgramFactory(alliance=alliance_a)
    admin = member(alliance_a, Role.HUB_ADMIN)
    with alliance_scope(alliance_a.pk):
        invitation, _token = invitation_create(
            invited_by=admin, email="dir@example.org", role=Role.PROVIDER, program_id=program.pk
        )

    with celery_worker():
        result = send_invitation_email.delay(alliance_a.pk, invitation.pk, "http://hub/join/t/")
        outcome = result.get(timeout=60)
        assert outcome["email"] == "dir@example.org"
        assert outcome["alliance_id"] == alliance_a.pk

        # The same invitation id in another alliance's scope does not exist there.
        wrong = send_invitation_email.delay(alliance_b.pk, invitation.pk, "http://hub/join/t/")
        with pytest.raises(Invitation.DoesNotExist):
            wrong.get(timeout=60, propagate=True)

    with alliance_scope(alliance_a.pk):
        sent = AuditEvent.objects.get(action="invitation.sent")
        assert sent.pk == outcome["audit_event_id"]
        assert sent.object_id == str(invitation.pk)
        assert sent.actor_label == "system"
    with alliance_scope(alliance_b.pk):
        assert not AuditEvent.objects.exists()


def test_a_task_refuses_to_run_without_an_alliance_id():
    with pytest.raises(TypeError, match="alliance_id"):
        send_invitation_email.apply(args=["riverbend", 1, "x"]).get()


@pytest.mark.worker
def test_a_real_worker_writes_a_data_export(transactional_db, not_eager, settings, tmp_path):
    from alliance.dataexport import data_export_request
    from alliance.models import DataExport
    from alliance.tasks import export_alliance_data

    settings.HUB_EXPORT_DIR = str(tmp_path)
    alliance = AllianceFactory(slug="worker-export")
    MemberProgramFactory(alliance=alliance, name="Exported Program")
    with alliance_scope(alliance.pk):
        export = data_export_request(actor=None)
    with celery_worker(HUB_EXPORT_DIR=str(tmp_path)):
        outcome = export_alliance_data.delay(alliance.pk, export.pk).get(timeout=60)
    with alliance_scope(alliance.pk):
        export = DataExport.objects.get(pk=export.pk)
    assert export.status == "done"
    assert outcome["file_name"] == export.file_name
    assert (tmp_path / export.file_name).stat().st_size == export.file_size > 0
