"""Demo data of shared services: the hourly substitute-cover agreement, a pool of
substitutes with credentials, clearances and availability, four months of cover
requests (most delivered, some not filled or cancelled) and a few ahead — one of
them open at the provider's own program for the Hub to fill — a vendor
catalogue with two delivered purchasing cycles and one open with three members'
orders, and coaching visits and goals.

Called by seed_demo inside each alliance's scope, after the enrollment demo and
before billing's (whose member-fee invoices then charge the delivered hours).
Idempotent: the agreement is found by its natural key, and the rest is added
once, when the alliance has no substitute yet. A fixed random seed gives the
same data every time; dates are anchored to today.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from alliance.dates import alliance_today
from alliance.models import Alliance
from members.models import (
    AgeGroup,
    Classroom,
    HubService,
    MemberProgram,
    PricingModel,
    ProgramKind,
    ProgramStatus,
    ServiceSubscription,
)
from sharedservices.models import (
    CatalogueItem,
    CoachingFocus,
    CoachingGoal,
    CoachVisit,
    CoverReason,
    CoverRequest,
    CoverStatus,
    CredentialType,
    CycleStatus,
    Employment,
    GoalStatus,
    MemberOrder,
    MemberOrderLine,
    PurchaseOrder,
    PurchasingCycle,
    Substitute,
    SubstituteAvailability,
    SubstituteClearance,
    SubstituteCredential,
    Vendor,
    hours_between,
)
from sharedservices.services import delivery_record, member_order_line_set, purchasing_cycle_place_orders

HOURLY_SERVICE = (
    "Substitute cover (hourly)",
    "28.00",
    "Hours a Hub substitute worked in the member's classroom, charged monthly.",
)
SUBSTITUTES = [
    ("Rosa", "Delgado", Employment.HUB, ["infant", "toddler", "preschool"]),
    ("Marcus", "Bell", Employment.HUB, ["preschool", "school_age", "mixed"]),
    ("Priya", "Raman", Employment.HUB, ["toddler", "preschool", "mixed"]),
    ("Tom", "Heikkinen", Employment.HUB, ["preschool", "school_age"]),
    ("Alicia", "Moreau", Employment.SHARED, ["infant", "toddler", "mixed"]),
    ("Jordan", "Reyes", Employment.HUB, ["toddler", "preschool", "school_age", "mixed"]),
    ("Nia", "Okonkwo", Employment.HUB, ["infant", "toddler", "preschool", "mixed"]),
    ("Dmitri", "Volkov", Employment.SHARED, ["preschool", "school_age"]),
]
SHIFTS = [
    (datetime.time(7, 30), datetime.time(15, 30)),
    (datetime.time(8, 0), datetime.time(17, 0)),
    (datetime.time(12, 0), datetime.time(17, 30)),
    (datetime.time(7, 0), datetime.time(12, 0)),
]
VENDORS = [
    (
        "Lakeside Food Service",
        "Dana Whitfield",
        [
            ("Whole milk, 1 gallon", "case of 4", "13.20", "15.60"),
            ("Whole-grain crackers", "case of 12 boxes", "28.50", "34.00"),
            ("Fresh fruit box", "box, about 150 servings", "41.00", "47.50"),
        ],
    ),
    (
        "Classroom Supply Co.",
        "Ben Archer",
        [
            ("Washable markers, 8 colours", "pack of 12 sets", "21.90", "29.99"),
            ("Construction paper, assorted", "ream of 500 sheets", "9.49", "12.99"),
            ("Disinfecting wipes", "case of 6 canisters", "24.50", "30.00"),
        ],
    ),
    (
        "SafeStart Equipment",
        "Grace Lin",
        [("Infant crib sheets", "pack of 6", "32.00", "39.95"), ("First-aid kit refill", "kit", "18.75", "24.00")],
    ),
]
GOALS = [
    ("Use the new daily health check at drop-off", CoachingFocus.LICENSING_QRIS),
    ("Post the updated evacuation plan in every room", CoachingFocus.LICENSING_QRIS),
    ("Weekly reflective supervision with lead teachers", CoachingFocus.REFLECTIVE_SUPERVISION),
    ("Add a quiet corner to each preschool room", CoachingFocus.CLASSROOM_QUALITY),
    ("Monthly budget review against actuals", CoachingFocus.BUSINESS_PRACTICES),
    ("Reduce unpaid balances over 60 days", CoachingFocus.BUSINESS_PRACTICES),
]


def _weekdays_back(today: datetime.date, days: int) -> list[datetime.date]:
    return [d for d in (today - datetime.timedelta(days=n) for n in range(1, days + 1)) if d.weekday() < 5]


def _next_weekday(day: datetime.date, skip: int = 0) -> datetime.date:
    day += datetime.timedelta(days=1)
    while day.weekday() >= 5 or skip:
        if day.weekday() < 5:
            skip -= 1
        day += datetime.timedelta(days=1)
    return day


def _at(day: datetime.date, hour: int, tz: Any) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=tz)


def seed_sharedservices_demo(alliance: Alliance) -> dict[str, int]:
    """Fill the alliance with shared-services demo data (call inside its scope)."""
    programs = list(MemberProgram.objects.exclude(status=ProgramStatus.APPLICANT).order_by("pk"))
    _hourly_agreements(programs)
    if not Substitute.objects.exists():
        rng = random.Random(f"hub-sharedservices-demo:{alliance.slug}")
        today = alliance_today()
        pool = _pool(alliance, rng, programs, today)
        _cover_history(rng, programs, pool, today)
        _purchasing(rng, programs, today)
        _coaching(rng, programs, today)
    return {
        "substitutes": Substitute.objects.count(),
        "cover_requests": CoverRequest.objects.count(),
        "purchase_orders": PurchaseOrder.objects.count(),
        "coach_visits": CoachVisit.objects.count(),
    }


def _hourly_agreements(programs: list[MemberProgram]) -> None:
    name, rate, description = HOURLY_SERVICE
    service = HubService.objects.filter(name=name).first() or HubService.objects.create(
        name=name, pricing_model=PricingModel.PER_SUBSTITUTE_HOUR, rate=Decimal(rate), description=description
    )
    have = set(ServiceSubscription.objects.filter(service=service).values_list("program_id", flat=True))
    ServiceSubscription.objects.bulk_create(
        [
            ServiceSubscription(
                alliance_id=service.alliance_id,
                program=p,
                service=service,
                rate=service.rate,
                pricing_model=service.pricing_model,
                starts_on=p.joined_on or alliance_today(),
            )
            for p in programs
            if p.pk not in have
        ]
    )


def _pool(
    alliance: Alliance, rng: random.Random, programs: list[MemberProgram], today: datetime.date
) -> list[Substitute]:
    count = len(SUBSTITUTES) if len(programs) > 6 else 4
    centres = [p for p in programs if p.kind == ProgramKind.CENTRE]
    pool = []
    for first, last, employment, groups in SUBSTITUTES[:count]:
        home = rng.choice(centres) if employment == Employment.SHARED and centres else None
        pool.append(
            Substitute.objects.create(
                first_name=first,
                last_name=last,
                email=f"{first.lower()}.{last.lower()}@subs.{alliance.slug}.example",
                phone=f"555-{rng.randrange(1000, 9999)}",
                employment=employment if home else Employment.HUB,
                home_program=home,
                age_groups=groups,
            )
        )
    credentials, clearances, availability = [], [], []
    for index, sub in enumerate(pool):
        # Everyone has CPR; one person's lapsed last month, so the Hub sees the reason.
        cpr_expires = (
            today - datetime.timedelta(days=20)
            if index == 3
            else today + datetime.timedelta(days=rng.randrange(120, 700))
        )
        credentials.append(
            SubstituteCredential(
                alliance=alliance,
                substitute=sub,
                kind=CredentialType.CPR_FIRST_AID,
                identifier=f"CPR-{rng.randrange(10**5, 10**6)}",
                issued_on=cpr_expires - datetime.timedelta(days=730),
                expires_on=cpr_expires,
            )
        )
        if "infant" in sub.age_groups:
            credentials.append(
                SubstituteCredential(
                    alliance=alliance,
                    substitute=sub,
                    kind=CredentialType.INFANT_TODDLER,
                    issued_on=today.replace(year=today.year - 2),
                )
            )
        if index % 2 == 0:
            credentials.append(
                SubstituteCredential(
                    alliance=alliance,
                    substitute=sub,
                    kind=CredentialType.CDA,
                    identifier=f"CDA-{rng.randrange(10**6, 10**7)}",
                    issued_on=today.replace(year=today.year - 3),
                    expires_on=today.replace(year=today.year + 1),
                )
            )
        cleared = programs if index < 2 else rng.sample(programs, k=max(2, len(programs) * 2 // 3))
        clearances += [
            SubstituteClearance(
                alliance=alliance, substitute=sub, program=p, cleared_on=today - datetime.timedelta(days=200)
            )
            for p in cleared
        ]
        starts, ends = (
            (datetime.time(9, 0), datetime.time(15, 0)) if index == 5 else (datetime.time(7, 0), datetime.time(18, 0))
        )
        for n in range(-130, 29):
            day = today + datetime.timedelta(days=n)
            if day.weekday() < 5 and not (index == 7 and day.weekday() in (1, 3)):
                availability.append(
                    SubstituteAvailability(alliance=alliance, substitute=sub, day=day, starts_at=starts, ends_at=ends)
                )
    SubstituteCredential.objects.bulk_create(credentials)
    SubstituteClearance.objects.bulk_create(clearances)
    SubstituteAvailability.objects.bulk_create(availability)
    return pool


def _classrooms(programs: list[MemberProgram]) -> dict[int, list[Classroom]]:
    rooms: dict[int, list[Classroom]] = {}
    for room in Classroom.objects.filter(site__program__in=programs, closed_on__isnull=True).select_related("site"):
        rooms.setdefault(room.site.program_id, []).append(room)
    return rooms


class _Fit:
    """Whom the demo may book: the same rules the fill service checks, from the rows just written."""

    def __init__(self) -> None:
        self.cleared = set(SubstituteClearance.objects.values_list("substitute_id", "program_id"))
        self.windows = {
            sub: (starts, ends)
            for sub, starts, ends in SubstituteAvailability.objects.values_list("substitute_id", "starts_at", "ends_at")
        }
        self.credentials: dict[int, list[SubstituteCredential]] = {}
        for credential in SubstituteCredential.objects.all():
            self.credentials.setdefault(credential.substitute_id, []).append(credential)

    def __call__(
        self,
        sub: Substitute,
        program: MemberProgram,
        room: Classroom,
        day: datetime.date,
        starts: datetime.time,
        ends: datetime.time,
        credential: str,
    ) -> bool:
        window = self.windows.get(sub.pk)
        return (
            (sub.pk, program.pk) in self.cleared
            and room.age_group in sub.age_groups
            and window is not None
            and window[0] <= starts
            and window[1] >= ends
            and not (sub.last_name == "Volkov" and day.weekday() in (1, 3))
            and (
                not credential
                or any(c.kind == credential and c.valid_on(day) for c in self.credentials.get(sub.pk, []))
            )
        )


def _cover_history(
    rng: random.Random, programs: list[MemberProgram], pool: list[Substitute], today: datetime.date
) -> None:
    tz = timezone.get_current_timezone()
    rooms = _classrooms(programs)
    fit = _Fit()
    booked: set[tuple[int, datetime.date]] = set()
    rows: list[CoverRequest] = []
    times: list[tuple[datetime.datetime, datetime.datetime | None]] = []
    days = _weekdays_back(today, 120)
    for program in programs:
        if program.pk not in rooms or program.status != ProgramStatus.ACTIVE:
            continue
        wanted = rng.randrange(6, 14) if program.kind == ProgramKind.CENTRE else rng.randrange(1, 4)
        for day in sorted(rng.sample(days, k=wanted)):
            room = rng.choice(rooms[program.pk])
            starts, ends = rng.choice(SHIFTS)
            created = _at(day - datetime.timedelta(days=rng.randrange(0, 6)), rng.randrange(6, 20), tz)
            roll = rng.random()
            credential = (
                CredentialType.INFANT_TODDLER
                if room.age_group == AgeGroup.INFANT
                else (CredentialType.CPR_FIRST_AID if rng.random() < 0.2 else "")
            )
            fits = [
                s for s in pool if (s.pk, day) not in booked and fit(s, program, room, day, starts, ends, credential)
            ]
            cover = CoverRequest(
                alliance_id=program.alliance_id,
                program=program,
                classroom=room,
                day=day,
                starts_at=starts,
                ends_at=ends,
                age_group=room.age_group,
                required_credential=credential,
                reason=rng.choice(CoverReason.values),
            )
            filled_at = None
            if roll < 0.82 and fits:
                sub = fits[0] if rng.random() < 0.5 else rng.choice(fits)
                booked.add((sub.pk, day))
                hours = hours_between(starts, ends) - (Decimal("0.50") if rng.random() < 0.15 else 0)
                cover.substitute, cover.status, cover.hours_delivered = sub, CoverStatus.DELIVERED, hours
                filled_at = created + datetime.timedelta(minutes=rng.randrange(20, 60 * 30))
            elif roll < 0.92:
                cover.status, cover.closed_reason = CoverStatus.UNFILLED, "No qualified substitute free that day."
                cover.closed_at = _at(day, 7, tz)
            else:
                cover.status, cover.closed_reason = CoverStatus.CANCELLED, "Teacher recovered and came in."
                cover.closed_at = created + datetime.timedelta(hours=3)
            rows.append(cover)
            times.append((created, filled_at))
    rows += _upcoming(rng, programs, pool, rooms, fit, today, times)
    CoverRequest.objects.bulk_create(rows)
    for cover, (created, filled_at) in zip(rows, times, strict=True):
        cover.created_at, cover.filled_at = created, filled_at
    CoverRequest.objects.bulk_update(rows, ["created_at", "filled_at"])


def _upcoming(
    rng: random.Random,
    programs: list[MemberProgram],
    pool: list[Substitute],
    rooms: dict[int, list[Classroom]],
    fit: _Fit,
    today: datetime.date,
    times: list[tuple[datetime.datetime, datetime.datetime | None]],
) -> list[CoverRequest]:
    """Requests ahead: the provider's own program asks for tomorrow's cover (open, for the
    Hub to fill in the demo), two more are open, two already booked."""
    now = timezone.now()
    rows = []
    active = [p for p in programs if p.pk in rooms and p.status == ProgramStatus.ACTIVE]
    for index, program in enumerate(active[:5]):
        room = next((r for r in rooms[program.pk] if r.age_group != AgeGroup.INFANT), rooms[program.pk][0])
        day = _next_weekday(today, skip=index)
        starts, ends = SHIFTS[index % 2]
        cover = CoverRequest(
            alliance_id=program.alliance_id,
            program=program,
            classroom=room,
            day=day,
            starts_at=starts,
            ends_at=ends,
            age_group=room.age_group,
            reason=CoverReason.LEAVE if index else CoverReason.ILLNESS,
            notes="Lead teacher out; assistant stays." if index == 0 else "",
        )
        filled_at = None
        fits = [s for s in pool if fit(s, program, room, day, starts, ends, "")]
        if index >= 3 and fits:
            cover.substitute, cover.status = fits[-1], CoverStatus.FILLED
            filled_at = now - datetime.timedelta(hours=2)
        rows.append(cover)
        times.append((now - datetime.timedelta(hours=rng.randrange(3, 20)), filled_at))
    return rows


def _purchasing(rng: random.Random, programs: list[MemberProgram], today: datetime.date) -> None:
    items: list[CatalogueItem] = []
    for name, contact, catalogue in VENDORS:
        vendor = Vendor.objects.create(
            name=name, contact_name=contact, email=f"orders@{name.split()[0].lower()}.example"
        )
        items += [
            CatalogueItem.objects.create(
                vendor=vendor,
                name=item,
                unit=unit,
                alliance_price=Decimal(price),
                list_price=Decimal(list_price),
                sku=f"{vendor.pk:02d}-{n:03d}",
            )
            for n, (item, unit, price, list_price) in enumerate(catalogue, start=1)
        ]
    buyers = [p for p in programs if p.status == ProgramStatus.ACTIVE]
    for label, days_ago, count in (("Autumn supplies", 150, 5), ("Winter supplies", 60, 6)):
        closes = today - datetime.timedelta(days=days_ago)
        cycle = PurchasingCycle.objects.create(
            name=f"{label} {closes.year}", closes_on=closes, delivery_on=closes + datetime.timedelta(days=10)
        )
        _orders(rng, cycle, buyers[:count], items)
        orders = purchasing_cycle_place_orders(actor=None, cycle=cycle)
        placed = timezone.make_aware(datetime.datetime.combine(closes, datetime.time(16)))
        PurchaseOrder.objects.filter(cycle=cycle).update(created_at=placed)
        PurchasingCycle.objects.filter(pk=cycle.pk).update(ordered_at=placed)
        for po in orders:
            for program_id in sorted(
                set(MemberOrderLine.objects.filter(purchase_order=po).values_list("order__program_id", flat=True))
            ):
                first = MemberOrderLine.objects.filter(purchase_order=po, order__program_id=program_id).first()
                short = {first.pk: first.quantity - 1} if first and rng.random() < 0.2 else {}
                delivery_record(
                    actor=None,
                    purchase_order=po,
                    program=MemberProgram.objects.get(pk=program_id),
                    delivered_on=closes + datetime.timedelta(days=rng.randrange(7, 14)),
                    quantities=short,
                )
    spring = PurchasingCycle.objects.create(
        name=f"Spring supplies {today.year}",
        closes_on=today + datetime.timedelta(days=10),
        delivery_on=today + datetime.timedelta(days=21),
    )
    _orders(rng, spring, buyers[:3], items)


def _orders(
    rng: random.Random, cycle: PurchasingCycle, programs: list[MemberProgram], items: list[CatalogueItem]
) -> None:
    for program in programs:
        for item in rng.sample(items, k=rng.randrange(3, 6)):
            if cycle.status == CycleStatus.OPEN and cycle.closes_on >= alliance_today():
                member_order_line_set(
                    actor=None, cycle=cycle, program=program, item=item, quantity=rng.randrange(2, 12)
                )
            else:  # a past cycle: written as it was then
                order, _ = MemberOrder.objects.get_or_create(cycle=cycle, program=program)
                MemberOrderLine.objects.create(
                    order=order,
                    item=item,
                    quantity=rng.randrange(2, 12),
                    alliance_price=item.alliance_price,
                    list_price=item.list_price,
                )


def _coaching(rng: random.Random, programs: list[MemberProgram], today: datetime.date) -> None:
    coached = set(ServiceSubscription.objects.filter(service__name="Coaching").values_list("program_id", flat=True))
    visits = []
    for program in programs:
        if program.pk not in coached:
            continue
        day = today - datetime.timedelta(days=rng.randrange(200, 240))
        while day < today - datetime.timedelta(days=3):
            focus = rng.choice(CoachingFocus.values)
            visits.append(
                CoachVisit(
                    alliance_id=program.alliance_id,
                    program=program,
                    coach_name="Lena Fischer",
                    visited_on=day,
                    focus=focus,
                    hours=Decimal(rng.choice(["1.50", "2.00", "3.00"])),
                    summary="Observed morning routines and transitions; talked through the "
                    "director's questions on staffing and paperwork.",
                    next_steps="Follow up at the next visit.",
                )
            )
            day += datetime.timedelta(days=rng.randrange(30, 60))
    CoachVisit.objects.bulk_create(visits)
    goals = []
    for program in programs:
        if program.pk not in coached:
            continue
        for title, focus in rng.sample(GOALS, k=2):
            due = today + datetime.timedelta(days=rng.randrange(-40, 90))
            status = rng.choice(
                [GoalStatus.NOT_STARTED, GoalStatus.IN_PROGRESS, GoalStatus.IN_PROGRESS, GoalStatus.MET]
            )
            goals.append(
                CoachingGoal(
                    alliance_id=program.alliance_id,
                    program=program,
                    title=title,
                    focus=focus,
                    due_on=due,
                    status=status,
                    status_changed_on=today - datetime.timedelta(days=5),
                )
            )
    CoachingGoal.objects.bulk_create(goals)
