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


@app.task(base=AllianceTask, name="billing.email_payment_reminder", once=True)
def email_payment_reminder(alliance_id: int, account_id: int, user_id: int | None = None) -> dict:
    """Email a family a reminder of what it owes past due at one program, and record that it was sent."""
    from django.contrib.auth import get_user_model
    from django.core.mail import EmailMessage

    from alliance.audit import audit_event_record
    from alliance.dates import alliance_today
    from alliance.formatting import money
    from alliance.localization import alliance_local
    from alliance.models import Alliance
    from billing.aging import aging_for_accounts
    from billing.models import FamilyAccount
    from billing.statements import statement_recipients

    account = FamilyAccount.objects.select_related("family", "program").get(pk=account_id)
    alliance = Alliance.objects.get(pk=alliance_id)
    if account.family is None:
        return {"sent": False, "reason": "member-fee account"}
    recipients = statement_recipients(account.family)
    if not recipients:
        return {"sent": False, "reason": "no guardian email"}
    today = alliance_today(alliance)
    aging = aging_for_accounts(FamilyAccount.objects.filter(pk=account.pk), as_of=today)[0]
    if aging.balance <= 0:
        return {"sent": False, "reason": "nothing owed"}
    with alliance_local(alliance):
        balance, past_due = money(aging.balance), money(aging.past_due)
    EmailMessage(
        subject=f"Payment reminder from {account.program.name}",
        body=(
            f"Dear {account.family.name},\n\nThis is a reminder that your account at {account.program.name} "
            f"has a balance of {balance}, of which {past_due} is past due. Please pay at your earliest "
            f"convenience, or call us to agree a plan.\n\n{alliance.name}\n"
        ),
        to=recipients,
    ).send()
    actor = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    event = audit_event_record(
        actor=actor,
        action="collections.reminder_emailed",
        target=account,
        after={"to": recipients, "balance": str(aging.balance), "past_due": str(aging.past_due)},
    )
    return {"sent": True, "to": recipients, "audit_event_id": event.pk}


@app.task(base=AllianceTask, name="billing.bulk_job_batch")
def bulk_job_batch(alliance_id: int, job_id: int, account_ids: list[int]) -> dict:
    """One batch of a bulk action (billing/bulk_actions.py); a redelivered batch skips what it did."""
    from billing.bulk_actions import bulk_job_batch_run

    job = bulk_job_batch_run(job_id=job_id, account_ids=account_ids)
    return {"job_id": job.pk, "processed": job.processed, "total": job.total}


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
