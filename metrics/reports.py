"""The funder impact report: what the alliance achieved over a period, in aggregates only.

No child, family or staff name is read here, and no program is named: every
figure is a count or a ratio over a group of programs. Whether a figure may be
shown is decided by the one disclosure rule (alliance/disclosure.py): a group
of fewer than MIN_MEMBERS programs, a month of the trends made of fewer, or a
group whose figure beside all members' would give the few it leaves out by
difference, is suppressed, and the report says why. Read by the HTML page, the
PDF and nothing else.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q

from alliance.dates import month_end, months_back, months_between
from alliance.disclosure import withheld
from alliance.formatting import pct
from enrollment.models import Enrollment
from members.models import QRIS_MAX_STARS, MemberProgram, ProgramKind
from members.selectors import qris_rating_on, qris_timelines
from metrics.baselines import BASELINE_MONTHS, baseline_of, has_figures
from metrics.charts import Reference, Series
from metrics.figures import Finance, HubSustainability, Occupancy, per, ratio
from metrics.models import AllianceFinanceMonth, AllianceMonth, ProgramFinanceMonth, ProgramMonth
from metrics.selectors import (
    OCCUPANCY_COLUMNS,
    Month,
    _month_of,
    _window,
    members_with_figures_by_month,
    targets_of_alliance,
)
from metrics.tables import Chart, _monthly_chart, whole_money
from metrics.value import SavingsReport, savings_members_report, thinnest_month

TOP_QRIS_RATING = QRIS_MAX_STARS - 1  # "the top levels": 4 and 5 stars


@dataclass(frozen=True)
class GroupFigures:
    label: str
    programs: int
    occupancy: Decimal | None = None
    attendance: Decimal | None = None
    collection_rate: Decimal | None = None
    bad_debt_rate: Decimal | None = None
    withheld: str | None = None

    @property
    def suppressed(self) -> bool:
        return self.withheld is not None


@dataclass(frozen=True)
class BeforeAfter:
    """Members' figures of before they joined against the period's last three months.

    `programs` are the members with a baseline of before they joined (metrics/baselines.py) and
    figures as members in the period's last BASELINE_MONTHS months: the same members whose savings
    since joining the report adds up. Monthly figures are each member's average month, added up.
    Cost is compared over the `cost_programs` of them with cost recorded in both.
    """

    programs: int
    revenue_per_child_before: Decimal | None = None
    revenue_per_child_after: Decimal | None = None
    cost_per_child_before: Decimal | None = None
    cost_per_child_after: Decimal | None = None
    monthly_revenue_before: Decimal | None = None
    monthly_revenue_after: Decimal | None = None
    monthly_cost_before: Decimal | None = None
    monthly_cost_after: Decimal | None = None
    cost_programs: int = 0
    # Members with figures in the same months that these figures leave out: the funder reads those
    # months' totals of every member (the alliance-months APIs), so 1 or 2 left out would show.
    left_out: int = 0
    cost_left_out: int = 0

    @property
    def suppressed(self) -> bool:
        return withheld(members=self.programs, left_out=self.left_out) is not None

    @property
    def left_out_withheld(self) -> str | None:
        """Why enough members' figures are still withheld: the few they leave out would show."""
        if withheld(members=self.programs) is not None:
            return None
        return withheld(members=self.programs, left_out=self.left_out)

    @property
    def cost_withheld(self) -> str | None:
        return withheld(members=self.cost_programs, left_out=self.cost_left_out)

    @property
    def monthly_revenue_change(self) -> Decimal | None:
        if self.monthly_revenue_before is None or self.monthly_revenue_after is None:
            return None
        return self.monthly_revenue_after - self.monthly_revenue_before

    @property
    def monthly_cost_change(self) -> Decimal | None:
        if self.monthly_cost_before is None or self.monthly_cost_after is None:
            return None
        return self.monthly_cost_after - self.monthly_cost_before


