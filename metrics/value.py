"""The value of membership: what a member paid the Hub in a period against what
membership measurably brought it, each figure traceable to its records.

For one program and the months start..end (inclusive):

- Hub fee charged = member-fee charges posted on the program's Hub account in
  the period (less reversals of them); paid = payments on that account.
- Purchasing savings = the savings recorded on its order lines delivered in
  the period: (list price − alliance price) × quantity delivered.
- Substitute cover = requests delivered in the period, and their hours (charged
  at the agreed hourly rate on the Hub invoices, so already inside the fee).
- Since joining (metrics snapshots): the baseline is the program's figures of
  before it joined (metrics/baselines.py: its last BASELINE_MONTHS months with
  money billed and capacity before the month it joined), against the period's
  months since it joined. A member with no figures of before it joined has no
  baseline: the page says so, and offers the measured effects of the members
  that have one (`measured_effects`, three or more of them, disclosure.py).
    bad debt avoided = billed now × written off before ÷ billed before − written off now
                     = (bad-debt rate before − rate now) × billed now
    revenue from fuller rooms = billed now × (FTE now − occupancy before × capacity now) ÷ FTE now
                     = billed now × (occupancy now − occupancy before) ÷ occupancy now
  where FTE and capacity are the months' summed FTE-days and capacity-days.
  Each is rounded once, to the cent, half up; a decrease shows as a negative.
- Measured value = purchasing savings + bad debt avoided + revenue from fuller
  rooms; net = measured value − fee charged.

`savings_members_report` adds these up for the funder impact report, aggregate
only: a figure of too few members is suppressed (alliance/disclosure.py).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, QuerySet, Sum

from alliance.dates import month_end, month_start, months_between
from alliance.disclosure import withheld
from billing.models import ChargeCategory, EntryKind, LedgerEntry
from billing.selectors import paid_entries_q
from members.models import MemberProgram
from metrics.baselines import Baseline, baseline_of, has_figures
from metrics.figures import ratio
from metrics.models import ProgramFinanceMonth, ProgramMonth
from sharedservices.models import CoverRequest, CoverStatus, MemberOrderLine
from sharedservices.selectors import (
    cover_hours_by_program,
    delivered_covers,
    delivered_lines,
    members_with_savings_by_month,
    purchasing_savings_by_program,
)

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class Sums:
    """Summed snapshot months: money from ProgramFinanceMonth, FTE- and capacity-days from ProgramMonth."""

    months: tuple[datetime.date, ...]
    billed: Decimal = ZERO
    written_off: Decimal = ZERO
    enrolled_fte: Decimal = ZERO
    licensed_capacity: int = 0

    @property
    def bad_debt_rate(self) -> Decimal | None:
        return ratio(self.written_off, self.billed) if self.billed > 0 else None

    @property
    def occupancy(self) -> Decimal | None:
        return ratio(self.enrolled_fte, self.licensed_capacity)

    @property
    def vacancy(self) -> Decimal | None:
        return None if self.occupancy is None else Decimal(1) - self.occupancy


@dataclass
class MemberValue:
    program: MemberProgram
    start: datetime.date
    end: datetime.date
    fee_charged: Decimal = ZERO
    fee_paid: Decimal = ZERO
    purchasing_savings: Decimal = ZERO
    covers: int = 0
    cover_hours: Decimal = ZERO
    baseline: Sums | None = None
    now: Sums | None = None
    baseline_note: str = ""
    baseline_of: Baseline | None = None  # which months are the baseline, or why there are none
    effects: MeasuredEffects | None = None  # other members' measured effects, offered when there is no baseline
    bad_debt_avoided: Decimal | None = None
    revenue_from_occupancy: Decimal | None = None
    fee_lines: list[LedgerEntry] = field(default_factory=list)
    purchase_lines: list[MemberOrderLine] = field(default_factory=list)
    cover_rows: list[CoverRequest] = field(default_factory=list)

    @property
    def measured_value(self) -> Decimal:
        return self.purchasing_savings + (self.bad_debt_avoided or ZERO) + (self.revenue_from_occupancy or ZERO)

    @property
    def net(self) -> Decimal:
        return self.measured_value - self.fee_charged

    @property
    def value_per_fee_dollar(self) -> Decimal | None:
        return (self.measured_value / self.fee_charged).quantize(CENT, ROUND_HALF_UP) if self.fee_charged else None


def _fee_entries(program_ids: list[int], start: datetime.date, end: datetime.date) -> QuerySet[LedgerEntry]:
    """Entries of the programs' Hub member-fee accounts (accounts with no family) in the period."""
    return LedgerEntry.objects.filter(
        program_id__in=program_ids, account__family__isnull=True, posted_on__range=(start, month_end(end))
    )


