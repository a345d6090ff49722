"""Reads of budgets shared by the pages, the CSV, the PDF and the API.

Budgeted revenue of a month = for each rate plan, the children planned on it x what billing
charges a child on that plan for the whole month (`billing.pricing.tuition_for` over the
month: a monthly plan's tuition; a weekly plan's tuition x the month's scheduled days / days a
week, the plan's days a week, else Monday to Friday), rounded to cents once per plan-month;
plus the subsidy and other income typed for the month.

Actual figures come from the rollups: billed and collected (family + third party) from
metrics' `ProgramFinanceMonth` snapshot, cost by category from members' program-month cost
(`program_monthly_costs`, the one definition the finance rollup embeds: entered rows,
personnel from the roster where none was entered). A month is *measured* when it is over (before
the alliance's current month) and the rollup wrote its snapshot; year to date adds up the
measured months only, budget and actual alike, so the two cover the same months.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from alliance.dates import alliance_today, month_bounds, month_start
from billing.models import RatePlan
from billing.pricing import plan_for, tuition_for
from budgets.models import COST_KINDS, INCOME_KINDS, LINE_KINDS, Budget, BudgetEnrollment, BudgetLine
from members.models import MemberProgram
from members.selectors import program_monthly_costs
from metrics.models import ProgramFinanceMonth

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MONTHS = range(1, 13)
LINE_LABELS = dict(LINE_KINDS)

# A variance is flagged when revenue falls short of the budget, or a cost exceeds it, by MORE than this
# share of the budgeted figure. Five per cent is a common tolerance in small-business budgeting: a month
# of a child-care budget moves by about that much with one child joining or leaving a room of twenty, so
# smaller gaps are noise and larger ones are worth a director's look. Exactly 5.0 % is not flagged.
VARIANCE_FLAG_PERCENT = Decimal("5")


def to_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def plan_weekdays(plan: RatePlan) -> list[int]:
    """The schedule a budget prices a plan for: its days a week from Monday, else Monday to Friday."""
    return list(range(plan.days_per_week or 5))


def plan_month_price(plan: RatePlan, year: int, month: int) -> Decimal:
    """What billing charges one child on `plan` for the whole month (exact; rounded by the caller)."""
    start, end = month_bounds(datetime.date(year, month, 1))
    return tuition_for(plan, plan_weekdays(plan), start, end)


def plan_in_force_in_month(plan: RatePlan, year: int, month: int) -> bool:
    start, end = month_bounds(datetime.date(year, month, 1))
    return plan.effective_from <= end and (plan.effective_to is None or plan.effective_to >= start)


def plans_for_year(program: MemberProgram, year: int, *, also: Iterable[int] = ()) -> list[RatePlan]:
    """The program's rate plans in force at some time in the year, and any plan the budget already names."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    plans = RatePlan.objects.filter(program=program, effective_from__lte=end).exclude(effective_to__lt=start)
    named = RatePlan.objects.filter(program=program, pk__in=list(also))
    return sorted(set(plans) | set(named), key=lambda p: (p.name, p.effective_from, p.pk))


def cell_key_plan(plan_id: int, month: int) -> str:
    return f"plan_{plan_id}_m{month}"


def cell_key_line(kind: str, month: int) -> str:
    return f"{kind}_m{month}"


# --- The budget as entered ---------------------------------------------------------------------------
@dataclass
class PlanRow:
    plan: RatePlan
    prices: list[Decimal]  # per month, exact
    children: list[int]
    in_force: list[bool]

    @property
    def revenue(self) -> list[Decimal]:
        return [to_cents(price * count) for price, count in zip(self.prices, self.children, strict=True)]

    @property
    def total(self) -> Decimal:
        return sum(self.revenue, ZERO)


