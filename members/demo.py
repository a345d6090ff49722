"""Demo data of member programs: profiles, sites, classrooms with a capacity
history, staff with credentials, thirteen months of costs, the Hub's catalogue
and each member's agreements.

Called by seed_demo inside each alliance's scope. Idempotent: every row is
found by its natural key and updated, random choices come from a generator
seeded by the alliance and program names, and dates are anchored to the first
day of the current month, so a rerun within a month changes nothing.
"""

from __future__ import annotations

import datetime
import hashlib
import random
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from django.db import models
from django.utils import timezone

from alliance.dates import add_months, alliance_today, month_start, months_back
from alliance.models import Alliance
from members.models import (
    Accreditation,
    AgeGroup,
    Classroom,
    ClassroomCapacity,
    CostCategory,
    Credential,
    HubService,
    InspectionOutcome,
    InspectionType,
    LicensingInspection,
    MemberProgram,
    MonthlyCost,
    PayBasis,
    PricingModel,
    ProgramKind,
    ProgramStatus,
    QrisRating,
    ServiceSubscription,
    Site,
    StaffCategory,
    StaffMember,
)
from members.selectors import personnel_cost_from_roster, qris_timelines

CENT = Decimal("0.01")
M = TypeVar("M", bound=models.Model)

CATALOGUE = [
    (
        "Billing & fee collection",
        PricingModel.PERCENT_OF_TUITION,
        "3.50",
        "Monthly invoicing of families, payment processing, follow-up of late payers.",
    ),
    (
        "Enrollment & waitlist management",
        PricingModel.PER_LICENSED_SLOT,
        "4.00",
        "Shared waitlist, tours, enrollment paperwork and subsidy eligibility.",
    ),
    (
        "Bookkeeping & payroll",
        PricingModel.FLAT_MONTHLY,
        "325.00",
        "Monthly books, payroll runs, quarterly filings and year-end package.",
    ),
    (
        "Substitute pool",
        PricingModel.FLAT_MONTHLY,
        "150.00",
        "Vetted substitute teachers on call, background checks included.",
    ),
    (
        "Joint purchasing",
        PricingModel.FLAT_MONTHLY,
        "40.00",
        "Alliance prices on food, supplies, insurance and equipment.",
    ),
    (
        "Coaching",
        PricingModel.FLAT_MONTHLY,
        "120.00",
        "Monthly visits by a Hub coach on business practices and classroom quality.",
    ),
    (
        "QRIS support",
        PricingModel.FLAT_MONTHLY,
        "75.00",
        "Help preparing for QRIS rating visits and improvement plans.",
    ),
    (
        "Paper invoicing",
        PricingModel.FLAT_MONTHLY,
        "60.00",
        "Printed and mailed family invoices. Replaced by online billing.",
    ),
]
RETIRED = {"Paper invoicing"}

FIRST_NAMES = [
    "Maria",
    "James",
    "Aisha",
    "Chen",
    "Olivia",
    "DeShawn",
    "Priya",
    "Luis",
    "Hannah",
    "Tomas",
    "Keisha",
    "Ahmed",
    "Grace",
    "Mateo",
    "Lena",
    "Samuel",
    "Yuki",
    "Fatima",
    "Noah",
    "Rosa",
    "Elijah",
    "Amara",
    "Sofia",
    "Jamal",
    "Ingrid",
    "Kwame",
    "Lucia",
    "Ethan",
    "Mei",
    "Carmen",
]
LAST_NAMES = [
    "Lopez",
    "Johnson",
    "Okafor",
    "Nguyen",
    "Smith",
    "Garcia",
    "Patel",
    "Brown",
    "Kowalski",
    "Williams",
    "Haddad",
    "Kim",
    "Martinez",
    "Davis",
    "Abernathy",
    "Chen",
    "Rossi",
    "Mensah",
    "Olsen",
    "Rivera",
    "Thompson",
    "Yamada",
    "Diaz",
    "Novak",
    "Bianchi",
    "Ali",
    "Walker",
    "Moreno",
    "Fischer",
    "Owusu",
]
STREETS = [
    "Main St",
    "Oak Ave",
    "River Rd",
    "Maple St",
    "Cedar Ln",
    "Elm St",
    "Park Blvd",
    "Mill Rd",
    "Hillcrest Dr",
    "Lincoln Ave",
    "Church St",
    "Sunset Way",
]
REGION = {
    "riverbend": ("IL", ["Riverbend", "Fairview", "Millbrook", "Oak Park"], "618"),
    "cascade": ("WA", ["Cascade Falls", "Pine Hollow", "Summit"], "509"),
}

