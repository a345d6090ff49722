"""Reads of the snapshot tables shared by the dashboard, the provider view, the
API, the funder report and the digest. Pages read snapshots only, so their
cost stays flat as history and members grow: a fixed number of queries
whatever the number of programs.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, Subquery

from alliance.dates import alliance_today, month_or_none, month_start, months_back
from alliance.disclosure import withheld
from alliance.formatting import day, money, pct
from alliance.tenancy import require_alliance_id
from members.models import MemberProgram, ProgramKind
from metrics.figures import FINANCE_FIELDS, Finance, HubSustainability, Occupancy, Spread, ratio, spread
from metrics.models import (
    AllianceFinanceMonth,
    AllianceMonth,
    ProgramFinanceMonth,
    ProgramMonth,
    Targets,
)

WINDOW_MONTHS = 12


def targets_of_alliance() -> Targets:
    """The alliance's targets, or the defaults (an unsaved row) when it set none."""
    return Targets.objects.first() or Targets(alliance_id=require_alliance_id())


# --- A month of one program or of the alliance ---------------------------------------
OCCUPANCY_FIGURES = {"occupancy", "occupancy_of_target", "attendance", "average_capacity", "average_fte", "open_slots"}


@dataclass(frozen=True)
class Month:
    occupancy: Occupancy | None
    finance: Finance | None = None

    def figure(self, name: str) -> Decimal | None:
        source = self.occupancy if name in OCCUPANCY_FIGURES else self.finance
        return None if source is None else getattr(source, name)

    @classmethod
    def total(cls, months: Sequence[Month]) -> Month:
        """Several months (oldest first) as one period: the sums of each corner added up
        (metrics/figures.py), so its rates and per-child figures are ratios of the period's sums."""
        occupancy = Occupancy.total(m.occupancy for m in months if m.occupancy is not None)
        return cls(occupancy, Finance.total([m.finance for m in months if m.finance is not None], occupancy))


def _month_of(occupancy_row: object | None, finance_row: object | None) -> Month:
    occupancy = Occupancy.of(occupancy_row) if occupancy_row is not None else None
    finance = Finance.of(finance_row, occupancy) if finance_row is not None else None
    return Month(occupancy, finance)


def months_of_finance_rows(rows: Sequence[ProgramFinanceMonth | AllianceFinanceMonth]) -> list[Month]:
    """Each money snapshot row as the pages' Month: beside the same program's (or the alliance's) occupancy of
    that month, so per-child figures and break-even come from metrics/figures.py as on the pages. One query."""
    if not rows:
        return []
    by_program = isinstance(rows[0], ProgramFinanceMonth)
    months = {row.month for row in rows}
    if by_program:
        occupancy_rows: Iterable[Any] = ProgramMonth.objects.filter(
            month__in=months,
            program_id__in={row.program_id for row in rows},  # type: ignore[union-attr]
        ).only(*OCCUPANCY_COLUMNS, "month", "program_id")
    else:
        occupancy_rows = AllianceMonth.objects.filter(month__in=months).only(*OCCUPANCY_COLUMNS, "month")
    occupancy = {(getattr(row, "program_id", None), row.month): row for row in occupancy_rows}
    return [_month_of(occupancy.get((getattr(row, "program_id", None), row.month)), row) for row in rows]


# --- The month a page shows ----------------------------------------------------------
TRAILING = "t12"


