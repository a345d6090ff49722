"""Reads of enrollment data that pages, the API, the bench and later apps share.

The two heavy figures live in their own modules and are re-exported here:
vacancy (vacancy.py, set-based, a fixed number of queries) and matching
(matching.py). Searches across related rows use `pk__in` subqueries rather
than joins, so each row appears once without DISTINCT.
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from alliance.dates import alliance_now
from enrollment.matching import Match, waitlist_matches
from enrollment.models import (
    AgeBand,
    AttendanceRecord,
    Child,
    Enrollment,
    Family,
    FundingSource,
    Guardian,
    Offer,
    OfferStatus,
    StaffAttendance,
    WaitlistChoice,
    WaitlistEntry,
    WaitlistStatus,
    priority_labels,
)
from enrollment.room_cover import substitutes_in_room
from enrollment.rules import DEFAULT_BANDS, MAX_GROUP_SIZE, Band, schedule_label
from enrollment.vacancy import (
    ClassroomVacancy,
    Vacancy,
    VacancyReport,
    classroom_area,
    classroom_last_change,
    room_days,
    vacancy_report,
)
from members.models import AgeGroup, Classroom, ProgramStatus, StaffCategory, StaffMember

__all__ = [
    "ClassroomVacancy",
    "Match",
    "Vacancy",
    "VacancyReport",
    "age_bands",
    "attendance_sheet",
    "child_attendance_summary",
    "classroom_area",
    "classroom_open_from",
    "classrooms_for_enrollment",
    "enrollments_filtered",
    "families_search",
    "open_offers_by_classroom",
    "room_ratio",
    "sign_in_sheet",
    "staff_for_room",
    "vacancy_report",
    "waitlist_filtered",
    "waitlist_matches",
]


def age_bands() -> list[Band]:
    """The alliance's age bands, youngest first; the common split until it sets its own."""
    rows = list(AgeBand.objects.order_by("min_months"))
    if not rows:
        return list(DEFAULT_BANDS)
    return [Band(r.age_group, r.min_months, r.max_months) for r in rows]


# --- Families and children --------------------------------------------------
def families_search(query: str = "") -> QuerySet[Family]:
    families = Family.objects.all()
    text = query.strip()
    if text:
        # Subqueries rather than joins: one row per family, no DISTINCT to sort.
        guardians = Guardian.objects.filter(
            Q(first_name__icontains=text)
            | Q(last_name__icontains=text)
            | Q(email__icontains=text)
            | Q(phone__icontains=text)
        ).values("family_id")
        children = Child.objects.filter(Q(first_name__icontains=text) | Q(last_name__icontains=text)).values(
            "family_id"
        )
        families = families.filter(Q(name__icontains=text) | Q(pk__in=guardians) | Q(pk__in=children))
    return families.order_by("name", "id")


