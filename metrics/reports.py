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
from decimal import Decimal

from django.db.models import Q

from alliance.dates import month_end, months_back, months_between
from alliance.disclosure import withheld
from alliance.formatting import pct
from enrollment.models import Enrollment
from members.models import QRIS_MAX_STARS, MemberProgram, ProgramKind
from members.selectors import qris_rating_on, qris_timelines
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
from metrics.value import SavingsReport, savings_members_report

BASELINE_MONTHS = 3
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
    """Members' figures in their first three months against the period's last three."""

    programs: int
    revenue_per_child_before: Decimal | None = None
    revenue_per_child_after: Decimal | None = None
    cost_per_child_before: Decimal | None = None
    cost_per_child_after: Decimal | None = None
    monthly_revenue_gained: Decimal | None = None
    monthly_cost_saved: Decimal | None = None

    @property
    def suppressed(self) -> bool:
        return withheld(members=self.programs) is not None


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
    top_share_start: Decimal | None = None
    top_share_end: Decimal | None = None

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

    @property
    def alliance_withheld(self) -> str | None:
        return withheld(members=self.members_served)

    @property
    def alliance_suppressed(self) -> bool:
        return self.alliance_withheld is not None


def default_period() -> tuple[datetime.date, datetime.date] | None:
    """The dashboard's twelve months: ending with the last complete month that has figures."""
    months = _window(None)
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
    kinds = dict(MemberProgram.objects.values_list("pk", "kind"))
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
    hub_rows = [HubSustainability.of(r) for r in alliance_finance.values()]
    if hub_rows:
        report.hub = HubSustainability(
            *(
                sum((getattr(h, n) for h in hub_rows), Decimal("0.00"))
                for n in ("hub_cost", "member_fees", "grants", "contracts")
            )
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
    report.before_after = _before_after(served, occupancy_rows, finance_rows, end)
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
    report.savings = savings_members_report(start=start, end=end)
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
        top_share_start=ratio(top_start, len(programs)),
        top_share_end=ratio(top_end, len(programs)),
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
    return GroupFigures(
        label,
        len(programs),
        occupancy.occupancy if occupancy else None,
        occupancy.attendance if occupancy else None,
        finance.collection_rate if finance else None,
        finance.bad_debt_rate if finance else None,
    )


def _before_after(served: list[int], occupancy_rows: dict, finance_rows: dict, end: datetime.date) -> BeforeAfter:
    """Each member's first three months with money against the period's last three: only members
    whose history is long enough for the two not to overlap count."""
    recent = set(months_back(BASELINE_MONTHS, until=end))
    before: list[Finance] = []
    after: list[Finance] = []
    counted = 0
    for pk in served:
        history = sorted(m for m, f in finance_rows[pk].items() if f.billed > 0 or f.cost > 0)
        baseline = history[:BASELINE_MONTHS]
        latest = [m for m in history if m in recent]
        if len(baseline) < BASELINE_MONTHS or len(latest) < BASELINE_MONTHS or set(baseline) & recent:
            continue
        counted += 1
        before += [finance_rows[pk][m] for m in baseline]
        after += [finance_rows[pk][m] for m in latest]
    if withheld(members=counted) is not None:
        return BeforeAfter(counted)

    def totals(rows: list[Finance]) -> tuple[Decimal, Decimal, Decimal]:
        fte = sum((f.enrolled_fte or Decimal(0) for f in rows), Decimal(0))
        return (sum((f.billed for f in rows), Decimal(0)), sum((f.cost for f in rows), Decimal(0)), fte)

    revenue_before, cost_before, fte_before = totals(before)
    revenue_after, cost_after, fte_after = totals(after)
    return BeforeAfter(
        counted,
        revenue_per_child_before=per(revenue_before, fte_before),
        revenue_per_child_after=per(revenue_after, fte_after),
        cost_per_child_before=per(cost_before, fte_before),
        cost_per_child_after=per(cost_after, fte_after),
        monthly_revenue_gained=per(revenue_after - revenue_before, BASELINE_MONTHS),
        monthly_cost_saved=per(cost_before - cost_after, BASELINE_MONTHS),
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
