"""Reads of the cost of care: a program's assumptions with the default of each blank field, and the
result that the page, the PDF, the CSV and the API all show (one computation: costofcare/calc.py).

Defaults, each from the program's own records where it has them:
- wage and benefits: the classroom staff on the roster today (hourly wage, or salary ÷ 2,080 hours,
  weighted by FTE; benefits ÷ pay);
- ratio, group size and children served: the program's open rooms of the age group (the tightest
  ratio, the average room capacity, the rooms' capacities added up), else the licensing defaults;
- hours and days open: the longest day and the most operating days of its rooms (× 52 weeks);
- rent and other non-personnel: the average of the last 12 complete months with costs entered;
- administration personnel: the roster's administration staff in the last complete month;
- rate: the full-time rate plan of the age group in force today, as a month (weekly × 52 ÷ 12).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import F, Q

from alliance.dates import add_months, alliance_today, month_start, months_back
from alliance.formatting import money, number
from billing.models import RatePeriod, RatePlan
from costofcare.calc import AGE_GROUPS, ZERO, CostOfCare, GroupInputs, ProgramInputs, cost_of_care, monthly_from_weekly
from costofcare.calc import to_cents as cents
from costofcare.models import ASSUMPTION_FIELDS, CostOfCareAssumptions
from enrollment.rules import MAX_GROUP_SIZE, DayLength
from members.models import (
    FULL_TIME_HOURS_PER_YEAR,
    Classroom,
    CostCategory,
    MemberProgram,
    MonthlyCost,
    PayBasis,
    StaffCategory,
)
from members.models import StaffMember as Staff
from members.selectors import classroom_capacities_on, program_month_costs, staff_active_on

# Licensing defaults where a program has no room of an age group: ratios most US states require
# (children per adult) and NAEYC's group sizes (enrollment/rules.py).
DEFAULT_CHILDREN_PER_STAFF = {"infant": 4, "toddler": 6, "preschool": 10, "school_age": 15}
DEFAULT_HOURS_OPEN = Decimal("10.00")
DEFAULT_DAYS_OPEN = 260  # Monday to Friday, 52 weeks
WEEKS_A_YEAR = 52
MEASURED_MONTHS = 12
OTHER_CATEGORIES = (CostCategory.FOOD, CostCategory.SUPPLIES, CostCategory.INSURANCE, CostCategory.OTHER)


@dataclass(frozen=True)
class Default:
    value: Any
    source: str

    @property
    def shown(self) -> str:
        if self.value is None:
            return "none"
        return str(self.value)


@dataclass
class ProgramCostOfCare:
    program: MemberProgram
    assumptions: CostOfCareAssumptions | None
    defaults: dict[str, Default]
    values: dict[str, Any]  # every assumption as used: the typed value, else its default
    result: CostOfCare | None
    missing: list[str] = field(default_factory=list)  # what must be typed before anything can be worked out

    def typed(self, name: str) -> bool:
        return self.assumptions is not None and getattr(self.assumptions, name) is not None


def assumptions_of(program: MemberProgram) -> CostOfCareAssumptions | None:
    return CostOfCareAssumptions.objects.filter(program=program).first()


@dataclass
class _Records:
    """What the defaults read of one program's records, read for many programs at once."""

    assumptions: CostOfCareAssumptions | None = None
    classroom_staff: list[Staff] = field(default_factory=list)  # on the roster today
    rooms: list[tuple[Classroom, int]] = field(default_factory=list)  # open today, with their capacity
    entered: dict[datetime.date, dict[str, Decimal]] = field(default_factory=dict)  # month → category → amount
    admin: Decimal = ZERO  # the roster's administration staff, last month
    plans: list[RatePlan] = field(default_factory=list)  # in force today


