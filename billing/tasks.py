"""Celery tasks of billing. Each takes alliance_id first (AllianceTask opens the
scope and one transaction per task), so each batch of an invoice run's programs
commits on its own and the run's progress row is visible while it runs."""

from __future__ import annotations

from alliance.celery import AllianceTask, app, queue_for_every_alliance
from billing import invoicing


@app.task(base=AllianceTask, name="billing.invoice_run_start")
def invoice_run_start(alliance_id: int, run_id: int) -> None:
    invoicing.invoice_run_start(run_id=run_id)


@app.task(base=AllianceTask, name="billing.invoice_run_programs")
def invoice_run_programs(alliance_id: int, run_id: int, program_ids: list[int]) -> bool:
    return invoicing.invoice_run_programs(run_id=run_id, program_ids=program_ids)


@app.task(base=AllianceTask, name="billing.invoice_run_finish")
def invoice_run_finish(alliance_id: int, run_id: int) -> dict:
    run = invoicing.invoice_run_finish(run_id=run_id)
    return {
        "run_id": run.pk,
        "status": run.status,
        "invoices": run.invoices_created,
        "amount": str(run.amount_invoiced),
    }


@app.task(base=AllianceTask, name="billing.email_statement", once=True)
def email_statement(
    alliance_id: int, family_id: int, account_ids: list[int], start: str, end: str, user_id: int | None = None
) -> dict:
    """Email a family its statement PDF and record that it was sent."""
    import datetime

    from django.contrib.auth import get_user_model
    from django.core.mail import EmailMessage

    from alliance.audit import audit_event_record
    from alliance.models import Alliance
    from billing.models import FamilyAccount
    from billing.statements import family_statement, statement_pdf, statement_recipients
    from enrollment.models import Family

    family = Family.objects.get(pk=family_id)
    alliance = Alliance.objects.get(pk=alliance_id)
    statement = family_statement(
        family,
        FamilyAccount.objects.filter(pk__in=account_ids),
        start=datetime.date.fromisoformat(start),
        end=datetime.date.fromisoformat(end),
    )
    recipients = statement_recipients(family)
    if not recipients:
        return {"sent": False, "reason": "no guardian email"}
    from alliance.localization import alliance_local

    with alliance_local(alliance):
        pdf = statement_pdf({"statement": statement, "alliance": alliance})
    message = EmailMessage(
        subject=f"Your statement from {alliance.name}, {start} to {end}",
        body=(
            f"Dear {family.name},\n\nAttached is your statement for {start} to {end}. "
            f"Balance at the end of the period: {statement.closing}.\n"
        ),
        to=recipients,
    )
    message.attach(f"statement-{family.pk}-{start}-{end}.pdf", pdf, "application/pdf")
    message.send()
    actor = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    event = audit_event_record(
        actor=actor,
        action="statement.emailed",
        target=family,
        after={"to": recipients, "start": start, "end": end, "closing": str(statement.closing)},
    )
    return {"sent": True, "to": recipients, "audit_event_id": event.pk}


@app.task(base=AllianceTask, name="billing.apply_late_fees")
def apply_late_fees(alliance_id: int, as_of: str | None = None) -> dict:
    import datetime

    from alliance.dates import alliance_today
    from billing.late_fees import late_fees_apply

    day = datetime.date.fromisoformat(as_of) if as_of else alliance_today()
    result = late_fees_apply(as_of=day)
    return {"alliance_id": alliance_id, "charged": result.charged, "amount": str(result.amount)}


@app.task(name="billing.late_fees_daily")
def late_fees_daily() -> list[int]:
    """Queue the late-fee task once per alliance (Alliance is the global tenants table)."""
    return queue_for_every_alliance(apply_late_fees)


@app.task(base=AllianceTask, name="billing.runs_check_stalled")
def runs_check_stalled(alliance_id: int) -> dict:
    """Mark one alliance's invoice runs without progress for too long as stalled (billing/invoicing.py)."""
    return {"alliance_id": alliance_id, "stalled": invoicing.invoice_runs_check_stalled()}


@app.task(name="billing.runs_check_stalled_everywhere")
def runs_check_stalled_everywhere() -> list[int]:
    """Queue the stalled-run check once per alliance (every HUB_STALLED_CHECK_SECONDS)."""
    return queue_for_every_alliance(runs_check_stalled)