@dataclass(frozen=True)
class Period:
    """The month the dashboard, a member's drill-down and the provider's figures show: the URL's
    `?month=YYYY-MM`, else the last complete rolled-up month; with `?period=t12` the 12 months to it
    as one period (sums added up, ratios of the sums). `message` says why the month asked for is not
    the one shown."""

    month: datetime.date | None  # None: nothing rolled up yet
    rolled_up: tuple[datetime.date, ...] = ()  # every month with alliance figures, oldest first
    trailing: bool = False
    chosen: bool = False  # the URL named the month (links to other pages keep it)
    message: str | None = None

    @property
    def months(self) -> list[datetime.date]:
        """The 12 months to the chosen one: the charts' window, and the trailing period."""
        return months_back(WINDOW_MONTHS, until=self.month) if self.month else []

    @property
    def has_rollup(self) -> bool:
        return self.month in self.rolled_up

    @property
    def months_with_rollup(self) -> list[datetime.date]:
        return [m for m in self.months if m in self.rolled_up]

    @property
    def params(self) -> dict[str, str]:
        """What a link to another figures page carries to show the same month and period."""
        params = {"month": f"{self.month:%Y-%m}"} if self.chosen and self.month else {}
        return {**params, "period": TRAILING} if self.trailing else params

    @property
    def query(self) -> str:
        """`?month=2026-03&period=t12` for links (empty for the default month)."""
        return "?" + "&".join(f"{k}={v}" for k, v in self.params.items()) if self.params else ""

    @property
    def choices(self) -> list[datetime.date]:
        """The picker's months, newest first."""
        return list(reversed(self.rolled_up))

    @property
    def previous(self) -> datetime.date | None:
        """The rolled-up month before the shown one (the picker's "earlier" link)."""
        return next((m for m in reversed(self.rolled_up) if self.month and m < self.month), None)

    @property
    def next(self) -> datetime.date | None:
        return next((m for m in self.rolled_up if self.month and m > self.month), None)

    @property
    def label(self) -> str:
        """March 2026, or the 12 months to March 2026 (April 2025 to March 2026), in the alliance's locale."""
        if self.month is None:
            return ""
        month = day(self.month, "YEAR_MONTH_FORMAT")
        if not self.trailing:
            return month
        return f"12 months to {month} ({day(self.months[0], 'YEAR_MONTH_FORMAT')} to {month})"


def _default_month(rolled_up: Sequence[datetime.date], today: datetime.date) -> datetime.date | None:
    """The last complete month with figures (the month in progress has costs and write-offs still to come),
    else the newest."""
    if not rolled_up:
        return None
    this_month = month_start(today)
    return next((m for m in reversed(rolled_up) if m < this_month), rolled_up[-1])


def period_of(*, month: str | None, period: str | None = None, today: datetime.date | None = None) -> Period:
    """The period a page was asked for (`?month=`, `?period=`), checked against the rolled-up months:
    a month that is not a month, or before the first or after the last rolled-up month, falls back to
    the default with a message saying so. One query."""
    rolled_up = tuple(AllianceMonth.objects.order_by("month").values_list("month", flat=True))
    default = _default_month(rolled_up, today or alliance_today())
    trailing = period == TRAILING
    messages = []
    if period not in (None, "", "month", TRAILING):
        messages.append("The period can be a month or the trailing 12 months; showing the month.")
    if default is None:
        return Period(None, rolled_up, trailing, message=" ".join(messages) or None)
    if not month:
        return Period(default, rolled_up, trailing, message=" ".join(messages) or None)
    asked = month_or_none(month)
    shown = f"showing {day(default, 'YEAR_MONTH_FORMAT')}, the latest month."
    if asked is None:
        messages.insert(0, f"“{month[:20]}” is not a month (write it as YYYY-MM, e.g. {default:%Y-%m}); {shown}")
        return Period(default, rolled_up, trailing, message=" ".join(messages))
    if asked < rolled_up[0] or asked > rolled_up[-1]:
        messages.insert(
            0,
            f"There are no figures for {day(asked, 'YEAR_MONTH_FORMAT')}: rolled-up months run from "
            f"{day(rolled_up[0], 'YEAR_MONTH_FORMAT')} to {day(rolled_up[-1], 'YEAR_MONTH_FORMAT')}; {shown}",
        )
        return Period(default, rolled_up, trailing, message=" ".join(messages))
    return Period(asked, rolled_up, trailing, chosen=True, message=" ".join(messages) or None)