@dataclass(frozen=True)
class QrisImprovements:
    """Members' QRIS ratings when the period began against its end, from the rating history.

    `compared` members held a rating at both dates; each moved up, held or moved
    down. The shares at the top levels are of all members served in the period.
    """

    programs: int
    compared: int
    moved_up: int = 0
    held: int = 0
    moved_down: int = 0
    newly_rated: int = 0
    top_start: int = 0
    top_end: int = 0

    @property
    def top_share_start(self) -> Decimal | None:
        """The share rated at the top levels, as the exact fraction: rounded once, where it is written
        (alliance/formatting.py pct), so 6 of 11 reads 54.5 %."""
        return exact_share(self.top_start, self.programs) if not self.shares_suppressed else None

    @property
    def top_share_end(self) -> Decimal | None:
        return exact_share(self.top_end, self.programs) if not self.shares_suppressed else None

    @property
    def suppressed(self) -> bool:
        return withheld(members=self.compared) is not None

    @property
    def shares_suppressed(self) -> bool:
        return withheld(members=self.programs) is not None


@dataclass
class ImpactReport:
    start: datetime.date
    end: datetime.date
    months: list[datetime.date]
    members_served: int = 0
    licensed_slots: Decimal | None = None
    enrolled_slots: Decimal | None = None
    children_served: int = 0
    totals: Month | None = None
    hub: HubSustainability | None = None
    groups: list[GroupFigures] = field(default_factory=list)
    before_after: BeforeAfter | None = None
    qris_rated: int = 0
    qris_average: Decimal | None = None
    qris_rated_in_period: int = 0
    qris_improvements: QrisImprovements | None = None
    savings: SavingsReport | None = None
    charts: list[Chart] = field(default_factory=list)
    slots_withheld: str | None = None  # the last month's slots are of fewer members
    fewest_in_a_month: tuple[int, str] | None = None  # the thinnest month with figures, and its name

    @property
    def alliance_withheld(self) -> str | None:
        return withheld(members=self.members_served, fewest_in_a_month=self.fewest_in_a_month)

    @property
    def alliance_suppressed(self) -> bool:
        return self.alliance_withheld is not None

    @property
    def fee_coverage(self) -> Decimal | None:
        """Hub fees invoiced ÷ Hub cost, exact (rounded once where written)."""
        return exact_share(self.hub.member_fees, self.hub.hub_cost) if self.hub and self.hub.hub_cost > 0 else None

    @property
    def total_coverage(self) -> Decimal | None:
        if not self.hub or self.hub.hub_cost <= 0:
            return None
        return exact_share(self.hub.member_fees + self.hub.grants + self.hub.contracts, self.hub.hub_cost)


def exact_share(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """part ÷ whole unrounded (to Decimal's 28 digits): figures of the report are rounded once, by
    the formatter that writes them, never first to four places and then again to one."""
    return Decimal(part) / Decimal(whole) if whole else None


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date] | None:
    """The dashboard's twelve months: ending with the last complete month that has figures.
    `today` is the alliance's (pages pass it, from the alliance row they hold); without it, it is
    read for the open scope."""
    months = _window(None, today)
    return (months[0], months[-1]) if months else None


def _sum_occupancy(rows: list[Occupancy]) -> Occupancy | None:
    if not rows:
        return None
    return Occupancy(
        *(sum((getattr(r, name) for r in rows), start=type(getattr(rows[0], name))(0)) for name in OCCUPANCY_COLUMNS)
    )


def _sum_finance(rows: list[Finance], occupancy: Occupancy | None) -> Finance | None:
    from metrics.figures import FINANCE_FIELDS

    if not rows:
        return None
    sums: dict[str, Decimal] = {name: sum((getattr(r, name) for r in rows), Decimal("0.00")) for name in FINANCE_FIELDS}
    return Finance(**sums, occupancy=occupancy)


