"""Writes of money received, paid back and forgiven: payments, reversals, refunds, deposit
batches, voiding invoices, write-offs, and the collections worklist's notes
and payment plans. Each is one transaction, locks the account first, and is
audited."""

from __future__ import annotations

import datetime
from decimal import Decimal

from celery import signature
from django.core.exceptions import ValidationError
from django.db import transaction

from alliance.access import actor_may
from alliance.audit import Actor, audit_event_record, snapshot, user_of
from alliance.dates import alliance_today
from alliance.formatting import day, money
from alliance.models import HUB_ROLES
from alliance.outbox import task_enqueue
from billing.aging import aging_for_accounts, invoice_open_amount
from billing.ledger import _check_cents, ledger_entry_post, ledger_entry_reverse
from billing.models import (
    ZERO,
    CallOutcome,
    ChargeCategory,
    CollectionNote,
    DepositBatch,
    EntryKind,
    FamilyAccount,
    Invoice,
    InvoiceStatus,
    LedgerEntry,
    NoteKind,
    Payment,
    PaymentMethod,
    PaymentPlan,
    PaymentStatus,
    Refund,
)
from billing.selectors import account_balance, payment_refundable
from members.models import MemberProgram

WRITE_OFF_REASON_MIN_LENGTH = 10


def _lock(account: FamilyAccount) -> FamilyAccount:
    return FamilyAccount.objects.select_for_update().get(pk=account.pk)


def payment_record(
    *,
    actor: Actor,
    account: FamilyAccount,
    amount: Decimal,
    method: str,
    received_on: datetime.date,
    reference: str = "",
    invoice: Invoice | None = None,
    note: str = "",
) -> Payment:
    """Record money received. Named to an invoice, it pays that invoice; otherwise the oldest open charges."""
    amount = _check_cents(amount)
    if amount <= 0:
        raise ValidationError({"amount": "A payment is more than zero."})
    if method not in PaymentMethod.values:
        raise ValidationError({"method": "Choose cash, check, card or ACH."})
    if method == PaymentMethod.CHECK and not reference.strip():
        raise ValidationError({"reference": "Give the check number."})
    with transaction.atomic():
        _lock(account)
        if invoice is not None:
            if invoice.account_id != account.pk:
                raise ValidationError({"invoice": "This invoice belongs to another account."})
            invoice = Invoice.objects.get(pk=invoice.pk)
            if invoice.status == InvoiceStatus.VOID:
                raise ValidationError({"invoice": f"Invoice {invoice.number} is void; it cannot be paid."})
            open_amount = invoice_open_amount(invoice)
            if open_amount <= 0:
                raise ValidationError({"invoice": f"Invoice {invoice.number} is already paid in full."})
            if amount > open_amount:
                raise ValidationError(
                    {
                        "amount": (
                            f"Invoice {invoice.number} has {money(open_amount)} left to pay; record the rest without "
                            "naming an invoice."
                        )
                    }
                )
        entry = ledger_entry_post(
            account=account,
            kind=EntryKind.PAYMENT,
            amount=-amount,
            posted_on=received_on,
            description=f"{PaymentMethod(method).label} payment{f' {reference}' if reference else ''}",
            invoice=invoice,
            actor=actor,
        )
        payment = Payment.objects.create(
            account=account,
            program_id=account.program_id,
            method=method,
            amount=amount,
            received_on=received_on,
            reference=reference.strip(),
            invoice=invoice,
            entry=entry,
            note=note.strip(),
            recorded_by=user_of(actor),
        )
        audit_event_record(actor=actor, action="payment.recorded", target=payment, after=snapshot(payment))
    return payment


def payment_reverse(*, actor: Actor, payment: Payment, reason: str) -> Payment:
    """A bounced check, a card charge-back, a payment on the wrong account: undo it on the ledger."""
    with transaction.atomic():
        _lock(payment.account)
        payment = Payment.objects.get(pk=payment.pk)
        if payment.status == PaymentStatus.REVERSED:
            raise ValidationError("This payment has already been reversed.")
        before = snapshot(payment)
        ledger_entry_reverse(entry=payment.entry, actor=actor, reason=reason)
        payment.status = PaymentStatus.REVERSED
        payment.save(update_fields=["status"])
        audit_event_record(
            actor=actor,
            action="payment.reversed",
            target=payment,
            before=before,
            after=snapshot(payment),
            reason=reason,
        )
    return payment


