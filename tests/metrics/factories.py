"""Small builders of the records the rollups read: rooms, enrollments, attendance.

Enrollment has no shared test factories yet, so these create rows directly,
inside their alliance's scope, the way the services' results look.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from alliance.models import Alliance
from alliance.tenancy import alliance_scope
from enrollment.models import AbsenceReason, AttendanceRecord, Child, Enrollment, Family
from members.models import Classroom, ClassroomCapacity, MemberProgram
from tests.members.factories import ClassroomFactory, SiteFactory

WEEK = [0, 1, 2, 3, 4]


def room(
    program: MemberProgram,
    *,
    licensed: int,
    desired: int | None = None,
    opened_on: datetime.date = datetime.date(2026, 1, 1),
    days: list[int] | None = None,
) -> Classroom:
    site = SiteFactory(program=program)
    classroom = ClassroomFactory(site=site, operating_days=days or WEEK)
    capacity(classroom, opened_on, licensed=licensed, desired=desired)
    return classroom


def capacity(
    classroom: Classroom, effective_from: datetime.date, *, licensed: int, desired: int | None = None
) -> ClassroomCapacity:
    with alliance_scope(classroom.alliance_id):
        return ClassroomCapacity.objects.create(
            alliance_id=classroom.alliance_id,
            classroom=classroom,
            effective_from=effective_from,
            licensed_capacity=licensed,
            desired_capacity=desired,
        )


def enroll(
    classroom: Classroom,
    *,
    first_name: str,
    start: datetime.date,
    end: datetime.date | None = None,
    fte: str = "1.00",
    weekdays: list[int] | None = None,
    family_name: str | None = None,
) -> Enrollment:
    with alliance_scope(classroom.alliance_id):
        family = Family.objects.create(alliance_id=classroom.alliance_id, name=family_name or f"{first_name}son family")
        child = Child.objects.create(
            alliance_id=classroom.alliance_id,
            family=family,
            first_name=first_name,
            last_name=(family_name or f"{first_name}son").split()[0],
            date_of_birth=datetime.date(2022, 3, 1),
        )
        return Enrollment.objects.create(
            alliance_id=classroom.alliance_id,
            child=child,
            classroom=classroom,
            program_id=Classroom.objects.select_related("site").get(pk=classroom.pk).site.program_id,
            start_date=start,
            end_date=end,
            weekdays=weekdays or WEEK,
            fte=Decimal(fte),
        )


def attend(enrollment: Enrollment, *present: datetime.date, absent: tuple[datetime.date, ...] = ()) -> None:
    with alliance_scope(enrollment.alliance_id):
        for day in present:
            AttendanceRecord.objects.create(
                alliance_id=enrollment.alliance_id,
                enrollment=enrollment,
                day=day,
                check_in=datetime.time(8, 0),
                check_out=datetime.time(16, 0),
            )
        for day in absent:
            AttendanceRecord.objects.create(
                alliance_id=enrollment.alliance_id, enrollment=enrollment, day=day, absence_reason=AbsenceReason.SICK
            )


def members_with_one_child(
    alliance: Alliance, licensed: list[int], *, name: str = "Peer", kind: str = "centre"
) -> list[MemberProgram]:
    """One more centre (or program of `kind`) for each capacity in `licensed`: one room of that capacity
    from 1 January 2026 and one child at 1.00 FTE Mon–Fri from then (its occupancy in the worked week is
    1 ÷ capacity; no attendance recorded), so that a group is big enough for its figures to be shown."""
    from tests.factories import MemberProgramFactory

    programs = []
    for n, places in enumerate(licensed):
        program = MemberProgramFactory(alliance=alliance, name=f"{name} {n + 1}", kind=kind)
        enroll(room(program, licensed=places), first_name=f"{name}{n + 1}", start=datetime.date(2026, 1, 1))
        programs.append(program)
    return programs