def impact_report(*, start: datetime.date, end: datetime.date) -> ImpactReport:
    """The report for the months start..end (first days of months, inclusive)."""
    start, end = start.replace(day=1), end.replace(day=1)
    months = months_between(start, end)
    report = ImpactReport(start=start, end=end, months=months)
    if not months:
        return report
    period = {"month__gte": start, "month__lte": end}
    alliance_finance = {r.month: r for r in AllianceFinanceMonth.objects.filter(**period)}
    alliance = {r.month: _month_of(r, alliance_finance.get(r.month)) for r in AllianceMonth.objects.filter(**period)}
    members = {
        pk: (kind, name, joined_on)
        for pk, kind, name, joined_on in MemberProgram.objects.values_list("pk", "kind", "name", "joined_on")
    }
    kinds = {pk: kind for pk, (kind, _, _) in members.items()}
    occupancy_rows: dict[int, dict[datetime.date, Occupancy]] = defaultdict(dict)
    for row in ProgramMonth.objects.filter(month__lte=end).only(*OCCUPANCY_COLUMNS, "program_id", "month"):
        occupancy_rows[row.program_id][row.month] = Occupancy.of(row)
    finance_rows: dict[int, dict[datetime.date, Finance]] = defaultdict(dict)
    for row in ProgramFinanceMonth.objects.filter(month__lte=end):
        finance_rows[row.program_id][row.month] = Finance.of(row, occupancy_rows[row.program_id].get(row.month))
    served = [pk for pk, by_month in occupancy_rows.items() if any(start <= m <= end for m in by_month)]

    report.members_served = len(served)
    period_rows = [r for pk in served for m, r in occupancy_rows[pk].items() if start <= m <= end]
    totals_occupancy = _sum_occupancy(period_rows)
    period_finance = [f for pk in served for m, f in finance_rows[pk].items() if start <= m <= end]
    report.totals = Month(totals_occupancy, _sum_finance(period_finance, totals_occupancy))
    last_month = end if end in alliance else (max(alliance) if alliance else None)
    members_by_month = members_with_figures_by_month(finance=False, start=start, end=end)
    finance_members_by_month = members_with_figures_by_month(finance=True, start=start, end=end)
    report.fewest_in_a_month = thinnest_month(
        {m: n for counts in (members_by_month, finance_members_by_month) for m, n in counts.items() if n > 0}
    )
    last = alliance.get(last_month) if last_month else None
    report.slots_withheld = withheld(members=members_by_month.get(last_month, 0) if last_month else 0)
    if last and last.occupancy and report.slots_withheld is None:
        report.licensed_slots, report.enrolled_slots = last.occupancy.average_capacity, last.occupancy.average_fte
    report.children_served = (
        Enrollment.objects.filter(program_id__in=served, start_date__lte=month_end(end))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
        .values("child_id")
        .distinct()
        .count()
    )
    since_joining = _since_joining(served, members, occupancy_rows, finance_rows, end)
    report.savings = savings_members_report(start=start, end=end, since_joining=set(since_joining))
    hub_rows = [HubSustainability.of(r) for r in alliance_finance.values()]
    if hub_rows:
        # Member fees are the Hub's fees invoiced to members (billing's member-fee charges), the very
        # figure of "What members saved": one figure, not the agreements' estimate beside it.
        report.hub = HubSustainability(
            sum((h.hub_cost for h in hub_rows), Decimal("0.00")),
            report.savings.fee_charged,
            sum((h.grants for h in hub_rows), Decimal("0.00")),
            sum((h.contracts for h in hub_rows), Decimal("0.00")),
        )
    report.groups = [
        _group(
            label, [pk for pk in served if test(kinds.get(pk))], len(served), occupancy_rows, finance_rows, start, end
        )
        for label, test in [
            ("All members", lambda k: True),
            ("Centres", lambda k: k == ProgramKind.CENTRE),
            ("Family child-care homes", lambda k: k == ProgramKind.FAMILY_HOME),
        ]
    ]
    report.before_after = _before_after(since_joining, finance_rows)
    rated = list(
        MemberProgram.objects.filter(pk__in=served, qris_rating__isnull=False).values_list(
            "qris_rating", "qris_rated_on"
        )
    )
    report.qris_rated = len(rated)
    if withheld(members=len(rated)) is None:
        report.qris_average = (Decimal(sum(r for r, _ in rated)) / len(rated)).quantize(Decimal("0.1"))
    report.qris_rated_in_period = sum(1 for _, on in rated if on and start <= on <= month_end(end))
    report.qris_improvements = qris_improvements(programs=served, start=start, end=end)
    report.charts = (
        _charts(report, alliance, members_by_month, finance_members_by_month) if not report.alliance_suppressed else []
    )
    return report


