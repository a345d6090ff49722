"""Two invoice runs of one period at once, on two real database connections, and
a run through a real Celery worker: one invoice per account, numbers without gaps."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from alliance.celery import app
from alliance.tenancy import alliance_scope
from billing.invoicing import invoice_program_for_period, invoice_run_create, invoice_run_signature
from billing.models import FamilyAccount, Invoice, InvoiceRun, LedgerEntry, RunStatus
from tests.billing.factories import ChildFactory, FamilyFactory, RatePlanFactory, enroll, room_of
from tests.billing.test_invoicing import MARCH
from tests.worker import celery_worker


def families_in(world, count: int) -> None:  # type: ignore[no-untyped-def]
    for program in (world.x, world.y):
        room = room_of(program)
        RatePlanFactory(program=program, tuition=Decimal("900.00"))
        for n in range(count):
            child = ChildFactory(family=FamilyFactory(alliance=world.a, name=f"{program.name} family {n}"))
            enroll(child, room, start=MARCH[0].replace(month=1))


def test_two_runs_at_once_make_one_invoice_per_account(transactional_db, world):
    families_in(world, 12)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            for program in (world.x, world.y):
                with alliance_scope(world.a.pk):  # one transaction per program, as the task does
                    invoice_program_for_period(program_id=program.pk, period_start=MARCH[0], period_end=MARCH[1])
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
    with alliance_scope(world.a.pk):
        assert FamilyAccount.objects.count() == 24
        assert Invoice.objects.count() == 24
        assert sorted(Invoice.objects.values_list("number", flat=True)) == list(range(1, 25))
        assert LedgerEntry.objects.count() == 24
        assert sum(Invoice.objects.values_list("total", flat=True)) == Decimal("900.00") * 24


@pytest.fixture
def not_eager():
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = True


@pytest.mark.worker
def test_the_run_goes_through_a_real_worker(transactional_db, world, not_eager):
    families_in(world, 3)
    with alliance_scope(world.a.pk):
        run = invoice_run_create(actor=world.users.staff_a, period_start=MARCH[0], queue=False)
        chain = invoice_run_signature(world.a.pk, run.pk)
    with celery_worker():
        outcome = chain.delay().get(timeout=90)
    assert outcome == {"run_id": run.pk, "status": RunStatus.DONE, "invoices": 6, "amount": "5400.00"}
    with alliance_scope(world.a.pk):
        run = InvoiceRun.objects.get(pk=run.pk)
        assert run.programs_done == run.programs_total == 2
        assert Invoice.objects.filter(run=run).count() == 6
