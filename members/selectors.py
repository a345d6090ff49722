"""Reads of member data that pages, API, reports and later apps share.

A figure is computed here once: the capacity in force on a day, a month's
personnel cost from the roster, a month's costs with that figure filled in,
an agreement's monthly fee, the QRIS rating a program held on a day.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    Count,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
)

from alliance.dates import alliance_today, month_start
from alliance.tenancy import require_alliance_id
from members.models import (
    ZERO,
    Classroom,
    ClassroomCapacity,
    CostCategory,
    Credential,
    MemberProgram,
    MonthlyCost,
    PricingModel,
    QrisRating,
    ServiceSubscription,
    StaffCategory,
    StaffMember,
)

CENT = Decimal("0.01")
EXPIRY_WARNING_DAYS = 60


def to_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


# --- Programs ---------------------------------------------------------------
DIRECTORY_SORTS = {
    "name": ("name",),
    "-name": ("-name",),
    "capacity": ("licensed_capacity", "name"),
    "-capacity": ("-licensed_capacity", "name"),
    "rating": (F("qris_rating").asc(nulls_first=True), "name"),
    "-rating": (F("qris_rating").desc(nulls_last=True), "name"),
    "joined": (F("joined_on").asc(nulls_last=True), "name"),
    "-joined": (F("joined_on").desc(nulls_last=True), "name"),
    "city": ("city", "name"),
    "-city": ("-city", "name"),
}


def program_directory(
    programs: QuerySet[MemberProgram],
    *,
    search: str = "",
    kind: str = "",
    status: str = "",
    rating: str = "",
    sort: str = "name",
    today: datetime.date | None = None,
) -> QuerySet[MemberProgram]:
    """The directory of member programs, filtered, sorted and annotated for listing.

    `rating` is a star count, or "none" for unrated programs.
    """
    if search:
        terms = Q()
        for word in search.split():
            terms &= (
                Q(name__icontains=word)
                | Q(legal_name__icontains=word)
                | Q(license_number__icontains=word)
                | Q(city__icontains=word)
                | Q(director_name__icontains=word)
            )
        programs = programs.filter(terms)
    if kind:
        programs = programs.filter(kind=kind)
    if status:
        programs = programs.filter(status=status)
    if rating == "none":
        programs = programs.filter(qris_rating__isnull=True)
    elif rating:
        programs = programs.filter(qris_rating=int(rating))
    today = today or alliance_today()
    open_classrooms = Classroom.objects.filter(site__program=OuterRef("pk")).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gt=today)
    )
    active_staff = StaffMember.objects.filter(program=OuterRef("pk"), started_on__lte=today).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=today)
    )
    return programs.annotate(
        classroom_count=_count_of(open_classrooms),
        staff_count=_count_of(active_staff),
    ).order_by(*DIRECTORY_SORTS.get(sort, DIRECTORY_SORTS["name"]))


def _count_of(queryset: QuerySet) -> Subquery:
    """A correlated COUNT(*) (Func, not an aggregate, so no GROUP BY is added)."""
    return Subquery(
        queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n"), output_field=IntegerField()
    )


# --- Capacity in force on a day ---------------------------------------------
@dataclass(frozen=True)
class CapacityInForce:
    classroom_id: int
    licensed: int
    desired: int | None
    effective_from: datetime.date

    @property
    def target(self) -> int:
        return self.licensed if self.desired is None else self.desired


def _in_force(row: ClassroomCapacity) -> CapacityInForce:
    return CapacityInForce(row.classroom_id, row.licensed_capacity, row.desired_capacity, row.effective_from)


def classroom_capacities_on(
    classroom_ids: Iterable[int] | QuerySet[Classroom, int], day: datetime.date
) -> dict[int, CapacityInForce]:
    """The capacity in force on a day for many classrooms, in one query (the ids may be a
    queryset of them, asked as a subquery).

    Classrooms without a capacity that day (not yet opened, or closed) are absent.
    """
    ids = classroom_ids if isinstance(classroom_ids, QuerySet) else list(classroom_ids)
    if not isinstance(ids, QuerySet) and not ids:
        return {}
    rows = (
        ClassroomCapacity.objects.filter(classroom_id__in=ids, effective_from__lte=day)
        .filter(Q(classroom__closed_on__isnull=True) | Q(classroom__closed_on__gt=day))
        .order_by("classroom_id", "-effective_from")
        .distinct("classroom_id")
    )
    return {row.classroom_id: _in_force(row) for row in rows}


def classrooms_with_capacity_on(classrooms: QuerySet[Classroom], day: datetime.date) -> QuerySet[Classroom]:
    """Annotate `licensed_capacity_on` and `desired_capacity_on` (None when not in force)."""
    in_force = ClassroomCapacity.objects.filter(classroom=OuterRef("pk"), effective_from__lte=day).order_by(
        "-effective_from"
    )
    open_that_day = Q(closed_on__isnull=True) | Q(closed_on__gt=day)
    return classrooms.annotate(
        licensed_capacity_on=Case(When(open_that_day, then=Subquery(in_force.values("licensed_capacity")[:1]))),
        desired_capacity_on=Case(When(open_that_day, then=Subquery(in_force.values("desired_capacity")[:1]))),
    )


def classroom_capacity_history(classroom: Classroom) -> QuerySet[ClassroomCapacity]:
    return ClassroomCapacity.objects.filter(classroom=classroom).order_by("-effective_from")


# --- Staff and personnel cost ------------------------------------------------
def staff_active_on(staff: QuerySet[StaffMember], day: datetime.date) -> QuerySet[StaffMember]:
    return staff.filter(started_on__lte=day).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day))


def staff_monthly_cost_full(member: StaffMember) -> Decimal:
    """Pay plus benefits for a whole month of employment, unrounded."""
    return (member.annual_pay + (member.benefits_annual or ZERO)) / 12


@dataclass(frozen=True)
class PersonnelCost:
    administration: Decimal
    classroom: Decimal

    @property
    def total(self) -> Decimal:
        return self.administration + self.classroom

    @property
    def administration_share(self) -> Decimal | None:
        if not self.total:
            return None
        return (self.administration / self.total * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)


def personnel_cost_from_roster(program: MemberProgram | int, month: datetime.date) -> PersonnelCost:
    """A month's personnel cost computed from the roster, split administration /
    classroom. Hourly staff: wage x FTE x 2,080 hours / 12; salaried: salary / 12;
    plus benefits / 12; prorated by the days each person was employed. A family
    child-care home adds its owner's labour to classroom (see PROGRAM_MONTH_COST_SQL)."""
    return personnel_costs_from_roster([program], [month])[(_pk(program), month_start(month))]