@dataclass
class BudgetPlan:
    """A budget's grid: children per plan and month, amounts per line and month (index 0 = January)."""

    year: int
    plans: list[PlanRow]
    lines: dict[str, list[Decimal]]

    def tuition(self, month: int) -> Decimal:
        return sum((row.revenue[month - 1] for row in self.plans), ZERO)

    def line(self, kind: str, month: int) -> Decimal:
        return self.lines[kind][month - 1]

    def revenue(self, month: int) -> Decimal:
        return self.tuition(month) + sum((self.line(kind, month) for kind in INCOME_KINDS), ZERO)

    def cost(self, month: int) -> Decimal:
        return sum((self.line(kind, month) for kind in COST_KINDS), ZERO)

    def line_rows(self, kinds: list[str]) -> list[tuple[str, str, list[Decimal], Decimal]]:
        return [(kind, LINE_LABELS[kind], self.lines[kind], sum(self.lines[kind], ZERO)) for kind in kinds]

    @property
    def month_totals(self) -> list[dict[str, Decimal]]:
        return [
            {"tuition": self.tuition(m), "revenue": self.revenue(m), "cost": self.cost(m)}
            | {"net": self.revenue(m) - self.cost(m)}
            for m in MONTHS
        ]


def budget_plan(budget: Budget | None, *, program: MemberProgram, year: int) -> BudgetPlan:
    """The grid of a budget (or an empty one for a year without a budget), with every plan of the year."""
    children: dict[tuple[int, int], int] = {}
    amounts: dict[tuple[str, int], Decimal] = {}
    if budget is not None:
        for enrollment in BudgetEnrollment.objects.filter(budget=budget):
            children[(enrollment.rate_plan_id, enrollment.month)] = enrollment.children
        for line in BudgetLine.objects.filter(budget=budget):
            amounts[(line.kind, line.month)] = line.amount
    plans = plans_for_year(program, year, also={plan_id for plan_id, _ in children})
    return BudgetPlan(
        year=year,
        plans=[
            PlanRow(
                plan=plan,
                prices=[plan_month_price(plan, year, m) for m in MONTHS],
                children=[children.get((plan.pk, m), 0) for m in MONTHS],
                in_force=[plan_in_force_in_month(plan, year, m) for m in MONTHS],
            )
            for plan in plans
        ],
        lines={kind: [amounts.get((kind, m), ZERO) for m in MONTHS] for kind, _ in LINE_KINDS},
    )


def budget_of(program: MemberProgram, year: int) -> Budget | None:
    return Budget.objects.filter(program=program, year=year).first()


def budgets_of(program: MemberProgram) -> list[Budget]:
    return list(Budget.objects.filter(program=program).order_by("-year"))


# --- Budget against actual ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Comparison:
    """One figure budgeted and, in a measured month, measured. `kind` is revenue or cost: a shortfall
    of revenue and an excess of cost are what a flag is about."""

    key: str
    label: str
    kind: str
    budget: Decimal
    actual: Decimal | None

    @property
    def variance(self) -> Decimal | None:
        return None if self.actual is None else self.actual - self.budget

    @property
    def variance_percent(self) -> Decimal | None:
        """Variance as a percentage of the budget, exact (shown to one place); none without a budget."""
        if self.variance is None or self.budget == 0:
            return None
        return self.variance * 100 / self.budget

    @property
    def flagged(self) -> bool:
        variance = self.variance
        if variance is None:
            return False
        if self.budget == 0:  # nothing budgeted: any cost is over it; revenue cannot fall short of nothing
            return self.kind == "cost" and variance > 0
        share = variance * 100 / self.budget
        if self.kind == "cost":
            return share > VARIANCE_FLAG_PERCENT
        return share < -VARIANCE_FLAG_PERCENT

    @property
    def flag_text(self) -> str:
        if not self.flagged:
            return ""
        return "Over budget" if self.kind == "cost" else "Under budget"


@dataclass(frozen=True)
class Actual:
    billed: Decimal
    collected: Decimal
    costs: dict[str, Decimal]

    @property
    def cost(self) -> Decimal:
        return sum(self.costs.values(), ZERO)


@dataclass
class MonthComparison:
    month: datetime.date
    measured: bool
    budget_tuition: Decimal
    budget_income: dict[str, Decimal]
    rows: list[Comparison] = field(default_factory=list)

    def row(self, key: str) -> Comparison:
        return next(r for r in self.rows if r.key == key)

    @property
    def revenue(self) -> Comparison:
        return self.row("revenue")

    @property
    def collected(self) -> Comparison:
        return self.row("collected")

    @property
    def cost(self) -> Comparison:
        return self.row("cost")

    @property
    def net(self) -> Comparison:
        return self.row("net")

    @property
    def cost_rows(self) -> list[Comparison]:
        return [r for r in self.rows if r.key in COST_KINDS]

    @property
    def flags(self) -> list[Comparison]:
        return [r for r in self.rows if r.flagged]


