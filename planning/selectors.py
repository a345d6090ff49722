"""The scenario planner's reads: a member's baseline year from metrics' snapshots and its own records.

This app sits after `metrics` in the dependency order and reads its snapshot tables and value-of-membership
selectors read-only (docs/architecture.md, "Planning"). A baseline month is a month before the current one
whose rollup has money billed and licensed capacity (metrics/baselines.py `has_figures`); the baseline is
the last BASELINE_YEAR_MONTHS of them. Cost is the rollup's program-month cost (one definition,
members/selectors.py): personnel as the rollup has it, the rest split by the categories entered, whatever
is left (a home's owner labour counted in personnel aside) under "other".
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum
from django.db.models.functions import TruncMonth

from alliance.dates import add_months, alliance_today, month_end, month_start
from billing.models import ChargeCategory, EntryKind, LedgerEntry
from members.models import CostCategory, MemberProgram, MonthlyCost, StaffMember
from metrics.baselines import Baseline, baseline_of, has_figures
from metrics.models import ProgramFinanceMonth, ProgramMonth
from planning.projection import ZERO, BaselineMonth

BASELINE_YEAR_MONTHS = 12


def _staff_fte_by_month(program: MemberProgram, months: list[datetime.date]) -> dict[datetime.date, Decimal]:
    """Roster FTE in force on the 15th of each month (one query)."""
    staff = list(
        StaffMember.objects.filter(program=program, started_on__lte=month_end(months[-1]))
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=months[0]))
        .values_list("started_on", "ended_on", "fte")
    )
    result = {}
    for month in months:
        day = month.replace(day=15)
        result[month] = sum(
            (fte for start, end, fte in staff if start <= day and (end is None or end >= day)), Decimal("0")
        )
    return result


def _ledger_by_month(
    program: MemberProgram, months: list[datetime.date]
) -> tuple[dict[datetime.date, Decimal], dict[datetime.date, dict[str, Decimal]]]:
    """In one query: the Hub fee charged each month (member-fee charges on the program's Hub account, less
    their reversals, as the value of membership counts them) and the tuition charged to families each month
    by the age group of the child's classroom."""
    from metrics.value import fee_charged_q

    fee_q = Q(account__family__isnull=True) & fee_charged_q()
    tuition_q = Q(kind=EntryKind.CHARGE, category=ChargeCategory.TUITION, enrollment__isnull=False)
    rows = (
        LedgerEntry.objects.filter(program=program, posted_on__range=(months[0], month_end(months[-1])))
        .filter(fee_q | tuition_q)
        .annotate(m=TruncMonth("posted_on"))
        .values("m", "enrollment__classroom__age_group")
        .annotate(fee=Sum("amount", filter=fee_q), tuition=Sum("amount", filter=tuition_q))
    )
    fees: dict[datetime.date, Decimal] = defaultdict(lambda: ZERO)
    tuition: dict[datetime.date, dict[str, Decimal]] = defaultdict(dict)
    for row in rows:
        if row["fee"]:
            fees[row["m"]] += row["fee"]
        if row["tuition"] is not None and row["enrollment__classroom__age_group"]:
            tuition[row["m"]][row["enrollment__classroom__age_group"]] = row["tuition"]
    return fees, tuition


OCCUPANCY_FIELDS = ("month", "operating_days", "licensed_capacity", "enrolled_fte")
FINANCE_FIELDS = (
    "month", "billed", "collected_family", "collected_third_party", "written_off", "cost", "personnel_admin",
    "personnel_classroom",
)  # fmt: skip


def _measured_rows(
    program: MemberProgram, *, before: datetime.date, since: datetime.date | None = None
) -> tuple[dict, dict]:
    """The program's occupancy and money snapshots of the months before `before` (from `since`), by month."""
    occupancy = ProgramMonth.objects.filter(program=program, month__lt=before)
    finance = ProgramFinanceMonth.objects.filter(program=program, month__lt=before)
    if since is not None:
        occupancy, finance = occupancy.filter(month__gte=since), finance.filter(month__gte=since)
    return (
        {row.month: row for row in occupancy.only(*OCCUPANCY_FIELDS)},
        {row.month: row for row in finance.only(*FINANCE_FIELDS)},
    )


def _with_figures(occupancy: dict, finance: dict) -> list[datetime.date]:
    return sorted(
        m
        for m, row in finance.items()
        if m in occupancy and has_figures(billed=row.billed, licensed_capacity=occupancy[m].licensed_capacity)
    )


def baseline_year(program: MemberProgram, *, today: datetime.date | None = None) -> list[BaselineMonth]:
    """The member's baseline year, month by month, oldest first (empty when nothing is measured yet)."""
    current = month_start(today or alliance_today())
    # Three years back holds the last 12 measured months of any member still measured.
    occupancy, finance = _measured_rows(program, before=current, since=add_months(current, -36))
    months = _with_figures(occupancy, finance)[-BASELINE_YEAR_MONTHS:]
    return baseline_months_of(program, months, occupancy, finance)


@dataclass(frozen=True)
class BeforeAfter:
    """A member's months before it joined (metrics/baselines.py's rule) and its months since, measured."""

    program: MemberProgram
    baseline: Baseline
    before: list[BaselineMonth]
    since: list[BaselineMonth]


def before_and_after(program: MemberProgram, *, today: datetime.date | None = None) -> BeforeAfter:
    """The member's own before/after since joining: its baseline months (the last BASELINE_MONTHS with figures
    before the month it joined, as the value of membership and the impact report count them) against its
    last BASELINE_YEAR_MONTHS measured months since joining."""
    occupancy, finance = _measured_rows(program, before=month_start(today or alliance_today()))
    measured = _with_figures(occupancy, finance)
    baseline = baseline_of(name=program.name, joined_on=program.joined_on, months_with_figures=measured)
    since = baseline.since_joining(measured)[-BASELINE_YEAR_MONTHS:]
    return BeforeAfter(
        program=program,
        baseline=baseline,
        before=baseline_months_of(program, list(baseline.months), occupancy, finance),
        since=baseline_months_of(program, since, occupancy, finance),
    )


def baseline_months_of(
    program: MemberProgram, months: list[datetime.date], occupancy: dict, finance: dict
) -> list[BaselineMonth]:
    """The measured months given as the projection's baseline months."""
    if not months:
        return []
    entered: dict[datetime.date, dict[str, Decimal]] = defaultdict(dict)
    for month, category, amount in MonthlyCost.objects.filter(program=program, month__in=months).values_list(
        "month", "category", "amount"
    ):
        if category != CostCategory.PERSONNEL:
            entered[month][category] = amount
    staff = _staff_fte_by_month(program, months)
    fees, tuition = _ledger_by_month(program, months)
    result = []
    for month in months:
        occ, money = occupancy[month], finance[month]
        days = Decimal(occ.operating_days or 1)
        personnel = money.personnel_admin + money.personnel_classroom
        costs = dict(entered[month])
        rest = money.cost - personnel - sum(costs.values(), ZERO)
        if rest:
            costs[CostCategory.OTHER] = costs.get(CostCategory.OTHER, ZERO) + rest
        result.append(
            BaselineMonth(
                month=month,
                licensed_capacity=Decimal(occ.licensed_capacity) / days,
                enrolled_fte=Decimal(occ.enrolled_fte) / days,
                billed=money.billed,
                collected=money.collected_family + money.collected_third_party,
                written_off=money.written_off,
                personnel=personnel,
                costs=costs,
                hub_fee=fees.get(month, ZERO),
                staff_fte=staff[month],
                tuition_by_age_group=tuition.get(month, {}),
            )
        )
    return result
