"""Accounting exports: a program's ledger for a period as a journal a bookkeeper
can import — QuickBooks IIF, and a plain CSV journal — whose debits equal its
credits.

Every ledger entry becomes one balanced transaction of two lines:

- a charge or late fee: debit Accounts Receivable, credit the income account
  of its category (Tuition income, Fee income, Late fee income, ...);
- a discount or other credit: debit the income account, credit Receivable;
- a payment or subsidy payment: debit Undeposited Funds, credit Receivable;
- a write-off: debit Bad Debt Expense, credit Receivable;
- a reversal: the lines of the entry it reverses, swapped.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from decimal import Decimal

from alliance.csvsafe import SafeWriter, csv_safe
from billing.models import ChargeCategory, EntryKind, LedgerEntry

RECEIVABLE = "Accounts Receivable"
CASH = "Undeposited Funds"
BAD_DEBT = "Bad Debt Expense"
OPENING_EQUITY = "Opening Balance Equity"
INCOME: dict[str, str] = {
    ChargeCategory.TUITION: "Tuition Income",
    ChargeCategory.REGISTRATION: "Fee Income",
    ChargeCategory.SUPPLY: "Fee Income",
    ChargeCategory.SIBLING_DISCOUNT: "Tuition Discounts",
    ChargeCategory.STAFF_DISCOUNT: "Tuition Discounts",
    ChargeCategory.PAYER_SHARE: "Third-Party Receivable",
    ChargeCategory.SHORTFALL: "Tuition Income",
    ChargeCategory.REFUND: CASH,
    ChargeCategory.MEMBER_FEE: "Hub Service Fees",
}


@dataclass(frozen=True)
class JournalLine:
    date: datetime.date
    entry_id: int
    account: str
    name: str
    memo: str
    debit: Decimal
    credit: Decimal


def _accounts_of(kind: str, category: str) -> tuple[str, str]:
    """(debit account, credit account) of a non-reversal entry, for its absolute amount."""
    if kind == EntryKind.LATE_FEE:
        return RECEIVABLE, "Late Fee Income"
    if kind == EntryKind.CHARGE:
        return RECEIVABLE, INCOME.get(category, "Other Income")
    if kind in (EntryKind.PAYMENT, EntryKind.SUBSIDY_PAYMENT):
        return CASH, RECEIVABLE
    if kind == EntryKind.WRITE_OFF:
        return BAD_DEBT, RECEIVABLE
    if kind == EntryKind.OPENING_BALANCE:  # a balance owed (for its absolute amount; a credit held swaps)
        return RECEIVABLE, OPENING_EQUITY
    return INCOME.get(category, "Other Income"), RECEIVABLE  # credits, discounts


def journal_lines(*, program_id: int, start: datetime.date, end: datetime.date) -> list[JournalLine]:
    lines: list[JournalLine] = []
    entries = (
        LedgerEntry.objects.filter(program_id=program_id, posted_on__range=(start, end))
        .select_related("account__family", "reverses")
        .order_by("posted_on", "pk")
    )
    for entry in entries:
        kind, category = entry.kind, entry.category
        if entry.kind == EntryKind.REVERSAL and entry.reverses is not None:
            debit_account, credit_account = _accounts_of(entry.reverses.kind, entry.reverses.category)
            debit_account, credit_account = credit_account, debit_account
        else:
            debit_account, credit_account = _accounts_of(kind, category)
        if EntryKind.OPENING_BALANCE in (kind, entry.reverses.kind if entry.reverses else ""):
            # Owed (or a credit held given back): receivable up; a credit held (or a balance reversed): down.
            owed = entry.amount > 0
            debit_account, credit_account = (RECEIVABLE, OPENING_EQUITY) if owed else (OPENING_EQUITY, RECEIVABLE)
        amount = abs(entry.amount)
        name = entry.account.holder_name
        lines.append(
            JournalLine(entry.posted_on, entry.pk, debit_account, name, entry.description, amount, Decimal("0.00"))
        )
        lines.append(
            JournalLine(entry.posted_on, entry.pk, credit_account, name, entry.description, Decimal("0.00"), amount)
        )
    return lines


def journal_csv(lines: list[JournalLine]) -> str:
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(["date", "entry", "account", "name", "memo", "debit", "credit"])
    for line in lines:
        writer.writerow(
            [
                line.date.isoformat(),
                line.entry_id,
                line.account,
                line.name,
                line.memo,
                f"{line.debit:.2f}",
                f"{line.credit:.2f}",
            ]
        )
    return out.getvalue()


def _iif(value: str) -> str:
    """One IIF cell: no tab, line break or double quote, and (IIF files are edited in spreadsheets) no formula."""
    return str(csv_safe(value.replace("\t", " ").replace("\n", " ").replace("\r", " ").replace('"', "'")))


def journal_iif(lines: list[JournalLine]) -> str:
    """QuickBooks IIF general journal: one TRNS/SPL/ENDTRNS block per entry; SPL amounts negate TRNS."""
    rows = [
        "!TRNS\tTRNSTYPE\tDATE\tACCNT\tNAME\tAMOUNT\tMEMO",
        "!SPL\tTRNSTYPE\tDATE\tACCNT\tNAME\tAMOUNT\tMEMO",
        "!ENDTRNS",
    ]
    for debit, credit in zip(lines[0::2], lines[1::2], strict=True):
        day = debit.date.strftime("%m/%d/%Y")
        rows.append(
            f"TRNS\tGENERAL JOURNAL\t{day}\t{_iif(debit.account)}\t{_iif(debit.name)}\t"
            f"{debit.debit:.2f}\t{_iif(debit.memo)}"
        )
        rows.append(
            f"SPL\tGENERAL JOURNAL\t{day}\t{_iif(credit.account)}\t{_iif(credit.name)}\t"
            f"{-credit.credit:.2f}\t{_iif(credit.memo)}"
        )
        rows.append("ENDTRNS")
    return "\r\n".join(rows) + "\r\n"


def ledger_csv(*, program_id: int, start: datetime.date, end: datetime.date) -> str:
    """The plain ledger: one row per entry, as the account pages show it."""
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(
        ["date", "entry", "account_holder", "kind", "category", "description", "amount", "invoice", "reverses"]
    )
    for entry in (
        LedgerEntry.objects.filter(program_id=program_id, posted_on__range=(start, end))
        .select_related("account__family", "invoice")
        .order_by("posted_on", "pk")
    ):
        writer.writerow(
            [
                entry.posted_on.isoformat(),
                entry.pk,
                entry.account.holder_name,
                entry.kind,
                entry.category,
                entry.description,
                f"{entry.amount:.2f}",
                entry.invoice.number if entry.invoice_id else "",
                entry.reverses_id or "",
            ]
        )
    return out.getvalue()