# Members that joined within the demo's history (months before this one), and so have figures of
# before they joined: their baseline for "since joining" (metrics/baselines.py). The Hub took on their
# earlier months (enrollments, invoices, payments, costs) when they joined. The others joined years
# before the history begins: they have no baseline, and the value pages and the impact report say so.
JOINED_IN_HISTORY = {
    "Maple Street Child Care": 6,
    "Riverside Early Learning": 8,
    "Nguyen Home Daycare": 5,
    "Okafor Family Child Care": 7,
    "Cedar Grove Children's Center": 7,
    "Alvarez Family Child Care": 8,
    "Pine Hollow Home Care": 6,
}
OPENED_BEFORE_JOINING_MONTHS = 36  # a member that joined lately had run for years before

# (age group, licensed capacity, children per staff member, room names)
CENTRE_ROOMS = [
    (AgeGroup.INFANT, 8, 4, ["Sprouts", "Ladybugs"]),
    (AgeGroup.TODDLER, 12, 6, ["Caterpillars", "Bumblebees"]),
    (AgeGroup.PRESCHOOL, 20, 10, ["Butterflies", "Dolphins", "Owls", "Rainbows", "Explorers"]),
    (AgeGroup.SCHOOL_AGE, 24, 15, ["Adventurers", "Trailblazers"]),
]


def _upsert(model: type[M], *, defaults: dict[str, Any], **lookup: Any) -> tuple[M, bool]:
    """update_or_create without a write when nothing changed: reruns stay cheap."""
    row = model.objects.filter(**lookup).first()  # type: ignore[attr-defined]
    if row is None:
        return model.objects.create(**lookup, **defaults), True  # type: ignore[attr-defined]
    changed = [name for name, value in defaults.items() if getattr(row, name) != value]
    for name in changed:
        setattr(row, name, defaults[name])
    if changed:
        row.save(update_fields=changed)
    return row, False


def _rng(*parts: str) -> random.Random:
    seed = int(hashlib.sha256(":".join(parts).encode()).hexdigest()[:12], 16)
    return random.Random(seed)


