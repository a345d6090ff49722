"""A shared scale-data generator: an alliance the size of a large Hub.

`scale_alliance_create()` makes a fresh alliance with N member programs, each
with a site, a classroom and its capacity, a monthly rate plan, and enrolled
children in families (some with siblings), all with bulk inserts. Benchmarks
(billing's invoice run, metrics' rollups) call it inside a transaction they
roll back, so nothing stays behind.
"""

from __future__ import annotations

import datetime
import random
import uuid
from dataclasses import dataclass
from decimal import Decimal

from alliance.models import Alliance
from alliance.tenancy import alliance_scope
from billing.models import RatePlan
from enrollment.models import Child, Enrollment, Family
from enrollment.rules import DayLength, schedule_fte
from members.models import AgeGroup, Classroom, ClassroomCapacity, MemberProgram, ProgramKind, Site

FULL_WEEK = [0, 1, 2, 3, 4]
SCHEDULES = [
    (FULL_WEEK, DayLength.FULL),
    ([0, 2, 4], DayLength.FULL),
    ([1, 3], DayLength.FULL),
    (FULL_WEEK, DayLength.PART),
]


@dataclass(frozen=True)
class ScaleAlliance:
    alliance: Alliance
    program_ids: list[int]
    children: int
    families: int
    enrollments: int


def scale_alliance_create(
    *, programs: int = 140, children: int = 8400, start: datetime.date, seed: int = 2026, sibling_share: float = 0.2
) -> ScaleAlliance:
    """A new alliance with `programs` programs and `children` children enrolled from `start` on."""
    rng = random.Random(seed)
    token = uuid.uuid4().hex[:8]
    alliance = Alliance.objects.create(
        name=f"Scale alliance {token}", slug=f"scale-{token}", region="Bench County", timezone="America/Chicago"
    )
    with alliance_scope(alliance.pk):
        a = alliance.pk
        program_rows = MemberProgram.objects.bulk_create(
            [
                MemberProgram(
                    alliance_id=a,
                    name=f"Scale program {n:03d}",
                    kind=ProgramKind.CENTRE,
                    joined_on=start,
                    licensed_capacity=children // programs + 10,
                )
                for n in range(programs)
            ]
        )
        sites = Site.objects.bulk_create([Site(alliance_id=a, program=p, name="Main") for p in program_rows])
        rooms = Classroom.objects.bulk_create(
            [
                Classroom(
                    alliance_id=a,
                    site=s,
                    name="Room",
                    age_group=AgeGroup.MIXED,
                    children_per_staff=10,
                    operating_days=FULL_WEEK,
                    opens_at=datetime.time(7),
                    closes_at=datetime.time(18),
                )
                for s in sites
            ]
        )
        ClassroomCapacity.objects.bulk_create(
            [
                ClassroomCapacity(
                    alliance_id=a, classroom=r, effective_from=start, licensed_capacity=children // programs + 10
                )
                for r in rooms
            ]
        )
        RatePlan.objects.bulk_create(
            [
                RatePlan(
                    alliance_id=a,
                    program=p,
                    name="Tuition",
                    tuition=Decimal(rng.randrange(700, 1400)),
                    effective_from=start,
                    sibling_discount_kind="percent",
                    sibling_discount=Decimal("10.00"),
                )
                for p in program_rows
            ]
        )

        per_program = [children // programs + (1 if n < children % programs else 0) for n in range(programs)]
        families: list[Family] = []
        child_rows: list[Child] = []
        child_room: list[Classroom] = []
        for room, count in zip(rooms, per_program, strict=True):
            for _ in range(count):
                if families and rng.random() < sibling_share and child_room and child_room[-1] is room:
                    family_index = len(families) - 1
                else:
                    families.append(Family(alliance_id=a, name=f"Family {len(families):05d}"))
                    family_index = len(families) - 1
                child_rows.append(
                    Child(
                        alliance_id=a,
                        first_name=f"Child{len(child_rows)}",
                        last_name=f"F{family_index}",
                        date_of_birth=datetime.date(2022, 1, 1),
                    )
                )
                child_rows[-1]._family_index = family_index  # type: ignore[attr-defined]
                child_room.append(room)
        Family.objects.bulk_create(families, batch_size=2000)
        for child in child_rows:
            child.family_id = families[child._family_index].pk  # type: ignore[attr-defined]
        Child.objects.bulk_create(child_rows, batch_size=2000)
        enrollments = []
        for child, room in zip(child_rows, child_room, strict=True):
            weekdays, length = rng.choice(SCHEDULES)
            enrollments.append(
                Enrollment(
                    alliance_id=a,
                    child=child,
                    classroom=room,
                    program_id=room.site.program_id,
                    start_date=start,
                    weekdays=weekdays,
                    day_length=length,
                    fte=schedule_fte(weekdays, length),
                )
            )
        Enrollment.objects.bulk_create(enrollments, batch_size=2000)
    return ScaleAlliance(alliance, [p.pk for p in program_rows], len(child_rows), len(families), len(enrollments))
