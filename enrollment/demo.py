"""Demo data of enrollment: families, children, a year of enrollments and daily
attendance, and a waitlist with offers, on the classrooms the members demo made.

Called by seed_demo inside each alliance's scope, after the members demo.
Idempotent: people, enrollments and the waitlist are made once per alliance
(a fixed random seed, so the same data every time); attendance is inserted
with ON CONFLICT DO NOTHING up to yesterday, so a rerun on a later day only
adds the days since. Fast: bulk inserts, and attendance in one SQL statement.

Each classroom is filled seat by seat: a seat holds one child at a time, and a
chain of children passes through it over the year (a child leaves when they
age out of the room's band, move or stop; the next starts after a gap). The
number of seats, the share of part-time schedules and the gaps follow a target
occupancy drawn per program between 70% and 100%, and a seat never outlives a
capacity cut, so no day is over the licensed capacity.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils import timezone

from alliance.dates import add_months, alliance_today, month_start
from alliance.models import Alliance
from enrollment.models import (
    AttendanceRecord,
    Child,
    EndReason,
    Enrollment,
    Family,
    FundingSource,
    Guardian,
    Offer,
    OfferStatus,
    Relationship,
    WaitlistChoice,
    WaitlistEntry,
    WaitlistStatus,
)
from enrollment.rules import DEFAULT_BANDS, DayLength, age_group_on, schedule_fte
from enrollment.vacancy import COUNTED_PROGRAM_STATUSES, classroom_area, vacancy_report
from members.models import AgeGroup, Classroom, ClassroomCapacity

ONE_DAY = datetime.timedelta(days=1)
FIRST_NAMES = [
    "Ava",
    "Liam",
    "Maya",
    "Noah",
    "Sofia",
    "Elijah",
    "Zoe",
    "Mateo",
    "Amara",
    "Lucas",
    "Isla",
    "Ethan",
    "Aaliyah",
    "Leo",
    "Nora",
    "Kai",
    "Grace",
    "Omar",
    "Hazel",
    "Jayden",
    "Mila",
    "Ezra",
    "Layla",
    "Santiago",
    "Ruby",
    "Theo",
    "Priya",
    "Caleb",
    "Ivy",
    "Malik",
    "Luna",
    "Hudson",
    "Elena",
    "Aiden",
    "Chloe",
    "Xavier",
    "Naomi",
    "Julian",
    "Stella",
    "Isaac",
    "Aria",
    "Miles",
    "Fatima",
    "Owen",
    "Camila",
    "Gabriel",
    "Willow",
    "Diego",
    "Hana",
    "Levi",
    "Sadie",
    "Arjun",
    "Penelope",
    "Mason",
    "Yara",
    "Felix",
    "Clara",
    "Ibrahim",
    "Violet",
    "Rowan",
]
ADULT_NAMES = [
    "Maria",
    "James",
    "Jennifer",
    "David",
    "Aisha",
    "Michael",
    "Linda",
    "Carlos",
    "Sarah",
    "Robert",
    "Mei",
    "Daniel",
    "Keisha",
    "Jose",
    "Emily",
    "Kwame",
    "Rachel",
    "Anthony",
    "Lakshmi",
    "Brian",
    "Fatou",
    "Kevin",
    "Laura",
    "Tuan",
    "Nicole",
    "Marcus",
    "Angela",
    "Hector",
    "Olga",
    "Samuel",
]
LAST_NAMES = [
    "Lopez",
    "Johnson",
    "Nguyen",
    "Okafor",
    "Smith",
    "Garcia",
    "Kowalski",
    "Patel",
    "Brown",
    "Kim",
    "Martinez",
    "Williams",
    "Hernandez",
    "Davis",
    "Ali",
    "Wilson",
    "Anderson",
    "Thomas",
    "Jackson",
    "Rivera",
    "Chen",
    "Moore",
    "Taylor",
    "Lee",
    "Walker",
    "Hall",
    "Young",
    "Allen",
    "Mensah",
    "Wright",
    "Scott",
    "Torres",
    "Adams",
    "Baker",
    "Nelson",
    "Mitchell",
    "Perez",
    "Roberts",
    "Turner",
    "Phillips",
    "Campbell",
    "Parker",
    "Evans",
    "Edwards",
    "Collins",
    "Stewart",
    "Sanchez",
    "Morris",
    "Rogers",
    "Reed",
    "Cook",
    "Morgan",
    "Bell",
    "Murphy",
    "Bailey",
    "Cooper",
    "Richardson",
    "Cox",
    "Howard",
    "Ward",
]
FULL_WEEK = [0, 1, 2, 3, 4]
# (weekdays, day length, weight): most children come every day.
SCHEDULES = [
    (FULL_WEEK, DayLength.FULL, 0.0),
    ([0, 2, 4], DayLength.FULL, 0.45),
    ([1, 3], DayLength.FULL, 0.3),
    (FULL_WEEK, DayLength.PART, 0.25),
]
MIXED_AGES = (6, 60)  # family child-care homes: mostly babies to pre-kindergarten
WAITLIST_PER_PLACE = 0.15  # about 80 waiting children for Riverbend's places


@dataclass
class _Plan:
    """What the seed builds before writing it in bulk."""

    families: list[Family] = field(default_factory=list)
    guardians: list[tuple[int, Guardian]] = field(default_factory=list)
    children: list[tuple[int, Child]] = field(default_factory=list)
    enrollments: list[tuple[int, Enrollment]] = field(default_factory=list)


def seed_enrollment_demo(alliance: Alliance) -> dict[str, int]:
    """Fill the alliance with enrollment demo data (call inside its scope)."""
    today = alliance_today(alliance)
    # Thirteen whole months and this one: the rollups' history (metrics.rollups.history_range).
    window_start = add_months(month_start(today), -13)
    if not Family.objects.exists():
        rng = random.Random(f"hub-enrollment-demo:{alliance.slug}")
        _seed_enrollments(alliance, rng, today, window_start)
        _seed_waitlist(alliance, rng, today)
    attendance = _seed_attendance(alliance, window_start, today - ONE_DAY)
    if attendance:
        _refresh_statistics()
    return {
        "families": Family.objects.count(),
        "children": Child.objects.count(),
        "enrollments": Enrollment.objects.count(),
        "attendance_added": attendance,
        "waiting": WaitlistEntry.objects.filter(status=WaitlistStatus.WAITING).count(),
    }


# --- People -----------------------------------------------------------------
class _People:
    def __init__(self, alliance: Alliance, rng: random.Random, plan: _Plan) -> None:
        self.alliance, self.rng, self.plan = alliance, rng, plan
        self.family_names: list[tuple[int, str, datetime.date]] = []  # (index, last name, youngest dob)
        self.emails = 0

    def child(self, *, born: datetime.date, city: str, sibling_share: float = 0.12) -> int:
        rng = self.rng
        family_index = None
        if self.family_names and rng.random() < sibling_share:
            index, last_name, youngest = rng.choice(self.family_names)
            if abs((born - youngest).days) > 450:
                family_index = index
        if family_index is None:
            last_name = rng.choice(LAST_NAMES)
            family_index = self._family(last_name, city)
            self.family_names.append((family_index, last_name, born))
        else:
            last_name = self.plan.families[family_index].name.removesuffix(" family")
        child = Child(
            alliance_id=self.alliance.pk, first_name=rng.choice(FIRST_NAMES), last_name=last_name, date_of_birth=born
        )
        if rng.random() < 0.08:
            child.has_individual_plan = True
            child.needs_notes = rng.choice(
                [
                    "Speech therapy twice a week (IFSP).",
                    "IEP: occupational therapy, visual schedule helps.",
                    "Early intervention for motor skills.",
                ]
            )
        elif rng.random() < 0.1:
            child.needs_notes = rng.choice(
                [
                    "Peanut allergy: EpiPen in the office.",
                    "Asthma: inhaler in bag.",
                    "Lactose intolerant.",
                    "Naps best with a white-noise machine.",
                ]
            )
        self.plan.children.append((family_index, child))
        return len(self.plan.children) - 1

    def _family(self, last_name: str, city: str) -> int:
        rng = self.rng
        family = Family(
            alliance_id=self.alliance.pk,
            name=f"{last_name} family",
            city=city,
            street=f"{rng.randrange(10, 9900)} {rng.choice(['Oak', 'Elm', 'Pine', 'Lake', 'Hill'])} "
            f"{rng.choice(['St', 'Ave', 'Ct', 'Dr'])}",
            postal_code=f"6{rng.randrange(1000, 9999)}",
            home_language=rng.choice(["English"] * 6 + ["Spanish", "Spanish", "Vietnamese", "Yoruba"]),
        )
        self.plan.families.append(family)
        index = len(self.plan.families) - 1
        for number in range(1 if rng.random() < 0.3 else 2):
            first = rng.choice(ADULT_NAMES)
            self.emails += 1
            self.plan.guardians.append(
                (
                    index,
                    Guardian(
                        alliance_id=self.alliance.pk,
                        first_name=first,
                        last_name=last_name,
                        relationship=Relationship.PARENT if rng.random() < 0.92 else Relationship.GRANDPARENT,
                        email=f"{first.lower()}.{last_name.lower()}{self.emails}@families.example",
                        phone=f"(555) {rng.randrange(200, 999)}-{rng.randrange(1000, 9999)}",
                        is_primary_contact=number == 0,
                        can_pick_up=True,
                        consent_photos=rng.random() < 0.8,
                        consent_field_trips=rng.random() < 0.85,
                        consent_text_messages=rng.random() < 0.7,
                        consent_share_with_programs=rng.random() < 0.6,
                    ),
                )
            )
        return index


def _born_for(rng: random.Random, age_group: str, on: datetime.date, *, young: bool = True) -> datetime.date:
    """A date of birth putting a child in `age_group` on a day (a young one by default)."""
    if age_group == AgeGroup.MIXED:
        low, high = MIXED_AGES
    else:
        band = next(b for b in DEFAULT_BANDS if b.age_group == age_group)
        low, high = band.min_months, band.max_months
    span = high - low
    months = low + (rng.randrange(0, max(1, span // 2)) if young else rng.randrange(0, span))
    return month_start(add_months(on, -(months + 1))) + datetime.timedelta(days=rng.randrange(0, 28))


def _age_out(born: datetime.date, age_group: str) -> datetime.date:
    if age_group == AgeGroup.MIXED:
        return add_months(born, MIXED_AGES[1])
    band = next(b for b in DEFAULT_BANDS if b.age_group == age_group)
    return add_months(born, band.max_months)


# --- Enrollments ------------------------------------------------------------
def _capacity_segments(
    rows: list[ClassroomCapacity], end: datetime.date
) -> list[tuple[datetime.date, datetime.date, int]]:
    segments = []
    for i, row in enumerate(rows):
        until = rows[i + 1].effective_from - ONE_DAY if i + 1 < len(rows) else end
        segments.append((row.effective_from, until, row.licensed_capacity))
    return segments


def _seed_enrollments(
    alliance: Alliance, rng: random.Random, today: datetime.date, window_start: datetime.date
) -> None:
    rooms = list(
        Classroom.objects.filter(site__program__status__in=COUNTED_PROGRAM_STATUSES)
        .select_related("site__program")
        .order_by("site__program__name", "site__name", "name")
    )
    history: dict[int, list[ClassroomCapacity]] = defaultdict(list)
    for row in ClassroomCapacity.objects.filter(classroom__in=rooms).order_by("effective_from"):
        history[row.classroom_id].append(row)
    programs = sorted({r.site.program.name for r in rooms})
    targets = [0.74 + 0.26 * i / max(1, len(programs) - 1) for i in range(len(programs))]
    rng.shuffle(targets)
    target_of = dict(zip(programs, targets, strict=True))

    plan = _Plan()
    people = _People(alliance, rng, plan)
    horizon = today + datetime.timedelta(days=120)
    for room in rooms:
        target = target_of[room.site.program.name]
        for index, (start, end, capacity) in enumerate(_capacity_segments(history[room.pk], horizon)):
            if end < window_start:
                continue
            seats = min(capacity, round(capacity * min(1.0, target + 0.12)))
            for _seat in range(seats):
                _fill_seat(
                    room,
                    people,
                    rng,
                    target=target,
                    seg_start=max(start, window_start),
                    seg_end=end,
                    opened=start,
                    room_opens=index == 0,
                    today=today,
                    horizon=horizon,
                )
    _write(plan)


def _fill_seat(
    room: Classroom,
    people: _People,
    rng: random.Random,
    *,
    target: float,
    seg_start: datetime.date,
    seg_end: datetime.date,
    opened: datetime.date,
    room_opens: bool,
    today: datetime.date,
    horizon: datetime.date,
) -> None:
    """A chain of children through one seat between seg_start and seg_end."""
    part_time_share = 0.05 + (1 - target) * 0.6
    max_gap = int(4 + (1 - target) * 150)
    capacity_cut = seg_end < horizon  # the seat disappears when the capacity drops
    if seg_start > opened:
        # The seat was there before the window opens: a child is already in it (the window does not start
        # with empty rooms filling up, which would show as a dip in the first month's occupancy).
        start = max(opened, seg_start - datetime.timedelta(days=rng.randrange(0, 420)))
    elif room_opens:
        # A new room inside the window: its seats take a while to fill.
        start = seg_start + datetime.timedelta(days=rng.randrange(0, max_gap + 1))
    else:
        start = seg_start  # the room's capacity changed: the children carry on
    city = classroom_area(room)
    while start <= seg_end and start <= today + datetime.timedelta(days=30):
        group = room.age_group
        born = _born_for(rng, group, start, young=start >= seg_start)
        weekdays, length = FULL_WEEK, DayLength.FULL
        if group != AgeGroup.SCHOOL_AGE and rng.random() < part_time_share:
            weekdays, length = _weighted_schedule(rng)
        stay = datetime.timedelta(days=int(rng.expovariate(1 / 600)) + 30)
        age_out = _age_out(born, group) - ONE_DAY
        last = start + stay
        reason = rng.choice([EndReason.MOVED, EndReason.MOVED, EndReason.COST, EndReason.OTHER])
        if age_out <= last:
            last, reason = age_out, EndReason.GRADUATED
        if capacity_cut and last >= seg_end:
            last, reason = seg_end, EndReason.OTHER
        last = max(last, start)
        # Beyond three months nobody has given notice yet: the enrollment is open-ended.
        end = None if last > today + datetime.timedelta(days=90) and not capacity_cut else last
        child_index = people.child(born=born, city=city)
        enrollment = Enrollment(
            alliance_id=room.alliance_id,
            classroom=room,
            program_id=room.site.program_id,
            start_date=start,
            end_date=end,
            weekdays=list(weekdays),
            day_length=length,
            fte=schedule_fte(weekdays, length),
            funding_source=rng.choice(
                [FundingSource.PRIVATE_PAY] * 5
                + [FundingSource.SUBSIDY] * 3
                + [FundingSource.HEAD_START, FundingSource.EMPLOYER]
            ),
            rate_plan_ref=f"{group}-{'ft' if length == DayLength.FULL and len(weekdays) == 5 else 'pt'}",
        )
        if end is not None:
            enrollment.end_reason = reason
            if reason == EndReason.OTHER:
                enrollment.end_note = "Room licensed for fewer children" if capacity_cut else "Family's choice"
        people.plan.enrollments.append((child_index, enrollment))
        if end is None:
            return
        start = end + datetime.timedelta(days=1 + rng.randrange(0, max_gap + 1))


def _weighted_schedule(rng: random.Random) -> tuple[list[int], str]:
    pick = rng.random() * sum(w for *_, w in SCHEDULES)
    for weekdays, length, weight in SCHEDULES:
        pick -= weight
        if pick <= 0:
            return weekdays, length
    return SCHEDULES[-1][0], SCHEDULES[-1][1]


def _write(plan: _Plan) -> None:
    families = Family.objects.bulk_create(plan.families)
    guardians = []
    for index, guardian in plan.guardians:
        guardian.family_id = families[index].pk
        guardians.append(guardian)
    Guardian.objects.bulk_create(guardians)
    children = []
    for index, child in plan.children:
        child.family_id = families[index].pk
        children.append(child)
    children = Child.objects.bulk_create(children)
    enrollments = []
    for index, enrollment in plan.enrollments:
        enrollment.child_id = children[index].pk
        enrollments.append(enrollment)
    Enrollment.objects.bulk_create(enrollments, batch_size=1000)


# --- Waitlist ---------------------------------------------------------------
def _seed_waitlist(alliance: Alliance, rng: random.Random, today: datetime.date) -> None:
    """Waiting children: half aimed at rooms with open places (so the matcher
    finds them), half at full programs; with a few offers in every state."""
    report = vacancy_report(start=today, end=today + datetime.timedelta(days=90))
    places = sum(c.figures.capacity_now for c in report.classrooms)
    count = max(12, round(places * WAITLIST_PER_PLACE))
    open_rooms = [c for c in report.classrooms if c.figures.open_max >= 1]
    all_rooms = report.classrooms
    if not all_rooms:
        return
    programs = sorted({c.program for c in all_rooms}, key=lambda p: p.name)
    plan = _Plan()
    people = _People(alliance, rng, plan)
    specs: list[dict[str, Any]] = []
    for number in range(count):
        aimed = number % 2 == 0 and open_rooms
        room = rng.choice(open_rooms if aimed else all_rooms)
        desired = today + datetime.timedelta(days=rng.randrange(-20, 25) if aimed else rng.randrange(-60, 150))
        group = room.classroom.age_group
        if not aimed and rng.random() < 0.5:
            group = rng.choice([AgeGroup.INFANT, AgeGroup.TODDLER])  # the real shortage
        born = _born_for(rng, group, desired if desired > today else today)
        child_index = people.child(born=born, city=room.area, sibling_share=0)
        other = [p for p in programs if p.pk != room.program.pk]
        spec: dict[str, Any] = {
            "child": child_index,
            "desired": desired,
            "group": group,
            "program": None,
            "choices": [],
            "area": "",
            "any": False,
        }
        kind = rng.random()
        if aimed:
            if kind < 0.35:  # on another program's list, would also take this one
                spec["program"] = rng.choice(other) if other else room.program
                spec["choices"] = [room.program] if spec["program"] != room.program else []
            elif kind < 0.6:
                spec["choices"] = [room.program] + rng.sample(other, min(len(other), rng.randrange(0, 3)))
            elif kind < 0.85:
                spec["area"] = room.area
            else:
                spec["any"] = True
        else:
            if kind < 0.7:
                spec["program"] = room.program
                spec["any"] = rng.random() < 0.2
            else:
                spec["choices"] = rng.sample(programs, min(len(programs), rng.randrange(1, 4)))
        specs.append(spec)
    _write(plan)
    entries = []
    for spec in specs:
        child = plan.children[spec["child"]][1]
        weekdays, length = (FULL_WEEK, DayLength.FULL) if rng.random() < 0.8 else _weighted_schedule(rng)
        added = today - datetime.timedelta(days=rng.randrange(3, 330))
        entries.append(
            WaitlistEntry(
                alliance_id=alliance.pk,
                child=child,
                program=spec["program"],
                area=spec["area"],
                any_program=spec["any"],
                desired_start=spec["desired"],
                weekdays=list(weekdays),
                day_length=length,
                fte=schedule_fte(weekdays, length),
                added_on=added,
                age_group_at_start=age_group_on(child.date_of_birth, spec["desired"], DEFAULT_BANDS) or "",
                sibling_enrolled=rng.random() < 0.1,
                subsidy_eligible=rng.random() < 0.3,
            )
        )
    entries = WaitlistEntry.objects.bulk_create(entries)
    WaitlistChoice.objects.bulk_create(
        [
            WaitlistChoice(alliance_id=alliance.pk, entry=entry, program=program)
            for entry, spec in zip(entries, specs, strict=True)
            for program in spec["choices"]
            if program.pk != spec["program"]
        ]
    )
    _seed_offer_history(alliance, rng, today, entries)
    _seed_open_offers(open_rooms, today)


def _seed_open_offers(open_rooms: list, today: datetime.date) -> None:
    """Two offers waiting for an answer, made through the service like any other."""
    from enrollment.matching import waitlist_matches
    from enrollment.selectors import classroom_open_from
    from enrollment.services import offer_create

    made = 0
    start = today + datetime.timedelta(days=14)
    for room in sorted(open_rooms, key=lambda c: (-c.figures.open_min, c.classroom.pk)):
        open_fte = classroom_open_from(room.classroom, start)
        matches = waitlist_matches(classroom=room.classroom, start_date=start, open_fte=open_fte, today=today)
        if open_fte < 1 or not matches:
            continue
        offer_create(
            actor=None,
            entry=matches[0].entry,
            classroom=room.classroom,
            start_date=start,
            respond_by=today + datetime.timedelta(days=5),
            note="Seeded demo offer.",
        )
        made += 1
        if made == 2:
            return


def _seed_offer_history(
    alliance: Alliance, rng: random.Random, today: datetime.date, entries: list[WaitlistEntry]
) -> None:
    """Placements from the waitlist in recent months, and offers declined, lapsed
    and withdrawn, so the history pages have something true to show."""
    recent = list(
        Enrollment.objects.filter(
            start_date__gte=today - datetime.timedelta(days=90), start_date__lte=today, previous__isnull=True
        )
        .select_related("child")
        .order_by("pk")[:8]
    )
    placed, offers = [], []
    for enrollment in recent:
        entry = WaitlistEntry(
            alliance_id=alliance.pk,
            child=enrollment.child,
            program_id=enrollment.program_id,
            desired_start=enrollment.start_date,
            weekdays=enrollment.weekdays,
            day_length=enrollment.day_length,
            fte=enrollment.fte,
            added_on=enrollment.start_date - datetime.timedelta(days=rng.randrange(30, 200)),
            status=WaitlistStatus.PLACED,
            age_group_at_start=age_group_on(enrollment.child.date_of_birth, enrollment.start_date, DEFAULT_BANDS) or "",
        )
        placed.append(entry)
    placed = WaitlistEntry.objects.bulk_create(placed)
    for entry, enrollment in zip(placed, recent, strict=True):
        offers.append(
            _offer(
                alliance,
                entry,
                enrollment.classroom_id,
                enrollment.program_id,
                enrollment.start_date,
                OfferStatus.ACCEPTED,
                enrollment=enrollment,
            )
        )
    waiting = [e for e in entries if e.status == WaitlistStatus.WAITING]
    rng.shuffle(waiting)
    past_rooms = {e.classroom_id: e.program_id for e in recent}
    for entry, status, note in zip(
        waiting,
        [OfferStatus.DECLINED, OfferStatus.DECLINED, OfferStatus.EXPIRED, OfferStatus.WITHDRAWN],
        [
            "Found care closer to work.",
            "Start date too early for the family.",
            "No answer by the respond-by date.",
            "Offered in error: room was full.",
        ],
        strict=False,
    ):
        if not past_rooms:
            break
        classroom_id, program_id = rng.choice(sorted(past_rooms.items()))
        offers.append(
            _offer(
                alliance,
                entry,
                classroom_id,
                program_id,
                today - datetime.timedelta(days=rng.randrange(20, 60)),
                status,
                note=note,
            )
        )
    Offer.objects.bulk_create(offers)
    withdrawn = waiting[4:7]
    for entry in withdrawn:
        entry.status, entry.status_note = WaitlistStatus.WITHDRAWN, "Family found another arrangement."
    WaitlistEntry.objects.bulk_update(withdrawn, ["status", "status_note"])


def _offer(
    alliance: Alliance,
    entry: WaitlistEntry,
    classroom_id: int,
    program_id: int,
    start: datetime.date,
    status: str,
    *,
    enrollment: Enrollment | None = None,
    note: str = "",
) -> Offer:
    made = timezone.make_aware(datetime.datetime.combine(start - datetime.timedelta(days=14), datetime.time(10)))
    return Offer(
        alliance_id=alliance.pk,
        entry=entry,
        classroom_id=classroom_id,
        program_id=program_id,
        start_date=start,
        weekdays=entry.weekdays,
        day_length=entry.day_length,
        fte=entry.fte,
        respond_by=start - datetime.timedelta(days=7),
        status=status,
        response_note=note,
        enrollment=enrollment,
        made_at=made,
        responded_at=made + datetime.timedelta(days=3),
    )


def _refresh_statistics() -> None:
    """Tell the planner what a bulk load put in the tables (autovacuum may be off or
    slow to notice): with no statistics it takes every table for one row and
    nests loops over thousands. ANALYZE needs the owner; a login that is not the
    owner gets a warning, not an error."""
    from alliance.db import owner_role

    tables = [
        model._meta.db_table
        for model in (Family, Guardian, Child, Enrollment, AttendanceRecord, WaitlistEntry, WaitlistChoice, Offer)
    ]
    with owner_role(), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'ANALYZE "{table}"')


# --- Attendance -------------------------------------------------------------
_ATTENDANCE_SQL = """
INSERT INTO enrollment_attendancerecord
    (alliance_id, enrollment_id, day, check_in, check_out, absence_reason, note, source, updated_at)