def _money(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def seed_members_demo(alliance: Alliance, programs_by_name: dict[str, MemberProgram]) -> None:
    """Fill the alliance's member programs with realistic data (call inside its scope)."""
    anchor = month_start(alliance_today())
    services = _seed_catalogue()
    used_licenses: set[str] = set()
    for name, program in programs_by_name.items():
        rng = _rng(alliance.slug, name)
        _seed_profile(alliance, program, rng, anchor, used_licenses)
        _seed_qris_history(program, _rng(alliance.slug, name, "qris"), anchor)
        _seed_sites_and_classrooms(program, rng, anchor)
        if program.status == ProgramStatus.APPLICANT:
            continue  # applying: no staff, costs or agreements on file yet
        _seed_staff(program, rng, anchor)
        _seed_costs(program, rng, anchor)
        _seed_agreements(program, services, rng, anchor)
        _seed_inspections(program, rng, anchor)
    centres = [
        p for p in programs_by_name.values() if p.kind == ProgramKind.CENTRE and p.status != ProgramStatus.APPLICANT
    ]
    if centres:
        _seed_profit_loss_import(centres[0], anchor)


def _seed_catalogue() -> dict[str, HubService]:
    services = {}
    for name, pricing, rate, description in CATALOGUE:
        services[name], _ = _upsert(
            HubService,
            name=name,
            defaults={
                "pricing_model": pricing,
                "rate": Decimal(rate),
                "description": description,
                "is_active": name not in RETIRED,
            },
        )
    return services


def _seed_profile(
    alliance: Alliance, program: MemberProgram, rng: random.Random, anchor: datetime.date, used_licenses: set[str]
) -> None:
    state, cities, area = REGION.get(alliance.slug, ("IL", ["Springfield"], "217"))
    centre = program.kind == ProgramKind.CENTRE
    capacity = rng.choice(range(40, 151, 2)) if centre else rng.choice([6, 8, 8, 10, 12, 12])
    prefix = "CC" if centre else "FH"
    license_number = f"{prefix}-{rng.randrange(100000, 999999)}"
    while license_number in used_licenses:
        license_number = f"{prefix}-{rng.randrange(100000, 999999)}"
    used_licenses.add(license_number)
    director_first, director_last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    if not centre:  # a family home is run by its owner, whose name it usually carries
        director_last = program.name.split()[0]
    joined = None if program.status == ProgramStatus.APPLICANT else add_months(anchor, -rng.randrange(14, 72))
    if joined and program.name in JOINED_IN_HISTORY:
        joined = add_months(anchor, -JOINED_IN_HISTORY[program.name])
    rating = rng.choice([None, 2, 3, 3, 4, 4, 5]) if program.status != ProgramStatus.APPLICANT else None
    accreditation, accreditation_expires = Accreditation.NONE, None
    if rating and rating >= 4 and rng.random() < 0.6:
        accreditation = Accreditation.NAEYC if centre else Accreditation.NAFCC
        accreditation_expires = anchor + datetime.timedelta(days=rng.choice([40, 300, 700, 1000]))
    status_changed = joined
    if program.status == ProgramStatus.PAUSED:
        status_changed = add_months(anchor, -2)
    legal_suffix = "LLC" if centre else "(sole proprietor)"
    fields: dict[str, Any] = {
        "legal_name": f"{program.name} {legal_suffix}"
        if centre
        else f"{director_first} {director_last} {legal_suffix}",
        "license_number": license_number,
        "licensed_capacity": capacity,
        "street": f"{rng.randrange(100, 9900)} {rng.choice(STREETS)}",
        "city": rng.choice(cities),
        "region": state,
        "postal_code": f"{rng.randrange(10000, 99999)}",
        "phone": f"({area}) 555-{rng.randrange(1000, 9999)}",
        "director_name": f"{director_first} {director_last}",
        "director_email": f"{director_first.lower()}@{program.name.split()[0].lower()}.example",
        "director_phone": f"({area}) 555-{rng.randrange(1000, 9999)}",
        "joined_on": joined,
        "status_changed_on": status_changed,
        "qris_rating": rating,
        "qris_rated_on": add_months(anchor, -rng.randrange(2, 30)) if rating else None,
        "accreditation": accreditation,
        "accreditation_expires_on": accreditation_expires,
        # A home's owner works in it: about half the homes declare what that labour is worth a month, the others
        # count the alliance's local median wage for a home owner (not drawn from rng: the demo's other figures
        # stay as they were).
        "owner_monthly_wage": None
        if centre or len(program.name) % 2
        else Decimal(2400 + (sum(map(ord, program.name)) % 9) * 100),
    }
    for key, value in fields.items():
        setattr(program, key, value)
    program.save()


def _seed_qris_history(program: MemberProgram, rng: random.Random, anchor: datetime.date) -> None:
    """Earlier ratings before the current one: most members rated in the last year
    moved up a star (after QRIS support), some held, a few moved down. Rows are
    added only when missing (the history is append-only), oldest first."""
    if not program.qris_rating or not program.qris_rated_on:
        return
    current, rated_on = program.qris_rating, program.qris_rated_on
    recent = rated_on > add_months(anchor, -12)
    draw = rng.random()
    earlier: int | None = None
    if recent and current >= 3 and draw < 0.65:
        earlier = current - 1
    elif recent and current < 5 and draw > 0.9:
        earlier = current + 1
    elif draw < 0.8:
        earlier = current
    planned = [(month_start(add_months(rated_on, -36)), earlier, "Initial rating visit")] if earlier else []
    note = "Re-rating visit" if earlier is None or earlier >= current else "Re-rating visit after QRIS support"
    planned.append((rated_on, current, note))
    existing = set(QrisRating.objects.filter(program=program).values_list("rated_on", "rating"))
    for day, rating, note in planned:
        if (day, rating) not in existing:
            _qris_row(program, day, rating, note)
    timeline = qris_timelines([program.pk]).get(program.pk, [])
    if not timeline or (timeline[-1].rated_on, timeline[-1].rating) != (rated_on, current):
        _qris_row(program, rated_on, current, note)  # an older history ended elsewhere


def _qris_row(program: MemberProgram, day: datetime.date, rating: int, note: str) -> None:
    QrisRating.objects.create(
        alliance_id=program.alliance_id,
        program=program,
        rating=rating,
        rated_on=day,
        note=note,
        recorded_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(10))),
    )


