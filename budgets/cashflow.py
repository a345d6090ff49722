"""A member program's cash-flow forecast: the next 90 days from the alliance's today.

Money in:
- **Open family items** (billing's aging: each open invoice and charge with what is still open on
  it), expected on its due date plus the family's own habit: the average days from due date to paid
  over the account's invoices of the last year that are paid (`family_payment_lags`, from the ledger:
  payments less refunds applied to the invoices oldest first; paid early counts negative). A family
  with no paid invoice yet is expected on the due date. An account on **autopay** (bank details with
  autopay on, not paused or flagged) is expected on the due date itself: the Hub debits it then.
- **Open third-party claims** (expected less paid), expected on their invoice's due date plus the
  payer's own lag: the average days from due date to the remittance over the payer's remitted
  claims (`payer_lags`).
- An item whose expected day has passed is expected tomorrow; an item more than 90 days past due is
  left out (by then it is the collections worklist's, not the bank's).

Money out: the program's recurring costs, the average month of its last three months with costs
(members' program-month cost, the rollup's definition), spread evenly over the days of each month —
payroll, rent and bills fall across a month, and spreading them shows the steady drain rather than
one cliff on the 1st.

Invoices not yet issued are not forecast: the forecast is of money already owed, against costs that
run on, so it shows how long today's cash and receivables carry the program.

Running balance: the starting cash the member types in, plus each day's money in, less its money
out, from today to day 90; the lowest balance ahead and its first date.
"""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from alliance.dates import add_days, add_months, month_start
from billing.aging import aging_for_accounts
from billing.models import (
    BankAccount,
    ClaimStatus,
    FamilyAccount,
    Invoice,
    InvoiceStatus,
    LedgerEntry,
    PayerClaim,
    RemittanceLine,
)
from billing.selectors import paid_entries_q
from members.models import MemberProgram
from members.selectors import program_month_costs

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
HORIZON_DAYS = 90
LEFT_OUT_PAST_DUE_DAYS = 90
HISTORY_DAYS = 365
COST_MONTHS = 3


@dataclass(frozen=True)
class Flow:
    day: datetime.date
    kind: str  # family, autopay, third_party, cost
    description: str
    amount: Decimal  # money in positive, money out negative


@dataclass(frozen=True)
class Day:
    day: datetime.date
    money_in: Decimal
    money_out: Decimal
    balance: Decimal


@dataclass
class CashFlowForecast:
    program: MemberProgram
    today: datetime.date
    starting_cash: Decimal
    monthly_cost: Decimal
    cost_months: list[datetime.date]
    flows: list[Flow] = field(default_factory=list)
    days: list[Day] = field(default_factory=list)

    @property
    def lowest(self) -> Day:
        return min(self.days, key=lambda d: (d.balance, d.day))

    @property
    def money_in(self) -> Decimal:
        return sum((d.money_in for d in self.days), ZERO)

    @property
    def money_out(self) -> Decimal:
        return sum((d.money_out for d in self.days), ZERO)

    @property
    def end_day(self) -> datetime.date:
        return self.days[-1].day

    @property
    def end_balance(self) -> Decimal:
        return self.days[-1].balance

    def inflows(self) -> list[Flow]:
        return [f for f in self.flows if f.amount > 0]


MAX_CASH = Decimal("9999999999.99")


def cash_amount(text: str) -> Decimal | None:
    """A typed amount of money (commas and a leading $ allowed), or None when it is not one with at most
    two decimal places within ±9,999,999,999.99."""
    cleaned = (text or "").strip().replace(",", "").lstrip("$")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not amount.is_finite() or abs(amount) > MAX_CASH or amount != amount.quantize(CENT):
        return None
    return amount


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def family_payment_lags(program: MemberProgram, *, today: datetime.date) -> dict[int, int]:
    """Each account's average days from an invoice's due date to the day it was paid in full, over its
    invoices due in the last year and paid by today (payments less refunds, oldest invoice first)."""
    since = add_days(today, -HISTORY_DAYS)
    invoices = defaultdict(list)
    for account_id, due_on, total in (
        Invoice.objects.filter(program=program, account__family__isnull=False, total__gt=0)
        .exclude(status=InvoiceStatus.VOID)
        .order_by("account_id", "due_on", "pk")
        .values_list("account_id", "due_on", "total")
    ):
        invoices[account_id].append((due_on, total))
    payments = defaultdict(list)
    for account_id, posted_on, amount in (
        LedgerEntry.objects.filter(paid_entries_q(), program=program, posted_on__lte=today)
        .order_by("account_id", "posted_on", "pk")
        .values_list("account_id", "posted_on", "amount")
    ):
        payments[account_id].append((posted_on, -amount))
    lags: dict[int, int] = {}
    for account_id, bills in invoices.items():
        paid_days: list[int] = []
        owed = ZERO
        paid = ZERO
        stream = iter(payments.get(account_id, ()))
        paid_on: datetime.date | None = None
        for due_on, total in bills:
            owed += total
            while paid < owed:
                step = next(stream, None)
                if step is None:
                    break
                paid_on, amount = step
                paid += amount
            if paid < owed or paid_on is None:
                break  # this invoice and the later ones are not paid yet
            if due_on >= since:
                paid_days.append((paid_on - due_on).days)
        if paid_days:
            lags[account_id] = round(sum(paid_days) / len(paid_days))
    return lags