def qris_improvements(*, programs: list[int], start: datetime.date, end: datetime.date) -> QrisImprovements:
    """The rating each program held the day before the first month of the period
    against the one it held on the period's last day. Only counts leave here;
    too few compared programs suppress the moves, too few programs the shares (alliance/disclosure.py)."""
    timelines = qris_timelines(programs)
    began, ended = start.replace(day=1) - datetime.timedelta(days=1), month_end(end)
    pairs = [
        (qris_rating_on(timelines.get(pk, []), began), qris_rating_on(timelines.get(pk, []), ended)) for pk in programs
    ]
    compared = [(before, after) for before, after in pairs if before is not None and after is not None]
    if withheld(members=len(programs)) is not None:
        return QrisImprovements(len(programs), len(compared))
    top_start = sum(1 for before, _ in pairs if before is not None and before >= TOP_QRIS_RATING)
    top_end = sum(1 for _, after in pairs if after is not None and after >= TOP_QRIS_RATING)
    of_all = QrisImprovements(
        len(programs),
        len(compared),
        top_start=top_start,
        top_end=top_end,
        newly_rated=sum(1 for before, after in pairs if before is None and after is not None),
    )
    if of_all.suppressed:
        return of_all
    return dataclasses.replace(
        of_all,
        moved_up=sum(1 for before, after in compared if after > before),
        held=sum(1 for before, after in compared if after == before),
        moved_down=sum(1 for before, after in compared if after < before),
    )


def _group(
    label: str,
    programs: list[int],
    served: int,
    occupancy_rows: dict,
    finance_rows: dict,
    start: datetime.date,
    end: datetime.date,
) -> GroupFigures:
    """A group's figures, shown beside all members' (`served` programs): withheld when the group is too
    small, or when the members it leaves out are so few that the difference would show theirs."""
    reason = withheld(members=len(programs), left_out=served - len(programs))
    if reason is not None:
        return GroupFigures(label, len(programs), withheld=reason)
    occupancy = _sum_occupancy([r for pk in programs for m, r in occupancy_rows[pk].items() if start <= m <= end])
    finance = _sum_finance([f for pk in programs for m, f in finance_rows[pk].items() if start <= m <= end], occupancy)
    # Exact fractions: rounded once, where the page or PDF writes them.
    return GroupFigures(
        label,
        len(programs),
        exact_share(occupancy.enrolled_fte, occupancy.licensed_capacity) if occupancy else None,
        exact_share(occupancy.attended_child_days, occupancy.scheduled_child_days) if occupancy else None,
        exact_share(finance.collected, finance.billed) if finance and finance.billed > 0 else None,
        exact_share(finance.written_off, finance.billed) if finance and finance.billed > 0 else None,
    )


def _since_joining(
    served: list[int],
    members: dict[int, tuple[str, str, datetime.date | None]],
    occupancy_rows: dict[int, dict[datetime.date, Occupancy]],
    finance_rows: dict[int, dict[datetime.date, Finance]],
    end: datetime.date,
) -> dict[int, tuple[tuple[datetime.date, ...], list[datetime.date]]]:
    """The members every "since joining" figure of the report is over: those served with a baseline of
    before they joined (metrics/baselines.py, the rule the value of membership uses) and figures as
    members in the period's last BASELINE_MONTHS months. Each: its baseline months and those months."""
    recent = set(months_back(BASELINE_MONTHS, until=end))
    chosen = {}
    for pk in served:
        _, name, joined_on = members.get(pk, ("", "", None))
        months = [
            m
            for m, f in finance_rows[pk].items()
            if has_figures(billed=f.billed, licensed_capacity=f.occupancy.licensed_capacity if f.occupancy else None)
        ]
        baseline = baseline_of(name=name, joined_on=joined_on, months_with_figures=months)
        latest = [m for m in baseline.since_joining(months) if m in recent]
        if baseline.reason is None and latest:
            chosen[pk] = (baseline.months, latest)
    return chosen


