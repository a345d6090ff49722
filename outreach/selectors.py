"""Reads of outreach shared by the public page, the family page, the Hub's
inbox, the API and the dashboard panel.

The public page shows only what a member chose to publish: a listing's
`show_*` switches decide which facts are read into `PublicProgram` at all, and
a filter on a hidden fact leaves that program out rather than reveal it.
Openings come from enrollment's vacancy selector (two queries for the whole
alliance), less the places held by open offers.
"""

from __future__ import annotations

import datetime
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import OuterRef, Q, QuerySet, Subquery

from alliance.dates import alliance_now
from alliance.tenancy import require_alliance_id
from billing.models import FamilyAccount
from billing.selectors import accounts_with_balances
from enrollment.matching import priority_points
from enrollment.models import Enrollment, Family, Offer, WaitlistEntry, WaitlistStatus
from enrollment.rules import Band, age_group_on, classroom_takes
from enrollment.selectors import age_bands, open_offers_by_classroom, vacancy_report
from enrollment.vacancy import ClassroomVacancy
from members.models import MONDAY_TO_FRIDAY, AgeGroup, MemberProgram, ProgramStatus, weekdays_label
from outreach.models import Inquiry, InquiryStatus, PublicListing

HORIZON_DAYS = 90
# An opening smaller than a fifth of a place (one day a week) is not worth a family's call.
SMALLEST_OPENING = Decimal("0.2")
ZERO = Decimal("0")


class Schedule:
    FULL_WEEK = "full_week"
    PART_WEEK = "part_week"
    WEEKEND = "weekend"
    CHOICES = [
        (FULL_WEEK, "Full time, Monday to Friday"),
        (PART_WEEK, "Part time, some days a week"),
        (WEEKEND, "Weekends"),
    ]


# --- Public page ------------------------------------------------------------
@dataclass
class Opening:
    """Open places of one age group in one program, as a family reads them."""

    age_group: str
    places_now: int = 0
    part_time_now: bool = False
    from_date: datetime.date | None = None

    @property
    def label(self) -> str:
        return AgeGroup(self.age_group).label

    @property
    def is_open(self) -> bool:
        return self.places_now > 0 or self.part_time_now or self.from_date is not None


@dataclass
class PublicProgram:
    """A published program with only the facts its member chose to show."""

    listing: PublicListing
    name: str
    kind: str
    area: str
    description: str
    address_lines: list[str] = field(default_factory=list)
    phone: str = ""
    hours: str = ""
    age_groups: list[str] = field(default_factory=list)
    qris_rating: int | None = None
    accreditation: str = ""
    languages: list[str] = field(default_factory=list)
    accepts_subsidy: bool | None = None
    openings: list[Opening] | None = None

    @property
    def program_id(self) -> int:
        return self.listing.program_id

    @property
    def open_now(self) -> bool:
        return bool(self.openings) and any(o.places_now or o.part_time_now for o in self.openings or [])

    @property
    def open_soon(self) -> bool:
        return bool(self.openings) and any(o.is_open for o in self.openings or [])


def published_listings() -> QuerySet[PublicListing]:
    """Listings on the public page: published, of members that are active."""
    return (
        PublicListing.objects.filter(published=True, program__status=ProgramStatus.ACTIVE)
        .select_related("program")
        .order_by("program__name")
    )


def listing_for(program: MemberProgram) -> PublicListing:
    """A program's listing, or an unsaved one with the defaults (not published)."""
    return PublicListing.objects.filter(program=program).first() or PublicListing(
        alliance_id=require_alliance_id(), program=program
    )


def _hours(rooms: list[ClassroomVacancy]) -> str:
    if not rooms:
        return ""
    days = sorted({d for r in rooms for d in r.classroom.operating_days})
    opens = min(r.classroom.opens_at for r in rooms)
    closes = max(r.classroom.closes_at for r in rooms)
    return f"{weekdays_label(days)}, {opens:%-H:%M}–{closes:%-H:%M}"


def _room_fits(room: ClassroomVacancy, schedule: str) -> bool:
    days = set(room.classroom.operating_days)
    if schedule == Schedule.FULL_WEEK:
        return set(MONDAY_TO_FRIDAY) <= days
    if schedule == Schedule.WEEKEND:
        return bool(days & {5, 6})
    return True