def personnel_costs_from_roster(
    programs: Iterable[MemberProgram | int],
    months: Iterable[datetime.date],
) -> dict[tuple[int, datetime.date], PersonnelCost]:
    """Roster personnel cost (with a home's owner labour) for many programs and months, from one query."""
    return {
        key: PersonnelCost(administration=cost.roster_admin, classroom=cost.roster_classroom)
        for key, cost in program_month_costs(programs, months).items()
    }


# --- The program-month cost: one definition ----------------------------------
# A program's cost in a month (DESIGN.md, "Program cost"): the entered MonthlyCost rows, with personnel taken
# from the staff roster wherever the month has no personnel row of its own. The roster: hourly staff wage x FTE
# x 2,080 hours / 12, salaried salary / 12, plus benefits / 12, prorated by the days each person was employed
# in the month, rounded to cents per category. A family child-care home also counts its owner's labour as
# classroom personnel: the program's declared monthly wage, else the alliance's local median hourly wage for a
# home owner x 40 hours x 52 weeks / 12, in the months the home has a room with capacity in force (and has not
# left). One SQL text, a CTE named `program_month_cost`, read by `program_month_costs` below (the costs page,
# the API, the demo) and embedded as it is in the finance rollup (metrics/rollups_finance.py), whose snapshots
# the dashboard, reports and PDFs read. Parameters: %(alliance)s, %(month_start)s, %(month_end)s.
PROGRAM_MONTH_COST_SQL = """
pmc_months AS (
    SELECT d::date AS month, (d + interval '1 month')::date - 1 AS month_end,
           extract(day FROM (d + interval '1 month')::date - 1)::numeric AS days
    FROM generate_series(%(month_start)s::date, %(month_end)s::date, interval '1 month') AS d
),
pmc_entered AS (
    SELECT program_id, month,
           SUM(amount) FILTER (WHERE category <> 'personnel') AS other,
           SUM(amount) FILTER (WHERE category = 'personnel') AS personnel
    FROM members_monthlycost
    WHERE alliance_id = %(alliance)s AND month BETWEEN %(month_start)s::date AND %(month_end)s::date
    GROUP BY program_id, month
),
pmc_roster AS (
    SELECT s.program_id, m.month,
           ROUND(COALESCE(SUM(pay.monthly) FILTER (WHERE s.category = 'administration'), 0), 2) AS admin,
           ROUND(COALESCE(SUM(pay.monthly) FILTER (WHERE s.category = 'classroom'), 0), 2) AS classroom
    FROM members_staffmember s
    JOIN pmc_months m ON s.started_on <= m.month_end AND (s.ended_on IS NULL OR s.ended_on >= m.month)
    CROSS JOIN LATERAL (
        SELECT (CASE WHEN s.pay_basis = 'hourly' THEN COALESCE(s.hourly_wage, 0) * s.fte * 2080
                     ELSE COALESCE(s.annual_salary, 0) END + COALESCE(s.benefits_annual, 0)) / 12
               * ((LEAST(m.month_end, COALESCE(s.ended_on, m.month_end)) - GREATEST(m.month, s.started_on) + 1)
                  / m.days) AS monthly
    ) AS pay
    WHERE s.alliance_id = %(alliance)s
    GROUP BY s.program_id, m.month
),
pmc_owner AS (
    SELECT p.id AS program_id, m.month,
           COALESCE(p.owner_monthly_wage, ROUND(a.home_owner_hourly_wage * 40 * 52 / 12, 2)) AS owner
    FROM members_memberprogram p
    JOIN alliance_alliance a ON a.id = p.alliance_id
    CROSS JOIN pmc_months m
    WHERE p.alliance_id = %(alliance)s AND p.kind = 'family_home' AND p.status <> 'applicant'
      AND NOT (p.status = 'left' AND p.status_changed_on < m.month)
      AND EXISTS (
          SELECT 1 FROM members_classroomcapacity cc
          JOIN members_classroom c ON c.id = cc.classroom_id AND c.alliance_id = cc.alliance_id
          JOIN members_site si ON si.id = c.site_id AND si.alliance_id = c.alliance_id
          WHERE cc.alliance_id = %(alliance)s AND si.program_id = p.id AND cc.effective_from <= m.month_end
            AND (c.closed_on IS NULL OR c.closed_on >= m.month))
      AND (p.owner_monthly_wage IS NOT NULL OR NOT EXISTS (
          SELECT 1 FROM members_staffmember so
          WHERE so.alliance_id = %(alliance)s AND so.program_id = p.id AND so.position ILIKE '%%owner%%'
            AND so.started_on <= m.month_end AND (so.ended_on IS NULL OR so.ended_on >= m.month)))
),
pmc_keys AS (
    SELECT program_id, month FROM pmc_entered
    UNION SELECT program_id, month FROM pmc_roster
    UNION SELECT program_id, month FROM pmc_owner
),
program_month_cost AS (
    SELECT k.program_id, k.month,
           COALESCE(e.other, 0) AS entered_other, e.personnel AS entered_personnel,
           COALESCE(r.admin, 0) AS roster_admin,
           COALESCE(r.classroom, 0) + COALESCE(o.owner, 0) AS roster_classroom,
           COALESCE(o.owner, 0) AS owner_wage,
           COALESCE(e.personnel, COALESCE(r.admin, 0) + COALESCE(r.classroom, 0) + COALESCE(o.owner, 0))
             + COALESCE(e.other, 0) AS cost
    FROM pmc_keys k
    LEFT JOIN pmc_entered e ON e.program_id = k.program_id AND e.month = k.month
    LEFT JOIN pmc_roster r ON r.program_id = k.program_id AND r.month = k.month
    LEFT JOIN pmc_owner o ON o.program_id = k.program_id AND o.month = k.month
)"""


