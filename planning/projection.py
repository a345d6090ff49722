"""The scenario planner's projection: pure functions of a member's baseline year and a set of changes.

No ORM here: `planning/selectors.py` loads the baseline (the member's last 12 measured months from
metrics' snapshots, its costs by category, its Hub fee and roster), and this module answers "what if".
Everything is Decimal at full precision; money is rounded once, half up, where it is shown (`cents`).

For each baseline month (figures are of that month; capacity, enrolled FTE and staff FTE are the
month's averages):

    occupancy'  = the scenario's occupancy, else the month's own (FTE ÷ capacity)
    FTE'        = capacity × occupancy'                      (the month's own FTE when unchanged)
    tuition'    = Σ over age groups  tuition_g × (1 + rate change_g)   + other billed (fees, subsidy)
    billed'     = tuition' × FTE' ÷ FTE                      (revenue grows with enrollment)
    collected'  = billed' × collection rate', else collected × billed' ÷ billed
    bad debt'   = billed' × bad-debt rate',   else written off × billed' ÷ billed
    personnel'  = personnel × (1 + wages) × (staff FTE + staffing change) ÷ staff FTE
                  (a month with no staff on the roster has no cost per staff FTE: no staffing change)
    food', supplies' = × (1 − purchasing savings); other categories unchanged
    Hub fee'    = the scenario's monthly Hub fee, else the month's own
    cost'       = personnel' + Σ non-personnel' + Hub fee'
    revenue'    = billed' − bad debt'       (what the program keeps of what it bills)
    net result  = revenue' − cost'
    per child   = ÷ FTE' (per enrolled child per month); gap per child = revenue − cost per child
    break-even occupancy = cost' ÷ revenue' at 100 % occupancy  (cost does not grow with enrollment)

Where a month had no child enrolled, its billed per FTE is the baseline year's (billed ÷ FTE-months).
The year adds its months up; its per-child figures are per child-month (÷ Σ FTE'), and its break-even
occupancy is the one occupancy that, applied to every month, makes the year's net result zero.

Worked example (the start-up guide's centre serving 65 children; `tests/planning/test_projection.py`):
a month of 75 places, 65 FTE, billed 65,000.00 (all preschool tuition), collected 61,750.00, written off
1,950.00, personnel 45,500.00 (20 staff FTE), rent 8,000.00, food 3,500.00, supplies 2,000.00, insurance
1,000.00, other 1,000.00, no Hub fee. Baseline: cost 61,000.00; revenue 65,000 − 1,950 = 63,050.00; net
2,050.00; cost per child 61,000 ÷ 65 = 938.46; revenue per child 970.00; break-even 61,000 ÷ (63,050 × 75/65)
= 61,000 ÷ 72,750 = 83.8 %. Joining: 70 of 75 places (FTE 70), bad debt 1 %, collection 98 %, purchasing
savings 10 %, Hub fee 1,300.00: billed 65,000 × 70/65 = 70,000.00; bad debt 700.00; revenue 69,300.00;
collected 68,600.00; cost 45,500 + 8,000 + 3,150 + 1,800 + 1,000 + 1,000 + 1,300 = 61,750.00; net 7,550.00.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0")
ONE = Decimal("1")
CENT = Decimal("0.01")
PURCHASED_CATEGORIES = ("food", "supplies")  # what the alliance's joint purchasing buys


def cents(value: Decimal) -> Decimal:
    """Money as shown: two places, half up (the one rounding of a projected figure)."""
    return value.quantize(CENT, ROUND_HALF_UP)


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    return numerator / denominator if denominator else None


@dataclass(frozen=True)
class BaselineMonth:
    """One measured month of a member, as the rollups and its records have it."""

    month: datetime.date
    licensed_capacity: Decimal  # average licensed places over the month's operating days
    enrolled_fte: Decimal  # average enrolled FTE over the month's operating days
    billed: Decimal
    collected: Decimal
    written_off: Decimal  # bad debt of the month's charges (DESIGN.md "Bad debt")
    personnel: Decimal
    costs: Mapping[str, Decimal] = field(default_factory=dict)  # non-personnel cost by category
    hub_fee: Decimal = ZERO
    staff_fte: Decimal = ZERO
    tuition_by_age_group: Mapping[str, Decimal] = field(default_factory=dict)  # part of `billed`

    @property
    def other_billed(self) -> Decimal:
        """Billed that is not tuition of an age group (registration, late fees, credits)."""
        return self.billed - sum(self.tuition_by_age_group.values(), ZERO)


@dataclass(frozen=True)
class Changes:
    """A scenario's changes; None or zero leaves a figure as measured. Rates are ratios (0.05 = 5 %)."""

    occupancy: Decimal | None = None
    rates: Mapping[str, Decimal] = field(default_factory=dict)  # age group → change of its rate
    collection_rate: Decimal | None = None
    bad_debt_rate: Decimal | None = None
    wages: Decimal = ZERO
    staffing_fte: Decimal = ZERO
    hub_fee: Decimal | None = None  # per month
    purchasing_savings: Decimal = ZERO

    @property
    def is_empty(self) -> bool:
        return self == Changes()


