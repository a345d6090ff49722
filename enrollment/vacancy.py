"""Vacancy: capacity, enrolled FTE, open slots and occupancy, day by day.

One SQL statement builds every (classroom, operating day) of a date range,
finds the capacity in force that day (the ClassroomCapacity row with the
latest `effective_from` on or before it) and adds up the FTE of enrollments
active that day. Python then rolls the days up per classroom, program,
age group and area, and alliance. A report costs two queries whatever the
number of programs, classrooms or days:

1. the classrooms (with site and program), filtered as asked;
2. the day rows.

Figures (DESIGN.md, the Iron Triangle): occupancy = enrolled FTE ÷ licensed
capacity; open slots = capacity − enrolled FTE (negative when a hub override
put a room over); occupancy against desired capacity where one is set.
Operating days only: a classroom's weekdays, up to the day before it closes.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import Max, Q, QuerySet

from alliance.tenancy import require_alliance_id
from members.models import AgeGroup, Classroom, ClassroomCapacity, MemberProgram, ProgramStatus

ZERO = Decimal("0")
ONE_PLACE = Decimal("0.1")
TWO_PLACES = Decimal("0.01")
# Programs whose classrooms count toward the alliance's places.
COUNTED_PROGRAM_STATUSES = [ProgramStatus.ACTIVE, ProgramStatus.PAUSED]

_ROOM_DAYS_SQL = """
WITH rooms AS (
    SELECT c.id, c.operating_days, c.closed_on
    FROM members_classroom c
    WHERE c.alliance_id = %(alliance)s AND c.id = ANY(%(rooms)s)
),
days AS (
    SELECT r.id AS classroom_id, d::date AS day
    FROM rooms r
    CROSS JOIN generate_series(%(start)s::date, %(end)s::date, interval '1 day') AS d
    WHERE (extract(isodow FROM d)::int - 1) = ANY(r.operating_days)
      AND (r.closed_on IS NULL OR d::date < r.closed_on)
),
capacity AS (
    SELECT cc.classroom_id, cc.effective_from, cc.licensed_capacity, cc.desired_capacity,
           COALESCE(LEAD(cc.effective_from) OVER (PARTITION BY cc.classroom_id
                                                  ORDER BY cc.effective_from),
                    'infinity'::date) AS next_from
    FROM members_classroomcapacity cc
    WHERE cc.alliance_id = %(alliance)s AND cc.classroom_id = ANY(%(rooms)s)
      AND cc.effective_from <= %(end)s::date
),
enrolled AS (
    SELECT e.classroom_id, GREATEST(e.start_date, %(start)s::date) AS first_day, e.end_date, e.fte
    FROM enrollment_enrollment e
    WHERE e.alliance_id = %(alliance)s AND e.classroom_id = ANY(%(rooms)s)
      AND e.start_date <= %(end)s::date
      AND (e.end_date IS NULL OR e.end_date >= %(start)s::date)
      AND NOT (e.id = ANY(%(exclude)s))
),
-- An enrollment adds its FTE on its first day and takes it away the day after
-- its last; a running sum over these changes gives each day's load, with no
-- join of every day to every enrollment (and no reliance on table statistics).
changes AS (
    SELECT classroom_id, first_day AS day, fte, 1 AS children FROM enrolled
    UNION ALL
    SELECT classroom_id, end_date + 1, -fte, -1 FROM enrolled WHERE end_date < %(end)s::date
),
timeline AS (
    SELECT classroom_id, day, is_day,
           SUM(fte) OVER running AS fte, SUM(children) OVER running AS children
    FROM (
        SELECT classroom_id, day, true AS is_day, 0::numeric AS fte, 0 AS children FROM days
        UNION ALL
        SELECT classroom_id, day, false, fte, children FROM changes
    ) AS events
    -- Changes of a day (is_day false) sort before the day itself.
    WINDOW running AS (PARTITION BY classroom_id ORDER BY day, is_day ROWS UNBOUNDED PRECEDING)
)
SELECT t.classroom_id, t.day, cap.licensed_capacity, cap.desired_capacity, t.fte, t.children
FROM timeline t
JOIN capacity cap ON cap.classroom_id = t.classroom_id
                 AND cap.effective_from <= t.day AND t.day < cap.next_from