def refund_record(
    *,
    actor: Actor,
    payment: Payment,
    amount: Decimal,
    refunded_on: datetime.date,
    method: str,
    reason: str,
    reference: str = "",
) -> Refund:
    """Pay money back to a family out of one payment (Hub staff only, with a reason): at most what is
    left of that payment after earlier refunds, and at most what the account is in credit, so a refund
    never makes a family owe. The ledger gets a new charge (category refund); the refund row ties it
    to the payment."""
    if not actor_may(actor, HUB_ROLES):
        raise ValidationError("Only Hub staff can refund a payment.", code="not_hub")
    amount = _check_cents(amount)
    reason = (reason or "").strip()
    reference = (reference or "").strip()
    errors: dict[str, str] = {}
    if amount <= 0:
        errors["amount"] = "A refund is more than zero."
    if method not in PaymentMethod.values:
        errors["method"] = "Choose cash, check, card or ACH."
    elif method == PaymentMethod.CHECK and not reference:
        errors["reference"] = "Give the check number."
    if not reason:
        errors["reason"] = "Say why the money is refunded."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        account = _lock(payment.account)
        payment = Payment.objects.get(pk=payment.pk)
        if payment.status == PaymentStatus.REVERSED:
            raise ValidationError({"payment": "This payment was reversed; there is nothing to refund."})
        left = payment_refundable(payment)
        if left <= 0:
            raise ValidationError({"payment": "This payment has already been refunded in full."})
        if amount > left:
            raise ValidationError({"amount": f"At most {money(left)} of this payment is left to refund."})
        credit = -account_balance(account)
        if amount > credit:
            raise ValidationError(
                {
                    "amount": f"The account is in credit by {money(max(credit, Decimal('0.00')))}; "
                    "a refund is at most that, so that it never leaves the family owing."
                }
            )
        entry = ledger_entry_post(
            account=account,
            kind=EntryKind.CHARGE,
            category=ChargeCategory.REFUND,
            amount=amount,
            posted_on=refunded_on,
            description=f"Refund of {payment.get_method_display().lower()} payment {money(payment.amount)} "
            f"received {day(payment.received_on)}",
            actor=actor,
            reason=reason,
        )
        refund = Refund.objects.create(
            payment=payment,
            account=account,
            program_id=account.program_id,
            amount=amount,
            refunded_on=refunded_on,
            method=method,
            reference=reference,
            reason=reason,
            entry=entry,
            recorded_by=user_of(actor),
        )
        audit_event_record(
            actor=actor,
            action="refund.recorded",
            target=refund,
            before={"refundable": str(left)},
            after={**snapshot(refund), "refundable": str(left - amount)},
            reason=reason,
        )
    return refund


