"""A real invoice run survives its worker killed with SIGKILL, and a broker outage when it starts.

Both run a real Celery worker (tests/worker.py) on this test run's own queue. The killed worker is
a prefork worker, killed with its pool's child; the next worker finds the unacknowledged message
once it is HUB_TASK_VISIBILITY_TIMEOUT old (10 s here, 600 s in production) and the run finishes
by itself, with exactly one invoice per account and period."""

from __future__ import annotations

import datetime
import os
import signal
import time
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count

from alliance.celery import app
from alliance.db import owner_role
from alliance.models import AuditEvent, Role, TaskFailure, TaskOutbox
from alliance.tasks import outbox_relay
from alliance.tenancy import alliance_scope
from billing.invoicing import invoice_run_create
from billing.models import Invoice, InvoiceRun, RunStatus
from billing.scale import scale_alliance_create
from billing.tasks import runs_check_stalled_everywhere
from enrollment.models import Enrollment
from tests.conftest import signed_in
from tests.factories import member
from tests.worker import broker_unreachable, celery_worker, worker_kill

PERIOD = datetime.date(2026, 3, 1)
# The next worker finds a killed worker's message within seconds (production: 600 s).
FAST_RESTORE = {"HUB_TASK_VISIBILITY_TIMEOUT": "10", "HUB_TASK_RESTORE_INTERVAL": "1"}


@pytest.fixture
def not_eager():
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = True


def wait_for(alliance_id: int, run_id: int, done, timeout: float = 120) -> InvoiceRun:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        with alliance_scope(alliance_id):
            run = InvoiceRun.objects.get(pk=run_id)
        if done(run) or time.monotonic() > deadline:
            return run
        time.sleep(0.02)


def wait_until_a_batch_is_open(timeout: float = 60) -> None:
    """Until another session of this database is inside a transaction: the worker's child is in the
    middle of a batch (read as the owner, who sees every session's state)."""
    deadline = time.monotonic() + timeout
    with owner_role(), connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL AND state <> 'idle'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.002)
    raise AssertionError("no batch was seen running")


def accounts_to_invoice() -> int:
    """Accounts the period bills: one per (program, family) with a child enrolled."""
    return Enrollment.objects.values("program_id", "child__family_id").distinct().count()


def assert_one_invoice_per_account(run: InvoiceRun) -> None:
    invoices = Invoice.objects.filter(period_start=run.period_start)
    doubled = invoices.values("account_id").annotate(n=Count("id")).filter(n__gt=1)
    assert list(doubled) == []
    assert invoices.count() == run.invoices_created == accounts_to_invoice()
    assert (run.status, run.programs_done) == (RunStatus.DONE, run.programs_total)


@pytest.mark.worker
def test_a_run_finishes_by_itself_after_its_worker_is_killed_mid_run(transactional_db, not_eager):
    scale = scale_alliance_create(programs=140, children=8400, start=PERIOD)
    alliance_id = scale.alliance.pk
    admin = member(scale.alliance, Role.HUB_ADMIN)

    with celery_worker(pool="prefork", **FAST_RESTORE) as first:
        with alliance_scope(alliance_id):
            run = invoice_run_create(actor=admin, period_start=PERIOD)
        # Kill the worker and its pool child in the middle of a batch, once the run has made some
        # progress: the batch's message is unacknowledged and the next one not yet sent.
        started = wait_for(alliance_id, run.pk, lambda r: r.programs_done > 0)
        wait_until_a_batch_is_open()
        worker_kill(first)
    killed_at = wait_for(alliance_id, run.pk, lambda r: True)
    assert 0 < killed_at.programs_done < killed_at.programs_total == 140, started
    assert killed_at.status == RunStatus.RUNNING
    time.sleep(2)  # nothing moves while no worker runs
    assert wait_for(alliance_id, run.pk, lambda r: True).programs_done == killed_at.programs_done

    with celery_worker(pool="prefork", **FAST_RESTORE):
        restarted = time.monotonic()
        finished = wait_for(alliance_id, run.pk, lambda r: r.status == RunStatus.DONE)
        elapsed = time.monotonic() - restarted
    print(
        f"\nkilled at {killed_at.programs_done}/{killed_at.programs_total} programs; "
        f"done {elapsed:.1f} s after the new worker answered"
    )
    with alliance_scope(alliance_id):
        assert_one_invoice_per_account(finished)