def payer_lags(program: MemberProgram) -> dict[int, int]:
    """Each payer's average days from a claim's invoice due date to the remittance that paid it."""
    days: dict[int, list[int]] = defaultdict(list)
    for payer_id, due_on, received_on in RemittanceLine.objects.filter(claim__program=program).values_list(
        "claim__payer_id", "claim__invoice__due_on", "remittance__received_on"
    ):
        days[payer_id].append((received_on - due_on).days)
    return {payer: round(sum(values) / len(values)) for payer, values in days.items()}


def _expected(due_on: datetime.date, lag: int, today: datetime.date) -> datetime.date | None:
    if (today - due_on).days > LEFT_OUT_PAST_DUE_DAYS:
        return None
    day = add_days(due_on, lag)
    return day if day > today else add_days(today, 1)


def cash_flow_forecast(program: MemberProgram, *, starting_cash: Decimal, today: datetime.date) -> CashFlowForecast:
    horizon_end = add_days(today, HORIZON_DAYS)
    flows: list[Flow] = []
    lags = family_payment_lags(program, today=today)
    autopay = set(
        BankAccount.objects.filter(
            account__program=program, autopay_enabled=True, autopay_paused=False, flagged=False
        ).values_list("account_id", flat=True)
    )
    accounts = FamilyAccount.objects.filter(program=program, family__isnull=False)
    names = dict(accounts.values_list("pk", "family__name"))
    for aging in aging_for_accounts(accounts, as_of=today):
        for item in aging.items:
            on_autopay = aging.account_id in autopay
            day = _expected(item.due_on, 0 if on_autopay else lags.get(aging.account_id, 0), today)
            if day is None or day > horizon_end or item.open <= 0:
                continue
            kind = "autopay" if on_autopay else "family"
            flows.append(Flow(day, kind, f"{names.get(aging.account_id, '')}: {item.label}".strip(), item.open))
    by_payer = payer_lags(program)
    for claim in PayerClaim.objects.filter(program=program, status=ClaimStatus.OPEN).select_related("payer", "invoice"):
        open_amount = claim.expected - claim.paid
        day = _expected(claim.invoice.due_on, by_payer.get(claim.payer_id, 0), today)
        if day is None or day > horizon_end or open_amount <= 0:
            continue
        flows.append(Flow(day, "third_party", f"{claim.payer.name}: claim for {claim.period_start:%b %Y}", open_amount))
    # Recurring costs: the last three months with any cost, before this month.
    months = [add_months(month_start(today), -n) for n in range(1, 13)]
    costs = program_month_costs([program], months)
    with_cost = [m for m in months if costs[(program.pk, m)].cost > 0][:COST_MONTHS]
    monthly = (
        _cents(sum((costs[(program.pk, m)].cost for m in with_cost), ZERO) / len(with_cost)) if with_cost else ZERO
    )
    forecast = CashFlowForecast(program, today, starting_cash, monthly, sorted(with_cost), flows=[])
    balance = starting_cash
    inflow_by_day: dict[datetime.date, Decimal] = defaultdict(lambda: ZERO)
    for flow in flows:
        inflow_by_day[flow.day] += flow.amount
    for offset in range(1, HORIZON_DAYS + 1):
        day = add_days(today, offset)
        days_in_month = calendar.monthrange(day.year, day.month)[1]
        # Each day's share of the month's cost, rounded so a whole month adds up to the monthly cost.
        out = _cents(monthly * day.day / days_in_month) - _cents(monthly * (day.day - 1) / days_in_month)
        money_in = inflow_by_day.get(day, ZERO)
        balance = balance + money_in - out
        forecast.days.append(Day(day, money_in, out, balance))
        if out:
            flows.append(Flow(day, "cost", "Recurring costs (daily share)", -out))
    forecast.flows = sorted(flows, key=lambda f: (f.day, -f.amount))
    return forecast


def cash_flow_csv_rows(forecast: CashFlowForecast) -> list[list[object]]:
    """Each day's money in and out and the balance, then each expected receipt: plain numbers, ISO dates."""
    rows: list[list[object]] = [["section", "date", "description", "money_in", "money_out", "balance"]]
    for day in forecast.days:
        rows.append(["day", day.day.isoformat(), "", day.money_in, day.money_out, day.balance])
    for flow in forecast.inflows():
        rows.append([flow.kind, flow.day.isoformat(), flow.description, flow.amount, "", ""])
    return rows
