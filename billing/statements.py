"""Family statements: one household, every program it buys from, for a date
range; and the year-end child-care expense statement for taxes.

The page, the PDF and the email use the same selectors here, so a figure is
the same wherever it is read. PDFs are rendered with WeasyPrint from the same
template as the page's printable part.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet, Sum
from django.template.loader import render_to_string

from alliance.pdf import render_pdf
from billing.ledger import to_cents
from billing.models import ZERO, BillingPolicy, EntryKind, FamilyAccount, LedgerEntry
from billing.selectors import LedgerRow, ledger_rows, paid_entries_q
from enrollment.models import Child, Family, Guardian


@dataclass
class AccountStatement:
    account: FamilyAccount
    opening: Decimal
    rows: list[LedgerRow]
    closing: Decimal
    charged: Decimal
    paid: Decimal


@dataclass
class FamilyStatement:
    family: Family
    start: datetime.date
    end: datetime.date
    accounts: list[AccountStatement] = field(default_factory=list)

    @property
    def opening(self) -> Decimal:
        return sum((a.opening for a in self.accounts), ZERO)

    @property
    def closing(self) -> Decimal:
        return sum((a.closing for a in self.accounts), ZERO)


def check_range(start: datetime.date, end: datetime.date) -> None:
    if end < start:
        raise ValidationError({"end": "The statement ends on or after it starts."})
    if (end - start).days > 366 * 3:
        raise ValidationError({"end": "A statement covers at most three years."})


def family_statement(
    family: Family, accounts: QuerySet[FamilyAccount], *, start: datetime.date, end: datetime.date
) -> FamilyStatement:
    """One household's consolidated statement over the accounts given (already narrowed to the viewer)."""
    check_range(start, end)
    statement = FamilyStatement(family, start, end)
    for account in accounts.filter(family=family).select_related("program").order_by("program__name"):
        opening, rows = ledger_rows(account, start=start, end=end)
        closing = rows[-1].running_balance if rows else opening
        # An opening balance is carried in from the old system: neither charged nor paid in the range.
        moved = [r for r in rows if r.entry.kind != EntryKind.OPENING_BALANCE and not _reverses_opening(r.entry)]
        charged = sum((r.entry.amount for r in moved if r.entry.amount > 0), ZERO)
        paid = -sum((r.entry.amount for r in moved if r.entry.amount < 0), ZERO)
        statement.accounts.append(AccountStatement(account, opening, rows, closing, charged, paid))
    return statement


def _reverses_opening(entry: LedgerEntry) -> bool:
    return entry.reverses is not None and entry.reverses.kind == EntryKind.OPENING_BALANCE


@dataclass
class TaxLine:
    program_name: str
    legal_name: str
    tax_id: str
    address: str
    child_name: str
    paid: Decimal


def year_end_tax_lines(family: Family, accounts: QuerySet[FamilyAccount], *, year: int) -> list[TaxLine]:
    """What the family itself paid each provider in the year, per child.

    Payments are made per account, not per child; a family's payments to a
    program are shared among its children in proportion to what each child
    was charged that year, rounded once, the last child taking the cents left.
    Refunds are taken off what was paid. Subsidy payments and write-offs are not the family's money and
    are left out.
    """
    lines: list[TaxLine] = []
    for account in accounts.filter(family=family).select_related("program").order_by("program__name"):
        entries = LedgerEntry.objects.filter(account=account, posted_on__year=year)
        paid = -(entries.filter(paid_entries_q()).aggregate(t=Sum("amount"))["t"] or ZERO)
        if paid <= 0:
            continue
        by_child = dict(
            entries.filter(kind=EntryKind.CHARGE, child__isnull=False)
            .values("child_id")
            .annotate(t=Sum("amount"))
            .values_list("child_id", "t")
        )
        children = Child.objects.in_bulk(list(by_child))
        policy = BillingPolicy.objects.filter(program=account.program).first()
        program = account.program
        common = {
            "program_name": program.name,
            "legal_name": program.legal_name or program.name,
            "tax_id": policy.tax_id if policy and policy.tax_id else "not on file",
            "address": ", ".join(program.address_lines),
        }
        total_charged = sum(by_child.values(), ZERO)
        if not by_child or total_charged <= 0:
            lines.append(TaxLine(child_name="all children", paid=paid, **common))
            continue
        remaining = paid
        ordered = sorted(by_child, key=lambda c: children[c].full_name)
        for index, child_id in enumerate(ordered):
            share = remaining if index == len(ordered) - 1 else to_cents(paid * by_child[child_id] / total_charged)
            remaining -= share
            lines.append(TaxLine(child_name=children[child_id].full_name, paid=share, **common))
    return lines


def statement_pdf(context: dict[str, object], template: str = "billing/statement_pdf.html") -> bytes:
    return render_pdf(render_to_string(template, context))


def statement_recipients(family: Family) -> list[str]:
    emails = list(
        Guardian.objects.filter(family=family)
        .exclude(email="")
        .order_by("-is_primary_contact", "pk")
        .values_list("email", flat=True)
    )
    return emails[:1]