def fee_charged_q() -> Q:
    """A Hub member fee charged, net of its reversals: the one definition (the value of membership, the
    scenario planner's baseline)."""
    return Q(kind=EntryKind.CHARGE, category=ChargeCategory.MEMBER_FEE) | Q(
        kind=EntryKind.REVERSAL, reverses__kind=EntryKind.CHARGE, reverses__category=ChargeCategory.MEMBER_FEE
    )


def _snapshot_sums(program_ids: list[int], last: datetime.date) -> dict[int, dict[datetime.date, dict]]:
    """Per program and month up to `last`: billed, written off (finance) and FTE/capacity-days (occupancy)."""
    rows: dict[int, dict[datetime.date, dict]] = defaultdict(dict)
    for pk, month, billed, written_off in ProgramFinanceMonth.objects.filter(
        program_id__in=program_ids, month__lte=last
    ).values_list("program_id", "month", "billed", "written_off"):
        rows[pk].setdefault(month, {}).update(billed=billed, written_off=written_off)
    for pk, month, fte, capacity in ProgramMonth.objects.filter(
        program_id__in=program_ids, month__lte=last
    ).values_list("program_id", "month", "enrolled_fte", "licensed_capacity"):
        rows[pk].setdefault(month, {}).update(enrolled_fte=fte, licensed_capacity=capacity)
    return rows


def _sum(months: list[datetime.date], by_month: dict[datetime.date, dict]) -> Sums:
    pick = [by_month[m] for m in months]
    return Sums(
        tuple(months),
        billed=sum((r.get("billed", ZERO) for r in pick), ZERO),
        written_off=sum((r.get("written_off", ZERO) for r in pick), ZERO),
        enrolled_fte=sum((r.get("enrolled_fte", ZERO) for r in pick), ZERO),
        licensed_capacity=sum((r.get("licensed_capacity", 0) for r in pick), 0),
    )


def _baseline(program: MemberProgram, by_month: dict[datetime.date, dict]) -> Baseline:
    return baseline_of(
        name=program.name,
        joined_on=program.joined_on,
        months_with_figures=[
            m
            for m, r in by_month.items()
            if has_figures(billed=r.get("billed"), licensed_capacity=r.get("licensed_capacity"))
        ],
    )


def _since_joining(value: MemberValue, by_month: dict[datetime.date, dict]) -> None:
    start, end, program = value.start, value.end, value.program
    baseline = _baseline(program, by_month)
    value.baseline_of = baseline
    period = baseline.since_joining(m for m in months_between(start, end) if m in by_month)
    if not period:
        value.baseline_note = f"No rolled-up figures of {program.name} as a member in this period yet."
        return
    value.now = _sum(period, by_month)
    if baseline.reason is not None:
        value.baseline_note = baseline.reason
        return
    value.baseline = _sum(list(baseline.months), by_month)
    before, now = value.baseline, value.now
    if before.billed > 0 and now.billed > 0:
        value.bad_debt_avoided = cents(now.billed * before.written_off / before.billed - now.written_off)
    if before.licensed_capacity and now.enrolled_fte > 0 and now.billed > 0:
        occupancy_before = before.enrolled_fte / before.licensed_capacity
        value.revenue_from_occupancy = cents(
            now.billed * (now.enrolled_fte - occupancy_before * now.licensed_capacity) / now.enrolled_fte
        )


