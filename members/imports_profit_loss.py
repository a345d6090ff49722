"""Monthly costs from an accounting system's profit and loss report (QuickBooks Online first).

The report, exported by month as CSV or XLSX (Reports › Profit and Loss, "Display columns by:
Months", Export), looks like this::

    Riverbend Learning Center
    Profit and Loss
    January - December 2026

    ,Jan 2026,Feb 2026,…,Total                 (newer exports: "Distribution account" first)
    Income
       Tuition Income,"45,000.00",…
    Total Income,…
    Expenses
       Payroll Expenses                        (a parent account: no amounts of its own)
          Salaries - Teachers,"8,000.00",…
          Salaries - Director,"3,000.00",…
       Total Payroll Expenses,"11,000.00",…    (never counted: it repeats its children)
       Rent or Lease,"2,000.00",…
    Total Expenses,…
    Net Operating Income,…
    Other Expenses …
    Net Income,…

    Accrual basis Sunday, December 6, 2026 …

Every account line with amounts is read once, named by its full name (parents first, joined
with ":" as QuickBooks writes full names), in its section. Income lines are listed and left
out; "Total …" lines and computed lines (Gross Profit, Net Income …) are never counted. CSV
exports indent children with leading spaces; XLSX exports indent with the cell's format, which
a table read does not see, so parents are followed by their "Total …" line in both.

Each expense account is mapped once per program (CostAccountMapping) to a Hub category; the
two personnel categories add up to the month's personnel figure, which (as any entered
personnel figure) replaces the roster's for that month. The import is an ImportSpec
(members/imports.py): its preview reports every line's errors, its commit writes every month
or none through `monthly_costs_set` (audited). Every category that some account of the file
is mapped to is written for every month of the file that has costs, zero included (the books
say nothing was spent); a category no account maps to is left as the Hub holds it.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from alliance.audit import Actor, audit_event_record
from alliance.dates import BUSINESS_MONTH, DateOutOfRange, alliance_today
from alliance.formatting import money, signed_money
from members.import_files import XLSX_MAGIC, table_lines
from members.import_sources import QUICKBOOKS
from members.imports import Column, ImportSpec, Row, current_import_batch, import_spec_register
from members.models import (
    ZERO,
    AccountCategory,
    CostAccountMapping,
    CostCategory,
    ImportBatch,
    ImportKind,
    MemberProgram,
    MonthlyCost,
)
from members.services import monthly_costs_set

MAX_LINES = 2000
INCOME, EXPENSE = "income", "expense"
SECTIONS = {
    "income": INCOME,
    "other income": INCOME,
    "revenue": INCOME,
    "cost of goods sold": EXPENSE,
    "cost of sales": EXPENSE,
    "expenses": EXPENSE,
    "expense": EXPENSE,
    "other expenses": EXPENSE,
    "other expense": EXPENSE,
}
COMPUTED = {"gross profit", "net operating income", "net other income", "net income", "net ordinary income"}
FIRST_HEADER_CELLS = {"", "account", "accounts", "distribution account", "full name", "name"}
MONTH_FORMATS = ["%b %Y", "%B %Y", "%Y-%m-%d", "%Y-%m", "%m/%Y"]
TO_HUB: dict[str, str] = {
    AccountCategory.ADMIN_PERSONNEL: CostCategory.PERSONNEL,
    AccountCategory.CLASSROOM_PERSONNEL: CostCategory.PERSONNEL,
    AccountCategory.OCCUPANCY: CostCategory.OCCUPANCY,
    AccountCategory.FOOD: CostCategory.FOOD,
    AccountCategory.SUPPLIES: CostCategory.SUPPLIES,
    AccountCategory.INSURANCE: CostCategory.INSURANCE,
    AccountCategory.OTHER: CostCategory.OTHER,
}
NOUN = "monthly cost"
CENT = Decimal("0.01")


# --- Reading the report -----------------------------------------------------
def parse_month_header(text: str) -> datetime.date | None:
    """Jan 2026, January 2026, Jan. 2026, Sept 2026, 2026-01(-01), 01/2026; None for anything else."""
    value = " ".join(text.replace(".", " ").split())
    value = re.sub(r"^sept\b", "Sep", value, flags=re.IGNORECASE)
    for fmt in MONTH_FORMATS:
        try:
            return datetime.datetime.strptime(value, fmt).date().replace(day=1)  # noqa: DTZ007 - a calendar month
        except ValueError:
            continue
    return None


def parse_amount(text: str) -> Decimal | None:
    """8,000.00 / $8,000.00 / (120.50) / -120.50 / 120.50- ; blank is None (nothing). ValueError if not money."""
    value = text.strip().replace("$", "").replace(",", "").replace(" ", "").replace("\u00a0", "")
    if value in ("", "-", "--"):
        return None
    negative = False
    if value.startswith("(") and value.endswith(")"):
        negative, value = True, value[1:-1]
    if value.endswith("-"):
        negative, value = True, value[:-1]
    if value.startswith("-"):
        negative, value = not negative, value[1:]
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValueError(text) from None
    if not amount.is_finite() or abs(amount) >= Decimal("10000000000") or amount != amount.quantize(CENT):
        raise ValueError(text)
    amount = amount.quantize(CENT)
    return -amount if negative else amount


def _raw_lines(raw: bytes, filename: str) -> list[tuple[int, list[str]]]:
    """Every line with its cells as written (a CSV's leading spaces are its indentation)."""
    if filename.lower().endswith(".xlsx") or raw[:4] == XLSX_MAGIC:
        return list(table_lines(raw, filename))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            raise ValidationError("The file is not text. Upload the report's CSV or Excel (.xlsx) export.") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    lines: list[tuple[int, list[str]]] = []
    last = 0
    try:
        for cells in reader:
            lines.append((last + 1, cells))
            last = reader.line_num
    except csv.Error as exc:
        raise ValidationError(f"Line {reader.line_num}: the file is not valid CSV ({exc}).") from None
    return lines


def _total_of(name: str) -> str | None:
    """The group a "Total X" / "Total for X" line closes, lower-cased; None if not a total line."""
    match = re.match(r"^total(?:\s+for)?\s+(.*)$", name.strip(), flags=re.IGNORECASE)
    if match:
        return match.group(1).strip().lower()
    return "" if name.strip().lower() == "total" else None


@dataclass
class Report:
    months: list[datetime.date]
    lines: list[dict[str, Any]]
    title: str = ""
    period: str = ""


def read_profit_loss(raw: bytes, filename: str) -> Report:
    """The report's months and its account lines (income and expense), each read once. File-level
    problems raise ValidationError with what to do."""
    lines = _raw_lines(raw, filename)
    header_at = None
    columns: dict[int, datetime.date] = {}
    titles: list[str] = []
    for index, (_line, cells) in enumerate(lines):
        found = {i: parse_month_header(c) for i, c in enumerate(cells) if i > 0 and c.strip()}
        months = {i: m for i, m in found.items() if m is not None}
        if months and cells[0].strip().lower() in FIRST_HEADER_CELLS:
            header_at, columns = index, months
            break
        if cells and cells[0].strip():
            titles.append(cells[0].strip())
    if header_at is None:
        raise ValidationError(
            "This is not a profit and loss report by month: no line names months (e.g. “Jan 2026”) across "
            "its columns. In QuickBooks Online: Reports › Profit and Loss, Display columns by “Months”, "
            "then Export to CSV or Excel."
        )
    seen: dict[datetime.date, int] = {}
    for i, month in columns.items():
        if month in seen:
            raise ValidationError(f"The report names {month:%B %Y} in two columns; export it by month once.")
        seen[month] = i
    section = ""
    stack: list[tuple[int, str]] = []  # (indent, name) of the open parent accounts
    accounts: list[dict[str, Any]] = []
    names: dict[str, int] = {}
    for line, cells in lines[header_at + 1 :]:
        if not cells or not any(c.strip() for c in cells):
            continue
        label = cells[0]
        name = label.strip()
        indent = len(label) - len(label.lstrip(" \u00a0\t"))
        amounts = {m.isoformat(): (cells[i].strip() if i < len(cells) else "") for i, m in columns.items()}
        has_amounts = any(amounts.values()) or any(c.strip() for c in cells[1:])
        lowered = name.lower()
        if not name:
            continue
        if lowered in SECTIONS and not has_amounts:
            section, stack = SECTIONS[lowered], []
            continue
        if lowered in COMPUTED:
            stack = []
            continue
        closes = _total_of(name)
        if closes is not None:
            while stack:
                _, opened = stack.pop()
                if opened.lower() == closes:
                    break
            continue
        if not section:
            if not has_amounts:  # a footnote such as "Accrual basis …" before any section
                continue
            raise ValidationError(
                f"Line {line}: “{name}” comes before the Income or Expenses heading; "
                "upload the report as QuickBooks exports it."
            )
        while stack and indent and stack[-1][0] >= indent:
            stack.pop()
        if not has_amounts:
            if section == EXPENSE or section == INCOME:
                stack.append((indent, name))
            continue
        full = ":".join([*(n for _, n in stack), name])
        if full in names:
            raise ValidationError(f"Line {line}: “{full}” appears twice (first on line {names[full]}).")
        names[full] = line
        if len(accounts) >= MAX_LINES:
            raise ValidationError(f"The report has more than {MAX_LINES} account lines; export fewer accounts.")
        accounts.append({"line": line, "values": {"account": full, "section": section, "amounts": amounts}})
    if not any(a["values"]["section"] == EXPENSE for a in accounts):
        raise ValidationError(
            "The report has no expense lines with amounts under an Expenses or Cost of Goods Sold heading."
        )
    return Report(
        months=sorted(columns.values()),
        lines=accounts,
        title=titles[0] if titles else "",
        period=titles[-1] if len(titles) > 1 else "",
    )


# --- Account mapping --------------------------------------------------------
PAY = r"(payroll|wage|salar|compensation|benefit|health insurance|401k|retirement|pension|staff|employee)"
ROLES: list[tuple[str, str]] = [
    (r"(teacher|classroom|aide|assistant|caregiver|floater|substitute)", AccountCategory.CLASSROOM_PERSONNEL),
    (r"(director|admin|office|bookkeep|management|manager)", AccountCategory.ADMIN_PERSONNEL),
]
GUESSES: list[tuple[str, str]] = [
    (
        r"(rent|lease|occupancy|mortgage|utilit|electric|water|gas\b|janitor|repairs|maintenance)",
        AccountCategory.OCCUPANCY,
    ),
    (r"(food|groceries|meal|snack|cacfp|kitchen)", AccountCategory.FOOD),
    (r"(suppl|curriculum|classroom material|toys|art material)", AccountCategory.SUPPLIES),
    (r"insurance", AccountCategory.INSURANCE),
    (
        r"(advertis|marketing|bank|merchant|fees|software|telephone|phone|internet|professional|accounting|"
        r"legal|licen|dues|subscription|training|travel|postage|office|printing)",
        AccountCategory.OTHER,
    ),
]


def guess_category(account: str) -> str | None:
    """A first choice for an account by its name (its own name first, then its parents'); None = ask.
    Pay is guessed only where the name says whose it is: "Payroll" or "Wages" alone asks."""
    parts = account.split(":")
    if re.search(PAY, account, flags=re.IGNORECASE):
        for text in (parts[-1], account):
            for pattern, category in ROLES:
                if re.search(pattern, text, flags=re.IGNORECASE):
                    return category
        return None
    for text in (parts[-1], account):
        for pattern, category in GUESSES:
            if re.search(pattern, text, flags=re.IGNORECASE):
                return category
    return None


def saved_mappings(program: MemberProgram, source: str) -> dict[str, str]:
    return dict(CostAccountMapping.objects.filter(program=program, source=source).values_list("account", "category"))


def expense_accounts(batch: ImportBatch) -> list[str]:
    return [r["values"]["account"] for r in batch.rows if r["values"]["section"] == EXPENSE]


def unmapped_accounts(batch: ImportBatch) -> list[str]:
    saved = saved_mappings(batch.program, batch.source)
    return [a for a in expense_accounts(batch) if a not in saved]


# --- Preview and commit -----------------------------------------------------
@dataclass
class Cell:
    category: str
    amount: Decimal
    held: Decimal | None

    @property
    def status(self) -> str:
        if self.held is None:
            return "new"
        return "same" if self.held == self.amount else "changed"

    @property
    def difference(self) -> Decimal:
        return self.amount - (self.held or ZERO)


@dataclass
class MonthSummary:
    month: datetime.date
    cells: dict[str, Cell] = field(default_factory=dict)
    admin: Decimal = ZERO
    classroom: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return sum((c.amount for c in self.cells.values()), ZERO)

    @property
    def changed(self) -> list[Cell]:
        return [c for c in self.cells.values() if c.status != "same"]

    def ordered(self, categories: list[str]) -> list[Cell | None]:
        return [self.cells.get(c) for c in categories]


@dataclass
class Summary:
    categories: list[str]
    months: list[MonthSummary]
    skipped: list[datetime.date]

    @property
    def changes(self) -> int:
        return sum(len(m.changed) for m in self.months)

    def category_labels(self) -> list[str]:
        return [CostCategory(c).label for c in self.categories]


def batch_months(batch: ImportBatch | None) -> list[datetime.date]:
    return [datetime.date.fromisoformat(h) for h in (batch.headers if batch else [])]


def _validate(program: MemberProgram, rows: list[Row]) -> None:
    batch = current_import_batch()
    months = batch_months(batch)
    mapping = saved_mappings(program, batch.source if batch else QUICKBOOKS)
    current = alliance_today().replace(day=1)
    month_problem: dict[datetime.date, str | None] = {}
    for month in months:
        try:
            BUSINESS_MONTH.check(month)
        except DateOutOfRange as exc:
            month_problem[month] = f"{month:%B %Y}: {exc}"
            continue
        month_problem[month] = (
            f"{month:%B %Y} has not begun; costs are recorded for months that have begun." if month > current else None
        )
    totals: dict[tuple[datetime.date, str], tuple[Decimal, Row]] = {}
    for row in rows:
        values: dict[str, Any] = row.values  # type: ignore[assignment]
        account = values["account"]
        category = AccountCategory.IGNORE if values["section"] == INCOME else mapping.get(account)
        if values["section"] == INCOME or category == AccountCategory.IGNORE:
            # Left out whatever its cells hold: only the lines that become costs are checked.
            row.note = (
                "Income: not a cost, left out." if values["section"] == INCOME else "Not a program cost: left out."
            )
            row.cleaned = {"account": account, "category": AccountCategory.IGNORE, "amounts": {}}
            continue
        amounts: dict[datetime.date, Decimal] = {}
        for month in months:
            text = values["amounts"].get(month.isoformat(), "")
            try:
                amount = parse_amount(text)
            except ValueError:
                row.errors.append((f"{month:%b %Y}", f"“{text}” is not an amount."))
                continue
            if amount:
                amounts[month] = amount
        if category is None:
            row.errors.append(
                (
                    "",
                    f"“{account}” has no cost category yet: choose one on the accounts page "
                    "(through the API, in `accounts`).",
                )
            )
        else:
            for month in amounts:
                problem = month_problem.get(month)
                if problem:
                    row.errors.append((f"{month:%b %Y}", problem))
            for month, amount in amounts.items():
                key = (month, TO_HUB[category])
                total, first = totals.get(key, (ZERO, row))
                totals[key] = (total + amount, first if key in totals else row)
        row.cleaned = {"account": account, "category": category, "amounts": amounts}
    for (month, category), (total, first) in totals.items():
        if total < 0:
            first.errors.append(
                (
                    f"{month:%b %Y}",
                    f"The accounts mapped to {CostCategory(category).label} add up to {money(total)} in "
                    f"{month:%B %Y}; a month's cost cannot be negative.",
                )
            )


def profit_loss_summary(program: MemberProgram, rows: list[Row], months: list[datetime.date]) -> Summary:
    """Per month × category: the file's total (the sum of its mapped lines) beside what the Hub holds.
    Months without any cost in the file (a year's report run before its end) are skipped."""
    categories = sorted(
        {TO_HUB[r.cleaned["category"]] for r in rows if r.cleaned.get("category") in TO_HUB},
        key=CostCategory.values.index,
    )
    sums: dict[tuple[datetime.date, str], Decimal] = defaultdict(lambda: ZERO)
    split: dict[tuple[datetime.date, str], Decimal] = defaultdict(lambda: ZERO)
    for row in rows:
        category = row.cleaned.get("category")
        if category not in TO_HUB:
            continue
        for month, amount in row.cleaned["amounts"].items():
            sums[(month, TO_HUB[category])] += amount
            split[(month, category)] += amount
    with_costs = sorted({m for m, _ in list(sums) if any(sums.get((m, c)) for c in categories)})
    held: dict[tuple[datetime.date, str], Decimal] = {
        (c.month, c.category): c.amount
        for c in MonthlyCost.objects.filter(program=program, month__in=with_costs, category__in=categories)
    }
    result = []
    for month in with_costs:
        summary = MonthSummary(
            month=month,
            admin=split[(month, AccountCategory.ADMIN_PERSONNEL)],
            classroom=split[(month, AccountCategory.CLASSROOM_PERSONNEL)],
        )
        for category in categories:
            summary.cells[category] = Cell(category, sums[(month, category)], held.get((month, category)))
        result.append(summary)
    return Summary(categories=categories, months=result, skipped=[m for m in months if m not in with_costs])


def personnel_note(summary: MonthSummary) -> str:
    return (
        f"From the profit and loss report: administration {money(summary.admin)}, classroom {money(summary.classroom)}."
    )


def change_lines(summary: Summary) -> list[str]:
    """“January 2026 Food: $400.00 → $450.25 (+$50.25)” for each figure the import changes."""
    lines = []
    for month in summary.months:
        for cell in month.changed:
            label = CostCategory(cell.category).label
            if cell.held is None:
                lines.append(f"{month.month:%B %Y} {label}: {money(cell.amount)} (new).")
            else:
                lines.append(
                    f"{month.month:%B %Y} {label}: {money(cell.held)} → {money(cell.amount)} "
                    f"({signed_money(cell.difference)})."
                )
    return lines


def _commit(actor: Actor, program: MemberProgram, rows: list[Row]) -> dict[str, Any]:
    summary = profit_loss_summary(program, rows, batch_months(current_import_batch()))
    created = updated = unchanged = 0
    changes: dict[str, int] = defaultdict(int)
    for month in summary.months:
        changed = month.changed
        unchanged += len(month.cells) - len(changed)
        if not changed:
            continue
        for cell in changed:
            created += cell.held is None
            updated += cell.held is not None
            changes[CostCategory(cell.category).label] += cell.held is not None
        notes: dict[str, str] = (
            {CostCategory.PERSONNEL: personnel_note(month)} if CostCategory.PERSONNEL in month.cells else {}
        )
        monthly_costs_set(
            actor=actor,
            program=program,
            month=month.month,
            amounts={c.category: c.amount for c in changed},
            notes=notes,
        )
    return {
        "created": {NOUN: created} if created else {},
        "updated": {NOUN: updated} if updated else {},
        "unchanged": {NOUN: unchanged} if unchanged else {},
        "changes": {NOUN: {k: v for k, v in changes.items() if v}} if updated else {},
        "lines": change_lines(summary),
        "nothing_changed": not (created or updated),
    }


SPEC = ImportSpec(
    kind=ImportKind.PROFIT_LOSS,
    noun="account line",
    columns=[
        Column("account", True, "Payroll Expenses:Salaries - Teachers", "The account's full name."),
        Column("section", True, "expense", "income or expense."),
        Column("amounts", True, "", "The month columns."),
    ],
    validate=_validate,
    commit=_commit,
    max_rows=MAX_LINES,
)
import_spec_register(SPEC)


# --- Writes -----------------------------------------------------------------
@transaction.atomic
def profit_loss_batch_create(
    *, actor: Actor, program: MemberProgram, filename: str, raw: bytes, source: str = QUICKBOOKS
) -> ImportBatch:
    """Hold an uploaded profit and loss report for its accounts and preview. File-level problems
    raise ValidationError; nothing is kept."""
    report = read_profit_loss(raw, filename)
    batch = ImportBatch(
        program=program,
        kind=ImportKind.PROFIT_LOSS,
        filename=filename[:255],
        headers=[m.isoformat() for m in report.months],
        rows=report.lines,
        source=source,
        mapping={},
        mapped=True,
        created_by_id=actor.pk if actor and actor.is_authenticated else None,
    )
    batch.save()
    audit_event_record(
        actor=actor,
        action="import.uploaded",
        target=batch,
        program_id=program.pk,
        after={
            "kind": batch.kind,
            "source": source,
            "filename": batch.filename,
            "rows": len(report.lines),
            "months": len(report.months),
        },
    )
    return batch


@transaction.atomic
def cost_accounts_map(*, actor: Actor, batch: ImportBatch, choices: dict[str, str]) -> list[CostAccountMapping]:
    """Save the program's cost category of each expense account of a report, for this report and
    the next ones from the same system. Unknown accounts or categories are refused."""
    accounts = set(expense_accounts(batch))
    errors = {a: "Not an expense account of this report." for a in choices if a not in accounts}
    errors.update({a: "Choose a category." for a, c in choices.items() if c not in AccountCategory.values})
    if errors:
        raise ValidationError(errors)
    existing = {m.account: m for m in CostAccountMapping.objects.filter(program=batch.program, source=batch.source)}
    before, after, saved = {}, {}, []
    for account, category in choices.items():
        row = existing.get(account)
        if row is not None and row.category == category:
            continue
        if row is None:
            row = CostAccountMapping(program=batch.program, source=batch.source, account=account)
        else:
            before[account] = row.category
        row.category = category
        row.save()
        after[account] = category
        saved.append(row)
    if after:
        audit_event_record(
            actor=actor,
            action="import.accounts_mapped",
            target=batch,
            program_id=batch.program_id,
            before=before,
            after={**after, "source": batch.source},
        )
    return saved