def broker_counts() -> tuple[int, int]:
    """Messages waiting in this run's queue, and messages taken but never acknowledged."""
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    prefix = str(settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("global_keyprefix", ""))
    return client.llen(f"{prefix}{settings.CELERY_TASK_DEFAULT_QUEUE}"), client.hlen(f"{prefix}unacked")


def broker_idle(timeout: float = 120) -> None:
    """Until this run's queue and its unacknowledged messages stay empty for a second."""
    deadline, quiet_since = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        if any(broker_counts()):
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 1:
            return
        time.sleep(0.05)
    raise AssertionError("the broker kept working")


@pytest.mark.worker
def test_a_killed_run_is_stalled_and_resume_finishes_it_then_the_late_message_changes_nothing(
    transactional_db, not_eager
):
    """Production's 600 s visibility timeout: the killed worker's batch does not come back for ten
    minutes. The stalled check marks the run, Resume on its page finishes it, and when the old
    message does come back (here after 1 s, in a third worker) it invoices nothing twice."""
    scale = scale_alliance_create(programs=140, children=8400, start=PERIOD)
    alliance_id, slug = scale.alliance.pk, scale.alliance.slug
    browser = signed_in(member(scale.alliance, Role.HUB_ADMIN))
    with celery_worker(pool="prefork") as first:
        started = browser.post(f"/a/{slug}/billing/runs/", {"period": "monthly", "period_start": PERIOD.isoformat()})
        with alliance_scope(alliance_id):
            run = InvoiceRun.objects.get()
        wait_for(alliance_id, run.pk, lambda r: r.programs_done > 0)
        wait_until_a_batch_is_open()
        worker_kill(first)
    killed_at = wait_for(alliance_id, run.pk, lambda r: True)
    time.sleep(1.5)

    with celery_worker(pool="prefork", HUB_RUN_STALLED_AFTER_SECONDS="1"):
        runs_check_stalled_everywhere.delay().get(timeout=60)
        stalled = wait_for(alliance_id, run.pk, lambda r: r.status == RunStatus.STALLED, timeout=60)
        assert stalled.status == RunStatus.STALLED
        assert stalled.programs_done == killed_at.programs_done < 140
        with alliance_scope(alliance_id):
            assert TaskFailure.objects.get().exception_type == "RunStalled"
        page = browser.get(started["Location"]).content.decode()
        assert ">Stalled</span>" in page
        assert ">Resume</button>" in page
        resumed = time.monotonic()
        assert browser.post(f"{started['Location']}resume/").status_code == 302
        finished = wait_for(alliance_id, run.pk, lambda r: r.status == RunStatus.DONE)
        elapsed = time.monotonic() - resumed
    print(f"\nkilled at {killed_at.programs_done}/140 programs; done {elapsed:.1f} s after Resume")
    with alliance_scope(alliance_id):
        assert_one_invoice_per_account(finished)
        invoices = Invoice.objects.count()

    # The killed worker's message comes back at last: its batch and the rest of its chain find
    # everything done.
    assert broker_counts() == (0, 1)
    with celery_worker(pool="prefork", HUB_TASK_VISIBILITY_TIMEOUT="1"):
        broker_idle()
    with alliance_scope(alliance_id):
        after = InvoiceRun.objects.get(pk=run.pk)
        assert Invoice.objects.count() == invoices
        assert_one_invoice_per_account(after)
        assert AuditEvent.objects.filter(action="invoice_run.finished").count() == 1
        assert AuditEvent.objects.filter(action="invoice.issued").count() == 140