def members_value(programs: list[MemberProgram], *, start: datetime.date, end: datetime.date) -> list[MemberValue]:
    """The value of membership of many programs over the months start..end, in a fixed number of queries."""
    start, end = start.replace(day=1), end.replace(day=1)
    ids = [p.pk for p in programs]
    charged: dict[int, Decimal] = defaultdict(lambda: ZERO)
    paid: dict[int, Decimal] = defaultdict(lambda: ZERO)
    entries = _fee_entries(ids, start, end)
    for pk, amount in entries.filter(fee_charged_q()).values_list("program_id").annotate(s=Sum("amount")):
        charged[pk] = amount
    for pk, amount in entries.filter(paid_entries_q()).values_list("program_id").annotate(s=Sum("amount")):
        paid[pk] = -amount
    last_day = month_end(end)
    savings = purchasing_savings_by_program(start=start, end=last_day)
    hours = cover_hours_by_program(start=start, end=last_day)
    counts: dict[int, int] = defaultdict(int)
    for pk in CoverRequest.objects.filter(status=CoverStatus.DELIVERED, day__range=(start, last_day)).values_list(
        "program_id", flat=True
    ):
        counts[pk] += 1
    snapshots = _snapshot_sums(ids, end)
    values = []
    for program in programs:
        value = MemberValue(
            program,
            start,
            end,
            fee_charged=charged[program.pk],
            fee_paid=paid[program.pk],
            purchasing_savings=savings.get(program.pk) or ZERO,
            covers=counts[program.pk],
            cover_hours=hours.get(program.pk) or ZERO,
        )
        _since_joining(value, snapshots.get(program.pk, {}))
        values.append(value)
    return values


@dataclass(frozen=True)
class MeasuredEffects:
    """What the members with a baseline measured since joining, added up: their baseline months
    against their months of the period since joining. Shown beside a member that has no baseline of
    its own, so only over MIN_MEMBERS or more members (alliance/disclosure.py)."""

    members: int
    baseline: Sums | None = None
    now: Sums | None = None
    withheld: str | None = None


def measured_effects(
    values: list[MemberValue], *, exclude: int | None = None, viewer_is_hub: bool = False
) -> MeasuredEffects:
    measured = [v for v in values if v.baseline is not None and v.now is not None and v.program.pk != exclude]
    reason = withheld(members=len(measured), viewer_is_hub=viewer_is_hub)
    if reason is not None:
        return MeasuredEffects(len(measured), withheld=reason)

    def total(sums: list[Sums]) -> Sums:
        return Sums(
            (),
            billed=sum((s.billed for s in sums), ZERO),
            written_off=sum((s.written_off for s in sums), ZERO),
            enrolled_fte=sum((s.enrolled_fte for s in sums), ZERO),
            licensed_capacity=sum((s.licensed_capacity for s in sums), 0),
        )

    return MeasuredEffects(
        len(measured),
        baseline=total([v.baseline for v in measured if v.baseline]),
        now=total([v.now for v in measured if v.now]),
    )


def member_value(
    program: MemberProgram, *, start: datetime.date, end: datetime.date, viewer_is_hub: bool = False
) -> MemberValue:
    """One program's value of membership with the records behind each figure. Without a baseline of
    its own, it carries the measured effects of the members that have one (aggregate only)."""
    value = members_value([program], start=start, end=end)[0]
    if value.baseline is None:
        others = list(MemberProgram.objects.exclude(status="applicant").exclude(pk=program.pk).order_by("pk"))
        value.effects = measured_effects(
            members_value(others, start=value.start, end=value.end), exclude=program.pk, viewer_is_hub=viewer_is_hub
        )
    value.fee_lines = list(
        _fee_entries([program.pk], value.start, value.end)
        .filter(fee_charged_q())
        .select_related("invoice")
        .order_by("posted_on", "pk")
    )
    last_day = month_end(value.end)
    value.purchase_lines = list(delivered_lines(program_id=program.pk, start=value.start, end=last_day))
    value.cover_rows = list(delivered_covers(program_id=program.pk, start=value.start, end=last_day))
    return value