def _openings(rooms: list[ClassroomVacancy], held: dict[int, Decimal], *, schedule: str) -> list[Opening]:
    """Open places per age group: now (first operating day), else the first day
    within the horizon when a whole place is free. A full-week family needs a
    whole place; a part-week one a day a week."""
    need = Decimal(1) if schedule == Schedule.FULL_WEEK else SMALLEST_OPENING
    groups: dict[str, Opening] = {}
    now: dict[str, Decimal] = defaultdict(lambda: ZERO)
    order = {g: i for i, g in enumerate(AgeGroup.values)}
    for room in rooms:
        group = room.classroom.age_group
        opening = groups.setdefault(group, Opening(group))
        hold = held.get(room.classroom.pk, ZERO)
        now[group] += max(ZERO, room.figures.open_now - hold)
        for day in room.days:
            if day.open_slots - hold >= 1:
                if opening.from_date is None or day.day < opening.from_date:
                    opening.from_date = day.day
                break
    for group, opening in groups.items():
        opening.places_now = math.floor(now[group]) if now[group] >= need else 0
        opening.part_time_now = opening.places_now == 0 and need < 1 and now[group] >= need
        if opening.places_now or opening.part_time_now:
            opening.from_date = None
    return sorted(groups.values(), key=lambda o: order[o.age_group])


def public_programs(
    *,
    today: datetime.date,
    child_age_group: str | None = None,
    area: str = "",
    schedule: str = "",
    subsidy: bool = False,
    listings: list[PublicListing] | None = None,
) -> list[PublicProgram]:
    """The public page: published programs, filtered, those with places first.

    A filter on a fact a member keeps private leaves the program out (the
    page never reveals it). A fixed number of queries whatever the size of
    the alliance: listings, vacancy (2), open offers. `listings` replaces the
    published ones (a preview shows a listing before it is published).
    """
    if listings is None:
        listings = list(published_listings())
    if not listings:
        return []
    report = vacancy_report(
        start=today,
        end=today + datetime.timedelta(days=HORIZON_DAYS - 1),
        program_ids=[listing.program_id for listing in listings],
    )
    rooms_of: dict[int, list[ClassroomVacancy]] = defaultdict(list)
    for room in report.classrooms:
        rooms_of[room.program.pk].append(room)
    held = open_offers_by_classroom([room.classroom.pk for room in report.classrooms])
    wanted_area = area.strip().lower()
    result = []
    for listing in listings:
        program = listing.program
        rooms = rooms_of.get(program.pk, [])
        town = program_area(program, rooms)
        if wanted_area and wanted_area not in {town.lower(), *(r.area.lower() for r in rooms)}:
            continue
        if subsidy and not (listing.show_subsidy and listing.accepts_subsidy):
            continue
        if schedule:
            if not listing.show_hours:
                continue
            rooms = [r for r in rooms if _room_fits(r, schedule)]
            if not rooms:
                continue
        if child_age_group:
            if not (listing.show_ages or listing.show_openings):
                continue
            rooms = [r for r in rooms if classroom_takes(r.classroom.age_group, child_age_group)]
            if not rooms:
                continue
        entry = PublicProgram(
            listing=listing,
            name=program.name,
            kind=program.get_kind_display(),
            area=town,
            description=listing.description,
        )
        if listing.show_address:
            entry.address_lines = program.address_lines
        if listing.show_phone:
            entry.phone = program.phone
        if listing.show_hours:
            entry.hours = _hours(rooms)
        if listing.show_ages:
            order = {g: i for i, g in enumerate(AgeGroup.values)}
            entry.age_groups = [
                AgeGroup(g).label for g in sorted({r.classroom.age_group for r in rooms}, key=order.__getitem__)
            ]
        if listing.show_quality:
            entry.qris_rating = program.qris_rating
            entry.accreditation = program.get_accreditation_display() if program.accreditation else ""
        if listing.show_languages:
            entry.languages = listing.language_list
        if listing.show_subsidy:
            entry.accepts_subsidy = listing.accepts_subsidy
        if listing.show_openings:
            entry.openings = _openings(rooms, held, schedule=schedule)
        result.append(entry)
    rank = {True: 0, False: 1}
    return sorted(result, key=lambda p: (rank[p.open_now], rank[p.open_soon], p.openings is None, p.name))


