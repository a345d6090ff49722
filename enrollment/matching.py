"""Matching: who, of everyone waiting in the alliance, fits an open place.

A place is a classroom from a start date, with some FTE open. A waiting child
is a candidate when all of these hold:

- the entry is waiting (no open offer, not placed or withdrawn);
- the child is in the classroom's age group on the start date (alliance bands;
  mixed-age rooms take any band);
- the schedule fits: the family's days are days the room is open, and its FTE
  is no more than the FTE open;
- the family is ready: desired start no later than START_WINDOW_DAYS after
  the place's start date;
- the family would take this program: it is the program whose waitlist the
  child is on, or one the family listed, or in the family's area, or the
  family accepts any member program.

Candidates are ranked by, in order:

1. the family's choice: named this program (its own waitlist or a listed
   choice) before same area, before any program;
2. priority: a sibling already enrolled counts 2, subsidy eligibility 1;
   more points first;
3. time waited: the earliest date added first;
4. the entry number, so ties are stable.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q

from enrollment.models import Enrollment, WaitlistChoice, WaitlistEntry, WaitlistStatus
from enrollment.rules import age_group_on, age_in_months, age_label, classroom_takes, dob_range_for
from enrollment.vacancy import classroom_area
from members.models import Classroom

START_WINDOW_DAYS = 30
CHOICE_LISTED, CHOICE_AREA, CHOICE_ANY = 0, 1, 2
CHOICE_LABELS = {
    CHOICE_LISTED: "Chose this program",
    CHOICE_AREA: "Same area",
    CHOICE_ANY: "Any program",
}
PRIORITY_POINTS = {"sibling_enrolled": 2, "subsidy_eligible": 1}


@dataclass(frozen=True)
class Match:
    entry: WaitlistEntry
    choice: int
    priority: int
    waited_days: int
    age_group: str
    age_months: int

    @property
    def choice_label(self) -> str:
        return CHOICE_LABELS[self.choice]

    @property
    def age_label(self) -> str:
        return age_label(self.age_months)

    @property
    def sort_key(self) -> tuple[int, int, datetime.date, int]:
        return (self.choice, -self.priority, self.entry.added_on, self.entry.pk)


def priority_points(entry: WaitlistEntry) -> int:
    return sum(points for flag, points in PRIORITY_POINTS.items() if getattr(entry, flag))


def waitlist_matches(
    *,
    classroom: Classroom,
    start_date: datetime.date,
    open_fte: Decimal | None = None,
    today: datetime.date | None = None,
) -> list[Match]:
    """Waiting children who fit a place in `classroom` from `start_date`, best first."""
    from alliance.dates import alliance_today
    from enrollment.selectors import age_bands

    today = today or alliance_today()

    bands = age_bands()
    program_id = classroom.site.program_id
    area = classroom_area(classroom)
    already_there = Enrollment.objects.filter(
        child_id=OuterRef("child_id"),
        classroom=classroom,
        start_date__lte=start_date,
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=start_date))
    listed = WaitlistChoice.objects.filter(entry_id=OuterRef("pk"), program_id=program_id)
    candidates = (
        WaitlistEntry.objects.filter(
            status=WaitlistStatus.WAITING, desired_start__lte=start_date + datetime.timedelta(days=START_WINDOW_DAYS)
        )
        .annotate(listed=Exists(listed), already_there=Exists(already_there))
        .filter(already_there=False)
        .filter(Q(program_id=program_id) | Q(listed=True) | Q(any_program=True) | (Q(area__iexact=area) & ~Q(area="")))
        .select_related("child__family", "program")
    )
    dobs = dob_range_for(classroom.age_group, start_date, bands)
    if dobs is None:
        return []
    candidates = candidates.filter(child__date_of_birth__range=dobs)
    if open_fte is not None:
        candidates = candidates.filter(fte__lte=open_fte)

    matches = []
    for entry in candidates:
        group = age_group_on(entry.child.date_of_birth, start_date, bands)
        if not classroom_takes(classroom.age_group, group):
            continue
        if not set(entry.weekdays) <= set(classroom.operating_days):
            continue
        if entry.program_id == program_id or entry.listed:
            choice = CHOICE_LISTED
        elif entry.area and area and entry.area.lower() == area.lower():
            choice = CHOICE_AREA
        else:
            choice = CHOICE_ANY
        matches.append(
            Match(
                entry=entry,
                choice=choice,
                priority=priority_points(entry),
                waited_days=max(0, (today - entry.added_on).days),
                age_group=group or "",
                age_months=age_in_months(entry.child.date_of_birth, start_date),
            )
        )
    return sorted(matches, key=lambda m: m.sort_key)