@pytest.mark.worker
def test_a_pool_child_killed_mid_batch_hands_its_batch_back_at_once(transactional_db, not_eager):
    """Only the pool's child dies (out of memory, a crash): the worker rejects the message back to
    the queue (task_reject_on_worker_lost) and a new child runs it, with no visibility timeout."""
    scale = scale_alliance_create(programs=140, children=8400, start=PERIOD)
    alliance_id = scale.alliance.pk
    admin = member(scale.alliance, Role.HUB_ADMIN)
    # Production's timeout: the run must not need it.
    with celery_worker(pool="prefork", HUB_TASK_VISIBILITY_TIMEOUT="600") as worker:
        with alliance_scope(alliance_id):
            run = invoice_run_create(actor=admin, period_start=PERIOD)
        wait_for(alliance_id, run.pk, lambda r: r.programs_done > 0)
        children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
        assert len(children) == 1
        wait_until_a_batch_is_open()
        os.kill(int(children[0]), signal.SIGKILL)
        killed = time.monotonic()
        killed_at = wait_for(alliance_id, run.pk, lambda r: True)
        finished = wait_for(alliance_id, run.pk, lambda r: r.status == RunStatus.DONE, timeout=120)
        elapsed = time.monotonic() - killed
    print(f"\nchild killed at {killed_at.programs_done}/140 programs; run done {elapsed:.1f} s later")
    assert killed_at.programs_done < 140
    # The worker saw its child die in the middle of a batch, and gave the batch back.
    log = worker.stdout.read() if worker.stdout else ""
    assert "WorkerLostError" in log, log[-3000:]
    with alliance_scope(alliance_id):
        assert_one_invoice_per_account(finished)


@pytest.mark.worker
def test_a_run_started_while_the_broker_is_down_runs_once_it_is_back(transactional_db, not_eager):
    scale = scale_alliance_create(programs=6, children=60, start=PERIOD)
    alliance_id, slug = scale.alliance.pk, scale.alliance.slug
    browser = signed_in(member(scale.alliance, Role.HUB_STAFF))

    with broker_unreachable():
        page = browser.post(f"/a/{slug}/billing/runs/", {"period": "monthly", "period_start": PERIOD.isoformat()})
        api = browser.post(
            f"/api/a/{slug}/invoice-runs/", {"period_start": PERIOD.isoformat()}, content_type="application/json"
        )
        assert page.status_code == 302  # not 500: the run is saved with its outbox row
        assert api.status_code == 201
        assert api.json()["status"] == "queued"
        run_page = browser.get(page["Location"]).content.decode()
        assert "Invoice run for March 2026 started." in run_page
        assert "Queued; will start when the task queue is reachable" in run_page
    with alliance_scope(alliance_id):
        runs = list(InvoiceRun.objects.order_by("pk"))
    assert [r.status for r in runs] == [RunStatus.QUEUED, RunStatus.QUEUED]
    rows = TaskOutbox.objects.filter(alliance_id=alliance_id).order_by("pk")
    assert [(row.ref, row.sent_at) for row in rows] == [(r.outbox_ref, None) for r in runs]

    # The broker is back: beat's relay (run here by the worker) sends the rows, the runs complete.
    with celery_worker(HUB_OUTBOX_RELAY_AFTER_SECONDS="0"):
        assert outbox_relay.delay().get(timeout=60)["sent"] == 2
        finished = [wait_for(alliance_id, r.pk, lambda r: r.is_finished) for r in runs]
    assert all(row.sent_at is not None for row in rows.all())
    assert [r.status for r in finished] == [RunStatus.DONE, RunStatus.DONE]
    # Two runs of one period: between them, each account invoiced once.
    with alliance_scope(alliance_id):
        invoices = Invoice.objects.filter(period_start=PERIOD)
        assert not invoices.values("account_id").annotate(n=Count("id")).filter(n__gt=1).exists()
        assert invoices.count() == sum(r.invoices_created for r in finished) == accounts_to_invoice() > 0
    assert "Queued; will start" not in browser.get(page["Location"]).content.decode()