def invoice_void(*, actor: Actor, invoice: Invoice, reason: str) -> Invoice:
    """Cancel an invoice issued in error: its lines are reversed; it keeps its number."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the invoice is voided."})
    with transaction.atomic():
        _lock(invoice.account)
        invoice = Invoice.objects.get(pk=invoice.pk)
        if invoice.status == InvoiceStatus.VOID:
            raise ValidationError(f"Invoice {invoice.number} is already void.")
        if invoice.payments.filter(status=PaymentStatus.RECORDED).exists():
            raise ValidationError(f"Payments were made against invoice {invoice.number}; reverse them first.")
        before = snapshot(invoice)
        for entry in invoice.entries.filter(reverses__isnull=True, reversed_by__isnull=True):
            ledger_entry_reverse(entry=entry, actor=actor, reason=f"Invoice {invoice.number} voided: {reason}")
        invoice.status = InvoiceStatus.VOID
        invoice.void_reason = reason
        invoice.save(update_fields=["status", "void_reason"])
        audit_event_record(
            actor=actor, action="invoice.voided", target=invoice, before=before, after=snapshot(invoice), reason=reason
        )
    return invoice


def deposit_batch_create(
    *, actor: Actor, program: MemberProgram, deposited_on: datetime.date, payments: list[Payment], reference: str = ""
) -> DepositBatch:
    """Put undeposited cash and checks of one program into one bank deposit."""
    if not payments:
        raise ValidationError({"payments": "Choose the payments in this deposit."})
    with transaction.atomic():
        locked = list(Payment.objects.select_for_update().filter(pk__in=[p.pk for p in payments]).order_by("pk"))
        for payment in locked:
            if payment.program_id != program.pk:
                raise ValidationError({"payments": "A deposit holds one program's payments."})
            if payment.deposit_id is not None:
                raise ValidationError({"payments": f"{payment} is already in a deposit."})
            if payment.status != PaymentStatus.RECORDED:
                raise ValidationError({"payments": f"{payment} was reversed."})
        batch = DepositBatch.objects.create(
            program=program,
            deposited_on=deposited_on,
            reference=reference.strip(),
            total=sum((p.amount for p in locked), Decimal("0.00")),
            created_by=user_of(actor),
        )
        Payment.objects.filter(pk__in=[p.pk for p in locked]).update(deposit=batch)
        audit_event_record(
            actor=actor,
            action="deposit.created",
            target=batch,
            after={**snapshot(batch), "payments": [p.pk for p in locked]},
        )
    return batch


def write_off_record(
    *,
    actor: Actor,
    account: FamilyAccount,
    reason: str,
    amount: Decimal | None = None,
    effective_on: datetime.date | None = None,
    invoices: list[Invoice] | None = None,
) -> list[LedgerEntry]:
    """Write off an uncollectible balance (Hub staff only, with a reason). This is what bad debt counts.

    The write-off settles what it names: the open amounts of the invoices given (else the account's oldest
    open items first), one ledger entry per invoice pointing at it, so the invoice shows "Written off" (or
    "Partly written off") with its open amount reduced, and aging and the rollup agree. `amount` blank: all of
    the named invoices' open amounts (else the whole balance). `effective_on` is the alliance's today by
    default; never in the future, never before the charges it writes off. The rollup counts it in the month
    each invoice was billed."""
    if not actor_may(actor, HUB_ROLES):
        raise ValidationError("Only Hub staff can write off a balance.", code="not_hub")
    reason = (reason or "").strip()
    if len(reason) < WRITE_OFF_REASON_MIN_LENGTH:
        raise ValidationError(
            {
                "reason": f"Write why this balance cannot be collected "
                f"(at least {WRITE_OFF_REASON_MIN_LENGTH} characters)."
            }
        )
    today = alliance_today()
    effective_on = effective_on or today
    if effective_on > today:
        raise ValidationError({"effective_on": "A write-off cannot take effect in the future."})
    named = {i.pk for i in invoices or []}
    with transaction.atomic():
        _lock(account)
        balance = account_balance(account)
        if balance <= 0:
            raise ValidationError("This account owes nothing; there is nothing to write off.")
        aging = aging_for_accounts(FamilyAccount.objects.filter(pk=account.pk), as_of=datetime.date.max)[0]
        items = [i for i in aging.items if i.open > 0]
        if named:
            foreign = named - {i.invoice_id for i in items}
            if foreign:
                raise ValidationError({"invoices": "Name only this account's invoices that are still open."})
            items = [i for i in items if i.invoice_id in named]
        open_total = sum((i.open for i in items), Decimal("0.00"))
        if amount is None:
            amount = open_total if named else balance
        amount = _check_cents(amount)
        limit = min(open_total, balance) if named else balance
        if amount <= 0 or amount > limit:
            what = "the named invoices' open amount" if named else "the balance"
            raise ValidationError({"amount": f"Write off more than zero and at most {what}, {money(limit)}."})
        invoice_rows = Invoice.objects.in_bulk([i.invoice_id for i in items if i.invoice_id])
        entries: list[LedgerEntry] = []
        left = amount
        for item in items:
            if left <= 0:
                break
            part = min(left, item.open)
            invoice = invoice_rows.get(item.invoice_id) if item.invoice_id else None
            charged_on = invoice.issued_on if invoice else item.due_on
            if effective_on < charged_on:
                raise ValidationError(
                    {
                        "effective_on": f"A write-off takes effect on or after the charge it writes off "
                        f"({day(charged_on)})."
                    }
                )
            entries.append(
                ledger_entry_post(
                    account=account,
                    kind=EntryKind.WRITE_OFF,
                    amount=-part,
                    posted_on=effective_on,
                    description=f"Written off as uncollectible ({item.label})",
                    invoice=invoice,
                    actor=actor,
                    reason=reason,
                )
            )
            left -= part
            if invoice is not None:
                _invoice_write_off_status_set(invoice=invoice, actor=actor, open_amount=item.open - part)
        if left > 0:  # more than the open items (a balance held outside them): the rest is unnamed
            entries.append(
                ledger_entry_post(
                    account=account,
                    kind=EntryKind.WRITE_OFF,
                    amount=-left,
                    posted_on=effective_on,
                    description="Written off as uncollectible",
                    actor=actor,
                    reason=reason,
                )
            )
        # The rollup after a write-off: the months billed that it touches are recomputed (metrics' task, named
        # by string: billing does not import metrics).
        task_enqueue(
            # The nightly range; the rollup itself goes back to the months the write-off touches.
            signature("metrics.rollup_alliance", args=[account.alliance_id]),
            ref=f"write-off {entries[0].pk}",
        )
    return entries


def _invoice_write_off_status_set(*, invoice: Invoice, actor: Actor, open_amount: Decimal) -> Invoice:
    """An invoice a write-off named says so: "Written off" when nothing is left open, else "Partly written off"."""
    status = InvoiceStatus.WRITTEN_OFF if open_amount <= 0 else InvoiceStatus.PART_WRITTEN_OFF
    if invoice.status != status:
        before = snapshot(invoice, ["status"])
        invoice.status = status
        invoice.save(update_fields=["status"])
        audit_event_record(
            actor=actor,
            action="invoice.written_off",
            target=invoice,
            before=before,
            after=snapshot(invoice, ["status"]),
        )
    return invoice


def collection_note_add(
    *,
    actor: Actor,
    account: FamilyAccount,
    kind: str,
    note: str,
    promised_amount: Decimal | None = None,
    promised_on: datetime.date | None = None,
    outcome: str = "",
) -> CollectionNote:
    """What Hub staff did about an overdue account, with what the family promised, in one row.

    A promise is an amount of more than zero and at most the balance, by a day that is not
    before the alliance's today; a promised amount given makes the note a promise."""
    errors: dict[str, str] = {}
    note = (note or "").strip()
    if promised_amount is not None and kind != NoteKind.PROMISE:
        kind = NoteKind.PROMISE
    if not note and not outcome:
        errors["note"] = "Write what was said or done."
    if outcome and outcome not in CallOutcome.values:
        errors["outcome"] = "Choose how the call went."
    if kind == NoteKind.PROMISE and (promised_amount is None or promised_on is None):
        errors["promised_on"] = "A promise to pay has an amount and a date."
    if promised_on is not None and promised_on < alliance_today():
        errors["promised_on"] = "A promise to pay is for today or a later day, not a past one."
    if promised_amount is not None:
        balance = account_balance(account)
        if promised_amount != promised_amount.quantize(Decimal("0.01")):
            errors["promised_amount"] = "Give the amount in dollars and cents (two decimal places)."
        elif promised_amount <= 0:
            errors["promised_amount"] = "A promised amount is more than zero."
        elif promised_amount > balance:
            errors["promised_amount"] = f"A promise is at most the balance owed, {money(max(balance, ZERO))}."
    if errors:
        raise ValidationError(errors)
    if not note:
        note = CallOutcome(outcome).label
    with transaction.atomic():
        row = CollectionNote.objects.create(
            account=account,
            kind=kind,
            outcome=outcome,
            note=note,
            promised_amount=promised_amount,
            promised_on=promised_on,
            created_by=user_of(actor),
        )
        audit_event_record(actor=actor, action="collections.note", target=row, after=snapshot(row))
    return row


def payment_plan_create(
    *,
    actor: Actor,
    account: FamilyAccount,
    installment: Decimal,
    every_days: int,
    starts_on: datetime.date,
    note: str = "",
) -> PaymentPlan:
    installment = _check_cents(installment)
    if installment <= 0:
        raise ValidationError({"installment": "An installment is more than zero."})
    if not 1 <= every_days <= 62:
        raise ValidationError({"every_days": "Between 1 and 62 days."})
    with transaction.atomic():
        _lock(account)
        for previous in PaymentPlan.objects.filter(account=account, is_active=True):
            previous.is_active = False
            previous.save(update_fields=["is_active"])
        plan = PaymentPlan.objects.create(
            account=account,
            installment=installment,
            every_days=every_days,
            starts_on=starts_on,
            note=note.strip(),
            created_by=user_of(actor),
        )
        audit_event_record(actor=actor, action="collections.payment_plan", target=plan, after=snapshot(plan))
    return plan
