"""The Hub's sustainability plan as pure functions of its inputs (Decimal, no ORM).

A plan runs for 3 to 5 calendar years from January of its start year, month by
month. Each month has:

- **cost**: the Hub's staff and overhead. Year 1's annual figures grow by the
  plan's growth % a year, compounded (each year's figure rounded to the cent);
  a year's figure is spread over its months in equal cents, December taking
  the rounding remainder, so the twelve months add up to the year exactly.
- **fees**: every member's monthly fee under the fee structure, rounded to the
  cent per member and month (as the Hub's member-fee invoices are):
  `flat` = the rate per member; `per_slot` = the rate × the member's licensed
  slots; `share` = the rate % of the member's annual collections ÷ 12.
  The alliance's current members pay from month 1; the plan's new members
  join at the start of each later year (so many a year, each of the assumed
  average size).
- **contracts** and **grants**: each row's amount spread evenly over the
  months from its start to its end (both included), the last month taking
  the rounding remainder; months outside the plan are not counted.

A year is the sum of its months; the plan's totals the sum of its years. The
**coverage year** is the first plan year whose fees alone are at least its
cost, or None ("not within the plan").

Worked example (tests/sustainability/test_projection.py), plan 2027–2029:
two members, A (50 slots, 600,000.00 collected a year) and B (20 slots,
120,000.00); per-slot fee 10.00 a month. A pays 50 × 10 = 500.00 a month
(6,000.00 a year), B 200.00 (2,400.00): fees 2027 = 8,400.00. Cost: staff
10,000.00 + overhead 2,000.00 = 12,000.00, growing 10 %: 13,200.00 in 2028,
14,520.00 in 2029. One new member a year of 30 slots: 300.00 a month, so
fees 2028 = 8,400 + 3,600 = 12,000.00 (< 13,200) and 2029 = 15,600.00
(≥ 14,520): fees alone cover cost from 2029. A grant of 12,000.00 over 2027
gives 1,000.00 a month; a contract of 6,000.00 from July 2027 to June 2028
gives 500.00 a month, 3,000.00 in each year. Surplus 2027 = 8,400 + 3,000 +
12,000 − 12,000 = 11,400.00; 2028 = 12,000 + 3,000 − 13,200 = 1,800.00;
2029 = 15,600 − 14,520 = 1,080.00.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
TWELVE = Decimal(12)
MIN_YEARS = 3
MAX_YEARS = 5


class FeeStructure:
    FLAT = "flat"
    PER_SLOT = "per_slot"
    SHARE = "share"

    CHOICES = [
        (FLAT, "Flat fee per member (a month)"),
        (PER_SLOT, "Per licensed slot (a month)"),
        (SHARE, "Share of collections (%)"),
    ]
    ALL = (FLAT, PER_SLOT, SHARE)

    @classmethod
    def label(cls, kind: str) -> str:
        return dict(cls.CHOICES)[kind]


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Member:
    """A member as the plan sees it: its licensed slots and what it collected in a year."""

    name: str
    licensed_slots: int
    annual_collections: Decimal


@dataclass(frozen=True)
class Fee:
    structure: str
    rate: Decimal  # money a month (flat, per slot) or a percent (share)

    def monthly(self, member: Member) -> Decimal:
        if self.structure == FeeStructure.FLAT:
            return cents(self.rate)
        if self.structure == FeeStructure.PER_SLOT:
            return cents(self.rate * member.licensed_slots)
        if self.structure == FeeStructure.SHARE:
            return cents(member.annual_collections * self.rate / HUNDRED / TWELVE)
        raise ValueError(f"Unknown fee structure {self.structure!r}.")

    def annual(self, member: Member) -> Decimal:
        return self.monthly(member) * 12


@dataclass(frozen=True)
class Funding:
    """A grant or a contract: an amount received evenly over the months from start to end."""

    name: str
    amount: Decimal
    starts_on: datetime.date
    ends_on: datetime.date
    restriction: str = ""

    def by_month(self) -> dict[datetime.date, Decimal]:
        months = _months(self.starts_on, self.ends_on)
        if not months:
            return {}
        each = cents(self.amount / len(months))
        spread = dict.fromkeys(months, each)
        spread[months[-1]] = cents(self.amount) - each * (len(months) - 1)
        return spread


@dataclass(frozen=True)
class PlanInputs:
    start_year: int
    years: int
    staff_cost: Decimal  # year 1, annual
    overhead_cost: Decimal  # year 1, annual
    growth_pct: Decimal  # a year, compounded
    fee: Fee
    members: Sequence[Member]
    new_members_per_year: int = 0
    new_member_slots: int = 0
    new_member_collections: Decimal = ZERO  # a year
    grants: Sequence[Funding] = ()
    contracts: Sequence[Funding] = ()


@dataclass(frozen=True)
class Line:
    """One month's or one year's figures."""

    label: str
    staff: Decimal
    overhead: Decimal
    fees: Decimal
    contracts: Decimal
    grants: Decimal
    members: int

    @property
    def cost(self) -> Decimal:
        return self.staff + self.overhead

    @property
    def income(self) -> Decimal:
        return self.fees + self.contracts + self.grants

    @property
    def surplus(self) -> Decimal:
        """Income less cost: negative is a deficit."""
        return self.income - self.cost

    @property
    def fees_cover_cost(self) -> bool:
        return self.fees >= self.cost


@dataclass(frozen=True)
class Year(Line):
    year: int = 0
    months: tuple[Line, ...] = field(default=())


@dataclass(frozen=True)
class MemberFee:
    """What a member pays the Hub a year under one fee structure."""

    name: str
    licensed_slots: int
    annual_collections: Decimal
    annual_fee: Decimal
    joins_in: int | None = None  # a planned new member: the year it joins


@dataclass(frozen=True)
class Projection:
    inputs: PlanInputs
    years: tuple[Year, ...]
    member_fees: tuple[MemberFee, ...]

    @property
    def coverage_year(self) -> int | None:
        """The first year whose fees alone cover its cost; None when no year of the plan does."""
        return next((y.year for y in self.years if y.fees_cover_cost), None)

    @property
    def total(self) -> Line:
        return _sum_lines("Total", self.years, members=self.years[-1].members if self.years else 0)


def _months(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months: list[datetime.date] = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(datetime.date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _over_twelve(annual: Decimal) -> list[Decimal]:
    each = cents(annual / TWELVE)
    return [each] * 11 + [annual - each * 11]


def _sum_lines(label: str, lines: Sequence[Line], *, members: int) -> Line:
    return Line(
        label=label,
        staff=sum((x.staff for x in lines), ZERO),
        overhead=sum((x.overhead for x in lines), ZERO),
        fees=sum((x.fees for x in lines), ZERO),
        contracts=sum((x.contracts for x in lines), ZERO),
        grants=sum((x.grants for x in lines), ZERO),
        members=members,
    )


def _funding_by_month(rows: Sequence[Funding]) -> dict[datetime.date, Decimal]:
    total: dict[datetime.date, Decimal] = {}
    for row in rows:
        for month, amount in row.by_month().items():
            total[month] = total.get(month, ZERO) + amount
    return total


def new_member(inputs: PlanInputs, year_index: int, number: int) -> Member:
    return Member(
        name=f"New member {number} ({inputs.start_year + year_index})",
        licensed_slots=inputs.new_member_slots,
        annual_collections=inputs.new_member_collections,
    )


def project(inputs: PlanInputs) -> Projection:
    """The plan's years (each with its months) and what each member pays a year."""
    if not MIN_YEARS <= inputs.years <= MAX_YEARS:
        raise ValueError(f"A plan runs {MIN_YEARS} to {MAX_YEARS} years.")
    grants = _funding_by_month(inputs.grants)
    contracts = _funding_by_month(inputs.contracts)
    growth = 1 + inputs.growth_pct / HUNDRED
    staff, overhead = cents(inputs.staff_cost), cents(inputs.overhead_cost)
    current_fees = sum((inputs.fee.monthly(m) for m in inputs.members), ZERO)
    joiner = Member("New member", inputs.new_member_slots, inputs.new_member_collections)
    joiner_fee = inputs.fee.monthly(joiner)
    years: list[Year] = []
    member_fees = [
        MemberFee(m.name, m.licensed_slots, m.annual_collections, inputs.fee.annual(m)) for m in inputs.members
    ]
    for index in range(inputs.years):
        year = inputs.start_year + index
        if index:
            staff, overhead = cents(staff * growth), cents(overhead * growth)
            for number in range(inputs.new_members_per_year):
                m = new_member(inputs, index, number + 1)
                member_fees.append(
                    MemberFee(m.name, m.licensed_slots, m.annual_collections, inputs.fee.annual(m), joins_in=year)
                )
        members = len(inputs.members) + index * inputs.new_members_per_year
        fees = current_fees + joiner_fee * index * inputs.new_members_per_year
        months = tuple(
            Line(
                label=f"{year}-{number:02d}",
                staff=s,
                overhead=o,
                fees=fees,
                contracts=contracts.get(datetime.date(year, number, 1), ZERO),
                grants=grants.get(datetime.date(year, number, 1), ZERO),
                members=members,
            )
            for number, s, o in zip(range(1, 13), _over_twelve(staff), _over_twelve(overhead), strict=True)
        )
        summed = _sum_lines(str(year), months, members=members)
        years.append(Year(**{**summed.__dict__, "year": year, "months": months}))
    return Projection(inputs=inputs, years=tuple(years), member_fees=tuple(member_fees))


@dataclass(frozen=True)
class StructureComparison:
    fee: Fee
    projection: Projection

    @property
    def label(self) -> str:
        return FeeStructure.label(self.fee.structure)


def compare_structures(inputs: PlanInputs, fees: Sequence[Fee]) -> list[StructureComparison]:
    """The same plan under each fee structure: its coverage year and what each member pays."""
    return [StructureComparison(fee, project(replace(inputs, fee=fee))) for fee in fees]