def family_rows(families: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The family list's rows from `families.values("pk", "name", "city")`: each family's first
    guardian (primary contact first, then by last name) and its children (eldest first), read as
    columns in one query each rather than as guardians and children (issue 21)."""
    rows = list(families)
    ids = [row["pk"] for row in rows]
    first_guardian: dict[int, dict[str, str]] = {}
    children: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if ids:
        guardians = Guardian.objects.filter(family_id__in=ids).order_by("-is_primary_contact", "last_name")
        for family_id, first, last, phone, email in guardians.values_list(
            "family_id", "first_name", "last_name", "phone", "email"
        ):
            first_guardian.setdefault(family_id, {"full_name": f"{first} {last}", "phone": phone, "email": email})
        kids = Child.objects.filter(family_id__in=ids).order_by("date_of_birth")
        for family_id, first, born in kids.values_list("family_id", "first_name", "date_of_birth"):
            children[family_id].append({"first_name": first, "date_of_birth": born})
    for row in rows:
        row.update(guardian=first_guardian.get(row["pk"]), children=children.get(row["pk"], []))
    return rows


@dataclass(frozen=True)
class AttendanceSummary:
    present: int
    absent: int
    since: datetime.date

    @property
    def rate(self) -> Decimal | None:
        total = self.present + self.absent
        if not total:
            return None
        return (Decimal(self.present) / total * 100).quantize(Decimal("0.1"))


def child_attendance_summary(enrollments: QuerySet[Enrollment], *, since: datetime.date) -> AttendanceSummary:
    counts = AttendanceRecord.objects.filter(enrollment__in=enrollments, day__gte=since).aggregate(
        present=Count("id", filter=Q(absence_reason="")), absent=Count("id", filter=~Q(absence_reason=""))
    )
    return AttendanceSummary(present=counts["present"], absent=counts["absent"], since=since)


# --- Enrollments ------------------------------------------------------------
def enrollments_filtered(
    *,
    status: str = "",
    on: datetime.date,
    program_id: int | None = None,
    classroom_id: int | None = None,
    funding_source: str = "",
    query: str = "",
) -> QuerySet[Enrollment]:
    rows = Enrollment.objects.all()
    if status == "active":
        rows = rows.filter(start_date__lte=on).filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
    elif status == "upcoming":
        rows = rows.filter(start_date__gt=on)
    elif status == "ended":
        rows = rows.filter(end_date__lt=on)
    if program_id:
        rows = rows.filter(program_id=program_id)
    if classroom_id:
        rows = rows.filter(classroom_id=classroom_id)
    if funding_source:
        rows = rows.filter(funding_source=funding_source)
    if query.strip():
        text = query.strip()
        rows = rows.filter(Q(child__first_name__icontains=text) | Q(child__last_name__icontains=text))
    return rows.order_by("program__name", "classroom__name", "child__last_name", "child__first_name", "-start_date")


# The enrollment list's columns, read as dicts (no enrollment, child, classroom and program per row).
ENROLLMENT_ROW_COLUMNS = (
    "pk",
    "child__first_name",
    "child__last_name",
    "program__name",
    "classroom__name",
    "weekdays",
    "day_length",
    "fte",
    "funding_source",
    "rate_plan_ref",
    "start_date",
    "end_date",
)
_FUNDING_SOURCE_LABELS = dict(FundingSource.choices)


def enrollment_rows(enrollments: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The enrollment list's rows from `enrollments.values(*ENROLLMENT_ROW_COLUMNS)`, with the
    labels the enrollment's methods gave (schedule_label, get_funding_source_display)."""
    rows = list(enrollments)
    for row in rows:
        source = row["funding_source"]
        row.update(
            child_name=f"{row['child__first_name']} {row['child__last_name']}",
            schedule_label=schedule_label(row["weekdays"], row["day_length"]),
            funding_label=str(_FUNDING_SOURCE_LABELS.get(source, source)),
        )
    return rows


def classrooms_for_enrollment(program_ids: list[int] | None = None) -> QuerySet[Classroom]:
    """Classrooms a child can be enrolled in: open, of a program still in the alliance."""
    rooms = (
        Classroom.objects.select_related("site__program")
        .exclude(site__program__status=ProgramStatus.LEFT)
        .filter(closed_on__isnull=True)
    )
    if program_ids is not None:
        rooms = rooms.filter(site__program_id__in=program_ids)
    return rooms.order_by("site__program__name", "site__name", "name")


def classroom_roster(classroom: Classroom, day: datetime.date) -> QuerySet[Enrollment]:
    return (
        Enrollment.objects.filter(classroom=classroom, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .select_related("child")
        .order_by("child__first_name", "child__last_name")
    )


def classroom_open_from(classroom: Classroom, start: datetime.date) -> Decimal:
    """FTE free on every operating day from `start` on (open offers hold their
    places): the most a new open-ended enrollment could take."""
    last = classroom_last_change(classroom.pk) or start
    horizon = max(start + datetime.timedelta(days=6), last)
    rows = room_days(classroom_ids=[classroom.pk], start=start, end=horizon)
    if not rows:
        return Decimal(0)
    offers = list(Offer.objects.filter(classroom=classroom, status=OfferStatus.OPEN).only("start_date", "fte"))
    return min(row.open_slots - sum((o.fte for o in offers if o.start_date <= row.day), Decimal(0)) for row in rows)


def open_offers_by_classroom(classroom_ids: list[int]) -> dict[int, Decimal]:
    """FTE held by open offers, per classroom (one query)."""
    rows = (
        Offer.objects.filter(classroom_id__in=classroom_ids, status=OfferStatus.OPEN)
        .values("classroom_id")
        .annotate(fte=Sum("fte"))
    )
    return {row["classroom_id"]: row["fte"] for row in rows}


# --- Attendance -------------------------------------------------------------
@dataclass
class SheetRow:
    enrollment: Enrollment
    record: AttendanceRecord | None
    scheduled: bool

    @property
    def state(self) -> str:
        return self.record.state if self.record else "expected" if self.scheduled else "not_scheduled"


def attendance_sheet(classroom: Classroom, day: datetime.date) -> list[SheetRow]:
    """One classroom's children on one day with their record, scheduled first. Two queries."""
    roster = list(classroom_roster(classroom, day))
    records = {
        r.enrollment_id: r for r in AttendanceRecord.objects.filter(enrollment__in=[e.pk for e in roster], day=day)
    }
    rows = [SheetRow(e, records.get(e.pk), day.weekday() in e.weekdays) for e in roster]
    return sorted(
        rows,
        key=lambda r: (
            not r.scheduled and r.record is None,
            r.enrollment.child.first_name,
            r.enrollment.child.last_name,
        ),
    )


def attendance_counts(rows: list[SheetRow]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row.state] += 1
    counts["present"] = counts["checked_in"] + counts["checked_out"]
    return dict(counts)


def staff_for_room(classroom: Classroom, day: datetime.date) -> list[StaffMember]:
    """Classroom staff of the room's program on the payroll that day, of its site or of none."""
    return list(
        StaffMember.objects.filter(
            program_id=classroom.site.program_id, category=StaffCategory.CLASSROOM, started_on__lte=day
        )
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day))
        .filter(Q(site__isnull=True) | Q(site_id=classroom.site_id))
        .order_by("first_name", "last_name")
    )