@dataclass
class BudgetVsActual:
    program: MemberProgram
    year: int
    plan: BudgetPlan
    months: list[MonthComparison]
    ytd: MonthComparison | None  # over the measured months; None before the first is measured

    @property
    def measured_months(self) -> list[MonthComparison]:
        return [m for m in self.months if m.measured]


def _comparisons(budget_tuition: Decimal, budget_lines: dict[str, Decimal], actual: Actual | None) -> list[Comparison]:
    budget_revenue = budget_tuition + sum((budget_lines[k] for k in INCOME_KINDS), ZERO)
    budget_cost = sum((budget_lines[k] for k in COST_KINDS), ZERO)
    rows = [
        Comparison(
            "revenue",
            "Revenue (budget) against billed",
            "revenue",
            budget_revenue,
            None if actual is None else actual.billed,
        ),
        Comparison(
            "collected",
            "Revenue (budget) against collected",
            "revenue",
            budget_revenue,
            None if actual is None else actual.collected,
        ),
    ]
    rows += [
        Comparison(kind, LINE_LABELS[kind], "cost", budget_lines[kind], None if actual is None else actual.costs[kind])
        for kind in COST_KINDS
    ]
    rows.append(Comparison("cost", "Total cost", "cost", budget_cost, None if actual is None else actual.cost))
    rows.append(
        Comparison(
            "net",
            "Net (revenue less cost)",
            "revenue",
            budget_revenue - budget_cost,
            None if actual is None else actual.billed - actual.cost,
        )
    )
    return rows


def actuals_of(program: MemberProgram, months: list[datetime.date]) -> dict[datetime.date, Actual]:
    """The measured months among `months`: those with the rollup's snapshot, with cost by category."""
    snapshots = {row.month: row for row in ProgramFinanceMonth.objects.filter(program=program, month__in=months)}
    if not snapshots:
        return {}
    costs = {mc.month: mc for mc in program_monthly_costs(program, sorted(snapshots))}
    result = {}
    for month, snap in snapshots.items():
        month_costs = costs[month]
        result[month] = Actual(
            billed=snap.billed,
            collected=snap.collected_family + snap.collected_third_party,
            costs={kind: month_costs.amount(kind) or ZERO for kind in COST_KINDS},
        )
    return result


def budget_vs_actual(
    program: MemberProgram, year: int, *, budget: Budget | None = None, today: datetime.date | None = None
) -> BudgetVsActual:
    """Month by month and year to date, a budget beside the rollups' figures of the same months."""
    budget = budget if budget is not None else budget_of(program, year)
    plan = budget_plan(budget, program=program, year=year)
    current = month_start(today or alliance_today())
    months = [datetime.date(year, m, 1) for m in MONTHS]
    actuals = actuals_of(program, [m for m in months if m < current])
    result = []
    for m, month in zip(MONTHS, months, strict=True):
        lines = {kind: plan.line(kind, m) for kind, _ in LINE_KINDS}
        actual = actuals.get(month)
        result.append(
            MonthComparison(
                month=month,
                measured=actual is not None,
                budget_tuition=plan.tuition(m),
                budget_income={k: lines[k] for k in INCOME_KINDS},
                rows=_comparisons(plan.tuition(m), lines, actual),
            )
        )
    measured = [m for m in result if m.measured]
    ytd = None
    if measured:
        budget_lines = {kind: sum((plan.line(kind, mc.month.month) for mc in measured), ZERO) for kind, _ in LINE_KINDS}
        tuition = sum((mc.budget_tuition for mc in measured), ZERO)
        actual_sum = Actual(
            billed=sum((actuals[mc.month].billed for mc in measured), ZERO),
            collected=sum((actuals[mc.month].collected for mc in measured), ZERO),
            costs={k: sum((actuals[mc.month].costs[k] for mc in measured), ZERO) for k in COST_KINDS},
        )
        ytd = MonthComparison(
            month=measured[-1].month,
            measured=True,
            budget_tuition=tuition,
            budget_income={k: budget_lines[k] for k in INCOME_KINDS},
            rows=_comparisons(tuition, budget_lines, actual_sum),
        )
    return BudgetVsActual(program=program, year=year, plan=plan, months=result, ytd=ytd)


