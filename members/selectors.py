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

from django.db.models import (
    Case,
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

from alliance.dates import alliance_today, month_end, month_start
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
    today = alliance_today()
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


def classroom_capacities_on(classroom_ids: Iterable[int], day: datetime.date) -> dict[int, CapacityInForce]:
    """The capacity in force on a day for many classrooms, in one query.

    Classrooms without a capacity that day (not yet opened, or closed) are absent.
    """
    ids = list(classroom_ids)
    if not ids:
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


def staff_cost_in_month(member: StaffMember, month: datetime.date) -> Decimal:
    """A staff member's cost in a month, prorated by days employed; unrounded."""
    first, last = month_start(month), month_end(month)
    start = max(first, member.started_on)
    stop = min(last, member.ended_on) if member.ended_on else last
    if stop < start:
        return ZERO
    share = Decimal((stop - start).days + 1) / Decimal(last.day)
    return staff_monthly_cost_full(member) * share


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
    plus benefits / 12; prorated by the days each person was employed."""
    return personnel_costs_from_roster([program], [month])[(_pk(program), month_start(month))]


def personnel_costs_from_roster(
    programs: Iterable[MemberProgram | int],
    months: Iterable[datetime.date],
) -> dict[tuple[int, datetime.date], PersonnelCost]:
    """Roster personnel cost for many programs and months, from one query."""
    program_ids = [_pk(p) for p in programs]
    month_list = sorted({month_start(m) for m in months})
    result: dict[tuple[int, datetime.date], PersonnelCost] = {}
    if not program_ids or not month_list:
        return result
    staff = list(
        StaffMember.objects.filter(program_id__in=program_ids, started_on__lte=month_end(month_list[-1])).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gte=month_list[0])
        )
    )
    for program_id in program_ids:
        for month in month_list:
            sums = {StaffCategory.ADMINISTRATION: ZERO, StaffCategory.CLASSROOM: ZERO}
            for member in staff:
                if member.program_id == program_id:
                    sums[member.category] += staff_cost_in_month(member, month)  # type: ignore[index]
            result[(program_id, month)] = PersonnelCost(
                administration=to_cents(sums[StaffCategory.ADMINISTRATION]),
                classroom=to_cents(sums[StaffCategory.CLASSROOM]),
            )
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
    roster = personnel_costs_from_roster([program], months)
    for month, costs in result.items():
        costs.personnel_from_roster = roster[(program.pk, month)]
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


def program_overview_figures(program: MemberProgram) -> dict[str, object]:
    today = alliance_today()
    still_open = Q(closed_on__isnull=True) | Q(closed_on__gt=today)
    classrooms = Classroom.objects.filter(site__program=program).filter(still_open)
    capacities = classroom_capacities_on(classrooms.values_list("pk", flat=True), today)
    staff = staff_active_on(StaffMember.objects.filter(program=program), today)
    fte = staff.values("category").annotate(fte=Sum("fte"))
    fte_by_category = {row["category"]: row["fte"] for row in fte}
    return {
        "site_count": program.sites.filter(still_open).count(),
        "classroom_count": len(capacities),
        "classroom_capacity": sum(c.licensed for c in capacities.values()),
        "classroom_desired": sum(c.target for c in capacities.values()),
        "staff_count": staff.count(),
        "fte_administration": fte_by_category.get(StaffCategory.ADMINISTRATION, ZERO),
        "fte_classroom": fte_by_category.get(StaffCategory.CLASSROOM, ZERO),
        "expiring_credentials": credentials_expiring(Credential.objects.filter(staff__program=program)).count(),
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