def program_area(program: MemberProgram, rooms: list[ClassroomVacancy] | None = None) -> str:
    """The town a family knows a program by: its own city, else its classrooms'."""
    if program.city.strip():
        return program.city.strip()
    for room in rooms or []:
        if room.area:
            return room.area
    return ""


def public_areas() -> list[str]:
    """Towns of the published programs (their own city or their sites'), for the filters."""
    from members.models import Site

    listings = published_listings()
    towns = {
        c.strip()
        for c in MemberProgram.objects.filter(pk__in=listings.values("program_id")).values_list("city", flat=True)
        if c.strip()
    }
    towns |= {
        c.strip()
        for c in Site.objects.filter(program_id__in=listings.values("program_id")).values_list("city", flat=True)
        if c.strip()
    }
    return sorted(towns, key=str.lower)


def child_age_group(date_of_birth: datetime.date, start: datetime.date, bands: list[Band] | None = None) -> str | None:
    return age_group_on(date_of_birth, start, bands if bands is not None else age_bands())


# --- Hub inbox --------------------------------------------------------------
def inquiries_with_timing() -> QuerySet[Inquiry]:
    """Inquiries with `enrolled_at`: when a child of the family was first
    enrolled after the inquiry arrived (blank if none yet)."""
    first_enrollment = (
        Enrollment.objects.filter(child__family_id=OuterRef("family_id"), created_at__gte=OuterRef("received_at"))
        .order_by("created_at")
        .values("created_at")[:1]
    )
    return Inquiry.objects.select_related("guardian", "family").annotate(enrolled_at=Subquery(first_enrollment))


def inquiry_status(inquiry: Inquiry) -> str:
    if inquiry.closed_at is not None:
        return InquiryStatus.CLOSED
    if getattr(inquiry, "enrolled_at", None) is not None:
        return InquiryStatus.ENROLLED
    if inquiry.first_contact_at is not None:
        return InquiryStatus.CONTACTED
    return InquiryStatus.NEW


def inquiries_filtered(*, status: str = "open", query: str = "") -> QuerySet[Inquiry]:
    rows = inquiries_with_timing()
    if status == "open":
        rows = rows.filter(closed_at__isnull=True, enrolled_at__isnull=True)  # type: ignore[misc]
    elif status == InquiryStatus.NEW:
        rows = rows.filter(
            closed_at__isnull=True,
            enrolled_at__isnull=True,  # type: ignore[misc]
            first_contact_at__isnull=True,
        )
    elif status == InquiryStatus.CONTACTED:
        rows = rows.filter(
            closed_at__isnull=True,
            enrolled_at__isnull=True,  # type: ignore[misc]
            first_contact_at__isnull=False,
        )
    elif status == InquiryStatus.ENROLLED:
        rows = rows.filter(enrolled_at__isnull=False)  # type: ignore[misc]
    elif status == InquiryStatus.CLOSED:
        rows = rows.filter(closed_at__isnull=False)
    text = query.strip()
    if text:
        rows = rows.filter(
            Q(guardian__first_name__icontains=text)
            | Q(guardian__last_name__icontains=text)
            | Q(guardian__email__icontains=text)
            | Q(guardian__phone__icontains=text)
        )
    return rows.order_by("-received_at", "-id")


def inquiry_entries(inquiry: Inquiry) -> QuerySet[WaitlistEntry]:
    """The shared-waitlist entries of the inquiry's family (its children's)."""
    return (
        WaitlistEntry.objects.filter(child__family_id=inquiry.family_id)
        .select_related("child", "program")
        .prefetch_related("acceptable_programs")
        .order_by("child__date_of_birth", "pk")
    )


def hours_between(start: datetime.datetime, end: datetime.datetime | None) -> Decimal | None:
    if end is None:
        return None
    return (Decimal((end - start).total_seconds()) / 3600).quantize(Decimal("0.1"))


# --- Dashboard figures ------------------------------------------------------
@dataclass
class OutreachFigures:
    """Inquiries received over recent weeks and how the Hub answered them."""

    weeks: list[tuple[datetime.date, int]]
    received: int
    contacted: int
    enrolled: int
    awaiting_contact: int
    median_hours_to_contact: Decimal | None
    median_days_to_enrollment: Decimal | None

    @property
    def conversion(self) -> Decimal | None:
        """Inquiries that led to an enrollment, in percent of those received."""
        if not self.received:
            return None
        return (Decimal(self.enrolled) / self.received * 100).quantize(Decimal("0.1"))


