"""Bulk actions on family accounts from the collections worklist: email statements, send payment
reminders, write off balances with one reason.

Each action reuses the one service or task that does it for one account (the statement email task,
the reminder email task, `write_off_record`). A confirmed action becomes a `BulkJob`, started
through the task outbox and done in batches of BATCH accounts, one task (and one transaction) per
batch, so its page shows progress. A row that cannot be done is refused with its reason (no email
address, nothing owed), never half-done; a batch skips accounts already in the job's results, and
the confirm page's token makes a second submit of the same confirmation the same job.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alliance.audit import Actor, audit_event_record, user_of
from alliance.dates import alliance_today
from alliance.formatting import money
from alliance.outbox import task_enqueue
from billing.models import BulkAction, BulkJob, FamilyAccount
from billing.payments import WRITE_OFF_REASON_MIN_LENGTH, write_off_record
from billing.selectors import account_balance
from billing.statements import statement_recipients

BATCH = 25


@dataclass(frozen=True)
class BulkCheck:
    account: FamilyAccount
    balance: Decimal
    refusal: str  # "" when the action can be done


def statement_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The statement page's default period: from the first of the month two months back to today."""
    start = (today.replace(day=1) - datetime.timedelta(days=60)).replace(day=1)
    return start, today


def bulk_refusal(action: str, account: FamilyAccount, balance: Decimal) -> str:
    """Why `action` cannot be done for `account` ("" when it can)."""
    family = account.family
    if family is None:
        return "A member-fee account: use the member-fees page."
    if action == BulkAction.STATEMENT:
        return "" if statement_recipients(family) else "No guardian has an email address."
    if balance <= 0:
        return "Owes nothing: paid or already written off."
    if action == BulkAction.REMINDER and not statement_recipients(family):
        return "No guardian has an email address."
    return ""


def bulk_check(*, action: str, accounts: list[FamilyAccount]) -> list[BulkCheck]:
    """What the action would do to each account, for the confirm page."""
    return [
        BulkCheck(account, balance, bulk_refusal(action, account, balance))
        for account in accounts
        for balance in [account_balance(account)]
    ]


def bulk_job_start(*, actor: Actor, action: str, account_ids: list[int], reason: str, token: str) -> BulkJob:
    """Record a confirmed bulk action and queue its batches (one job per confirmation token)."""
    if action not in BulkAction.values:
        raise ValidationError({"action": "Choose what to do with the selected rows."})
    if not account_ids:
        raise ValidationError({"accounts": "Select at least one row."})
    reason = (reason or "").strip()
    if action == BulkAction.WRITE_OFF and len(reason) < WRITE_OFF_REASON_MIN_LENGTH:
        raise ValidationError(
            {
                "reason": "Write why these balances cannot be collected "
                f"(at least {WRITE_OFF_REASON_MIN_LENGTH} characters)."
            }
        )
    if not token:
        raise ValidationError("This confirmation has expired; select the rows again.")
    from billing.tasks import bulk_job_batch

    with transaction.atomic():
        existing = BulkJob.objects.filter(token=token).first()
        if existing is not None:
            return existing
        job = BulkJob.objects.create(
            action=action,
            reason=reason,
            token=token,
            account_ids=list(dict.fromkeys(account_ids)),
            created_by=user_of(actor),
        )
        audit_event_record(
            actor=actor,
            action="billing.bulk_started",
            target=job,
            after={"action": action, "accounts": job.account_ids, "reason": reason},
        )
        for start in range(0, len(job.account_ids), BATCH):
            ids = job.account_ids[start : start + BATCH]
            task_enqueue(bulk_job_batch.si(job.alliance_id, job.pk, ids), ref=f"bulk:{job.pk}:{start}")
    return job


def bulk_job_batch_run(*, job_id: int, account_ids: list[int]) -> BulkJob:
    """Do the job's action for these accounts (those not done before), recording each outcome."""
    from billing.tasks import email_payment_reminder, email_statement

    job = BulkJob.objects.select_for_update().get(pk=job_id)
    done = {r["account_id"] for r in job.results}
    actor = job.created_by
    today = alliance_today()
    accounts = FamilyAccount.objects.select_related("family", "program").in_bulk(account_ids)
    for account_id in account_ids:
        if account_id in done:
            continue
        account = accounts.get(account_id)
        if account is None:
            job.results.append({"account_id": account_id, "family": "", "program": "", "outcome": "refused",
                                "detail": "No such account."})  # fmt: skip
            continue
        balance = account_balance(account)
        result = {"account_id": account.pk, "family": account.holder_name, "program": account.program.name}
        refusal = bulk_refusal(job.action, account, balance)
        if refusal:
            job.results.append({**result, "outcome": "refused", "detail": refusal})
            continue
        to = ", ".join(statement_recipients(account.family)) if account.family else ""
        if job.action == BulkAction.STATEMENT:
            start, end = statement_period(today)
            task_enqueue(
                email_statement.si(
                    job.alliance_id,
                    account.family_id,
                    [account.pk],
                    start.isoformat(),
                    end.isoformat(),
                    job.created_by_id,
                ),
                ref=f"bulk:{job.pk}:statement:{account.pk}",
            )
            detail = f"Statement {start} to {end} emailed to {to}."
        elif job.action == BulkAction.REMINDER:
            task_enqueue(
                email_payment_reminder.si(job.alliance_id, account.pk, job.created_by_id),
                ref=f"bulk:{job.pk}:reminder:{account.pk}",
            )
            detail = f"Reminder of {money(balance)} emailed to {to}."
        else:
            try:
                with transaction.atomic():
                    entries = write_off_record(actor=actor, account=account, reason=job.reason, effective_on=today)
            except ValidationError as exc:
                job.results.append({**result, "outcome": "refused", "detail": " ".join(exc.messages)})
                continue
            detail = f"{money(-sum((e.amount for e in entries), Decimal('0.00')))} written off."
        job.results.append({**result, "outcome": "done", "detail": detail})
    job.status = BulkJob.Status.DONE if len(job.results) >= job.total else BulkJob.Status.RUNNING
    if job.status == BulkJob.Status.DONE and job.finished_at is None:
        job.finished_at = timezone.now()
        audit_event_record(
            actor=actor,
            action="billing.bulk_finished",
            target=job,
            after={"done": job.count("done"), "refused": job.count("refused")},
        )
    job.save(update_fields=["results", "status", "finished_at"])
    return job