WHERE t.is_day
ORDER BY t.classroom_id, t.day
"""


class RoomDay(NamedTuple):
    """One classroom on one operating day. A tuple, not a dataclass: the board builds a few
    thousand of them per request (issue 21)."""

    classroom_id: int
    day: datetime.date
    licensed: int
    desired: int | None
    enrolled_fte: Decimal
    children: int

    @property
    def open_slots(self) -> Decimal:
        return self.licensed - self.enrolled_fte

    @property
    def target(self) -> int:
        return self.licensed if self.desired is None else self.desired


def room_days(
    *,
    classroom_ids: Iterable[int],
    start: datetime.date,
    end: datetime.date,
    exclude_enrollment_ids: Iterable[int] = (),
) -> list[RoomDay]:
    """Every operating day of the classrooms in [start, end] that has a capacity
    in force, with the FTE enrolled that day. One query."""
    ids = list(classroom_ids)
    if not ids or end < start:
        return []
    params: dict[str, Any] = {
        "alliance": require_alliance_id(),
        "rooms": ids,
        "start": start,
        "end": end,
        "exclude": list(exclude_enrollment_ids),
    }
    with connection.cursor() as cursor:
        cursor.execute(_ROOM_DAYS_SQL, params)
        return list(map(RoomDay._make, cursor.fetchall()))


def classroom_last_change(classroom_id: int) -> datetime.date | None:
    """The last day anything changes a classroom's load or capacity: after it,
    every day looks the same. Bounds capacity checks of open-ended enrollments."""
    from enrollment.models import Enrollment

    capacity = ClassroomCapacity.objects.filter(classroom_id=classroom_id).aggregate(last=Max("effective_from"))["last"]
    bounds = Enrollment.objects.filter(classroom_id=classroom_id).aggregate(
        last_start=Max("start_date"), last_end=Max("end_date")
    )
    days = [d for d in (capacity, bounds["last_start"]) if d]
    if bounds["last_end"]:
        days.append(bounds["last_end"] + datetime.timedelta(days=1))
    return max(days) if days else None


# --- Roll-ups ---------------------------------------------------------------
@dataclass
class Vacancy:
    """Figures of one classroom, or the sum of several, over a date range.

    `*_now` are the first operating day's figures; averages are per operating
    day; `open_min` is the number of places free on every day of the range.
    """

    days: int = 0
    place_days: int = 0
    target_place_days: int = 0
    fte_days: Decimal = ZERO
    capacity_now: int = 0
    target_now: int = 0
    enrolled_now: Decimal = ZERO
    children_now: int = 0
    capacity_avg: Decimal = ZERO
    enrolled_avg: Decimal = ZERO
    open_min: Decimal = ZERO
    open_max: Decimal = ZERO
    classrooms: int = 0

    @property
    def open_now(self) -> Decimal:
        return self.capacity_now - self.enrolled_now

    @property
    def open_avg(self) -> Decimal:
        return (self.capacity_avg - self.enrolled_avg).quantize(ONE_PLACE, ROUND_HALF_UP)

    @property
    def occupancy(self) -> Decimal | None:
        """Enrolled FTE ÷ licensed capacity over the range, in percent."""
        if not self.place_days:
            return None
        return (self.fte_days / self.place_days * 100).quantize(ONE_PLACE, ROUND_HALF_UP)

    @property
    def occupancy_now(self) -> Decimal | None:
        if not self.capacity_now:
            return None
        return (self.enrolled_now / self.capacity_now * 100).quantize(ONE_PLACE, ROUND_HALF_UP)

    @property
    def occupancy_of_desired(self) -> Decimal | None:
        """Enrolled FTE ÷ desired capacity (licensed where none is set), in percent."""
        if not self.target_place_days:
            return None
        return (self.fte_days / self.target_place_days * 100).quantize(ONE_PLACE, ROUND_HALF_UP)

    def add(self, other: Vacancy) -> None:
        self.days = max(self.days, other.days)
        self.place_days += other.place_days
        self.target_place_days += other.target_place_days
        self.fte_days += other.fte_days
        self.capacity_now += other.capacity_now
        self.target_now += other.target_now
        self.enrolled_now += other.enrolled_now
        self.children_now += other.children_now
        self.capacity_avg += other.capacity_avg
        self.enrolled_avg += other.enrolled_avg
        self.open_min += other.open_min
        self.open_max += other.open_max
        self.classrooms += other.classrooms


def vacancy_of_days(days: Sequence[RoomDay]) -> Vacancy:
    """One classroom's figures from its day rows (ordered by day)."""
    if not days:
        return Vacancy()
    first = days[0]
    count = len(days)
    place_days = sum(d.licensed for d in days)
    fte_days = sum((d.enrolled_fte for d in days), ZERO)
    opens = [d.open_slots for d in days]
    return Vacancy(
        days=count,
        place_days=place_days,
        target_place_days=sum(d.target for d in days),
        fte_days=fte_days,
        capacity_now=first.licensed,
        target_now=first.target,
        enrolled_now=first.enrolled_fte,
        children_now=first.children,
        capacity_avg=(Decimal(place_days) / count).quantize(TWO_PLACES, ROUND_HALF_UP),
        enrolled_avg=(fte_days / count).quantize(TWO_PLACES, ROUND_HALF_UP),
        open_min=min(opens),
        open_max=max(opens),
        classrooms=1,
    )


