"""Every Iron Triangle ratio, computed in one place from snapshot sums.

A ratio of a month, a program or the alliance is the ratio of its sums
(never an average of daily ratios). Ratios are Decimal fractions (0.8512),
rounded here to four places; None where the denominator is zero.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from decimal import ROUND_HALF_UP, Decimal

RATIO_PLACES = Decimal("0.0001")
MONEY_PLACES = Decimal("0.01")
ONE_PLACE = Decimal("0.1")


def ratio(numerator: Decimal | int | None, denominator: Decimal | int | None) -> Decimal | None:
    if numerator is None or not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATIO_PLACES, ROUND_HALF_UP)


def per(amount: Decimal | None, count: Decimal | int | None) -> Decimal | None:
    """Money per unit (per enrolled child), to the cent."""
    if amount is None or not count:
        return None
    return (Decimal(amount) / Decimal(count)).quantize(MONEY_PLACES, ROUND_HALF_UP)


def average(total: Decimal | int | None, days: int | None) -> Decimal | None:
    """A daily average over a month's operating days, to one place."""
    if total is None or not days:
        return None
    return (Decimal(total) / days).quantize(ONE_PLACE, ROUND_HALF_UP)


@dataclass(frozen=True)
class Occupancy:
    """The occupancy corner of one period (a day, or a month of days)."""

    operating_days: int
    licensed_capacity: int  # capacity-days
    target_capacity: int
    enrolled_fte: Decimal  # FTE-days
    scheduled_child_days: int
    attended_child_days: int

    @classmethod
    def of(cls, row: object) -> Occupancy:
        return cls(
            *(
                getattr(row, name) if not isinstance(row, dict) else row[name]
                for name in (
                    "operating_days",
                    "licensed_capacity",
                    "target_capacity",
                    "enrolled_fte",
                    "scheduled_child_days",
                    "attended_child_days",
                )
            )
        )

    @property
    def occupancy(self) -> Decimal | None:
        """Enrolled FTE ÷ licensed capacity."""
        return ratio(self.enrolled_fte, self.licensed_capacity)

    @property
    def occupancy_of_target(self) -> Decimal | None:
        """Enrolled FTE ÷ desired capacity (licensed where none is set)."""
        return ratio(self.enrolled_fte, self.target_capacity)

    @property
    def vacancy(self) -> Decimal | None:
        """1 − occupancy: the share of licensed capacity-days not filled (negative when over-enrolled)."""
        occupancy = self.occupancy
        return None if occupancy is None else Decimal(1) - occupancy

    @property
    def attendance(self) -> Decimal | None:
        """Child-days attended ÷ child-days scheduled."""
        return ratio(self.attended_child_days, self.scheduled_child_days)

    @property
    def average_capacity(self) -> Decimal | None:
        return average(self.licensed_capacity, self.operating_days)

    @property
    def average_fte(self) -> Decimal | None:
        return average(self.enrolled_fte, self.operating_days)

    @property
    def open_slots(self) -> Decimal | None:
        """Average licensed places not filled per operating day."""
        return average(Decimal(self.licensed_capacity) - self.enrolled_fte, self.operating_days)

    @classmethod
    def total(cls, periods: Iterable[Occupancy]) -> Occupancy | None:
        """Several months as one period: every sum added up, so its ratios are ratios of sums
        (occupancy over 12 months is their FTE-days ÷ their capacity-days, never an average of
        12 occupancies). None when there is no month."""
        periods = list(periods)
        if not periods:
            return None
        return cls(*(sum(getattr(p, f.name) for p in periods) for f in fields(cls)))


@dataclass(frozen=True)
class Spread:
    """The alliance's distribution of one figure in one month."""

    count: int
    q1: Decimal | None
    median: Decimal | None
    q3: Decimal | None
    withheld: str | None = None  # why the quartiles are not shown (alliance/disclosure.py)


def spread(values: Iterable[Decimal | None]) -> Spread:
    """Median and quartiles (the inclusive method: Excel's QUARTILE.INC)."""
    data: Sequence[Decimal] = sorted(v for v in values if v is not None)
    if not data:
        return Spread(0, None, None, None)
    if len(data) == 1:
        return Spread(1, data[0], data[0], data[0])
    q1, median, q3 = (
        Decimal(q).quantize(RATIO_PLACES, ROUND_HALF_UP) for q in statistics.quantiles(data, n=4, method="inclusive")
    )
    return Spread(len(data), q1, median, q3)


FINANCE_FIELDS = (
    "billed",
    "collected_family",
    "collected_third_party",
    "written_off",
    "aging_current",
    "aging_1_30",
    "aging_31_60",
    "aging_61_90",
    "aging_over_90",
    "cost",
    "personnel_admin",
    "personnel_classroom",
    "write_offs_posted",
)
# Balances at a month's end (stocks, not flows): a period of several months has those of its last month.
BALANCE_FIELDS = frozenset({"aging_current", "aging_1_30", "aging_31_60", "aging_61_90", "aging_over_90"})
AGING_BUCKETS = [
    ("aging_current", "current"),
    ("aging_1_30", "1–30 days"),
    ("aging_31_60", "31–60 days"),
    ("aging_61_90", "61–90 days"),
    ("aging_over_90", "over 90 days"),
]