def _seed_sites_and_classrooms(program: MemberProgram, rng: random.Random, anchor: datetime.date) -> None:
    opened = program.joined_on or add_months(anchor, -3)
    if program.joined_on and program.name in JOINED_IN_HISTORY:
        opened = add_months(program.joined_on, -OPENED_BEFORE_JOINING_MONTHS)
    if program.kind == ProgramKind.FAMILY_HOME:
        site, _ = _upsert(
            Site,
            program=program,
            name="Home",
            defaults={
                "street": program.street,
                "city": program.city,
                "region": program.region,
                "postal_code": program.postal_code,
                "opened_on": opened,
            },
        )
        room = _classroom(site, "Home group", AgeGroup.MIXED, 6, rng)
        _capacity_history(
            room,
            [(opened, program.licensed_capacity, program.licensed_capacity - rng.choice([0, 0, 1]), "License issued")],
        )
        return
    sites = [("Main building", program.street)]
    if program.licensed_capacity > 110:
        sites.append(("Annex", f"{rng.randrange(100, 9900)} {rng.choice(STREETS)}"))
    remaining = program.licensed_capacity
    room_plan: list[tuple[int, AgeGroup, int, int, str]] = []
    counters = {group: 0 for group, *_ in CENTRE_ROOMS}
    order = [0, 1, 2, 2, 3, 2, 1, 2, 0, 3, 2]
    if "Infant" in program.name:  # an infant-toddler centre takes no older children
        order = [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1]
    i = 0
    while remaining >= 8 and i < len(order):
        group, size, ratio, names = CENTRE_ROOMS[order[i]]
        size = min(size, remaining)
        if size >= 6:
            room_name = names[counters[group] % len(names)]
            counters[group] += 1
            room_plan.append((len(room_plan) % len(sites), group, size, ratio, room_name))
            remaining -= size
        i += 1
    for index, (site_name, street) in enumerate(sites):
        site, _ = _upsert(
            Site,
            program=program,
            name=site_name,
            defaults={
                "street": street,
                "city": program.city,
                "region": program.region,
                "postal_code": program.postal_code,
                "opened_on": opened if index == 0 else add_months(anchor, -10),
            },
        )
        site_rooms = [r for r in room_plan if r[0] == index]
        for number, (_, group, size, ratio, room_name) in enumerate(site_rooms):
            room = _classroom(site, room_name, group, ratio, rng)
            history = [(site.opened_on or opened, size, size - rng.choice([0, 0, 1, 2]), "Classroom opened")]
            if number == 0 and index == 0 and group == AgeGroup.INFANT:
                # A mid-year change shows in the history: the room was cut by two.
                history.append(
                    (
                        add_months(anchor, -5),
                        size - 2,
                        size - 2,
                        "Licensing visit: one crib space removed per 35 sq ft rule",
                    )
                )
            elif number == 1 and group == AgeGroup.PRESCHOOL:
                history.append((add_months(anchor, -4), size + 2, size, "Renovation added floor space"))
            _capacity_history(room, history)


def _classroom(site: Site, name: str, group: str, ratio: int, rng: random.Random) -> Classroom:
    school_age = group == AgeGroup.SCHOOL_AGE
    room, _ = _upsert(
        Classroom,
        site=site,
        name=name,
        defaults={
            "age_group": group,
            "children_per_staff": ratio,
            "operating_days": [0, 1, 2, 3, 4],
            "opens_at": datetime.time(15, 0) if school_age else datetime.time(rng.choice([6, 7]), rng.choice([0, 30])),
            "closes_at": datetime.time(18, rng.choice([0, 0, 30])),
        },
    )
    return room


def _capacity_history(room: Classroom, rows: list[tuple[datetime.date, int, int, str]]) -> None:
    planned = set()
    for effective_from, licensed, desired, reason in rows:
        planned.add(effective_from)
        _upsert(
            ClassroomCapacity,
            classroom=room,
            effective_from=effective_from,
            defaults={"licensed_capacity": licensed, "desired_capacity": min(desired, licensed), "reason": reason},
        )
    # Rows the seed made in an earlier month with other anchor dates.
    ClassroomCapacity.objects.filter(classroom=room).exclude(effective_from__in=planned).delete()


def _person(rng: random.Random, used: set[tuple[str, str]]) -> tuple[str, str]:
    while True:
        name = (rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES))
        if name not in used:
            used.add(name)
            return name


