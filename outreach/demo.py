"""Demo data of outreach: public listings of the active members (one kept off
the page, one hiding its open places), and a dozen inquiries of recent weeks
in every state (new, contacted, closed, enrolled) so the inbox and the
dashboard panel have figures.

Called by seed_demo inside each alliance's scope, after the enrollment and
billing demos. Idempotent: a listing is written only when the program has
none, an inquiry only when its guardian's email is not known yet.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from alliance.dates import add_months, alliance_today
from alliance.models import Alliance
from billing.models import FamilyAccount
from billing.selectors import accounts_with_balances
from enrollment.models import Guardian, WaitlistEntry
from enrollment.rules import classroom_takes
from enrollment.selectors import classroom_open_from, classrooms_for_enrollment
from enrollment.services import offer_accept, offer_create
from members.models import MemberProgram, ProgramStatus
from outreach.models import CloseReason, ContactMethod, Inquiry, MessageTemplate, PublicListing, SubsidyStatus
from outreach.services import ChildRequest, inquiry_close, inquiry_record_first_contact, inquiry_submit, listing_save

LANGUAGES = [
    "English",
    "English, Spanish",
    "English, Spanish",
    "English, Vietnamese",
    "English, Polish",
    "English, Arabic",
    "English, Spanish, Portuguese",
    "English, Yoruba",
]
DESCRIPTIONS = {
    "centre": [
        "Play-based rooms, a big fenced garden and meals cooked on site.",
        "Small groups, lots of outdoor time and a library corner in every room.",
        "Creative curriculum, music every day, and a nurse on staff.",
    ],
    "family_home": [
        "A warm home setting with mixed ages, like a big family.",
        "Home-cooked meals, a backyard garden and walks to the park.",
        "Small mixed-age group, flexible hours for shift workers.",
    ],
}
INQUIRY_DOMAIN = "inquiries.example"
# (first, last, child, child's age in months at start, days ago, hours to first contact or None, outcome)
INQUIRIES: list[tuple[str, str, str, int, int, float | None, str]] = [
    ("Maya", "Santos", "Leo", 26, 2, None, "new"),
    ("Omar", "Haddad", "Sami", 8, 4, None, "new"),
    ("Grace", "Kim", "Jun", 30, 6, 5.0, "contacted"),
    ("Lucia", "Moreno", "Ines", 40, 9, 20.0, "contacted"),
    ("Tom", "Olsen", "Freya", 14, 13, 30.0, "contacted"),
    ("Aisha", "Mensah", "Kofi", 46, 17, 3.5, "enrolled"),
    ("Ben", "Walker", "Ivy", 22, 24, 52.0, "closed:found_care"),
    ("Priya", "Patel", "Anya", 50, 30, 8.0, "enrolled"),
    ("Luis", "Rivera", "Mateo", 20, 38, 26.0, "contacted"),
    ("Hannah", "Novak", "Eli", 34, 45, 70.0, "closed:not_interested"),
    ("Zed", "Spammer", "Bot", 30, 50, None, "closed:spam"),
    ("Keisha", "Brown", "Jada", 28, 60, 12.0, "contacted"),
]


def seed_outreach_demo(alliance: Alliance) -> dict[str, Any]:
    rng = random.Random(f"hub-outreach-demo:{alliance.slug}")
    listings = _seed_listings(rng)
    inquiries = _seed_inquiries(alliance, rng)
    templates = _seed_message_templates()
    tours = _seed_tours()
    return {
        "message_templates": templates,
        "tour_slots_added": tours,
        "published": PublicListing.objects.filter(published=True).count(),
        "listings_added": listings,
        "inquiries_added": inquiries,
        "inquiries": Inquiry.objects.count(),
        "family_page_email": _family_with_statements(),
        "kiosk_pins": _seed_kiosk_pins(alliance),
    }


# The door kiosk's demo PINs, given to the first families by name of the alliance's first program (the
# demo provider's) with a child enrolled today (README, "Demo sign-ins"). A rerun leaves a PIN as it is.
DEMO_KIOSK_PINS = ["2468", "1357", "8024"]


def _seed_kiosk_pins(alliance: Alliance) -> dict[str, str]:
    from enrollment.models import Enrollment, Family
    from outreach.kiosk import family_pin_set
    from outreach.models import FamilyPin

    program = MemberProgram.objects.order_by("pk").first()
    if program is None:
        return {}
    today = alliance_today(alliance)
    enrolled = Enrollment.objects.filter(program=program, start_date__lte=today).exclude(end_date__lt=today)
    families = Family.objects.filter(pk__in=enrolled.values("child__family_id")).order_by("name", "pk")
    shown = {}
    for pin, family in zip(DEMO_KIOSK_PINS, families[: len(DEMO_KIOSK_PINS)], strict=False):
        if not FamilyPin.objects.filter(family=family).exists():
            family_pin_set(actor=None, family=family, pin=pin)
        shown[pin] = f"{family.name} at {program.name}"
    return shown


DEMO_TEMPLATES = [
    (
        "Reply to an inquiry",
        "email",
        "Your inquiry #{inquiry_number} to {alliance}",
        "Hello {recipient},\n\nThank you for asking {alliance} about care for {child}. We would love to show you "
        "the programs that fit: reply with two times that suit you for a visit, or call us.\n\n{alliance}",
    ),
    (
        "Payment reminder",
        "email",
        "Your balance with {program}",
        "Hello {recipient},\n\nA friendly reminder: the balance on your account with {program} is {balance}. You "
        "can pay it by check or card at the program, or set up autopay on your family page.\n\n{alliance}",
    ),
    (
        "Offer reminder (text)",
        "text",
        "",
        "{alliance}: a place for {child} at {program} from {start_date} is waiting for your answer by {respond_by}.",
    ),
    (
        "Tour confirmation",
        "email",
        "Your tour of {program}",
        "Hello {recipient},\n\nYou are booked on a tour of {program} on {tour_day}, {tour_time}, at {tour_address}. "
        "Reply if the time does not suit you.\n\n{alliance}",
    ),
    (
        "Cover booking (text)",
        "text",
        "",
        "{alliance}: you are booked at {program}, {classroom}, on {cover_day} {cover_hours}. Reply if you cannot come.",
    ),
]


def _seed_message_templates() -> int:
    """The alliance's first message templates (once: kept if the Hub has changed them)."""
    added = 0
    for name, channel, subject, body in DEMO_TEMPLATES:
        _, created = MessageTemplate.objects.get_or_create(
            name=name, defaults={"channel": channel, "subject": subject, "body": body}
        )
        added += created
    return added