def _before_after(
    since_joining: dict[int, tuple[tuple[datetime.date, ...], list[datetime.date]]], finance_rows: dict
) -> BeforeAfter:
    """The members' baseline months (before joining) against their months among the period's last three.

    Withheld, too, when the members with figures in those months that it leaves out are 1 or 2: each
    month's total of every member is readable beside it (alliance-months, alliance-finance-months),
    and their sum less these members' sums would be the few others' own figures."""
    months = {m for baseline, latest in since_joining.values() for m in (*baseline, *latest)}
    others = [rows for pk, rows in finance_rows.items() if pk not in since_joining]
    left_out = sum(1 for rows in others if months & set(rows))
    if withheld(members=len(since_joining), left_out=left_out) is not None:
        return BeforeAfter(len(since_joining), left_out=left_out)
    zero = Decimal("0.00")
    before: list[Finance] = []
    after: list[Finance] = []
    revenue_before = revenue_after = cost_before = cost_after = zero
    cost_programs = 0
    cost_rows_before: list[Finance] = []
    cost_rows_after: list[Finance] = []
    costed: set[int] = set()
    for pk, (baseline, latest) in since_joining.items():
        rows_before = [finance_rows[pk][m] for m in baseline]
        rows_after = [finance_rows[pk][m] for m in latest]
        before += rows_before
        after += rows_after
        revenue_before += sum((f.billed for f in rows_before), zero) / len(rows_before)
        revenue_after += sum((f.billed for f in rows_after), zero) / len(rows_after)
        costed_before = [f for f in rows_before if f.known_cost is not None]
        costed_after = [f for f in rows_after if f.known_cost is not None]
        if costed_before and costed_after:
            cost_programs += 1
            costed.add(pk)
            cost_rows_before += costed_before
            cost_rows_after += costed_after
            cost_before += sum((f.cost for f in costed_before), zero) / len(costed_before)
            cost_after += sum((f.cost for f in costed_after), zero) / len(costed_after)

    def fte(rows: list[Finance]) -> Decimal:
        return sum((f.enrolled_fte or Decimal(0) for f in rows), Decimal(0))

    def money_of(amount: Decimal) -> Decimal:
        return amount.quantize(Decimal("0.01"), ROUND_HALF_UP)

    cost_left_out = sum(
        1
        for pk, rows in finance_rows.items()
        if pk not in costed and any(rows[m].known_cost is not None for m in months & set(rows))
    )
    costs_shown = withheld(members=cost_programs, left_out=cost_left_out) is None
    return BeforeAfter(
        len(since_joining),
        revenue_per_child_before=per(sum((f.billed for f in before), zero), fte(before)),
        revenue_per_child_after=per(sum((f.billed for f in after), zero), fte(after)),
        cost_per_child_before=per(sum((f.cost for f in cost_rows_before), zero), fte(cost_rows_before))
        if costs_shown
        else None,
        cost_per_child_after=per(sum((f.cost for f in cost_rows_after), zero), fte(cost_rows_after))
        if costs_shown
        else None,
        monthly_revenue_before=money_of(revenue_before),
        monthly_revenue_after=money_of(revenue_after),
        monthly_cost_before=money_of(cost_before) if costs_shown else None,
        monthly_cost_after=money_of(cost_after) if costs_shown else None,
        cost_programs=cost_programs,
        left_out=left_out,
        cost_left_out=cost_left_out,
    )


def _charts(
    report: ImpactReport,
    alliance: dict[datetime.date, Month],
    members_by_month: dict[datetime.date, int],
    finance_members_by_month: dict[datetime.date, int],
) -> list[Chart]:
    """The alliance's months, each shown only where enough members have figures in it (occupancy's
    members for occupancy; for money, the members with money and, per child, with enrolment too)."""
    targets = targets_of_alliance()
    occupancy_withheld = [withheld(members=members_by_month.get(m, 0)) for m in report.months]
    money_withheld = [
        withheld(members=min(members_by_month.get(m, 0), finance_members_by_month.get(m, 0))) for m in report.months
    ]

    def series(figure: str, reasons: list[str | None]) -> list[Decimal | None]:
        return [
            alliance[m].figure(figure) if m in alliance and reason is None else None
            for m, reason in zip(report.months, reasons, strict=True)
        ]

    return [
        _monthly_chart(
            slug="occupancy",
            title="Occupancy of the alliance's members",
            months=report.months,
            series=[Series("occupancy", series("occupancy", occupancy_withheld))],
            fmt=pct,
            references=[Reference("budget", targets.budget_occupancy), Reference("target", targets.target_occupancy)],
            withheld=occupancy_withheld,
        ),
        _monthly_chart(
            slug="bad-debt",
            title="Bad debt (written off ÷ billed)",
            months=report.months,
            series=[Series("bad debt", series("bad_debt_rate", money_withheld))],
            fmt=pct,
            references=[Reference("limit", targets.bad_debt_max)],
            withheld=money_withheld,
        ),
        _monthly_chart(
            slug="cost-revenue",
            title="Revenue and cost per enrolled child",
            months=report.months,
            series=[
                Series("revenue per child", series("revenue_per_child", money_withheld)),
                Series("cost per child", series("cost_per_child", money_withheld), dashed=True),
            ],
            fmt=whole_money,
            withheld=money_withheld,
        ),
    ]


__all__ = [
    "ImpactReport",
    "QrisImprovements",
    "default_period",
    "impact_report",
    "qris_improvements",
    "ratio",
]
