"""A member program's cash-flow forecast: the next 90 days from the alliance's today.

Money in:
- **Open family items** (billing's aging: each open invoice and charge with what is still open on
  it, including invoices a run made ahead, dated after today), expected on its due date plus the
  family's own habit: the average days from due date to paid over the account's invoices of the
  last year that are paid (`family_payment_lags`, from the ledger:
  payments less refunds applied to the invoices oldest first; paid early counts negative). A family
  with no paid invoice yet is expected on the due date. An account on **autopay** (bank details with
  autopay on, not paused or flagged) is expected on the due date itself: the Hub debits it then.
- **Open third-party claims** (expected less paid), expected on their invoice's due date plus the
  payer's own lag: the average days from due date to the remittance over the payer's remitted
  claims (`payer_lags`).
- **Invoices not yet issued**: each coming month whose run falls in the 90 days (a monthly run issues
  on the 1st, due `DUE_AFTER_DAYS` later), priced by the invoice run's own pricing
  (`billing.invoicing.invoices_priced`: active enrollments x rate plans, discounts, fees, payers'
  shares), for the accounts not yet invoiced for that month. The family's part is expected like an
  issued invoice (due date plus the family's habit; autopay on the due date), each payer's share on
  the due date plus the payer's lag. A fee the run charges once (registration; supply once a year)
  is counted in the first projected month only, as the run would after writing it.
- An item whose expected day has passed is expected tomorrow; an item more than 90 days past due is
  left out (by then it is the collections worklist's, not the bank's).

Money out: the program's recurring costs, the average month of its last three months with costs
(members' program-month cost, the rollup's definition), spread evenly over the days of each month —
payroll, rent and bills fall across a month, and spreading them shows the steady drain rather than
one cliff on the 1st.

Running balance: the starting cash the member types in, plus each day's money in, less its money
out, from today to day 90; the lowest balance ahead and its first date.
"""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from alliance.dates import add_days, add_months, month_bounds, month_start, next_month_start
from billing.aging import aging_for_accounts
from billing.invoicing import DUE_AFTER_DAYS, INVOICED_PROGRAM_STATUSES, invoices_priced
from billing.models import (
    BankAccount,
    ChargeCategory,
    ClaimStatus,
    FamilyAccount,
    Invoice,
    InvoiceStatus,
    LedgerEntry,
    PayerClaim,
    RemittanceLine,
)
from billing.selectors import paid_entries_q
from enrollment.models import Family
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
    to_be_issued: bool = False  # on an invoice a coming month's run will issue


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


ONCE_CHARGED = (ChargeCategory.REGISTRATION, ChargeCategory.SUPPLY)


def coming_invoice_flows(
    program: MemberProgram,
    *,
    today: datetime.date,
    horizon_end: datetime.date,
    family_lags: dict[int, int],
    autopay: set[int],
    by_payer: dict[int, int],
) -> list[Flow]:
    """The money the coming months' invoice runs will bill, on the day each part is expected.

    A monthly run issues on the 1st (from today on) and is due `DUE_AFTER_DAYS` later; its lines are the
    run's own (`invoices_priced`), for the accounts it has not yet invoiced for that month."""
    if program.status not in INVOICED_PROGRAM_STATUSES:
        return []
    flows: list[Flow] = []
    charged_once: set[tuple[str, int | None, int]] = set()
    issue_on = today if today.day == 1 else next_month_start(today)
    tomorrow = add_days(today, 1)
    while issue_on <= horizon_end:
        start, end = month_bounds(issue_on)
        work, _ = invoices_priced(program_ids=[program.pk], period_start=start, period_end=end)
        due_on = add_days(issue_on, DUE_AFTER_DAYS)
        pending = work[program.pk].pending
        names = dict(Family.objects.filter(pk__in={a.family_id for a, _ in pending}).values_list("pk", "name"))
        earliest = max(issue_on, tomorrow)  # nothing is paid before the invoice exists

        for account, lines in pending:
            kept = []
            for line in lines:
                if line.category in ONCE_CHARGED:
                    key = (line.category, line.child_id, start.year if line.category == ChargeCategory.SUPPLY else 0)
                    if key in charged_once:
                        continue  # the run before this one will have charged it
                    charged_once.add(key)
                kept.append(line)
            family_part = sum((line.amount for line in kept), ZERO)
            on_autopay = account.pk in autopay
            family_day = max(add_days(due_on, 0 if on_autopay else family_lags.get(account.pk, 0)), earliest)
            if family_part > 0 and family_day <= horizon_end:
                flows.append(
                    Flow(
                        family_day,
                        "autopay" if on_autopay else "family",
                        f"{names.get(account.family_id, '')}: {start:%b %Y} invoice (to be issued)",
                        family_part,
                        to_be_issued=True,
                    )
                )
            for line in kept:
                if line.authorization is None:
                    continue
                payer = line.authorization.payer
                payer_day = max(add_days(due_on, by_payer.get(payer.pk, 0)), earliest)
                if payer_day <= horizon_end:
                    flows.append(
                        Flow(
                            payer_day,
                            "third_party",
                            f"{payer.name}: claim for {start:%b %Y} (to be issued)",
                            -line.amount,
                            to_be_issued=True,
                        )
                    )
        issue_on = next_month_start(issue_on)
    return flows


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
    # Up to the horizon, not today: a run made ahead (April's on Mar 25) posts its invoices on their issue
    # date, and they are owed like any other (the coming runs skip the accounts they invoiced).
    for aging in aging_for_accounts(accounts, as_of=horizon_end):
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
    flows.extend(
        coming_invoice_flows(
            program, today=today, horizon_end=horizon_end, family_lags=lags, autopay=autopay, by_payer=by_payer
        )
    )
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
