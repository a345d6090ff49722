"""Reads of billing data shared by pages, API, PDFs, exports and the bench.

A balance is the sum of an account's ledger entries, computed here only.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from billing.models import ZERO, ChargeCategory, EntryKind, FamilyAccount, Invoice, InvoiceRun, LedgerEntry, Payment

MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)


def balance_of(entries: QuerySet[LedgerEntry]) -> Decimal:
    total = entries.aggregate(total=Coalesce(Sum("amount"), Value(ZERO), output_field=MONEY_FIELD))["total"]
    return Decimal(total).quantize(Decimal("0.01"))


def paid_entries_q() -> Q:
    """The ledger entries that are money the account holder paid: payments less refunds, each with its
    reversals. Their sum is minus what was paid (payments are negative, refunds positive)."""
    paid = Q(kind=EntryKind.PAYMENT) | Q(kind=EntryKind.CHARGE, category=ChargeCategory.REFUND)
    reversed_paid = Q(kind=EntryKind.REVERSAL) & (
        Q(reverses__kind=EntryKind.PAYMENT)
        | Q(reverses__kind=EntryKind.CHARGE, reverses__category=ChargeCategory.REFUND)
    )
    return paid | reversed_paid


def account_balance(account: FamilyAccount, *, on: datetime.date | None = None) -> Decimal:
    entries = LedgerEntry.objects.filter(account=account)
    if on is not None:
        entries = entries.filter(posted_on__lte=on)
    return balance_of(entries)


def accounts_with_balances(accounts: QuerySet[FamilyAccount]) -> QuerySet[FamilyAccount]:
    """Accounts with `balance`, the sum of each one's entries. A subquery per account rather than a
    join and GROUP BY: a page of fifty sums only its fifty accounts' entries (the database computes
    it after ORDER BY and LIMIT), and the page's count reads no entries at all."""
    entries = (
        LedgerEntry.objects.filter(account=OuterRef("pk")).order_by().values("account").annotate(sum=Sum("amount"))
    )
    return accounts.select_related("family", "program").annotate(
        balance=Coalesce(Subquery(entries.values("sum")), Value(ZERO), output_field=MONEY_FIELD)
    )


@dataclass(frozen=True)
class LedgerRow:
    entry: LedgerEntry
    running_balance: Decimal


def ledger_rows(
    account: FamilyAccount, *, start: datetime.date | None = None, end: datetime.date | None = None
) -> tuple[Decimal, list[LedgerRow]]:
    """The opening balance before `start` and each entry with the balance after it."""
    entries = LedgerEntry.objects.filter(account=account).select_related("invoice", "reverses", "child")
    opening = ZERO
    if start is not None:
        opening = balance_of(entries.filter(posted_on__lt=start))
        entries = entries.filter(posted_on__gte=start)
    if end is not None:
        entries = entries.filter(posted_on__lte=end)
    rows, running = [], opening
    for entry in entries.order_by("posted_on", "id"):
        running += entry.amount
        rows.append(LedgerRow(entry, running))
    return opening, rows


def payments_with_refunded(payments: QuerySet[Payment]) -> QuerySet[Payment]:
    """Annotate `refunded`: how much of each payment has been paid back."""
    return payments.annotate(refunded=Coalesce(Sum("refunds__amount"), Value(ZERO), output_field=MONEY_FIELD))


def payment_refundable(payment: Payment) -> Decimal:
    """What is left to refund of a payment: its amount less the refunds already made of it."""
    refunded = payment.refunds.aggregate(total=Coalesce(Sum("amount"), Value(ZERO), output_field=MONEY_FIELD))["total"]
    return payment.amount - Decimal(refunded)


def invoice_lines(invoice: Invoice) -> QuerySet[LedgerEntry]:
    return invoice.entries.filter(reverses__isnull=True).select_related("child").order_by("child_id", "id")


def run_summary(run: InvoiceRun) -> dict[str, object]:
    invoices = Invoice.objects.filter(run=run)
    return {
        "invoices": invoices.count(),
        "total": invoices.aggregate(t=Coalesce(Sum("total"), Value(ZERO), output_field=MONEY_FIELD))["t"],
        "programs": invoices.values("program").distinct().count(),
    }
