"""The alliance's age groups: read by hub staff, changed by the hub administrator."""

from __future__ import annotations

import html

from alliance.models import AuditEvent
from enrollment.models import AgeBand
from tests.enrollment.factories import ChildFactory, FamilyFactory, entry, months_before


def bands(**overrides: int) -> dict[str, int]:
    data = {
        "infant_min": 0,
        "infant_max": 18,
        "toddler_min": 18,
        "toddler_max": 36,
        "preschool_min": 36,
        "preschool_max": 60,
        "school_age_min": 60,
        "school_age_max": 156,
    }
    return {**data, **overrides}


def test_the_administrator_moves_the_toddler_line_and_waiting_children_follow(world, clients, in_a, today):
    child = ChildFactory(family=FamilyFactory(alliance=world.a), date_of_birth=months_before(today, 16))
    waiting = entry(child, program=world.x, added_on=today, desired_start=today)
    waiting.age_group_at_start = "infant"
    with in_a():
        waiting.save()
    response = clients.admin_a.post(f"/a/{world.a.slug}/age-groups/", bands(infant_max=15, toddler_min=15))
    assert response.status_code == 302
    with in_a():
        waiting.refresh_from_db()
        event = AuditEvent.objects.get(action="age_bands.updated")
        assert AgeBand.objects.get(age_group="toddler").min_months == 15
    assert waiting.age_group_at_start == "toddler"
    assert event.after["bands"][0] == {"age_group": "infant", "min_months": 0, "max_months": 15}


def test_bands_must_follow_one_another(world, clients, in_a):
    response = clients.admin_a.post(f"/a/{world.a.slug}/age-groups/", bands(toddler_min=20))
    assert "The toddler band must start at 18 months, where the infant band ends." in html.unescape(
        response.content.decode()
    )
    with in_a():
        assert not AgeBand.objects.exists()


def test_it_validates_ownership(world, clients):
    path = f"/a/{world.a.slug}/age-groups/"
    assert clients.staff_a.get(path).status_code == 200
    assert clients.staff_a.post(path, bands()).status_code == 403
    assert clients.provider_x.get(path).status_code == 403
    assert clients.admin_b.get(path).status_code == 404


def test_the_default_bands_apply_until_the_alliance_sets_its_own(world, clients):
    page = html.unescape(clients.staff_a.get(f"/a/{world.a.slug}/age-groups/").content.decode())
    assert "0 months to under 18 months" in page
    assert "5 years to under 13 years" in page