# --- Flags --------------------------------------------------------------------
@dataclass(frozen=True)
class Flag:
    corner: str  # occupancy, collection, bad_debt, cost
    message: str


def flags_of(month: Month | None, targets: Targets, *, trailing_bad_debt: Decimal | None = None) -> list[Flag]:
    """The targets a member's month crosses (DESIGN.md, the Iron Triangle). Bad debt is judged over the trailing
    12 months (`trailing_bad_debt`: written off of the charges billed in them ÷ billed in them) when given."""
    if month is None:
        return []
    flags = []
    occupancy = month.figure("occupancy")
    if occupancy is not None and occupancy < targets.budget_occupancy:
        flags.append(
            Flag("occupancy", f"Occupancy {pct(occupancy)} is below the budgeted {pct(targets.budget_occupancy)}")
        )
    collection = month.figure("collection_rate")
    if collection is not None and collection < targets.collection_min:
        flags.append(Flag("collection", f"Collection {pct(collection)} is below {pct(targets.collection_min)}"))
    bad_debt = month.figure("bad_debt_rate") if trailing_bad_debt is None else trailing_bad_debt
    if bad_debt is not None and bad_debt > targets.bad_debt_max:
        over = " over the trailing 12 months" if trailing_bad_debt is not None else ""
        flags.append(Flag("bad_debt", f"Bad debt {pct(bad_debt)} of billed is above {pct(targets.bad_debt_max)}{over}"))
    cost, revenue = month.figure("cost_per_child"), month.figure("revenue_per_child")
    if cost is not None and revenue is not None and cost > revenue:
        flags.append(Flag("cost", f"Cost per child {money(cost)} is above revenue per child {money(revenue)}"))
    return flags


def distance_to_target(month: Month | None, targets: Targets) -> Decimal | None:
    """Percentage points of occupancy still missing to the target (0 when reached)."""
    occupancy = month.figure("occupancy") if month else None
    if occupancy is None:
        return None
    return max(Decimal(0), targets.target_occupancy - occupancy)


# --- The alliance and its members -----------------------------------------------
@dataclass
class ProgramFigures:
    """A member on the dashboard: its shown month (or trailing 12 months) in full as `latest`, and its
    occupancy over the window."""

    program_id: int
    name: str
    occupancy_by_month: dict[datetime.date, Decimal | None]
    latest: Month | None = None
    flags: list[Flag] = field(default_factory=list)
    to_target: Decimal | None = None
    bad_debt_t12: Decimal | None = None  # of the charges billed in the 12 months to the shown one

    def series(self, months: list[datetime.date]) -> list[Decimal | None]:
        return [self.occupancy_by_month.get(m) for m in months]

    def latest_figure(self, figure: str) -> Decimal | None:
        return self.latest.figure(figure) if self.latest else None


@dataclass
class AllianceFigures:
    targets: Targets
    months: list[datetime.date]
    alliance: dict[datetime.date, Month]
    programs: list[ProgramFigures]
    hub: dict[datetime.date, HubSustainability] = field(default_factory=dict)
    trailing: bool = False  # `current` and each member's `latest` are the 12 months to the last one

    @property
    def latest_month(self) -> datetime.date | None:
        return self.months[-1] if self.alliance else None

    @property
    def latest(self) -> Month | None:
        return self.alliance.get(self.months[-1]) if self.months else None

    @property
    def current(self) -> Month | None:
        """What the page's cards show: the last month, or with `trailing` the 12 months as one period."""
        if not self.trailing:
            return self.latest
        months = [self.alliance[m] for m in self.months if m in self.alliance]
        return Month.total(months) if months else None

    @property
    def trailing_finance(self) -> Finance | None:
        """The 12 months to the shown one as one period: the headline bad debt (written off of the charges
        billed in them ÷ billed in them, DESIGN.md "Bad debt")."""
        return Finance.total([m.finance for m in (self.alliance.get(k) for k in self.months) if m and m.finance])

    @property
    def current_hub(self) -> HubSustainability | None:
        if not self.trailing:
            return self.hub.get(self.months[-1]) if self.months else None
        return HubSustainability.total([self.hub[m] for m in self.months if m in self.hub])

    def alliance_series(self, figure: str) -> list[Decimal | None]:
        return [self.alliance[m].figure(figure) if m in self.alliance else None for m in self.months]

    def hub_series(self, figure: str) -> list[Decimal | None]:
        return [getattr(self.hub[m], figure) if m in self.hub else None for m in self.months]

    @property
    def flagged(self) -> list[ProgramFigures]:
        return [p for p in self.programs if p.flags]


