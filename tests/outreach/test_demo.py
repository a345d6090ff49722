"""The outreach demo: published listings with places for a 2-year-old, inquiries
in every state; running it again changes nothing."""

from __future__ import annotations

import pytest

from alliance.dates import alliance_today
from alliance.tenancy import alliance_scope
from members.models import AgeGroup
from outreach.demo import seed_outreach_demo
from outreach.models import FamilySignInLink, Inquiry, PublicListing
from outreach.selectors import outreach_figures, public_programs
from tests.factories import AllianceFactory, MemberProgramFactory
from tests.members.factories import SiteFactory, classroom


@pytest.fixture
def demo_town(db):
    """Four centres with their rooms (the members demo's shape, without its history: the
    whole seed_demo is tested in tests/alliance/test_seed_demo.py)."""
    alliance = AllianceFactory(slug="demo-town", name="Demo Town")
    opened = alliance_today(alliance).replace(year=alliance_today(alliance).year - 2)
    for number, city in enumerate(["Riverbend", "Millbrook", "Fairview", "Oak Park"]):
        program = MemberProgramFactory(alliance=alliance, name=f"Centre {number}", city=city)
        site = SiteFactory(program=program, city=city)
        for group, size in ((AgeGroup.INFANT, 8), (AgeGroup.TODDLER, 12), (AgeGroup.PRESCHOOL, 16)):
            classroom(site, name=f"{group} room", age_group=group, licensed=size, opened_on=opened)
    return alliance


def counts() -> dict[str, int]:
    return {
        "listings": PublicListing.objects.count(),
        "published": PublicListing.objects.filter(published=True).count(),
        "inquiries": Inquiry.objects.count(),
        "links": FamilySignInLink.objects.count(),
    }


def test_the_demo_publishes_places_for_two_year_olds_and_is_idempotent(demo_town):
    with alliance_scope(demo_town.pk):
        first_result = seed_outreach_demo(demo_town)
        first = counts()
        seed_outreach_demo(demo_town)
        assert counts() == first
        today = alliance_today(demo_town)
        programs = public_programs(today=today, child_age_group=AgeGroup.TODDLER)
        every = public_programs(today=today)
        figures = outreach_figures()
        statuses = set(Inquiry.objects.values_list("closed_reason", flat=True))
    assert first["listings"] == 4
    assert first["published"] == 3
    assert first_result["inquiries_added"] == first["inquiries"] >= 10
    toddler_places = [(p.name, o) for p in programs for o in p.openings or [] if o.is_open]
    assert toddler_places, "no published place for a 2-year-old in the demo"
    assert any(p.openings is None for p in every), "one listing hides its places"
    assert figures.received >= 10
    assert figures.contacted >= 5
    assert figures.median_hours_to_contact is not None
    assert figures.enrolled >= 1
    assert {"spam", "found_care"} <= statuses