def _records_of(programs: list[MemberProgram], today: datetime.date) -> dict[int, _Records]:
    """Each program's records in a fixed number of queries (seven), however many programs: the overview
    of every member costs what one program's page costs."""
    ids = [p.pk for p in programs]
    records = {pk: _Records() for pk in ids}
    if not ids:
        return records
    for assumptions in CostOfCareAssumptions.objects.filter(program_id__in=ids).order_by("-pk"):
        records[assumptions.program_id].assumptions = assumptions  # the first by pk, as assumptions_of
    for member in staff_active_on(Staff.objects.filter(program_id__in=ids, category=StaffCategory.CLASSROOM), today):
        records[member.program_id].classroom_staff.append(member)
    rooms = list(
        Classroom.objects.filter(site__program_id__in=ids)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=today))
        .annotate(program_pk=F("site__program_id"))
    )
    capacities = classroom_capacities_on([r.pk for r in rooms], today)
    for room in rooms:
        if room.pk in capacities:
            records[room.program_pk].rooms.append((room, capacities[room.pk].target))  # type: ignore[attr-defined]
    last_month = add_months(month_start(today), -1)
    months = months_back(MEASURED_MONTHS, until=last_month)
    for program_id, month, category, amount in MonthlyCost.objects.filter(
        program_id__in=ids, month__in=months
    ).values_list("program_id", "month", "category", "amount"):
        records[program_id].entered.setdefault(month, {})[category] = amount
    for (program_id, _), cost in program_month_costs(ids, [last_month]).items():
        records[program_id].admin = cost.roster_admin
    for plan in RatePlan.objects.filter(program_id__in=ids):
        if plan.in_force_on(today):
            records[plan.program_id].plans.append(plan)
    return records


def _roster_wage(staff: list[Staff]) -> tuple[Decimal | None, Decimal | None, int]:
    fte = sum((s.fte for s in staff), Decimal(0))
    if not staff or not fte:
        return None, None, 0
    hourly = sum(
        (
            (s.hourly_wage or ZERO)
            if s.pay_basis == PayBasis.HOURLY
            else (s.annual_salary or ZERO) / FULL_TIME_HOURS_PER_YEAR
        )
        * s.fte
        for s in staff
    )
    wage = cents(hourly / fte)
    pay = sum((s.annual_pay for s in staff), Decimal(0))
    benefits = sum((s.benefits_annual or ZERO for s in staff), Decimal(0))
    percent = (benefits / pay * 100).quantize(Decimal("0.01"), ROUND_HALF_UP) if pay else Decimal("0.00")
    return wage, percent, len(staff)


def _rate_of(plans: Iterable[RatePlan], age_group: str) -> tuple[Decimal | None, str]:
    full_time = [
        p
        for p in plans
        if p.age_group == age_group and p.day_length in ("", DayLength.FULL) and p.days_per_week in (None, 5)
    ]
    if not full_time:
        return None, "no full-time rate plan in force: type the rate"
    plan = max(full_time, key=lambda p: (p.effective_from, p.pk))
    if plan.period == RatePeriod.WEEKLY:
        return monthly_from_weekly(plan.tuition), f"rate plan “{plan.name}”, {money(plan.tuition)} a week × 52 ÷ 12"
    return plan.tuition, f"rate plan “{plan.name}”"