@dataclass(frozen=True)
class Figures:
    """Projected (or baseline) money and places of a month or of the year, at full precision."""

    licensed_capacity: Decimal
    enrolled_fte: Decimal
    billed: Decimal
    collected: Decimal
    written_off: Decimal
    personnel: Decimal
    costs: Mapping[str, Decimal]
    hub_fee: Decimal
    revenue_at_full: Decimal  # revenue kept at 100 % occupancy: what break-even divides by

    @property
    def non_personnel(self) -> Decimal:
        return sum(self.costs.values(), ZERO)

    @property
    def cost(self) -> Decimal:
        return self.personnel + self.non_personnel + self.hub_fee

    @property
    def revenue(self) -> Decimal:
        return self.billed - self.written_off

    @property
    def net_result(self) -> Decimal:
        return self.revenue - self.cost

    @property
    def collected_revenue(self) -> Decimal:
        return self.collected

    @property
    def occupancy(self) -> Decimal | None:
        return _ratio(self.enrolled_fte, self.licensed_capacity)

    @property
    def cost_per_child(self) -> Decimal | None:
        return _ratio(self.cost, self.enrolled_fte)

    @property
    def revenue_per_child(self) -> Decimal | None:
        return _ratio(self.revenue, self.enrolled_fte)

    @property
    def gap_per_child(self) -> Decimal | None:
        """Revenue minus cost per enrolled child: negative where cost is not covered."""
        return _ratio(self.net_result, self.enrolled_fte)

    @property
    def collection_rate(self) -> Decimal | None:
        return _ratio(self.collected, self.billed)

    @property
    def bad_debt_rate(self) -> Decimal | None:
        return _ratio(self.written_off, self.billed)

    @property
    def break_even_occupancy(self) -> Decimal | None:
        """The occupancy at which revenue kept covers cost (None when no revenue can be had)."""
        return _ratio(self.cost, self.revenue_at_full) if self.revenue_at_full > 0 else None


@dataclass(frozen=True)
class MonthProjection:
    month: datetime.date
    baseline: Figures
    projected: Figures


@dataclass(frozen=True)
class Projection:
    months: tuple[MonthProjection, ...]
    baseline: Figures  # the year, added up
    projected: Figures


def _add(figures: Sequence[Figures]) -> Figures:
    categories = sorted({c for f in figures for c in f.costs})
    return Figures(
        licensed_capacity=sum((f.licensed_capacity for f in figures), ZERO),
        enrolled_fte=sum((f.enrolled_fte for f in figures), ZERO),
        billed=sum((f.billed for f in figures), ZERO),
        collected=sum((f.collected for f in figures), ZERO),
        written_off=sum((f.written_off for f in figures), ZERO),
        personnel=sum((f.personnel for f in figures), ZERO),
        costs={c: sum((f.costs.get(c, ZERO) for f in figures), ZERO) for c in categories},
        hub_fee=sum((f.hub_fee for f in figures), ZERO),
        revenue_at_full=sum((f.revenue_at_full for f in figures), ZERO),
    )


