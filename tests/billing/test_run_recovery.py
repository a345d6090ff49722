"""Invoice runs that lose their worker: a batch delivered twice counts once, a run without progress
is marked stalled (task failures page, "Stalled" on its page) and Resume finishes it without
invoicing anything twice. The real worker killed mid-run is tests/billing/test_worker_loss.py."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db.models import Count
from django.utils import timezone

from alliance.models import AuditEvent, TaskFailure, TaskOutbox
from alliance.tenancy import alliance_scope
from billing import invoicing
from billing.models import Invoice, InvoiceRun, RunStatus
from billing.tasks import runs_check_stalled_everywhere
from tests.billing.factories import RatePlanFactory, enroll
from tests.billing.test_invoicing import APRIL

LONG_AGO = datetime.timedelta(minutes=30)


@pytest.fixture
def invoiceable(world, homes):
    RatePlanFactory(program=world.x, tuition=Decimal("1000.00"))
    RatePlanFactory(program=world.y, tuition=Decimal("800.00"))
    enroll(homes.ana, homes.room_x, start=datetime.date(2026, 1, 5))
    enroll(homes.yuri, homes.room_y, start=datetime.date(2026, 1, 5))
    return homes


def run_page(world, run: InvoiceRun) -> str:
    return f"/a/{world.a.slug}/billing/runs/{run.pk}/"


def new_run(world, user) -> InvoiceRun:  # type: ignore[no-untyped-def]
    with alliance_scope(world.a.pk):
        return invoicing.invoice_run_create(actor=user, period_start=APRIL[0], queue=False)


def stalled_after_first_program(world) -> InvoiceRun:  # type: ignore[no-untyped-def]
    """A run whose worker died after its first program: progress stopped long ago."""
    run = new_run(world, world.users.staff_a)
    with alliance_scope(world.a.pk):
        invoicing.invoice_run_start(run_id=run.pk)
        invoicing.invoice_run_programs(run_id=run.pk, program_ids=[world.x.pk])
        InvoiceRun.objects.filter(pk=run.pk).update(progress_at=timezone.now() - LONG_AGO)
    runs_check_stalled_everywhere.delay()
    with alliance_scope(world.a.pk):
        return InvoiceRun.objects.get(pk=run.pk)


def test_a_batch_delivered_twice_counts_once(world, invoiceable):
    run = new_run(world, world.users.staff_a)
    with alliance_scope(world.a.pk):
        for _ in range(2):  # the message came back after its worker died; it runs again
            assert invoicing.invoice_run_programs(run_id=run.pk, program_ids=[world.x.pk, world.y.pk])
        for _ in range(2):
            invoicing.invoice_run_finish(run_id=run.pk)
        run.refresh_from_db()
        assert (run.status, run.programs_done, run.programs_total, run.invoices_created) == ("done", 2, 2, 2)
        assert run.amount_invoiced == Decimal("1800.00")
        assert Invoice.objects.count() == 2
        assert AuditEvent.objects.filter(action="invoice.issued").count() == 2
        assert AuditEvent.objects.filter(action="invoice_run.finished").count() == 1


def test_a_run_without_progress_is_stalled_recorded_and_offers_resume(world, clients, invoiceable, settings):
    settings.HUB_RUN_STALLED_AFTER_SECONDS = 300
    fresh = new_run(world, world.users.staff_a)  # started a moment ago: not stalled
    run = stalled_after_first_program(world)
    assert run.status == RunStatus.STALLED
    with alliance_scope(world.a.pk):
        assert InvoiceRun.objects.get(pk=fresh.pk).status == RunStatus.QUEUED
        failure = TaskFailure.objects.get()
        assert failure.exception_type == "RunStalled"
        assert "no progress for 5 minutes (1 of 2 programs invoiced)" in failure.message
        assert AuditEvent.objects.filter(action="invoice_run.stalled", object_id=str(run.pk)).count() == 1

    page = clients.staff_a.get(run_page(world, run)).content.decode()
    assert ">Stalled</span>" in page
    assert "1 of 2 programs invoiced" in page
    assert f'action="/a/{world.a.slug}/billing/runs/{run.pk}/resume/"' in page
    assert ">Resume</button>" in page
    assert "hx-get" not in page  # a stalled run's page stops polling
    failures = clients.admin_a.get(f"/a/{world.a.slug}/task-failures/").content.decode()
    assert "RunStalled" in failures

    # The next check finds it stalled already: no second failure.
    runs_check_stalled_everywhere.delay()
    with alliance_scope(world.a.pk):
        assert TaskFailure.objects.count() == 1


def test_a_run_waiting_for_the_task_queue_is_not_stalled(world, clients, invoiceable, settings):
    """Saved while the broker was down: its work waits in the outbox; its page says so."""
    settings.HUB_RUN_STALLED_AFTER_SECONDS = 300
    run = new_run(world, world.users.staff_a)
    with alliance_scope(world.a.pk):
        InvoiceRun.objects.filter(pk=run.pk).update(progress_at=timezone.now() - LONG_AGO)
    TaskOutbox.objects.create(
        alliance_id=world.a.pk, task_id="9f1d0c2e-6f43-4a8e-9d8c-1b2a3c4d5e6f", ref=run.outbox_ref
    )
    runs_check_stalled_everywhere.delay()
    with alliance_scope(world.a.pk):
        assert InvoiceRun.objects.get(pk=run.pk).status == RunStatus.QUEUED
        assert not TaskFailure.objects.exists()
    page = clients.staff_a.get(run_page(world, run)).content.decode()
    assert "Queued; will start when the task queue is reachable" in page


def test_resume_finishes_the_run_and_invoices_nothing_twice(
    world, clients, invoiceable, settings, django_capture_on_commit_callbacks
):
    settings.HUB_RUN_STALLED_AFTER_SECONDS = 300
    run = stalled_after_first_program(world)
    with django_capture_on_commit_callbacks(execute=True):
        response = clients.staff_a.post(f"{run_page(world, run)}resume/")
    assert response.status_code == 302
    assert response["Location"] == run_page(world, run)
    page = clients.staff_a.get(run_page(world, run)).content.decode()
    assert "resumed: its remaining programs are queued" in page
    assert ">Done</span>" in page
    assert "2 of 2 programs invoiced" in page
    with alliance_scope(world.a.pk):
        run.refresh_from_db()
        assert (run.status, run.programs_done, run.invoices_created) == ("done", 2, 2)
        assert run.amount_invoiced == Decimal("1800.00")
        per_account = Invoice.objects.filter(period_start=APRIL[0]).values("account").annotate(n=Count("id"))
        assert sorted(row["n"] for row in per_account) == [1, 1]
        # Program X was invoiced before the worker died, program Y after Resume: one event each.
        issued = AuditEvent.objects.filter(action="invoice.issued").order_by("pk")
        assert [event.program_id for event in issued] == [world.x.pk, world.y.pk]
        resumed = AuditEvent.objects.get(action="invoice_run.resumed")
        assert resumed.actor_id == world.users.staff_a.pk
        assert resumed.before["status"] == "stalled"
        assert resumed.after["programs_remaining"] == 1
        # Only program Y's batch was queued again.
        row = TaskOutbox.objects.filter(ref=run.outbox_ref).get()
        assert row.sent_at is not None

    # Resuming it again is refused with a reason; nothing is queued.
    with django_capture_on_commit_callbacks(execute=True):
        again = clients.staff_a.post(f"{run_page(world, run)}resume/", follow=True)
    assert "Only a stalled or failed run can be resumed; this one is done." in again.content.decode()
    assert TaskOutbox.objects.filter(ref=run.outbox_ref).count() == 1


def test_only_the_hub_resumes_a_run(world, clients, invoiceable, settings):
    settings.HUB_RUN_STALLED_AFTER_SECONDS = 300
    run = stalled_after_first_program(world)
    resume = f"{run_page(world, run)}resume/"
    assert clients.provider_x.post(resume).status_code == 403
    assert clients.funder_a.post(resume).status_code == 403
    assert clients.admin_b.post(resume.replace(world.a.slug, world.b.slug)).status_code == 404
    assert clients.staff_a.get(resume).status_code == 405
    with alliance_scope(world.a.pk):
        assert InvoiceRun.objects.get(pk=run.pk).status == RunStatus.STALLED
    assert not TaskOutbox.objects.exists()
