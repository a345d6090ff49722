"""Fixtures of the outreach tests, on top of tests/conftest.py's `world` and `clients`.

Alliance A: program X (Riverbend) has a toddler room of 12 with one child in
it and an infant room, and carries private data the public page must never
show (a child, a guardian, a staff member, costs, its director, its license
number, notes); program Y (Millbrook) has a preschool room and hides its open
places and phone; "Hidden Haven" (Riverbend) has a toddler room but is not
published. Alliance B: program Z, published, with a toddler room.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client

from alliance.tenancy import alliance_scope
from enrollment.rules import DEFAULT_BANDS
from members.models import AgeGroup, ProgramKind
from outreach.models import PublicListing
from outreach.services import ChildRequest, family_sign_in_link_send, inquiry_submit
from tests.enrollment.factories import ChildFactory, FamilyFactory, GuardianFactory, enroll, months_before
from tests.factories import MemberProgramFactory
from tests.members.factories import MonthlyCostFactory, SiteFactory, StaffMemberFactory, classroom

OPENED = datetime.date(2024, 1, 1)
PRIVATE = [
    "Zelda",
    "Quixote",
    "Stanislav",
    "Staffer",
    "98765.43",
    "98,765.43",
    "Dana Directrice",
    "dana@x-private.example",
    "LIC-SECRET-77",
    "A note only the Hub reads",
    "gwen@quixote.example",
]


def publish(program, **fields: Any) -> PublicListing:  # type: ignore[no-untyped-def]
    with alliance_scope(program.alliance_id):
        return PublicListing.objects.create(
            alliance_id=program.alliance_id, program=program, published=fields.pop("published", True), **fields
        )


@pytest.fixture
def care(world, today):
    with alliance_scope(world.a.pk):
        x = world.x
        x.city, x.street, x.phone = "Riverbend", "12 Oak Ave", "(555) 300-1000"
        x.director_name, x.director_email = "Dana Directrice", "dana@x-private.example"
        x.license_number, x.notes = "LIC-SECRET-77", "A note only the Hub reads"
        x.qris_rating, x.qris_rated_on = 4, datetime.date(2025, 3, 1)
        x.save()
        y = world.y
        y.city, y.phone = "Millbrook", "(555) 300-2000"
        y.save()
    site_x = SiteFactory(program=world.x, name="X main", city="Riverbend")
    hidden = MemberProgramFactory(alliance=world.a, name="Hidden Haven", kind=ProgramKind.FAMILY_HOME, city="Riverbend")
    rooms = SimpleNamespace(
        toddlers=classroom(
            site_x, name="Toddler Room", age_group=AgeGroup.TODDLER, licensed=12, children_per_staff=6, opened_on=OPENED
        ),
        infants=classroom(
            site_x, name="Infant Room", age_group=AgeGroup.INFANT, licensed=8, children_per_staff=4, opened_on=OPENED
        ),
        preschool_y=classroom(
            SiteFactory(program=world.y, name="Y main", city="Millbrook"),
            name="Y Preschool",
            age_group=AgeGroup.PRESCHOOL,
            licensed=20,
            opened_on=OPENED,
        ),
        hidden=classroom(
            SiteFactory(program=hidden, name="Home", city="Riverbend"),
            name="Home group",
            age_group=AgeGroup.MIXED,
            licensed=6,
            children_per_staff=6,
            opened_on=OPENED,
        ),
        room_z=classroom(
            SiteFactory(program=world.z, name="Z main", city="Riverbend"),
            name="Z Room",
            age_group=AgeGroup.TODDLER,
            licensed=10,
            opened_on=OPENED,
        ),
    )
    quixote = FamilyFactory(alliance=world.a, name="Quixote family")
    GuardianFactory(family=quixote, first_name="Gwen", last_name="Quixote", email="gwen@quixote.example")
    zelda = ChildFactory(
        family=quixote, first_name="Zelda", last_name="Quixote", date_of_birth=months_before(today, 24)
    )
    enroll(zelda, rooms.toddlers, OPENED)
    StaffMemberFactory(program=world.x, first_name="Stanislav", last_name="Staffer")
    MonthlyCostFactory(program=world.x, amount=Decimal("98765.43"))
    listings = SimpleNamespace(
        x=publish(
            world.x,
            accepts_subsidy=True,
            languages="English, Spanish",
            description="Play-based rooms and a big garden.",
        ),
        y=publish(world.y, show_openings=False, show_phone=False, accepts_subsidy=False),
        hidden=publish(hidden, published=False),
        z=publish(world.z, accepts_subsidy=True),
    )
    return SimpleNamespace(rooms=rooms, listings=listings, hidden=hidden, zelda=zelda, world=world)


def two_year_old(today: datetime.date) -> datetime.date:
    """A date of birth in the toddler band (18 to 36 months) for the next three months."""
    assert DEFAULT_BANDS[1].age_group == AgeGroup.TODDLER
    return months_before(today, 24)


def inquiry_form(today: datetime.date, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "guardian_first_name": "Maya",
        "guardian_last_name": "Santos",
        "guardian_email": "maya@santos.example",
        "guardian_phone": "(555) 201-0000",
        "postal_code": "61801",
        "child1_first_name": "Leo",
        "child1_date_of_birth": two_year_old(today).isoformat(),
        "desired_start": (today + datetime.timedelta(days=7)).isoformat(),
        "weekdays": ["0", "1", "2", "3", "4"],
        "day_length": "full",
        "area": "Riverbend",
        "subsidy_status": "has",
        "consent_contact": "on",
        "website": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def submit_inquiry(alliance, today: datetime.date, **overrides: Any):  # type: ignore[no-untyped-def]
    """An inquiry through the service, as the public form makes it."""
    kwargs: dict[str, Any] = {
        "guardian_first_name": "Maya",
        "guardian_last_name": "Santos",
        "email": "maya@santos.example",
        "phone": "",
        "children": [ChildRequest("Leo", two_year_old(today))],
        "desired_start": today + datetime.timedelta(days=7),
        "weekdays": [0, 1, 2, 3, 4],
        "any_program": True,
        "subsidy_status": "no",
        "consent_contact": True,
    }
    kwargs.update(overrides)
    with alliance_scope(alliance.pk):
        return inquiry_submit(**kwargs)


def family_client(alliance, guardian) -> Client:  # type: ignore[no-untyped-def]
    """A browser signed in to the family page with a real one-time link."""
    with alliance_scope(alliance.pk):
        token = family_sign_in_link_send(guardian=guardian, link_url=lambda t: t, sent_by=None)
    client = Client()
    response = client.post(f"/family/{alliance.slug}/sign-in/{token}/")
    assert response.status_code == 302
    assert response["Location"] == f"/family/{alliance.slug}/"
    return client