def _window(last_month: datetime.date | None, today: datetime.date | None = None) -> list[datetime.date]:
    """Twelve months ending with `last_month`, or by default with the last complete month that has
    figures (the month in progress has costs and write-offs still to come), else the newest.
    `today` is the alliance's (pages pass it; without it, it is read for the open scope)."""
    rows = AllianceMonth.objects.order_by("-month")
    if last_month is not None:
        rows = rows.filter(month__lte=last_month)
    recent = list(rows.values_list("month", flat=True)[:2])
    if not recent:
        return []
    until = last_month or _default_month(sorted(recent), today or alliance_today()) or recent[0]
    return months_back(WINDOW_MONTHS, until=until)


def _months_of(
    period: Period | None, last_month: datetime.date | None, today: datetime.date | None
) -> list[datetime.date]:
    return period.months if period is not None else _window(last_month, today)


def alliance_figures(
    *,
    last_month: datetime.date | None = None,
    today: datetime.date | None = None,
    period: Period | None = None,
) -> AllianceFigures:
    """The 12 months to the period's month (by default the last complete one) of the alliance and of
    each member; with a trailing period, each member's figures are those of the 12 months as one.
    Seven queries, whatever the number of members (the period's own query aside)."""
    targets = targets_of_alliance()
    months = _months_of(period, last_month, today)
    trailing = period is not None and period.trailing
    if not months:
        return AllianceFigures(targets, [], {}, [], trailing=trailing)
    window = {"month__gte": months[0], "month__lte": months[-1]}
    alliance_finance = {row.month: row for row in AllianceFinanceMonth.objects.filter(**window)}
    by_month = {
        row.month: _month_of(row, alliance_finance.get(row.month)) for row in AllianceMonth.objects.filter(**window)
    }
    hub = {month: HubSustainability.of(row) for month, row in alliance_finance.items()}
    # The window's occupancy as plain tuples (sparklines); the shown month (or period) in full (figures, flags).
    per_program: dict[int, ProgramFigures] = {}
    series = ProgramMonth.objects.filter(**window).values_list(
        "program_id", "program__name", "month", "enrolled_fte", "licensed_capacity"
    )
    for program_id, name, month, fte, capacity in series:
        figures = per_program.setdefault(program_id, ProgramFigures(program_id, name, {}))
        figures.occupancy_by_month[month] = ratio(fte, capacity)
    shown = window if trailing else {"month": months[-1]}
    # The window's money (the trailing 12 months' bad debt of each member), the shown month's among it.
    window_finance = {(row.program_id, row.month): row for row in ProgramFinanceMonth.objects.filter(**window)}
    shown_finance = window_finance if trailing else {k: v for k, v in window_finance.items() if k[1] == months[-1]}
    trailing_sums: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for (program_id, _), row in window_finance.items():
        trailing_sums[program_id][0] += row.written_off
        trailing_sums[program_id][1] += row.billed
    shown_months: dict[int, list[Month]] = defaultdict(list)
    for row in ProgramMonth.objects.filter(**shown).only(*OCCUPANCY_COLUMNS, "program_id", "month").order_by("month"):
        shown_months[row.program_id].append(_month_of(row, shown_finance.get((row.program_id, row.month))))
    for program_id, program_months in shown_months.items():
        if program_id in per_program:
            per_program[program_id].latest = Month.total(program_months) if trailing else program_months[-1]
    for program_id, (written_off, billed) in trailing_sums.items():
        if program_id in per_program and billed > 0:
            per_program[program_id].bad_debt_t12 = ratio(written_off, billed)
    for figures in per_program.values():
        figures.flags = flags_of(figures.latest, targets, trailing_bad_debt=figures.bad_debt_t12)
        figures.to_target = distance_to_target(figures.latest, targets)
    programs = sorted(per_program.values(), key=lambda p: p.name.lower())
    return AllianceFigures(targets, months, by_month, programs, hub, trailing=trailing)