@dataclass(frozen=True)
class ProgramMonthCost:
    """One program-month's cost as PROGRAM_MONTH_COST_SQL computes it."""

    entered_other: Decimal = ZERO
    entered_personnel: Decimal | None = None
    roster_admin: Decimal = ZERO
    roster_classroom: Decimal = ZERO  # includes a home's owner labour
    owner_wage: Decimal = ZERO
    cost: Decimal = ZERO

    @property
    def personnel(self) -> Decimal:
        if self.entered_personnel is not None:
            return self.entered_personnel
        return self.roster_admin + self.roster_classroom


def program_month_costs(
    programs: Iterable[MemberProgram | int], months: Iterable[datetime.date]
) -> dict[tuple[int, datetime.date], ProgramMonthCost]:
    """The program-month cost of every (program, month) asked for, from the one SQL definition (one query).
    A pair with nothing entered, no roster and no owner labour costs zero."""
    program_ids = sorted({_pk(p) for p in programs})
    month_list = sorted({month_start(m) for m in months})
    result = {(p, m): ProgramMonthCost() for p in program_ids for m in month_list}
    if not program_ids or not month_list:
        return result
    sql = (
        f"WITH {PROGRAM_MONTH_COST_SQL} SELECT program_id, month, entered_other, entered_personnel, roster_admin, "
        "roster_classroom, owner_wage, cost FROM program_month_cost "
        "WHERE program_id = ANY(%(programs)s) AND month = ANY(%(months)s)"
    )
    params: dict[str, Any] = {
        "alliance": require_alliance_id(),
        "month_start": month_list[0],
        "month_end": month_list[-1],
        "programs": program_ids,
        "months": month_list,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for program_id, month, other, personnel, admin, classroom, owner, cost in cursor.fetchall():
            if (program_id, month) in result:
                result[(program_id, month)] = ProgramMonthCost(other, personnel, admin, classroom, owner, cost)
    return result


def _pk(program: MemberProgram | int) -> int:
    return program if isinstance(program, int) else program.pk


def credentials_expiring(
    credentials: QuerySet[Credential], *, within_days: int = EXPIRY_WARNING_DAYS, today: datetime.date | None = None
) -> QuerySet[Credential]:
    """Credentials of current staff that have expired or expire within the window."""
    today = today or alliance_today()
    return (
        credentials.filter(expires_on__isnull=False, expires_on__lte=today + datetime.timedelta(days=within_days))
        .filter(Q(staff__ended_on__isnull=True) | Q(staff__ended_on__gte=today))
        .select_related("staff", "staff__program")
        .order_by("expires_on", "staff__last_name")
    )


# --- Monthly costs ----------------------------------------------------------
@dataclass
class MonthCosts:
    month: datetime.date
    amounts: dict[str, Decimal | None] = field(default_factory=dict)
    personnel_from_roster: PersonnelCost | None = None
    cost: ProgramMonthCost | None = None

    @property
    def personnel_is_derived(self) -> bool:
        return self.amounts.get(CostCategory.PERSONNEL) is None

    @property
    def personnel(self) -> Decimal:
        entered = self.amounts.get(CostCategory.PERSONNEL)
        if entered is not None:
            return entered
        return self.personnel_from_roster.total if self.personnel_from_roster else ZERO

    def amount(self, category: str) -> Decimal | None:
        if category == CostCategory.PERSONNEL:
            return self.personnel
        return self.amounts.get(category)

    @property
    def total(self) -> Decimal:
        """The program-month cost (program_month_costs: the rollup's own definition)."""
        if self.cost is not None:
            return self.cost.cost
        other = sum((v for c, v in self.amounts.items() if c != CostCategory.PERSONNEL and v is not None), ZERO)
        return self.personnel + other

    @property
    def has_entries(self) -> bool:
        return any(v is not None for v in self.amounts.values())

    def cells(self) -> list[tuple[str, Decimal | None, bool]]:
        """(category, amount, derived) in catalogue order, for tables."""
        return [
            (c, self.amount(c), c == CostCategory.PERSONNEL and self.personnel_is_derived) for c in CostCategory.values
        ]


def program_monthly_costs(program: MemberProgram, months: list[datetime.date]) -> list[MonthCosts]:
    """A program's costs month by month; personnel from the roster where not entered."""
    months = [month_start(m) for m in months]
    result = {m: MonthCosts(month=m, amounts={c: None for c in CostCategory.values}) for m in months}
    for row in MonthlyCost.objects.filter(program=program, month__in=months):
        result[row.month].amounts[row.category] = row.amount
    selected = program_month_costs([program], months)
    for month, costs in result.items():
        cost = selected[(program.pk, month)]
        costs.cost = cost
        costs.personnel_from_roster = PersonnelCost(administration=cost.roster_admin, classroom=cost.roster_classroom)
    return [result[m] for m in months]


# --- Fee agreements ---------------------------------------------------------
def subscriptions_of(program: MemberProgram) -> QuerySet[ServiceSubscription]:
    return (
        ServiceSubscription.objects.filter(program=program)
        .select_related("service")
        .order_by("-starts_on", "service__name")
    )


def subscription_monthly_fee(
    subscription: ServiceSubscription,
    *,
    licensed_slots: int | None = None,
    collected_tuition: Decimal | None = None,
    substitute_hours: Decimal | None = None,
) -> Decimal | None:
    """The fee for one month of an agreement, rounded once, half up.

    Per-slot fees need the licensed slots (default: the program's licensed
    capacity); percentage fees need the month's collected tuition and are None
    without it; hourly substitute cover needs the hours delivered (None without).
    """
    rate = subscription.rate
    if subscription.pricing_model == PricingModel.FLAT_MONTHLY:
        return to_cents(rate)
    if subscription.pricing_model == PricingModel.PER_LICENSED_SLOT:
        slots = subscription.program.licensed_capacity if licensed_slots is None else licensed_slots
        return to_cents(rate * slots)
    if subscription.pricing_model == PricingModel.PER_SUBSTITUTE_HOUR:
        return None if substitute_hours is None else to_cents(rate * substitute_hours)
    if collected_tuition is None:
        return None
    return to_cents(collected_tuition * rate / 100)


def program_overview_figures(program: MemberProgram, *, today: datetime.date | None = None) -> dict[str, object]:
    """The profile page's cards: open classrooms and their places, current staff and FTE, credentials
    expiring. Staff are counted in the FTE query (one query, not two)."""
    today = today or alliance_today()
    still_open = Q(closed_on__isnull=True) | Q(closed_on__gt=today)
    classrooms = Classroom.objects.filter(site__program=program).filter(still_open)
    capacities = classroom_capacities_on(classrooms.values_list("pk", flat=True), today)
    staff = staff_active_on(StaffMember.objects.filter(program=program), today)
    by_category = list(staff.values("category").annotate(fte=Sum("fte"), people=Count("pk")))
    fte_by_category = {row["category"]: row["fte"] for row in by_category}
    return {
        "classroom_count": len(capacities),
        "classroom_capacity": sum(c.licensed for c in capacities.values()),
        "classroom_desired": sum(c.target for c in capacities.values()),
        "staff_count": sum(row["people"] for row in by_category),
        "fte_administration": fte_by_category.get(StaffCategory.ADMINISTRATION, ZERO),
        "fte_classroom": fte_by_category.get(StaffCategory.CLASSROOM, ZERO),
        "expiring_credentials": credentials_expiring(
            Credential.objects.filter(staff__program=program), today=today
        ).count(),
    }


# --- QRIS rating history ----------------------------------------------------
@dataclass(frozen=True)
class RatingStep:
    """From `rated_on` on, the program held `rating` stars (None: no rating)."""

    rated_on: datetime.date
    rating: int | None
    row_id: int


def qris_timelines(program_ids: Iterable[int] | None = None) -> dict[int, list[RatingStep]]:
    """Each program's ratings in date order, as the history's rows say in the order
    they were recorded: a row dated on or before earlier-recorded rows corrects
    them, so they drop out. The last step is the program's current rating."""
    rows = QrisRating.objects.order_by("id").values_list("program_id", "rated_on", "rating", "id")
    if program_ids is not None:
        rows = rows.filter(program_id__in=list(program_ids))
    timelines: dict[int, list[RatingStep]] = {}
    for program_id, rated_on, rating, row_id in rows:
        line = timelines.setdefault(program_id, [])
        while line and line[-1].rated_on >= rated_on:
            line.pop()
        line.append(RatingStep(rated_on, rating, row_id))
    return timelines


def qris_rating_on(timeline: list[RatingStep], day: datetime.date) -> int | None:
    """The rating held on `day` (None before the first rating or after its removal)."""
    rating = None
    for step in timeline:
        if step.rated_on > day:
            break
        rating = step.rating
    return rating


@dataclass(frozen=True)
class RatingHistoryRow:
    row: QrisRating
    superseded: bool


def qris_history_of(program: MemberProgram) -> list[RatingHistoryRow]:
    """The program's rating history, latest recorded first; rows a later entry
    corrected are marked superseded."""
    current = {step.row_id for step in qris_timelines([program.pk]).get(program.pk, [])}
    rows = QrisRating.objects.filter(program=program).select_related("recorded_by")
    return [RatingHistoryRow(row, row.pk not in current) for row in rows]
