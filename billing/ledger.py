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
from alliance.dates import BUSINESS_DATE, DateOutOfRange, alliance_today
from alliance.formatting import day, money
from billing.models import (
    EITHER_SIGN_KINDS,
    ENTRY_SIGN,
    ChargeCategory,
    EntryKind,
    FamilyAccount,
    Invoice,
    LedgerEntry,
)
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
    if kind == EntryKind.OPENING_BALANCE:
        raise ValidationError({"kind": "Opening balances are recorded with account_opening_balance_record."})
    return _entry_post(
        account=account,
        kind=kind,
        amount=amount,
        posted_on=posted_on,
        description=description,
        category=category,
        child=child,
        enrollment=enrollment,
        invoice=invoice,
        actor=actor,
        reason=reason,
    )


def _entry_post(
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
    amount = _check_cents(amount)
    if kind in EITHER_SIGN_KINDS:
        if amount == 0:
            raise ValidationError({"amount": f"A {EntryKind(kind).label.lower()} is not zero."})
    elif amount == 0 or (amount > 0) != (ENTRY_SIGN[EntryKind(kind)] > 0):
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


# --- Opening balances -------------------------------------------------------
def opening_balance_of(account: FamilyAccount) -> LedgerEntry | None:
    """The account's opening balance in force (one not reversed), if any."""
    return (
        LedgerEntry.objects.filter(account=account, kind=EntryKind.OPENING_BALANCE, reversed_by__isnull=True)
        .order_by("-pk")
        .first()
    )


def _opening_description(as_of: datetime.date) -> str:
    return f"Opening balance at {day(as_of)}"


def _check_cut_over(as_of: datetime.date | None) -> datetime.date:
    if as_of is None:
        raise ValidationError({"as_of": "Give the cut-over date: the day the balance was read from the old system."})
    try:
        BUSINESS_DATE.check(as_of)
    except DateOutOfRange as exc:
        raise ValidationError({"as_of": str(exc)}) from None
    if as_of > alliance_today():
        raise ValidationError({"as_of": "The cut-over date cannot be in the future."})
    return as_of


def account_opening_balance_record(
    *,
    actor: Actor,
    account: FamilyAccount,
    amount: Decimal,
    as_of: datetime.date | None,
    reason: str = "",
) -> LedgerEntry:
    """Record what a family owed the program in its old system at the Hub's cut-over date.

    One ledger entry of its own kind (OPENING_BALANCE), posted on the cut-over date, described
    "Opening balance at <date>": positive, the family owes it (aging ages it from the cut-over
    date as one open item, like a charge of that day); negative, a credit the family holds.
    An account has at most one opening balance: a second is refused with the first's figures,
    unless a `reason` is given, when the first is reversed (posted on its own date) and the new
    one recorded, in one transaction, as any ledger correction is. Audited (ledger.opening_balance,
    and ledger.reversal for a correction)."""
    if account.family_id is None:
        raise ValidationError("Opening balances are recorded on family accounts.")
    errors: dict[str, str] = {}
    try:
        amount = _check_cents(Decimal(amount))
        if amount == 0:
            errors["amount"] = "An opening balance is not zero; leave an account that owed nothing without one."
    except (ValidationError, ArithmeticError, TypeError):
        errors["amount"] = "Give the amount in dollars and cents (two decimal places)."
    try:
        as_of = _check_cut_over(as_of)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    assert as_of is not None
    reason = (reason or "").strip()
    with transaction.atomic():
        FamilyAccount.objects.select_for_update().get(pk=account.pk)
        existing = opening_balance_of(account)
        if existing is not None:
            if not reason:
                raise ValidationError(
                    {
                        "amount": f"This account already has an opening balance of {money(existing.amount)} at "
                        f"{day(existing.posted_on)}. To correct it, give the reason: the old one is reversed and "
                        "the new one recorded."
                    }
                )
            if (existing.amount, existing.posted_on) == (amount, as_of):
                raise ValidationError(
                    {"amount": "This is the opening balance the account already has; there is nothing to correct."}
                )
            ledger_entry_reverse(entry=existing, actor=actor, reason=reason)
        return _entry_post(
            account=account,
            kind=EntryKind.OPENING_BALANCE,
            amount=amount,
            posted_on=as_of,
            description=_opening_description(as_of),
            actor=actor,
            reason=reason,
        )
