"""Every main list page of a new alliance says what to do next and links to the page that does it
(the one include, templates/includes/empty_state.html)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from alliance.models import Role
from tests.conftest import signed_in
from tests.factories import AllianceFactory, MemberProgramFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh(db):  # type: ignore[no-untyped-def]
    alliance = AllianceFactory(name="New Town", slug="new-town")
    return alliance, signed_in(member(alliance, Role.HUB_ADMIN))


def page(client, name: str, *args: object) -> str:  # type: ignore[no-untyped-def]
    response = client.get(reverse(name, args=list(args)))
    assert response.status_code == 200, name
    return response.content.decode()


@pytest.mark.parametrize(
    ("name", "message", "link"),
    [
        ("members:program_list", "The alliance has no member programs yet.", "members:program_create"),
        ("enrollment:family_list", "No families yet.", "today:start"),
        ("enrollment:enrollment_list", "No enrollment matches these filters.", "today:start"),
        ("enrollment:waitlist", "Nobody on the waitlist matches these filters.", "enrollment:waitlist_apply"),
        ("billing:invoice_list", "No invoice matches.", "billing:run_preview"),
        ("billing:rate_plan_list", "No rate plans yet.", "billing:rate_plan_create"),
        ("outreach:inquiry_list", "No inquiry here.", None),
    ],
)
def test_an_empty_list_says_what_to_do_and_links_to_it(fresh, name, message, link):
    alliance, client = fresh
    body = page(client, name, alliance.slug)
    assert 'class="empty-state"' in body
    assert message in body
    if link:
        assert f'href="{reverse(link, args=[alliance.slug])}"' in body


def test_a_new_members_staff_and_costs_pages_link_their_imports(fresh):
    alliance, client = fresh
    program = MemberProgramFactory(alliance=alliance, name="Little Oaks")
    staff = page(client, "members:program_staff", alliance.slug, program.pk)
    assert "No staff on the roster yet." in staff
    assert reverse("members:import_upload", args=[alliance.slug, program.pk, "staff"]) in staff
    costs = page(client, "members:program_costs", alliance.slug, program.pk)
    assert "No costs entered yet." in costs
    assert reverse("members:import_upload", args=[alliance.slug, program.pk, "costs"]) in costs
    # The member's profile leads to its getting-started steps, the first to do being its classrooms.
    profile = page(client, "members:program_detail", alliance.slug, program.pk)
    assert "Getting started: 0 of 7 done" in profile
    assert reverse("today:program_start", args=[alliance.slug, program.pk]) in profile


def test_a_providers_empty_family_list_links_their_own_import(fresh):
    alliance, _ = fresh
    program = MemberProgramFactory(alliance=alliance, name="Little Oaks")
    provider = signed_in(member(alliance, Role.PROVIDER, program=program))
    body = page(provider, "enrollment:family_list", alliance.slug)
    assert "No families yet." in body
    assert reverse("members:import_upload", args=[alliance.slug, program.pk, "families"]) in body