def _seed_staff(program: MemberProgram, rng: random.Random, anchor: datetime.date) -> None:
    joined = program.joined_on or anchor
    if program.name in JOINED_IN_HISTORY:  # the director or owner ran it before it joined
        joined = add_months(joined, -OPENED_BEFORE_JOINING_MONTHS)
    used: set[tuple[str, str]] = set()
    plan: list[dict[str, Any]] = []

    def hourly(position: str, category: str, low: float, high: float, fte: str) -> None:
        plan.append(
            {
                "position": position,
                "category": category,
                "pay_basis": PayBasis.HOURLY,
                "hourly_wage": _money(rng.uniform(low, high)),
                "annual_salary": None,
                "fte": Decimal(fte),
            }
        )

    if program.kind == ProgramKind.FAMILY_HOME:
        owner_first, owner_last = program.director_name.split(" ", 1)
        used.add((owner_first, owner_last))
        plan.append(
            {
                "first_name": owner_first,
                "last_name": owner_last,
                "position": "Owner and provider",
                "category": StaffCategory.CLASSROOM,
                "pay_basis": PayBasis.SALARY,
                "hourly_wage": None,
                "annual_salary": _money(rng.randrange(34000, 46000, 500)),
                "fte": Decimal("1.00"),
            }
        )
        if program.licensed_capacity > 8:
            hourly("Assistant", StaffCategory.CLASSROOM, 14.5, 16.5, "0.75")
    else:
        director_first, director_last = program.director_name.split(" ", 1)
        used.add((director_first, director_last))
        plan.append(
            {
                "first_name": director_first,
                "last_name": director_last,
                "position": "Director",
                "category": StaffCategory.ADMINISTRATION,
                "pay_basis": PayBasis.SALARY,
                "hourly_wage": None,
                "annual_salary": _money(rng.randrange(52000, 70000, 500)),
                "fte": Decimal("1.00"),
            }
        )
        if program.licensed_capacity > 70:
            hourly("Office manager", StaffCategory.ADMINISTRATION, 19, 23, "1.00")
        hourly("Cook", StaffCategory.ADMINISTRATION, 15, 17.5, "0.75")
        rooms = Classroom.objects.filter(site__program=program).count()
        for _ in range(rooms):
            hourly("Lead teacher", StaffCategory.CLASSROOM, 17, 22.5, "1.00")
            hourly("Assistant teacher", StaffCategory.CLASSROOM, 14, 16.75, rng.choice(["1.00", "1.00", "0.75"]))
        hourly("Floater", StaffCategory.CLASSROOM, 14, 16, "0.50")
    for index, row in enumerate(plan):
        first, last = (row.pop("first_name"), row.pop("last_name")) if "first_name" in row else _person(rng, used)
        started = (
            max(joined - datetime.timedelta(days=rng.randrange(0, 900)), datetime.date(2012, 1, 1))
            if index == 0
            else add_months(anchor, -rng.randrange(1, 40))
        )
        member, _ = _upsert(
            StaffMember,
            program=program,
            first_name=first,
            last_name=last,
            defaults={
                **row,
                "email": f"{first.lower()}.{last.lower()}@staff.example",
                "benefits_annual": _money(rng.randrange(0, 6000, 250) if row["fte"] >= 1 else 0),
                "started_on": started,
                "ended_on": None,
            },
        )
        _seed_credentials(member, rng, anchor)
    if program.kind == ProgramKind.CENTRE:
        first, last = _person(rng, used)
        _upsert(
            StaffMember,
            program=program,
            first_name=first,
            last_name=last,
            defaults={
                "position": "Assistant teacher",
                "category": StaffCategory.CLASSROOM,
                "pay_basis": PayBasis.HOURLY,
                "hourly_wage": _money(rng.uniform(14, 16)),
                "annual_salary": None,
                "fte": Decimal("1.00"),
                "benefits_annual": Decimal("0.00"),
                "email": f"{first.lower()}.{last.lower()}@staff.example",
                "started_on": add_months(anchor, -20),
                "ended_on": add_months(anchor, -3) - datetime.timedelta(days=1),
            },
        )