@dataclass(frozen=True)
class RoomRatio:
    """Children and staff in a room at once against its licensed ratio and group size.

    Staff needed = children ÷ children per staff, rounded up: 8 children at 1:4 need
    8 ÷ 4 = 2 staff; 9 need 9 ÷ 4 = 2.25, so 3.
    """

    children: int
    staff: int
    children_per_staff: int
    max_group: int | None
    substitutes: tuple[str, ...] = ()  # booked substitutes covering the room now, counted in `staff`

    @property
    def staff_needed(self) -> int:
        return math.ceil(self.children / self.children_per_staff) if self.children_per_staff else 0

    @property
    def staff_short(self) -> int:
        return max(self.staff_needed - self.staff, 0)

    @property
    def within_ratio(self) -> bool:
        return self.staff_short == 0

    @property
    def over_group(self) -> int:
        return max(self.children - self.max_group, 0) if self.max_group else 0

    @property
    def ok(self) -> bool:
        return self.within_ratio and not self.over_group

    @property
    def summary(self) -> str:
        kids = f"{self.children} child{'' if self.children == 1 else 'ren'}"
        staff = f"{self.staff} staff"
        if self.substitutes:
            staff += f" (substitute {' and '.join(self.substitutes)} covering)"
        head = f"{kids}, {staff} at 1:{self.children_per_staff} (needs {self.staff_needed})"
        if self.within_ratio:
            text = f"Within ratio: {head}."
        else:
            text = f"Over ratio: {head}; {self.staff_short} more staff needed now."
        if self.over_group:
            text += f" Over group size: at most {self.max_group} children together; {self.over_group} too many."
        return text


def room_ratio(
    classroom: Classroom,
    day: datetime.date,
    *,
    now: datetime.datetime | None = None,
    staff_records: Iterable[StaffAttendance] | None = None,
) -> RoomRatio:
    """Who is in the room now (checked in, not yet out) on the day: two counts. On the alliance's
    today, the substitutes booked to cover the room whose booked hours include this minute count
    as staff (enrollment/room_cover.py); a day that is not today has no "now" for a booking.
    A caller that has the alliance's `now` or the room's staff records of the day (all of them)
    passes them, and they are not read again."""
    children = AttendanceRecord.objects.filter(
        enrollment__classroom=classroom, day=day, absence_reason="", check_in__isnull=False, check_out__isnull=True
    ).count()
    if staff_records is None:
        staff = StaffAttendance.objects.filter(classroom=classroom, day=day, check_out__isnull=True).count()
    else:
        staff = sum(1 for record in staff_records if record.check_out is None)
    now = now or alliance_now()
    substitutes = substitutes_in_room(classroom, day, now.time()) if day == now.date() else []
    return RoomRatio(
        children=children,
        staff=staff + len(substitutes),
        substitutes=tuple(substitutes),
        children_per_staff=classroom.children_per_staff,
        max_group=MAX_GROUP_SIZE.get(classroom.age_group),  # type: ignore[call-overload]
    )