# (which demo program: 0 the demo provider's, 1 the next; days after next Monday; start; minutes; families)
DEMO_TOURS = [
    (0, 1, datetime.time(10, 0), 45, 2),
    (0, 3, datetime.time(16, 0), 30, 1),
    (1, 2, datetime.time(9, 30), 60, 3),
]


def _seed_tours() -> int:
    """Tours next week at two programs (the demo provider's first), one booked from a contacted
    inquiry (Grace Kim's), once: nothing when the alliance has tour slots already."""
    from alliance.models import Membership, Role
    from outreach.models import TourSlot
    from outreach.tours import tour_booking_create, tour_slot_create

    if TourSlot.objects.exists():
        return 0
    own = Membership.objects.filter(role=Role.PROVIDER, program__isnull=False).order_by("pk").first()
    active = MemberProgram.objects.filter(status=ProgramStatus.ACTIVE).order_by("pk")
    first = own.program if own is not None else active.first()
    second = active.exclude(pk=getattr(first, "pk", None)).first()
    if first is None or second is None:
        return 0
    today = alliance_today()
    monday = today + datetime.timedelta(days=7 - today.weekday())
    slots = [
        tour_slot_create(
            actor=None, program=(first, second)[which], day=monday + datetime.timedelta(days=after),
            starts_at=starts, minutes=minutes, capacity=families,
            note="Meet at the front door." if which == 0 else "",
        )
        for which, after, starts, minutes, families in DEMO_TOURS
    ]  # fmt: skip
    grace = Inquiry.objects.filter(guardian__email=f"grace.kim@{INQUIRY_DOMAIN}", closed_at__isnull=True).first()
    if grace is not None:
        tour_booking_create(actor=None, slot=slots[0], inquiry=grace)
    return len(slots)


def _seed_listings(rng: random.Random) -> int:
    added = 0
    programs = list(MemberProgram.objects.filter(status=ProgramStatus.ACTIVE).order_by("name"))
    have = set(PublicListing.objects.values_list("program_id", flat=True))
    for index, program in enumerate(programs):
        choice = rng.random()
        if program.pk in have:
            continue
        data: dict[str, Any] = {
            # One member keeps its listing private (publish or not is the member's choice).
            "published": index != 2 or len(programs) < 4,
            "description": rng.choice(DESCRIPTIONS.get(program.kind, DESCRIPTIONS["centre"])),
            "languages": rng.choice(LANGUAGES),
            "accepts_subsidy": choice < 0.8,
        }
        if index == 3:
            data["show_openings"] = False  # "ask about places"
        if program.kind == "family_home":
            data["show_address"] = False  # a family home gives its address once a family calls
        listing_save(actor=None, program=program, data=data)
        added += 1
    return added


