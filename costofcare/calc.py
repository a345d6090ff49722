"""Cost of care per child per month, by age group: pure functions of typed inputs (no database).

The shape follows the federal Provider Cost of Quality Calculator (PCQC): classroom personnel are
a per-classroom cost (the staff a group of its size needs at its ratio, paid for every hour the
room is open), then shared by the children of the group; non-personnel costs are shared by space
(rent and occupancy, by square feet per child where every age group served gives one) or equally
per child (food, supplies, insurance, other), and so is the administration's personnel cost.

Per age group, a month:

    days a month          = days open a year ÷ 12, to the cent (260 → 21.67)
    staff per group       = ⌈group size ÷ children per staff⌉
    classroom per child   = staff per group × wage × (1 + benefits %) × hours open a day × days a month
                            ÷ group size
    occupancy per child   = occupancy a month × this group's square feet per child
                            ÷ Σ (children × square feet per child) over the age groups
                            (equal share: occupancy ÷ all children, when a group served gives no area)
    other per child       = (food + supplies + insurance + other) a month ÷ all children
    admin per child       = administration personnel a month ÷ all children
    total                 = the four, each rounded to the cent (half up) first, so it adds up as shown
    gap at the rate       = rate charged a month − total (negative: a loss on every child)
    gap at the subsidy    = subsidy paid a month − total
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from alliance.formatting import money

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
WEEKS_A_YEAR = Decimal(52)
MONTHS_A_YEAR = Decimal(12)

# The age groups a program's cost of care is worked out for (mixed-age rooms are not priced apart).
AGE_GROUPS = ("infant", "toddler", "preschool", "school_age")
LABELS = {"infant": "Infants", "toddler": "Toddlers", "preschool": "Preschool", "school_age": "School-age"}
# "on every ___": how one child of the group is called in a sentence.
ONE_CHILD = {"infant": "infant", "toddler": "toddler", "preschool": "preschooler", "school_age": "school-age child"}


def to_cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def days_a_month(days_open_a_year: int) -> Decimal:
    """Days open in an average month, to the cent as the page shows it: 260 days a year → 21.67."""
    return to_cents(Decimal(days_open_a_year) / MONTHS_A_YEAR)


def staff_per_group(group_size: int, children_per_staff: int) -> int:
    """Adults a group of this size needs at this ratio: 10 children at 1:4 need 3."""
    return int((Decimal(group_size) / Decimal(children_per_staff)).to_integral_value(ROUND_CEILING))


def monthly_from_weekly(weekly: Decimal) -> Decimal:
    """A weekly rate's monthly equivalent: × 52 ÷ 12, to the cent."""
    return to_cents(weekly * WEEKS_A_YEAR / MONTHS_A_YEAR)


@dataclass(frozen=True)
class GroupInputs:
    age_group: str
    children: int  # children of this age group the program serves (shares are split over them)
    children_per_staff: int
    group_size: int
    square_feet_per_child: Decimal | None = None
    rate_monthly: Decimal | None = None
    subsidy_monthly: Decimal | None = None


@dataclass(frozen=True)
class ProgramInputs:
    hourly_wage: Decimal
    benefits_percent: Decimal
    hours_open_a_day: Decimal
    days_open_a_year: int
    occupancy_monthly: Decimal
    other_monthly: Decimal  # food, supplies, insurance and other non-personnel costs
    admin_monthly: Decimal
    groups: tuple[GroupInputs, ...]


@dataclass(frozen=True)
class GroupCost:
    age_group: str
    children: int
    children_per_staff: int
    group_size: int
    staff_per_group: int
    classroom: Decimal
    occupancy: Decimal
    other: Decimal
    admin: Decimal
    rate: Decimal | None
    subsidy: Decimal | None

    @property
    def label(self) -> str:
        return LABELS[self.age_group]

    @property
    def non_personnel(self) -> Decimal:
        return self.occupancy + self.other

    @property
    def total(self) -> Decimal:
        return self.classroom + self.occupancy + self.other + self.admin

    @property
    def gap_at_rate(self) -> Decimal | None:
        return None if self.rate is None else self.rate - self.total

    @property
    def gap_at_subsidy(self) -> Decimal | None:
        return None if self.subsidy is None else self.subsidy - self.total

    def losses(self, *, subject: str = "You lose") -> list[str]:
        """Plain sentences for every way this age group loses money on each child, or none."""
        one = ONE_CHILD[self.age_group]
        said = []
        if self.gap_at_rate is not None and self.gap_at_rate < 0:
            said.append(
                f"{subject} {money(-self.gap_at_rate)} on every {one} each month: care costs "
                f"{money(self.total)} and the rate is {money(self.rate)}."
            )
        if self.gap_at_subsidy is not None and self.gap_at_subsidy < 0:
            said.append(
                f"{subject} {money(-self.gap_at_subsidy)} on every {one} paid by subsidy each month: "
                f"the subsidy is {money(self.subsidy)}."
            )
        return said


@dataclass(frozen=True)
class CostOfCare:
    inputs: ProgramInputs
    days_a_month: Decimal
    loaded_hourly_wage: Decimal  # wage × (1 + benefits %), unrounded
    children: int
    shared_by_space: bool
    groups: tuple[GroupCost, ...] = field(default_factory=tuple)

    def group(self, age_group: str) -> GroupCost:
        return next(g for g in self.groups if g.age_group == age_group)

    def losses(self, *, subject: str = "You lose") -> list[str]:
        return [sentence for g in self.groups for sentence in g.losses(subject=subject)]


def cost_of_care(inputs: ProgramInputs) -> CostOfCare:
    """The cost per child per month of every age group of `inputs` (see the module's formulas)."""
    days = days_a_month(inputs.days_open_a_year)
    loaded = inputs.hourly_wage * (1 + inputs.benefits_percent / HUNDRED)
    room_hours_cost = loaded * inputs.hours_open_a_day * days  # one adult, a month
    children = sum(g.children for g in inputs.groups)
    served = [g for g in inputs.groups if g.children > 0]
    by_space = bool(served) and all(g.square_feet_per_child for g in served)
    area = sum((g.children * (g.square_feet_per_child or ZERO) for g in served), ZERO)
    results = []
    for g in inputs.groups:
        staff = staff_per_group(g.group_size, g.children_per_staff)
        classroom = to_cents(room_hours_cost * staff / Decimal(g.group_size))
        if not children:
            occupancy = other = admin = ZERO
        else:
            if by_space and area:
                # A group not served still gets a figure: what one child of it would take of the space.
                occupancy = to_cents(inputs.occupancy_monthly * (g.square_feet_per_child or ZERO) / area)
            else:
                occupancy = to_cents(inputs.occupancy_monthly / children)
            other = to_cents(inputs.other_monthly / children)
            admin = to_cents(inputs.admin_monthly / children)
        results.append(
            GroupCost(
                age_group=g.age_group,
                children=g.children,
                children_per_staff=g.children_per_staff,
                group_size=g.group_size,
                staff_per_group=staff,
                classroom=classroom,
                occupancy=occupancy,
                other=other,
                admin=admin,
                rate=g.rate_monthly,
                subsidy=g.subsidy_monthly,
            )
        )
    return CostOfCare(
        inputs=inputs,
        days_a_month=days,
        loaded_hourly_wage=loaded,
        children=children,
        shared_by_space=by_space,
        groups=tuple(results),
    )


def bar_scale(values: Sequence[Decimal | None]) -> Decimal:
    """The largest figure of a chart (at least 1), so bars are drawn as shares of it."""
    return max([v for v in values if v is not None and v > 0] or [Decimal(1)])
