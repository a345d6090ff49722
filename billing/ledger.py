"""Writes of the ledger: accounts, entries, reversals.

Every entry is money, so every entry is audited. Amounts arriving here are
already whole cents: rounding happens once, where a charge is computed
(billing/pricing.py), never again on the way in.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from alliance.audit import Actor, audit_event_record, snapshot, user_of
from billing.models import ENTRY_SIGN, ChargeCategory, EntryKind, FamilyAccount, Invoice, LedgerEntry
from enrollment.models import Child, Enrollment

CENT = Decimal("0.01")


def to_cents(value: Decimal) -> Decimal:
    """The one rounding of money: to the cent, half up."""
    return Decimal(value).quantize(CENT, ROUND_HALF_UP)


def _check_cents(amount: Decimal) -> Decimal:
    amount = Decimal(amount)
    if amount != amount.quantize(CENT):
        raise ValidationError({"amount": "Give the amount in dollars and cents (two decimal places)."})
    return amount.quantize(CENT)


def ledger_entry_post(
    *,
    account: FamilyAccount,
    kind: str,
    amount: Decimal,
    posted_on: datetime.date,
    description: str,
    category: str = ChargeCategory.NONE,
    child: Child | None = None,
    enrollment: Enrollment | None = None,
    invoice: Invoice | None = None,
    actor: Actor = None,
    reason: str = "",
) -> LedgerEntry:
    """Append one entry. `amount` is signed as the kind says (charges positive)."""
    if kind not in ENTRY_SIGN:
        raise ValidationError({"kind": "Reversals are made with ledger_entry_reverse."})
    amount = _check_cents(amount)
    if amount == 0 or (amount > 0) != (ENTRY_SIGN[EntryKind(kind)] > 0):
        sign = "positive" if ENTRY_SIGN[EntryKind(kind)] > 0 else "negative"
        raise ValidationError({"amount": f"A {EntryKind(kind).label.lower()} is {sign} and not zero."})
    with transaction.atomic():
        entry = LedgerEntry.objects.create(
            account=account,
            program_id=account.program_id,
            kind=kind,
            category=category,
            amount=amount,
            posted_on=posted_on,
            description=description[:200],
            child=child,
            enrollment=enrollment,
            invoice=invoice,
            created_by=user_of(actor),
        )
        audit_event_record(actor=actor, action=f"ledger.{kind}", target=entry, after=snapshot(entry), reason=reason)
    return entry


def ledger_entry_reverse(
    *, entry: LedgerEntry, actor: Actor, reason: str, posted_on: datetime.date | None = None
) -> LedgerEntry:
    """Cancel an entry by a new one of the opposite amount that points at it."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why this entry is reversed."})
    if entry.kind == EntryKind.REVERSAL:
        raise ValidationError("A reversal cannot itself be reversed; post a new entry instead.")
    try:
        with transaction.atomic():
            # Ledger rows cannot be locked by the app role (no UPDATE grant); lock the account,
            # so two reversals of one entry queue. The unique link refuses the second anyway.
            FamilyAccount.objects.select_for_update().get(pk=entry.account_id)
            if LedgerEntry.objects.filter(reverses=entry).exists():
                raise ValidationError("This entry has already been reversed.")
            reversal = LedgerEntry.objects.create(
                account_id=entry.account_id,
                program_id=entry.program_id,
                kind=EntryKind.REVERSAL,
                category=entry.category,
                amount=-entry.amount,
                posted_on=posted_on or entry.posted_on,
                description=f"Reversal: {entry.description}"[:200],
                child_id=entry.child_id,
                enrollment_id=entry.enrollment_id,
                invoice_id=entry.invoice_id,
                reverses=entry,
                created_by=user_of(actor),
            )
            audit_event_record(
                actor=actor,
                action="ledger.reversal",
                target=reversal,
                before=snapshot(entry),
                after=snapshot(reversal),
                reason=reason,
            )
    except IntegrityError:
        raise ValidationError("This entry has already been reversed.") from None
    return reversal