def _born(months: int, start: datetime.date) -> datetime.date:
    return add_months(start.replace(day=min(start.day, 28)), -months)


def _seed_inquiries(alliance: Alliance, rng: random.Random) -> int:
    today = alliance_today()
    known = set(Guardian.objects.filter(email__iendswith="@" + INQUIRY_DOMAIN).values_list("email", flat=True))
    published = list(PublicListing.objects.filter(published=True).values_list("program_id", flat=True))
    areas = sorted({c for c in MemberProgram.objects.filter(pk__in=published).values_list("city", flat=True) if c})
    added = 0
    now = timezone.now()
    for first, last, child, months, days_ago, hours, outcome in INQUIRIES:
        email = f"{first.lower()}.{last.lower()}@{INQUIRY_DOMAIN}"
        if email in known:
            continue
        start = today + datetime.timedelta(days=rng.randrange(7, 60))
        received = now - datetime.timedelta(days=days_ago, hours=rng.randrange(0, 10))
        where: dict[str, Any] = {}
        kind = rng.random()
        if kind < 0.4 and published:
            where["program_ids"] = rng.sample(published, min(len(published), rng.randrange(1, 4)))
        elif kind < 0.75 and areas:
            where["area"] = rng.choice(areas)
        else:
            where["any_program"] = True
        try:
            inquiry = inquiry_submit(
                guardian_first_name=first,
                guardian_last_name=last,
                email=email,
                phone=f"(555) 0{rng.randrange(10, 99)}-{rng.randrange(1000, 9999)}",
                children=[ChildRequest(first_name=child, date_of_birth=_born(months, start))],
                desired_start=start,
                weekdays=[0, 1, 2, 3, 4],
                subsidy_status=rng.choice(SubsidyStatus.values),
                message="Looking for a warm place close to work." if rng.random() < 0.4 else "",
                consent_contact=True,
                received_at=received,
                **where,
            )
        except ValidationError:
            continue  # e.g. no age group for the child in this alliance's bands
        added += 1
        if hours is not None:
            inquiry_record_first_contact(
                actor=None,
                inquiry=inquiry,
                method=rng.choice([v for v, _ in ContactMethod.manual_choices()]),
                contacted_at=received + datetime.timedelta(hours=hours),
                note="Talked through the programs that fit.",
            )
        if outcome.startswith("closed:"):
            inquiry_close(actor=None, inquiry=inquiry, reason=CloseReason(outcome.split(":")[1]))
        elif outcome == "enrolled":
            _place(inquiry, today)
    return added


def _place(inquiry: Inquiry, today: datetime.date) -> None:
    """Offer the child a place through the services and accept it, as the Hub
    and the family would; skipped when no classroom has room."""
    entry = WaitlistEntry.objects.select_related("child").filter(child__family_id=inquiry.family_id).first()
    if entry is None:
        return
    start = max(entry.desired_start, today)
    for room in classrooms_for_enrollment():
        if not classroom_takes(room.age_group, entry.age_group_at_start):
            continue
        if not set(entry.weekdays) <= set(room.operating_days) or classroom_open_from(room, start) < entry.fte:
            continue
        try:
            offer = offer_create(
                actor=None,
                entry=entry,
                classroom=room,
                start_date=start,
                respond_by=min(start, today + datetime.timedelta(days=5)),
            )
            offer_accept(actor=None, offer=offer)
        except ValidationError:
            continue
        return


def _family_with_statements() -> str:
    """The email of a guardian whose family owes something, for trying the family page's statements."""
    with_balances = accounts_with_balances(FamilyAccount.objects.filter(family__isnull=False))
    # The django-stubs plugin does not see the annotations a helper adds (balance).
    accounts = with_balances.filter(balance__gt=Decimal("0")).order_by("pk")  # type: ignore[misc]
    for account in accounts[:50]:
        guardian = (
            Guardian.objects.filter(family_id=account.family_id)
            .exclude(email="")
            .order_by("-is_primary_contact", "pk")
            .first()
        )
        if guardian is not None:
            return guardian.email
    return ""