OCCUPANCY_COLUMNS = [
    "operating_days",
    "licensed_capacity",
    "target_capacity",
    "enrolled_fte",
    "scheduled_child_days",
    "attended_child_days",
]


def members_with_figures_by_month(
    *, finance: bool, start: datetime.date | None = None, end: datetime.date | None = None
) -> dict[datetime.date, int]:
    """How many member programs have figures (a non-zero sum) in each month: the members an alliance
    month's occupancy (or, with `finance`, its money) is made of, for the disclosure rule. One query."""
    model, columns = (
        (ProgramFinanceMonth, FINANCE_FIELDS)
        if finance
        else (ProgramMonth, [c for c in OCCUPANCY_COLUMNS if c != "operating_days"])
    )
    has_figures = Q()
    for column in columns:
        has_figures |= ~Q(**{column: 0})
    rows = model.objects.filter(has_figures)
    if start is not None:
        rows = rows.filter(month__gte=start)
    if end is not None:
        rows = rows.filter(month__lte=end)
    return dict(
        rows.values("month").annotate(members=Count("program_id", distinct=True)).values_list("month", "members")
    )


# --- One member against the alliance ---------------------------------------------
BENCHMARK_FIGURES = [
    "occupancy",
    "attendance",
    "collection_rate",
    "bad_debt_rate",
    "cost_per_child",
    "revenue_per_child",
    "gap_per_child",
    "admin_share",
]


@dataclass
class Benchmark:
    """One program's months beside the alliance's median and quartiles.

    Holds no other member's name or figures: only the spread of all of them.
    """

    targets: Targets
    months: list[datetime.date]
    own: dict[datetime.date, Month]
    spreads: dict[str, dict[datetime.date, Spread]]
    trailing: bool = False
    # The shown month's (or with `trailing` the 12 months'): the member's own figures and the spreads.
    current: Month | None = None
    current_spreads: dict[str, Spread] = field(default_factory=dict)
    peer_group: str = "members"  # the like members the spread is of: "centres", "family child-care homes"

    def own_series(self, figure: str) -> list[Decimal | None]:
        return [self.own[m].figure(figure) if m in self.own else None for m in self.months]

    def spread_series(self, figure: str, part: str) -> list[Decimal | None]:
        spreads = self.spreads.get(figure, {})
        return [getattr(spreads[m], part) if m in spreads else None for m in self.months]

    def spread_latest(self, figure: str) -> Spread | None:
        return self.spreads.get(figure, {}).get(self.months[-1]) if self.months else None

    def withheld_series(self, figure: str) -> list[str | None]:
        spreads = self.spreads.get(figure, {})
        return [spreads[m].withheld if m in spreads else None for m in self.months]

    @property
    def latest(self) -> Month | None:
        return self.own.get(self.months[-1]) if self.months else None

    def current_spread(self, figure: str) -> Spread | None:
        return self.current_spreads.get(figure)

    @property
    def flags(self) -> list[Flag]:
        own = Finance.total([m.finance for m in (self.own.get(k) for k in self.months) if m and m.finance])
        return flags_of(self.current, self.targets, trailing_bad_debt=own.bad_debt_rate if own else None)


