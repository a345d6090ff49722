"""What is still open, and how old: allocation of payments to the oldest charges,
and aging in buckets (current, 1–30, 31–60, 61–90, over 90 days past due).

Allocation is computed from the ledger, never stored, so it cannot drift from
it. Each account's entries fall into:

- an invoice's net amount (its charges, discounts, reversals, and payments
  made against that invoice by name), due on the invoice's due date;
- a charge outside any invoice (a late fee, a refund), with its reversals, due
  on the day it was posted;
- the pool of unnamed credits (payments, credits, subsidy payments,
  write-offs, less their reversals), applied to the items above oldest first.

The open amounts plus any unapplied credit always sum to the balance.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet

from billing.models import CREDIT_KINDS, ZERO, FamilyAccount, Invoice, InvoiceStatus, LedgerEntry

BUCKETS = ["current", "1_30", "31_60", "61_90", "over_90"]
BUCKET_LABELS = {"current": "Current", "1_30": "1–30", "31_60": "31–60", "61_90": "61–90", "over_90": "Over 90"}


def bucket_of(days_past_due: int) -> str:
    if days_past_due <= 0:
        return "current"
    if days_past_due <= 30:
        return "1_30"
    if days_past_due <= 60:
        return "31_60"
    if days_past_due <= 90:
        return "61_90"
    return "over_90"


@dataclass
class OpenItem:
    key: tuple[str, int]  # ("invoice", id) or ("entry", id)
    due_on: datetime.date
    amount: Decimal
    open: Decimal = ZERO
    invoice_id: int | None = None
    label: str = ""


@dataclass
class AccountAging:
    account_id: int
    program_id: int
    family_id: int
    buckets: dict[str, Decimal] = field(default_factory=lambda: {b: ZERO for b in BUCKETS})
    unapplied_credit: Decimal = ZERO
    items: list[OpenItem] = field(default_factory=list)
    oldest_due: datetime.date | None = None
    days_past_due: int = 0

    @property
    def balance(self) -> Decimal:
        return sum(self.buckets.values(), ZERO) - self.unapplied_credit

    @property
    def past_due(self) -> Decimal:
        return sum((v for k, v in self.buckets.items() if k != "current"), ZERO)


def _allocate(
    entries: Iterable[LedgerEntry], invoices: dict[int, Invoice], reversed_kind: dict[int, str]
) -> tuple[list[OpenItem], Decimal]:
    items: dict[tuple[str, int], OpenItem] = {}
    pool = ZERO
    for entry in entries:
        kind = entry.kind
        if entry.reverses_id is not None:  # a reversal (the database holds that only reversals point back)
            kind = reversed_kind.get(entry.reverses_id, "")
        if entry.invoice_id is not None:
            invoice = invoices[entry.invoice_id]
            item = items.setdefault(
                ("invoice", invoice.pk),
                OpenItem(
                    ("invoice", invoice.pk),
                    invoice.due_on,
                    ZERO,
                    invoice_id=invoice.pk,
                    label=f"Invoice {invoice.number}",
                ),
            )
            item.amount += entry.amount
        elif kind in CREDIT_KINDS:
            pool -= entry.amount
        else:
            key = ("entry", entry.reverses_id or entry.pk)
            item = items.setdefault(key, OpenItem(key, entry.posted_on, ZERO, label=entry.description))
            item.amount += entry.amount
    ordered = sorted(items.values(), key=lambda i: (i.due_on, i.key))
    for item in ordered:  # overpaid items add to the pool first
        if item.amount < 0:
            pool -= item.amount
    for item in ordered:
        if item.amount <= 0:
            continue
        applied = min(pool, item.amount)
        pool -= applied
        item.open = item.amount - applied
    return [i for i in ordered if i.open > 0], pool


def aging_for_accounts(accounts: QuerySet[FamilyAccount], *, as_of: datetime.date) -> list[AccountAging]:
    """Each account's open items and buckets on `as_of` (entries posted after it are left out)."""
    account_rows = list(accounts.values_list("pk", "program_id", "family_id"))
    ids = [row[0] for row in account_rows]
    entries_by_account: dict[int, list[LedgerEntry]] = defaultdict(list)
    entries = (
        LedgerEntry.objects.filter(account_id__in=ids, posted_on__lte=as_of)
        .only("pk", "account_id", "kind", "amount", "posted_on", "invoice_id", "reverses_id", "description")
        .order_by("posted_on", "pk")
    )
    reversed_ids: set[int] = set()
    invoice_ids: set[int] = set()
    for entry in entries:
        entries_by_account[entry.account_id].append(entry)
        if entry.reverses_id:
            reversed_ids.add(entry.reverses_id)
        if entry.invoice_id:
            invoice_ids.add(entry.invoice_id)
    reversed_kind = dict(LedgerEntry.objects.filter(pk__in=reversed_ids).values_list("pk", "kind"))
    invoices = Invoice.objects.filter(pk__in=invoice_ids).only("pk", "due_on", "number", "status").in_bulk()
    result = []
    for account_id, program_id, family_id in account_rows:
        open_items, pool = _allocate(entries_by_account.get(account_id, []), invoices, reversed_kind)
        aging = AccountAging(account_id, program_id, family_id, unapplied_credit=pool, items=open_items)
        for item in open_items:
            days = (as_of - item.due_on).days
            aging.buckets[bucket_of(days)] += item.open
            if aging.oldest_due is None or item.due_on < aging.oldest_due:
                aging.oldest_due = item.due_on
                aging.days_past_due = max(days, 0)
        result.append(aging)
    return result


def invoice_open_amount(invoice: Invoice, *, as_of: datetime.date | None = None) -> Decimal:
    """What is left to pay on one invoice after the account's credits are applied oldest first."""
    if invoice.status == InvoiceStatus.VOID:
        return ZERO
    as_of = as_of or datetime.date.max
    aging = aging_for_accounts(FamilyAccount.objects.filter(pk=invoice.account_id), as_of=as_of)[0]
    return next((i.open for i in aging.items if i.invoice_id == invoice.pk), ZERO)


@dataclass
class AgingTotals:
    buckets: dict[str, Decimal] = field(default_factory=lambda: {b: ZERO for b in BUCKETS})
    unapplied_credit: Decimal = ZERO
    accounts: int = 0

    def add(self, aging: AccountAging) -> None:
        for bucket, value in aging.buckets.items():
            self.buckets[bucket] += value
        self.unapplied_credit += aging.unapplied_credit
        self.accounts += 1

    @property
    def total_open(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)

    @property
    def balance(self) -> Decimal:
        return self.total_open - self.unapplied_credit


def aging_totals(rows: Iterable[AccountAging], *, by: str | None = None) -> dict[object, AgingTotals]:
    """Totals of account agings: by program (`by="program_id"`), by family, or all (`None`)."""
    totals: dict[object, AgingTotals] = defaultdict(AgingTotals)
    for row in rows:
        totals[getattr(row, by) if by else "all"].add(row)
    return dict(totals)