@dataclass(frozen=True)
class Finance:
    """The fee-collection and cost-revenue corners of one month, beside its occupancy.

    Revenue is what was billed (tuition and fees net of discounts, whoever
    pays: the family or a third party). A figure whose denominator is missing
    (nothing billed, no cost recorded, no child enrolled) is None, not zero.
    """

    billed: Decimal
    collected_family: Decimal
    collected_third_party: Decimal
    written_off: Decimal
    aging_current: Decimal
    aging_1_30: Decimal
    aging_31_60: Decimal
    aging_61_90: Decimal
    aging_over_90: Decimal
    cost: Decimal
    personnel_admin: Decimal
    personnel_classroom: Decimal
    occupancy: Occupancy | None = None
    write_offs_posted: Decimal = Decimal("0.00")  # the cash side: write-offs by their effective date

    @classmethod
    def of(cls, row: object, occupancy: Occupancy | None = None) -> Finance:
        return cls(**{name: getattr(row, name) for name in FINANCE_FIELDS}, occupancy=occupancy)

    @classmethod
    def total(cls, months: Sequence[Finance], occupancy: Occupancy | None = None) -> Finance | None:
        """Several months (oldest first) as one period beside the period's occupancy: billed,
        collected, written off and cost added up, so every rate and per-child figure is a ratio of
        the period's sums; the open balances (aging) are those at the end of the last month."""
        if not months:
            return None
        values = {
            name: getattr(months[-1], name) if name in BALANCE_FIELDS else sum(getattr(m, name) for m in months)
            for name in FINANCE_FIELDS
        }
        return replace(months[-1], **values, occupancy=occupancy)

    @property
    def collected(self) -> Decimal:
        return self.collected_family + self.collected_third_party

    @property
    def collection_rate(self) -> Decimal | None:
        return ratio(self.collected, self.billed) if self.billed > 0 else None

    @property
    def family_collection_rate(self) -> Decimal | None:
        return ratio(self.collected_family, self.billed) if self.billed > 0 else None

    @property
    def third_party_collection_rate(self) -> Decimal | None:
        return ratio(self.collected_third_party, self.billed) if self.billed > 0 else None

    @property
    def bad_debt_rate(self) -> Decimal | None:
        """Of the charges billed in the period, the part written off at any later date (DESIGN.md, "Bad debt")."""
        return ratio(self.written_off, self.billed) if self.billed > 0 else None

    @property
    def open_balance(self) -> Decimal:
        return sum((getattr(self, name) for name, _ in AGING_BUCKETS), Decimal("0.00"))

    @property
    def revenue(self) -> Decimal | None:
        return self.billed if self.billed > 0 else None

    @property
    def known_cost(self) -> Decimal | None:
        return self.cost if self.cost > 0 else None

    @property
    def enrolled_fte(self) -> Decimal | None:
        """Average enrolled FTE of the month: the 'enrolled child' of the per-child figures."""
        if self.occupancy is None or not self.occupancy.operating_days:
            return None
        return Decimal(self.occupancy.enrolled_fte) / self.occupancy.operating_days

    @property
    def cost_per_child(self) -> Decimal | None:
        return per(self.known_cost, self.enrolled_fte)

    @property
    def revenue_per_child(self) -> Decimal | None:
        return per(self.revenue, self.enrolled_fte)

    @property
    def gap_per_child(self) -> Decimal | None:
        """Revenue minus cost per enrolled child: negative when cost is not covered."""
        if self.cost_per_child is None or self.revenue_per_child is None:
            return None
        return self.revenue_per_child - self.cost_per_child

    @property
    def collected_revenue(self) -> Decimal | None:
        """Revenue on the collected basis: what families and third parties paid (None when nothing was
        billed or paid)."""
        return self.collected if self.billed > 0 or self.collected > 0 else None

    @property
    def collected_revenue_per_child(self) -> Decimal | None:
        return per(self.collected_revenue, self.enrolled_fte)

    @property
    def collected_gap_per_child(self) -> Decimal | None:
        """Collected revenue minus cost per enrolled child."""
        if self.cost_per_child is None or self.collected_revenue_per_child is None:
            return None
        return self.collected_revenue_per_child - self.cost_per_child

    @property
    def break_even_occupancy(self) -> Decimal | None:
        """The occupancy at which revenue would cover cost, revenue growing with enrollment:
        occupancy × cost ÷ revenue."""
        if self.occupancy is None or self.known_cost is None or self.revenue is None:
            return None
        return ratio(
            Decimal(self.occupancy.enrolled_fte) * self.known_cost,
            Decimal(self.occupancy.licensed_capacity) * self.revenue,
        )

    @property
    def personnel(self) -> Decimal:
        return self.personnel_admin + self.personnel_classroom

    @property
    def admin_share(self) -> Decimal | None:
        """Share of personnel cost spent on administration rather than classroom staff."""
        return ratio(self.personnel_admin, self.personnel) if self.personnel > 0 else None

    @property
    def staffing_cost_per_child(self) -> Decimal | None:
        return per(self.personnel if self.personnel > 0 else None, self.enrolled_fte)


@dataclass(frozen=True)
class HubSustainability:
    hub_cost: Decimal
    member_fees: Decimal
    grants: Decimal
    contracts: Decimal

    @property
    def fee_coverage(self) -> Decimal | None:
        """Share of the Hub's cost covered by member fees."""
        return ratio(self.member_fees, self.hub_cost) if self.hub_cost > 0 else None

    @property
    def total_coverage(self) -> Decimal | None:
        """Share covered by fees, grants and contracts together."""
        income = self.member_fees + self.grants + self.contracts
        return ratio(income, self.hub_cost) if self.hub_cost > 0 else None

    @classmethod
    def of(cls, row: object) -> HubSustainability:
        return cls(*(getattr(row, name) for name in ("hub_cost", "member_fees", "grants", "contracts")))

    @classmethod
    def total(cls, months: Iterable[HubSustainability]) -> HubSustainability | None:
        """Several months as one period: each sum added up (None when there is no month)."""
        months = list(months)
        if not months:
            return None
        return cls(*(sum(getattr(m, f.name) for m in months) for f in fields(cls)))