def _seed_credentials(member: StaffMember, rng: random.Random, anchor: datetime.date) -> None:
    # Expiry spread over the next two years; some inside the 60-day window, a few lapsed.
    offset = rng.choice([-25, 50, 75, 130, 250, 400, 520, 640, 700])
    expires = anchor + datetime.timedelta(days=offset)
    _upsert(
        Credential,
        staff=member,
        name="Pediatric CPR & First Aid",
        defaults={
            "identifier": f"AHA-{rng.randrange(100000, 999999)}",
            "issued_on": min(expires - datetime.timedelta(days=730), anchor),
            "expires_on": expires,
        },
    )
    if member.position in ("Lead teacher", "Director", "Owner and provider"):
        issued = add_months(anchor, -rng.randrange(6, 30))
        _upsert(
            Credential,
            staff=member,
            name="Child Development Associate (CDA)",
            defaults={
                "identifier": f"CDA-{rng.randrange(10000, 99999)}",
                "issued_on": issued,
                "expires_on": issued + datetime.timedelta(days=3 * 365),
            },
        )
    if member.position == "Cook":
        issued = add_months(anchor, -rng.randrange(3, 30))
        _upsert(
            Credential,
            staff=member,
            name="Food handler permit",
            defaults={"identifier": "", "issued_on": issued, "expires_on": issued + datetime.timedelta(days=3 * 365)},
        )


def _seed_costs(program: MemberProgram, rng: random.Random, anchor: datetime.date) -> None:
    """The history's thirteen complete months (metrics.rollups.history_range), so every rolled-up month,
    before joining too, has its costs. Centres enter personnel; homes let the roster compute it."""
    slots = program.licensed_capacity
    centre = program.kind == ProgramKind.CENTRE
    base = {
        CostCategory.OCCUPANCY: slots * rng.uniform(55, 80) if centre else rng.uniform(400, 700),
        CostCategory.FOOD: slots * 0.85 * 21 * rng.uniform(2.3, 2.9),
        CostCategory.SUPPLIES: slots * rng.uniform(8, 14),
        CostCategory.INSURANCE: rng.uniform(600, 1500) if centre else rng.uniform(90, 160),
        CostCategory.OTHER: rng.uniform(300, 1200) if centre else rng.uniform(50, 200),
    }
    months = months_back(13, until=anchor - datetime.timedelta(days=1))
    existing = {(c.month, c.category): c for c in MonthlyCost.objects.filter(program=program, month__in=months)}
    create, update = [], []
    for month in months:
        amounts = {c: _money(v * rng.uniform(0.92, 1.08)) for c, v in base.items()}
        if centre:
            roster = personnel_cost_from_roster(program, month).total
            amounts[CostCategory.PERSONNEL] = _money(float(roster) * rng.uniform(0.97, 1.05))
        for category, amount in amounts.items():
            row = existing.get((month, category))
            if row is None:
                # bulk_create skips TenantModel.save, so the alliance is set here.
                create.append(
                    MonthlyCost(
                        alliance_id=program.alliance_id, program=program, month=month, category=category, amount=amount
                    )
                )
            elif row.amount != amount:
                row.amount = amount
                update.append(row)
    MonthlyCost.objects.bulk_create(create)
    MonthlyCost.objects.bulk_update(update, ["amount"])


def _seed_agreements(
    program: MemberProgram, services: dict[str, HubService], rng: random.Random, anchor: datetime.date
) -> None:
    joined = program.joined_on or anchor
    chosen = ["Billing & fee collection", "Bookkeeping & payroll", "Joint purchasing"]
    if program.kind == ProgramKind.CENTRE:
        chosen.append("Enrollment & waitlist management")
        if rng.random() < 0.6:
            chosen.append("Substitute pool")
    if not program.qris_rating or program.qris_rating <= 3:
        chosen.append("QRIS support")
    chosen.append("Coaching")
    for name in chosen:
        service = services[name]
        starts = joined if name != "Coaching" else add_months(anchor, -10)
        ends = None
        if name == "Coaching" and rng.random() < 0.5:
            ends = add_months(anchor, -2) - datetime.timedelta(days=1)  # a finished engagement
        rate = service.rate
        if name == "Bookkeeping & payroll" and program.kind == ProgramKind.FAMILY_HOME:
            rate = Decimal("150.00")  # the Hub's reduced rate for family homes
        _upsert(
            ServiceSubscription,
            program=program,
            service=service,
            defaults={
                "pricing_model": service.pricing_model,
                "rate": rate,
                "starts_on": max(starts, joined),
                "ends_on": ends,
                "note": "Family-home rate" if rate != service.rate else "",
            },
        )