@dataclass
class ClassroomVacancy:
    classroom: Classroom
    figures: Vacancy
    days: list[RoomDay]

    @property
    def program(self) -> MemberProgram:
        return self.classroom.site.program

    @property
    def area(self) -> str:
        return classroom_area(self.classroom)

    @property
    def open_max_from(self) -> datetime.date | None:
        """The first day the most places are open."""
        for day in self.days:
            if day.open_slots == self.figures.open_max:
                return day.day
        return None

    def weeks(self) -> list[tuple[datetime.date, RoomDay]]:
        """The tightest day of each week (lowest open slots), for a compact table."""
        by_week: dict[datetime.date, RoomDay] = {}
        for day in self.days:
            monday = day.day - datetime.timedelta(days=day.day.weekday())
            if monday not in by_week or day.open_slots < by_week[monday].open_slots:
                by_week[monday] = day
        return sorted(by_week.items())


@dataclass
class ProgramVacancy:
    program: MemberProgram
    figures: Vacancy = field(default_factory=Vacancy)
    classrooms: list[ClassroomVacancy] = field(default_factory=list)


@dataclass
class GroupVacancy:
    age_group: str
    area: str
    figures: Vacancy = field(default_factory=Vacancy)

    @property
    def age_group_label(self) -> str:
        return AgeGroup(self.age_group).label


@dataclass
class VacancyReport:
    start: datetime.date
    end: datetime.date
    classrooms: list[ClassroomVacancy]
    programs: list[ProgramVacancy]
    groups: list[GroupVacancy]
    total: Vacancy

    @property
    def span_days(self) -> int:
        return (self.end - self.start).days + 1

    def with_open_slots(self) -> list[ClassroomVacancy]:
        """Classrooms with a place free on some day of the range, most open first."""
        rooms = [c for c in self.classrooms if c.figures.open_max >= 1]
        return sorted(rooms, key=lambda c: (-c.figures.open_now, -c.figures.open_max, c.program.name, c.classroom.name))


def classroom_area(classroom: Classroom) -> str:
    """Where a classroom is, for matching and the board: its site's city, else its program's."""
    return (classroom.site.city or classroom.site.program.city or "").strip()


def vacancy_classrooms(
    *, program_ids: Iterable[int] | None = None, age_group: str = "", area: str = "", start: datetime.date | None = None
) -> QuerySet[Classroom]:
    rooms = Classroom.objects.select_related("site__program").filter(site__program__status__in=COUNTED_PROGRAM_STATUSES)
    if program_ids is not None:
        rooms = rooms.filter(site__program_id__in=list(program_ids))
    if age_group:
        rooms = rooms.filter(age_group=age_group)
    if area:
        rooms = rooms.filter(Q(site__city__iexact=area) | (Q(site__city="") & Q(site__program__city__iexact=area)))
    if start is not None:
        rooms = rooms.filter(Q(closed_on__isnull=True) | Q(closed_on__gt=start))
    return rooms.order_by("site__program__name", "site__name", "name")


def vacancy_report(
    *,
    start: datetime.date,
    end: datetime.date,
    program_ids: Iterable[int] | None = None,
    age_group: str = "",
    area: str = "",
    rooms: list[Classroom] | None = None,
) -> VacancyReport:
    """Vacancy per classroom, program, age group and area, and alliance, over
    [start, end]. Two queries, whatever the size of the alliance or the range; one when the caller
    gives the rooms (what `vacancy_classrooms` with these arguments returns, in its order)."""
    if rooms is None:
        rooms = list(vacancy_classrooms(program_ids=program_ids, age_group=age_group, area=area, start=start))
    rows = room_days(classroom_ids=[r.pk for r in rooms], start=start, end=end)
    days_of: dict[int, list[RoomDay]] = defaultdict(list)
    for row in rows:
        days_of[row.classroom_id].append(row)

    classrooms: list[ClassroomVacancy] = []
    programs: dict[int, ProgramVacancy] = {}
    groups: dict[tuple[str, str], GroupVacancy] = {}
    total = Vacancy()
    for room in rooms:
        days = days_of.get(room.pk)
        if not days:
            continue  # no capacity in force on any operating day of the range
        entry = ClassroomVacancy(classroom=room, figures=vacancy_of_days(days), days=days)
        classrooms.append(entry)
        program = programs.setdefault(room.site.program_id, ProgramVacancy(room.site.program))
        program.classrooms.append(entry)
        program.figures.add(entry.figures)
        key = (room.age_group, entry.area)
        groups.setdefault(key, GroupVacancy(*key)).figures.add(entry.figures)
        total.add(entry.figures)
    order = {g: i for i, g in enumerate(AgeGroup.values)}
    return VacancyReport(
        start=start,
        end=end,
        classrooms=classrooms,
        programs=sorted(programs.values(), key=lambda p: p.program.name),
        groups=sorted(groups.values(), key=lambda g: (order[g.age_group], g.area)),
        total=total,
    )