@dataclass(frozen=True)
class SignInRow:
    enrollment: Enrollment
    scheduled: bool
    pick_up: list[Guardian]


def sign_in_sheet(classroom: Classroom, day: datetime.date) -> list[SignInRow]:
    """The printed sheet's rows: every child of the room that day (scheduled first), with
    the guardians allowed to pick them up. Two queries."""
    roster = list(classroom_roster(classroom, day).select_related("child__family"))
    guardians: dict[int, list[Guardian]] = defaultdict(list)
    for guardian in Guardian.objects.filter(
        family_id__in={e.child.family_id for e in roster}, can_pick_up=True
    ).order_by("-is_primary_contact", "last_name", "first_name"):
        guardians[guardian.family_id].append(guardian)
    rows = [SignInRow(e, day.weekday() in e.weekdays, guardians[e.child.family_id]) for e in roster]
    return sorted(rows, key=lambda r: (not r.scheduled, r.enrollment.child.first_name, r.enrollment.child.last_name))


# --- Waitlist and offers ----------------------------------------------------
def waitlist_filtered(
    *,
    status: str = WaitlistStatus.WAITING,
    program_id: int | None = None,
    shared_only: bool = False,
    age_group: str = "",
    query: str = "",
) -> QuerySet[WaitlistEntry]:
    rows = WaitlistEntry.objects.all()
    if status == "open":
        rows = rows.filter(status__in=[WaitlistStatus.WAITING, WaitlistStatus.OFFERED])
    elif status:
        rows = rows.filter(status=status)
    if shared_only:
        rows = rows.filter(program__isnull=True)
    elif program_id:
        chose = WaitlistChoice.objects.filter(program_id=program_id).values("entry_id")
        rows = rows.filter(Q(program_id=program_id) | Q(pk__in=chose))
    if age_group:
        rows = rows.filter(age_group_at_start=age_group)
    if query.strip():
        text = query.strip()
        rows = rows.filter(
            Q(child__first_name__icontains=text)
            | Q(child__last_name__icontains=text)
            | Q(child__family__name__icontains=text)
        )
    return rows.order_by("added_on", "id")


# The waitlist page's columns, read as dicts (no entry, child, family and program instances per row).
WAITLIST_ROW_COLUMNS = (
    "pk",
    "status",
    "child__first_name",
    "child__last_name",
    "child__family__name",
    "age_group_at_start",
    "desired_start",
    "weekdays",
    "day_length",
    "program_id",
    "program__name",
    "area",
    "any_program",
    "sibling_enrolled",
    "subsidy_eligible",
    "added_on",
)
_AGE_GROUP_LABELS = dict(AgeGroup.choices)
_WAITLIST_STATUS_LABELS = dict(WaitlistStatus.choices)


def waitlist_rows(entries: Iterable[dict[str, Any]], *, with_choices: bool) -> list[dict[str, Any]]:
    """The waitlist page's rows from `entries.values(*WAITLIST_ROW_COLUMNS)`, with the labels the
    entry's methods gave (WaitlistEntry.schedule_label, priority_labels, get_*_display) and, when
    asked, the names of the other programs the family would accept (by name, one query)."""
    rows = list(entries)
    accepted: dict[int, list[str]] = defaultdict(list)
    if with_choices and rows:
        choices = WaitlistChoice.objects.filter(entry_id__in=[row["pk"] for row in rows]).order_by("program__name")
        for entry_id, name in choices.values_list("entry_id", "program__name"):
            accepted[entry_id].append(name)
    for row in rows:
        age_group = row["age_group_at_start"]
        row.update(
            child_name=f"{row['child__first_name']} {row['child__last_name']}",
            age_group_label=str(_AGE_GROUP_LABELS.get(age_group, age_group)),
            schedule_label=schedule_label(row["weekdays"], row["day_length"]),
            acceptable=accepted.get(row["pk"], []),
            priority_labels=priority_labels(
                sibling_enrolled=row["sibling_enrolled"], subsidy_eligible=row["subsidy_eligible"]
            ),
            status_label=str(_WAITLIST_STATUS_LABELS.get(row["status"], row["status"])),
        )
    return rows


def offers_filtered(*, status: str = "") -> QuerySet[Offer]:
    rows = Offer.objects.select_related("entry__child", "classroom", "program", "made_by")
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-made_at", "-id")