def assumption_defaults(
    program: MemberProgram, *, today: datetime.date | None = None, records: _Records | None = None
) -> dict[str, Default]:
    """The value each blank assumption takes, and where it comes from."""
    today = today or alliance_today()
    if records is None:
        records = _records_of([program], today)[program.pk]
    defaults: dict[str, Default] = {}
    wage, benefits, people = _roster_wage(records.classroom_staff)
    roster = f"the roster's {people} classroom staff"
    defaults["hourly_wage"] = Default(wage, roster if wage is not None else "no classroom staff on the roster")
    defaults["benefits_percent"] = Default(
        benefits if benefits is not None else Decimal("0.00"), roster if benefits is not None else "no roster"
    )
    rooms = records.rooms
    if rooms:
        hours = max(
            Decimal(
                (datetime.datetime.combine(today, r.closes_at) - datetime.datetime.combine(today, r.opens_at)).seconds
            )
            / 3600
            for r, _ in rooms
        )
        defaults["hours_open_a_day"] = Default(cents(hours), "the longest day of the program's rooms")
        days = max(len(r.operating_days) for r, _ in rooms) * WEEKS_A_YEAR
        defaults["days_open_a_year"] = Default(days, "the rooms' operating days × 52 weeks")
    else:
        defaults["hours_open_a_day"] = Default(DEFAULT_HOURS_OPEN, "a 10-hour day (no rooms)")
        defaults["days_open_a_year"] = Default(DEFAULT_DAYS_OPEN, "Monday to Friday all year (no rooms)")

    last_month = add_months(month_start(today), -1)
    measured = [amounts for month, amounts in records.entered.items() if amounts]  # months with costs entered
    if measured:
        span = f"the average of {len(measured)} measured month{'s' if len(measured) != 1 else ''}"
        occupancy = sum((m.get(CostCategory.OCCUPANCY) or ZERO for m in measured), ZERO)
        other = sum((m.get(c) or ZERO for m in measured for c in OTHER_CATEGORIES), ZERO)
        defaults["occupancy_monthly"] = Default(cents(occupancy / len(measured)), span)
        defaults["other_monthly"] = Default(cents(other / len(measured)), span)
    else:
        defaults["occupancy_monthly"] = Default(ZERO, "no costs entered")
        defaults["other_monthly"] = Default(ZERO, "no costs entered")
    defaults["admin_monthly"] = Default(cents(records.admin), f"the roster's administration staff, {last_month:%B %Y}")

    plans = records.plans
    for group in AGE_GROUPS:
        mine = [(r, cap) for r, cap in rooms if r.age_group == group]
        if mine:
            label = f"{len(mine)} room{'s' if len(mine) != 1 else ''}"
            defaults[f"{group}_children_per_staff"] = Default(min(r.children_per_staff for r, _ in mine), label)
            size = (Decimal(sum(c for _, c in mine)) / len(mine)).quantize(Decimal(1), ROUND_HALF_UP)
            defaults[f"{group}_group_size"] = Default(max(int(size), 1), f"average capacity of {label}")
            defaults[f"{group}_children"] = Default(sum(c for _, c in mine), f"capacity of {label}")
        else:
            defaults[f"{group}_children_per_staff"] = Default(DEFAULT_CHILDREN_PER_STAFF[group], "licensing default")
            defaults[f"{group}_group_size"] = Default(int(MAX_GROUP_SIZE[group]), "licensing default")  # type: ignore[index]
            defaults[f"{group}_children"] = Default(0, "no rooms of this age")
        defaults[f"{group}_square_feet_per_child"] = Default(None, "blank: rent shared equally per child")
        rate, source = _rate_of(plans, group)
        defaults[f"{group}_rate_monthly"] = Default(rate, source)
        defaults[f"{group}_subsidy_monthly"] = Default(None, "type the subsidy rate")
    return defaults


def programs_cost_of_care(
    programs: Iterable[MemberProgram], *, today: datetime.date | None = None
) -> list[ProgramCostOfCare]:
    """Each program's cost of care, its records read for all of them at once (the Hub's overview)."""
    today = today or alliance_today()
    programs = list(programs)
    records = _records_of(programs, today)
    return [program_cost_of_care(p, today=today, records=records[p.pk]) for p in programs]


def program_cost_of_care(
    program: MemberProgram, *, today: datetime.date | None = None, records: _Records | None = None
) -> ProgramCostOfCare:
    """The program's assumptions as used and the cost of care they give (None until a wage is known)."""
    today = today or alliance_today()
    if records is None:
        records = _records_of([program], today)[program.pk]
    assumptions = records.assumptions
    defaults = assumption_defaults(program, today=today, records=records)
    values = {
        name: getattr(assumptions, name)
        if assumptions is not None and getattr(assumptions, name) is not None
        else defaults[name].value
        for name in ASSUMPTION_FIELDS
    }
    missing = ["hourly_wage"] if values["hourly_wage"] is None else []
    result = None
    if not missing:
        result = cost_of_care(
            ProgramInputs(
                hourly_wage=values["hourly_wage"],
                benefits_percent=values["benefits_percent"],
                hours_open_a_day=values["hours_open_a_day"],
                days_open_a_year=values["days_open_a_year"],
                occupancy_monthly=values["occupancy_monthly"],
                other_monthly=values["other_monthly"],
                admin_monthly=values["admin_monthly"],
                groups=tuple(
                    GroupInputs(
                        age_group=g,
                        children=values[f"{g}_children"],
                        children_per_staff=values[f"{g}_children_per_staff"],
                        group_size=values[f"{g}_group_size"],
                        square_feet_per_child=values[f"{g}_square_feet_per_child"],
                        rate_monthly=values[f"{g}_rate_monthly"],
                        subsidy_monthly=values[f"{g}_subsidy_monthly"],
                    )
                    for g in AGE_GROUPS
                ),
            )
        )
    return ProgramCostOfCare(program, assumptions, defaults, values, result, missing)


def default_label(default: Default, name: str) -> str:
    """'16.00 (the roster's 3 classroom staff)' for the form's help."""
    if default.value is None:
        return default.source
    value = default.value
    shown = (
        money(value)
        if isinstance(value, Decimal) and (name.endswith("monthly") or name == "hourly_wage")
        else number(value)
    )
    return f"{shown} ({default.source})"