def _median(values: list[Decimal]) -> Decimal | None:
    if not values:
        return None
    return Decimal(statistics.median(values)).quantize(Decimal("0.1"))


def outreach_figures(*, weeks: int = 12, today: datetime.date | None = None) -> OutreachFigures:
    """Inquiries per week over the last `weeks` weeks (Monday to Sunday, in the
    alliance's time zone), conversion to enrollment and the median response
    times of those inquiries. Inquiries closed as spam are not counted. One query."""
    now = alliance_now()
    zone = now.tzinfo
    today = today or now.date()
    this_monday = today - datetime.timedelta(days=today.weekday())
    first_monday = this_monday - datetime.timedelta(weeks=weeks - 1)
    since = datetime.datetime.combine(first_monday, datetime.time.min, tzinfo=zone)
    # The django-stubs plugin does not see the annotations a helper adds (enrolled_at).
    timed = inquiries_with_timing().filter(received_at__gte=since).exclude(closed_reason="spam")
    rows = list(timed.values_list("received_at", "first_contact_at", "enrolled_at", "closed_at"))  # type: ignore[misc]
    per_week = {first_monday + datetime.timedelta(weeks=i): 0 for i in range(weeks)}
    to_contact, to_enrollment = [], []
    awaiting = 0
    for received_at, contacted_at, enrolled_at, closed_at in rows:
        local = received_at.astimezone(zone).date()
        per_week[local - datetime.timedelta(days=local.weekday())] += 1
        if contacted_at is not None:
            to_contact.append(hours_between(received_at, contacted_at) or Decimal(0))
        elif closed_at is None and enrolled_at is None:
            awaiting += 1
        if enrolled_at is not None:
            to_enrollment.append(Decimal((enrolled_at - received_at).total_seconds()) / 86400)
    return OutreachFigures(
        weeks=sorted(per_week.items()),
        received=len(rows),
        contacted=len(to_contact),
        enrolled=len(to_enrollment),
        awaiting_contact=awaiting,
        median_hours_to_contact=_median(to_contact),
        median_days_to_enrollment=_median(to_enrollment),
    )


# --- Family page ------------------------------------------------------------
@dataclass
class WaitlistPlace:
    entry: WaitlistEntry
    position: int | None
    waiting: int

    @property
    def list_name(self) -> str:
        return self.entry.program.name if self.entry.program is not None else "the shared waitlist"


def family_waitlist(family: Family) -> list[WaitlistPlace]:
    """The family's open waitlist entries, each with its position among the
    children waiting on the same list for the same age group, in the order the
    matcher ranks equal choices: priority points, then time waited."""
    entries = list(
        WaitlistEntry.objects.filter(child__family=family, status__in=[WaitlistStatus.WAITING, WaitlistStatus.OFFERED])
        .select_related("child", "program")
        .order_by("child__date_of_birth", "pk")
    )
    places = []
    for entry in entries:
        same_list = WaitlistEntry.objects.filter(
            status=WaitlistStatus.WAITING, age_group_at_start=entry.age_group_at_start
        )
        same_list = (
            same_list.filter(program__isnull=True)
            if entry.program_id is None
            else same_list.filter(program_id=entry.program_id)
        )
        rivals = list(same_list.values_list("pk", "sibling_enrolled", "subsidy_eligible", "added_on"))
        if entry.status != WaitlistStatus.WAITING:
            places.append(WaitlistPlace(entry, None, len(rivals)))
            continue
        mine = (-priority_points(entry), entry.added_on, entry.pk)
        ahead = sum(1 for pk, sibling, subsidy, added in rivals if (-(2 * sibling + subsidy), added, pk) < mine)
        places.append(WaitlistPlace(entry, ahead + 1, len(rivals)))
    return places


def family_offers(family: Family) -> QuerySet[Offer]:
    return (
        Offer.objects.filter(entry__child__family=family)
        .select_related("entry__child", "classroom__site", "program")
        .order_by("-made_at", "-id")
    )


def family_accounts(family: Family) -> QuerySet[FamilyAccount]:
    """The family's accounts at every member program, with their balances."""
    return accounts_with_balances(FamilyAccount.objects.filter(family=family)).order_by("program__name")