SELECT e.alliance_id, e.id, d.day,
       CASE WHEN h.v %% 100 < 7 THEN NULL
            ELSE date_trunc('minute', timestamp '2000-01-01' + c.opens_at
                 + (c.closes_at - c.opens_at) * ((h.v / 100) %% 20) / 100.0)::time END,
       CASE WHEN h.v %% 100 < 7 THEN NULL
            WHEN e.day_length = 'part' THEN date_trunc('minute', timestamp '2000-01-01' + c.opens_at
                 + (c.closes_at - c.opens_at) * (((h.v / 100) %% 20) + 45) / 100.0)::time
            ELSE date_trunc('minute', timestamp '2000-01-01' + c.closes_at
                 - (c.closes_at - c.opens_at) * ((h.v / 2000) %% 20) / 100.0)::time END,
       CASE WHEN h.v %% 100 < 7
            THEN (ARRAY['sick', 'sick', 'sick', 'family', 'vacation', 'unknown'])[1 + (h.v / 7) %% 6]
            ELSE '' END,
       '', 'portal', now()
FROM enrollment_enrollment e
JOIN members_classroom c ON c.id = e.classroom_id AND c.alliance_id = e.alliance_id
CROSS JOIN LATERAL (
    SELECT g::date AS day
    FROM generate_series(GREATEST(e.start_date, %(start)s::date),
                         LEAST(COALESCE(e.end_date, %(end)s::date), %(end)s::date), interval '1 day') AS g
) AS d
CROSS JOIN LATERAL (SELECT abs(hashtext(e.id::text || ':' || d.day::text)) AS v) AS h
WHERE e.alliance_id = %(alliance)s
  AND (extract(isodow FROM d.day)::int - 1) = ANY(c.operating_days)
  AND (extract(isodow FROM d.day)::int - 1) = ANY(e.weekdays)
ON CONFLICT ON CONSTRAINT attendance_one_per_enrollment_day DO NOTHING
"""


def _seed_attendance(alliance: Alliance, start: datetime.date, end: datetime.date) -> int:
    """Every scheduled operating day from `start` to `end`: about 7% absences."""
    if end < start:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(_ATTENDANCE_SQL, {"alliance": alliance.pk, "start": start, "end": end})
        return cursor.rowcount


__all__ = ["seed_enrollment_demo"]