def budget_vs_actual_csv_rows(report: BudgetVsActual) -> list[list[object]]:
    """Month by month and the year to date, one row per figure: plain numbers and ISO months."""
    rows: list[list[object]] = [
        ["program", "period", "figure", "budget", "actual", "variance", "variance_percent", "flag"]
    ]
    periods = [(m.month.strftime("%Y-%m"), m) for m in report.months]
    if report.ytd is not None:
        periods.append((f"{report.year} to {report.ytd.month:%Y-%m}", report.ytd))
    for label, month in periods:
        for row in month.rows:
            pct = row.variance_percent
            rows.append(
                [
                    report.program.name,
                    label,
                    row.label,
                    row.budget,
                    "" if row.actual is None else row.actual,
                    "" if row.variance is None else row.variance,
                    "" if pct is None else pct.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP),
                    row.flag_text,
                ]
            )
    return rows


def last_year_figures(budget: Budget, *, today: datetime.date | None = None) -> tuple[dict, dict]:
    """Cells of a budget from the program's measured months of the year before (see `measured_figures`)."""
    return measured_figures(budget.program, source_year=budget.year - 1, budget_year=budget.year, today=today)


def measured_figures(
    program: MemberProgram, *, source_year: int, budget_year: int, today: datetime.date | None = None
) -> tuple[dict[tuple[int, int], int], dict[tuple[str, int], Decimal]]:
    """Cells from the program's measured months of `source_year`: each month's costs by category, its
    enrollments (on the 15th) priced on the plans in force at the budget year's start (billing's own
    choice of plan, `plan_for`), and as other income what was billed beyond that tuition (fees, late
    fees), never less than zero. Subsidy income stays zero: billed already holds third parties' shares
    of tuition, so the budget's revenue of a month equals what was billed whenever the plans' prices
    are unchanged."""
    from enrollment.models import Enrollment

    current = month_start(today or alliance_today())
    months = [datetime.date(source_year, m, 1) for m in MONTHS if datetime.date(source_year, m, 1) < current]
    actuals = actuals_of(program, months)
    plans = plans_for_year(program, budget_year)
    plan_day = datetime.date(budget_year, 1, 1)
    if not any(p.in_force_on(plan_day) for p in plans):
        plan_day = max(plan_day, min((p.effective_from for p in plans), default=plan_day))
    children: dict[tuple[int, int], int] = {}
    amounts: dict[tuple[str, int], Decimal] = {}
    enrollments = list(
        Enrollment.objects.filter(program=program, start_date__lte=datetime.date(source_year, 12, 15))
        .exclude(end_date__lt=datetime.date(source_year, 1, 15))
        .select_related("classroom")
    )
    for month, actual in sorted(actuals.items()):
        m = month.month
        mid = month.replace(day=15)
        counts: Counter[int] = Counter()
        for enrollment in enrollments:
            if enrollment.start_date <= mid and (enrollment.end_date is None or enrollment.end_date >= mid):
                choice = plan_for(
                    plans,
                    reference=enrollment.rate_plan_ref,
                    age_group=enrollment.classroom.age_group,
                    day_length=enrollment.day_length,
                    days_per_week=len(enrollment.weekdays),
                    day=plan_day,
                )
                if choice.plan is not None and plan_in_force_in_month(choice.plan, budget_year, m):
                    counts[choice.plan.pk] += 1
        tuition = ZERO
        for plan in plans:
            if counts[plan.pk]:
                children[(plan.pk, m)] = counts[plan.pk]
                tuition += to_cents(plan_month_price(plan, budget_year, m) * counts[plan.pk])
        for kind, amount in actual.costs.items():
            amounts[(kind, m)] = amount
        amounts[("other_income", m)] = max(actual.billed - tuition, ZERO)
        amounts[("subsidy", m)] = ZERO
    return children, amounts