def _year_billed_per_fte(months: Sequence[BaselineMonth]) -> Decimal:
    fte = sum((m.enrolled_fte for m in months if m.enrolled_fte > 0), ZERO)
    billed = sum((m.billed for m in months if m.enrolled_fte > 0), ZERO)
    return billed / fte if fte else ZERO


def _tuition_after_rates(month: BaselineMonth, rates: Mapping[str, Decimal]) -> Decimal:
    tuition = sum(
        (amount * (ONE + rates.get(group, ZERO)) for group, amount in month.tuition_by_age_group.items()), ZERO
    )
    return tuition + month.other_billed


def project_month(month: BaselineMonth, changes: Changes, *, year_billed_per_fte: Decimal = ZERO) -> Figures:
    """One month under the changes (the module docstring has the formulas)."""
    capacity, fte = month.licensed_capacity, month.enrolled_fte
    new_fte = fte if changes.occupancy is None else capacity * changes.occupancy
    at_rates = _tuition_after_rates(month, changes.rates)
    if fte > 0:
        billed = at_rates if changes.occupancy is None else at_rates * (new_fte / fte)
        billed_at_full = at_rates * (capacity / fte)
    else:  # nobody enrolled that month: the year's billed per FTE, the rate changes spread over it
        per_fte = year_billed_per_fte * (at_rates / month.billed if month.billed else ONE)
        billed = at_rates if changes.occupancy is None else per_fte * new_fte
        billed_at_full = per_fte * capacity
    scale = billed / month.billed if month.billed else None
    if changes.collection_rate is not None:
        collected = billed * changes.collection_rate
    else:
        collected = month.collected * scale if scale is not None else ZERO
    if changes.bad_debt_rate is not None:
        bad_debt_rate = changes.bad_debt_rate
        written_off = billed * bad_debt_rate
    else:
        bad_debt_rate = month.written_off / month.billed if month.billed else ZERO
        written_off = month.written_off * scale if scale is not None else ZERO
    personnel = month.personnel
    if changes.wages:
        personnel = personnel * (ONE + changes.wages)
    if changes.staffing_fte and month.staff_fte > 0:  # priced at the month's personnel per staff FTE
        personnel = personnel * max(ZERO, month.staff_fte + changes.staffing_fte) / month.staff_fte
    costs = {
        category: amount * (ONE - changes.purchasing_savings) if category in PURCHASED_CATEGORIES else amount
        for category, amount in month.costs.items()
    }
    return Figures(
        licensed_capacity=capacity,
        enrolled_fte=new_fte,
        billed=billed,
        collected=collected,
        written_off=written_off,
        personnel=personnel,
        costs=costs,
        hub_fee=month.hub_fee if changes.hub_fee is None else changes.hub_fee,
        revenue_at_full=billed_at_full * (ONE - bad_debt_rate),
    )


def project(months: Sequence[BaselineMonth], changes: Changes) -> Projection:
    """The baseline year and the year under the changes, month by month and added up."""
    per_fte = _year_billed_per_fte(months)
    rows = tuple(
        MonthProjection(
            month=m.month,
            baseline=project_month(m, Changes(), year_billed_per_fte=per_fte),
            projected=project_month(m, changes, year_billed_per_fte=per_fte),
        )
        for m in months
    )
    return Projection(
        months=rows,
        baseline=_add([r.baseline for r in rows]),
        projected=_add([r.projected for r in rows]),
    )


__all__ = [
    "BaselineMonth",
    "Changes",
    "Figures",
    "MonthProjection",
    "Projection",
    "cents",
    "project",
    "project_month",
]