def _seed_inspections(program: MemberProgram, rng: random.Random, anchor: datetime.date) -> None:
    routine_on = add_months(anchor, -rng.randrange(2, 11)) + datetime.timedelta(days=9)
    outcome = rng.choice([InspectionOutcome.COMPLIANT, InspectionOutcome.COMPLIANT, InspectionOutcome.FINDINGS])
    findings = (
        ""
        if outcome == InspectionOutcome.COMPLIANT
        else rng.choice(
            [
                "Two staff files missing current TB test results.",
                "Outdoor play area gate latch below required height.",
                "Sign-in sheet not initialled by parents on three days.",
            ]
        )
    )
    _upsert(
        LicensingInspection,
        program=program,
        inspection_type=InspectionType.ROUTINE,
        defaults={
            "inspected_on": routine_on,
            "outcome": outcome,
            "findings": findings,
            "corrective_action_due": routine_on + datetime.timedelta(days=30) if findings else None,
            "corrected_on": routine_on + datetime.timedelta(days=rng.randrange(5, 25)) if findings else None,
        },
    )
    renewal_on = add_months(anchor, -rng.randrange(13, 30)) + datetime.timedelta(days=14)
    _upsert(
        LicensingInspection,
        program=program,
        inspection_type=InspectionType.RENEWAL,
        defaults={
            "inspected_on": renewal_on,
            "outcome": InspectionOutcome.COMPLIANT,
            "findings": "",
            "corrective_action_due": None,
            "corrected_on": None,
        },
    )


PROFIT_LOSS_ACCOUNTS = [
    # (parent, account, its category, the Hub category it adds to, its share of that category)
    ("Payroll Expenses", "Salaries - Teachers", "classroom_personnel", CostCategory.PERSONNEL, Decimal("0.78")),
    ("Payroll Expenses", "Salaries - Director", "admin_personnel", CostCategory.PERSONNEL, None),
    ("", "Rent or Lease", "occupancy", CostCategory.OCCUPANCY, None),
    ("", "Food", "food", CostCategory.FOOD, None),
    ("", "Classroom Supplies", "supplies", CostCategory.SUPPLIES, None),
    ("", "Insurance", "insurance", CostCategory.INSURANCE, None),
    ("", "Bank Charges", "other", CostCategory.OTHER, None),
]


def _seed_profit_loss_import(program: MemberProgram, anchor: datetime.date) -> None:
    """A QuickBooks-shaped profit and loss report of the program's last three complete months, written
    from its own costs, with its accounts mapped and imported: the costs tab links to what the import did
    (nothing changed, the figures being the Hub's), and the next report finds its accounts chosen."""
    from alliance.csvsafe import csv_text
    from members.imports import import_batch_commit
    from members.imports_profit_loss import cost_accounts_map, profit_loss_batch_create
    from members.models import ImportBatch, ImportKind

    if ImportBatch.objects.filter(program=program, kind=ImportKind.PROFIT_LOSS).exists():
        return
    months = months_back(3, until=anchor - datetime.timedelta(days=1))
    held = {(c.month, c.category): c.amount for c in MonthlyCost.objects.filter(program=program, month__in=months)}
    if not all((m, c) in held for m in months for c in CostCategory.values):
        return
    rows: list[list[str]] = [[program.name], ["Profit and Loss"], [f"{months[0]:%B} - {months[-1]:%B %Y}"], []]
    rows += [["", *(f"{m:%b %Y}" for m in months), "Total"], ["Expenses"], ["   Payroll Expenses"]]
    for parent, account, _, category, share in PROFIT_LOSS_ACCOUNTS:
        amounts = []
        for month in months:
            amount = held[(month, category)]
            teachers = _money(amount * PROFIT_LOSS_ACCOUNTS[0][4])  # type: ignore[operator]
            if share is not None:
                amount = teachers
            elif account == "Salaries - Director":
                amount = amount - teachers
            amounts.append(amount)
        indent = "      " if parent else "   "
        rows.append([indent + account, *(f"{a:,.2f}" for a in amounts), f"{sum(amounts):,.2f}"])
        if account == "Salaries - Director":
            rows.append(["   Total for Payroll Expenses"])
    rows += [["Total for Expenses"], ["Net Income"]]
    batch = profit_loss_batch_create(
        actor=None, program=program, filename="Profit_and_Loss.csv", raw=csv_text(rows).encode()
    )
    cost_accounts_map(
        actor=None,
        batch=batch,
        choices={(f"{p}:{a}" if p else a): choice for p, a, choice, _, _ in PROFIT_LOSS_ACCOUNTS},
    )
    import_batch_commit(actor=None, batch=batch)
