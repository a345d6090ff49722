"""Celery tasks of billing. Each takes alliance_id first (AllianceTask opens the
scope and one transaction per task), so each program of an invoice run commits
on its own and the run's progress row is visible while it runs."""

from __future__ import annotations

from alliance.celery import AllianceTask, app
from billing import invoicing


@app.task(base=AllianceTask, name="billing.invoice_run_start")
def invoice_run_start(alliance_id: int, run_id: int) -> None:
    invoicing.invoice_run_start(run_id=run_id)


@app.task(base=AllianceTask, name="billing.invoice_run_program")
def invoice_run_program(alliance_id: int, run_id: int, program_id: int) -> bool:
    return invoicing.invoice_run_program(run_id=run_id, program_id=program_id)


@app.task(base=AllianceTask, name="billing.invoice_run_finish")
def invoice_run_finish(alliance_id: int, run_id: int) -> dict:
    run = invoicing.invoice_run_finish(run_id=run_id)
    return {"run_id": run.pk, "status": run.status, "invoices": run.invoices_created,
            "amount": str(run.amount_invoiced)}