# Benchmarks compare like with like: a centre with the alliance's centres, a family child-care home
# with its homes (a home's costs and ratios are not a centre's).
PEER_GROUPS = {ProgramKind.CENTRE: "centres", ProgramKind.FAMILY_HOME: "family child-care homes"}


def _peer_spread(
    rows: list[tuple[int, Month]], figure: str, program_id: int, viewer_is_hub: bool, peer_group: str = "members"
) -> Spread:
    """The peer group's spread of one figure in one month, unless too few of the group besides the
    viewer's own program have the figure (alliance/disclosure.py)."""
    values = [(pk, month.figure(figure)) for pk, month in rows]
    peers = sum(1 for pk, value in values if value is not None and pk != program_id)
    reason = withheld(members=peers, quartiles=True, viewer_is_hub=viewer_is_hub, peers=peer_group)
    if reason is not None:
        return Spread(peers, None, None, None, withheld=reason)
    return spread(value for _, value in values)


def program_benchmark(
    program_id: int,
    *,
    last_month: datetime.date | None = None,
    viewer_is_hub: bool = False,
    today: datetime.date | None = None,
    period: Period | None = None,
) -> Benchmark:
    """A member's 12 months to the period's month and its peer group's spread each month, and of the shown
    month (or, with a trailing period, of the 12 months as one). Four queries.

    The peer group is the alliance's members of the program's kind (PEER_GROUPS: centres with centres,
    homes with homes). The spread is shown to the member's provider only where enough others of the
    group have the figure; `viewer_is_hub` (the Hub's own drill-down) shows it always."""
    targets = targets_of_alliance()
    months = _months_of(period, last_month, today)
    trailing = period is not None and period.trailing
    if not months:
        return Benchmark(targets, [], {}, {}, trailing=trailing)
    window = {"month__gte": months[0], "month__lte": months[-1]}
    finance = {(row.program_id, row.month): row for row in ProgramFinanceMonth.objects.filter(**window)}
    own_kind = MemberProgram.objects.filter(pk=program_id).values("kind")[:1]
    all_rows: dict[datetime.date, list[tuple[int, Month]]] = defaultdict(list)
    own: dict[datetime.date, Month] = {}
    kind = None
    peer_rows = (  # the program's own kind only: its peers
        ProgramMonth.objects.filter(**window, program__kind=Subquery(own_kind))
        .annotate(kind=F("program__kind"))
        .only(*OCCUPANCY_COLUMNS, "month", "program_id")
    )
    for row in peer_rows:
        month = _month_of(row, finance.get((row.program_id, row.month)))
        all_rows[row.month].append((row.program_id, month))
        if row.program_id == program_id:
            own[row.month] = month
            kind = row.kind
    group = PEER_GROUPS.get(kind, "members") if kind else "members"
    spreads = {
        figure: {m: _peer_spread(rows, figure, program_id, viewer_is_hub, group) for m, rows in all_rows.items()}
        for figure in BENCHMARK_FIGURES
    }
    shown = _trailing_rows(all_rows, months) if trailing else all_rows.get(months[-1], [])
    current = next((month for pk, month in shown if pk == program_id), None)
    current_spreads = {
        figure: _peer_spread(shown, figure, program_id, viewer_is_hub, group) for figure in BENCHMARK_FIGURES
    }
    return Benchmark(targets, months, own, spreads, trailing, current, current_spreads, peer_group=group)


def _trailing_rows(
    all_rows: dict[datetime.date, list[tuple[int, Month]]], months: list[datetime.date]
) -> list[tuple[int, Month]]:
    """Each member's months of the window as one period (oldest first, so balances are the last month's)."""
    by_program: dict[int, list[Month]] = defaultdict(list)
    for month in months:
        for program_id, figures in all_rows.get(month, []):
            by_program[program_id].append(figures)
    return [(program_id, Month.total(program_months)) for program_id, program_months in by_program.items()]