def default_value_period(today: datetime.date, months: int = 3) -> tuple[datetime.date, datetime.date]:
    """The `months` months ending with the last complete one (a quarter: long enough to
    hold a delivery and a month's cover, short enough to compare with the first months)."""
    end = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    start = end
    for _ in range(months - 1):
        start = (start - datetime.timedelta(days=1)).replace(day=1)
    return start, end


@dataclass(frozen=True)
class SavingsReport:
    """What members saved through the Hub, added up for the funder report."""

    members: int
    members_with_savings: int
    fee_charged: Decimal
    purchasing_savings: Decimal
    covers: int
    cover_hours: Decimal
    measured_members: int
    bad_debt_avoided: Decimal | None
    revenue_from_occupancy: Decimal | None
    fee_months: int = 0  # months of the period with member fees invoiced
    period_months: int = 0
    fewest_in_a_month: tuple[int, str] | None = None  # the thinnest month with savings, and its name

    @property
    def withheld_reason(self) -> str | None:
        return withheld(members=self.members_with_savings, fewest_in_a_month=self.fewest_in_a_month)

    @property
    def suppressed(self) -> bool:
        return self.withheld_reason is not None

    @property
    def since_joining_suppressed(self) -> bool:
        return withheld(members=self.measured_members) is not None

    @property
    def savings_per_fee_dollar(self) -> Decimal | None:
        return (self.purchasing_savings / self.fee_charged).quantize(CENT, ROUND_HALF_UP) if self.fee_charged else None


def savings_members_report(
    *, start: datetime.date, end: datetime.date, since_joining: Collection[int] | None = None
) -> SavingsReport:
    """The savings members report against their fees, over all member programs (aggregate only).

    The since-joining figures are over the members of `since_joining` (the impact report passes the
    members its before-and-after compares, so both count the same members), by default over every
    member with a baseline of before it joined."""
    programs = list(MemberProgram.objects.exclude(status="applicant").order_by("pk"))
    values = members_value(programs, start=start, end=end)
    paying = [v for v in values if v.fee_charged or v.purchasing_savings or v.cover_hours]
    measured = [
        v
        for v in values
        if v.baseline is not None and v.now is not None and (since_joining is None or v.program.pk in since_joining)
    ]
    with_measures = withheld(members=len(measured)) is None
    fee_months = {
        month_start(on)
        for on in _fee_entries([p.pk for p in programs], start, end)
        .filter(fee_charged_q())
        .values_list("posted_on", flat=True)
        .distinct()
    }
    return SavingsReport(
        members=len(paying),
        members_with_savings=sum(1 for v in paying if v.purchasing_savings > 0 or v.cover_hours > 0),
        fee_charged=sum((v.fee_charged for v in paying), ZERO),
        purchasing_savings=sum((v.purchasing_savings for v in paying), ZERO),
        covers=sum(v.covers for v in paying),
        cover_hours=sum((v.cover_hours for v in paying), ZERO),
        measured_members=len(measured),
        bad_debt_avoided=sum((v.bad_debt_avoided or ZERO for v in measured), ZERO) if with_measures else None,
        revenue_from_occupancy=sum((v.revenue_from_occupancy or ZERO for v in measured), ZERO)
        if with_measures
        else None,
        fee_months=len(fee_months),
        period_months=len(months_between(start.replace(day=1), end.replace(day=1))),
        fewest_in_a_month=thinnest_month(members_with_savings_by_month(start=start, end=month_end(end))),
    )


def thinnest_month(counts: dict[datetime.date, int]) -> tuple[int, str] | None:
    """The month with the fewest members (of those with any), and its name, for a period total."""
    if not counts:
        return None
    count, month = min((n, m) for m, n in counts.items())
    return count, f"{month:%B %Y}"
