"""The guided start: seven steps worked out from the data, on Today until done, on their own pages
and on each member's profile.

Worked example (tests/conftest.py's world: alliance A with programs X and Y, each with a provider
user, and no other data):
- At first 1 of 7 steps is done: providers (2 of 2 members have a provider user). Targets, members
  with classrooms (0 of 2), rosters (0 of 2), rate plans (0 of 2), an invoice run and a rollup are not.
- Targets set (metrics' service), a classroom in X and in Y: 3 of 7. X's roster imported from a file
  in the Hub's template (1 child) and Y's child enrolled by hand: 4 of 7. A rate plan in force for X
  only: still 4 of 7 ("1 of 2 members have a rate plan in force"); one for Y too: 5 of 7.
- A finished invoice run and the first rolled-up month make 7 of 7: the card leaves Today.
For program X (its provider and hub staff): targets, classrooms, roster and provider make 4 of 7
before its rate plan; an invoice of its own and its own rolled-up month are still to do.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from alliance.dates import alliance_today
from alliance.tenancy import alliance_scope
from billing.models import InvoiceRun, RunStatus
from members.imports import import_batch_commit, import_batch_create
from metrics.models import AllianceMonth
from metrics.services import targets_update
from tests.billing.factories import RatePlanFactory
from tests.enrollment.factories import ChildFactory, FamilyFactory, enroll, months_before
from tests.members.factories import SiteFactory, classroom

pytestmark = pytest.mark.django_db


def today_page(client, world) -> str:  # type: ignore[no-untyped-def]
    response = client.get(reverse("today:today", args=[world.a.slug]))
    assert response.status_code == 200
    return response.content.decode()


def start_page(client, world) -> str:  # type: ignore[no-untyped-def]
    response = client.get(reverse("today:start", args=[world.a.slug]))
    assert response.status_code == 200
    return response.content.decode()


def program_start(client, world, program) -> str:  # type: ignore[no-untyped-def]
    response = client.get(reverse("today:program_start", args=[world.a.slug, program.pk]))
    assert response.status_code == 200
    return response.content.decode()


def set_up_rooms_targets_and_rosters(world):  # type: ignore[no-untyped-def]
    today = alliance_today(world.a)
    with alliance_scope(world.a.pk):
        targets_update(actor=None, values={"target_occupancy": Decimal("0.9000")})
    room_x = classroom(SiteFactory(program=world.x), name="Sunflowers", age_group="preschool", licensed=20)
    room_y = classroom(SiteFactory(program=world.y), name="Acorns", age_group="preschool", licensed=20)
    born = months_before(today, 42)
    template = (
        "child_id,child_first_name,child_last_name,date_of_birth,classroom,start_date\n"
        f"C-1,Ava,Lopez,{born:%Y-%m-%d},Sunflowers,{today:%Y-%m-%d}\n"
    )
    with alliance_scope(world.a.pk):
        batch = import_batch_create(
            actor=world.users.staff_a, program=world.x, kind="families", filename="roster.csv", raw=template.encode()
        )
        assert import_batch_commit(actor=world.users.staff_a, batch=batch) == 1
    child = ChildFactory(family=FamilyFactory(alliance=world.a), date_of_birth=born)
    enroll(child, room_y, today)
    return room_x, room_y


def test_the_alliance_checklist_advances_with_the_data(world, clients):
    staff = clients.staff_a
    body = today_page(staff, world)
    assert "Getting started: 1 of 7 done" in body
    assert "Next: <strong>Set the alliance&#x27;s targets</strong>" in body

    page = start_page(staff, world)
    assert "1 of 7 done" in page
    assert "2 of 2 members have a provider user or an invitation out" in page
    assert "0 of 2 members have their roster in" in page
    # Hub staff are no administrators: the targets step names who sets them instead of linking.
    assert "A hub administrator sets them" in page
    admin_page = start_page(clients.admin_a, world)
    assert reverse("metrics:targets", args=[world.a.slug]) in admin_page

    set_up_rooms_targets_and_rosters(world)
    page = start_page(staff, world)
    assert "4 of 7 done" in page
    assert "2 of 2 members have their classrooms" in page
    assert "2 of 2 members have their roster in" in page
    assert "0 of 2 members have a rate plan in force" in page
    assert reverse("billing:rate_plan_create", args=[world.a.slug]) in page

    with alliance_scope(world.a.pk):
        RatePlanFactory(program=world.x, code="PS-FT", effective_from=alliance_today(world.a).replace(day=1))
    page = start_page(staff, world)
    assert "4 of 7 done" in page
    assert "1 of 2 members have a rate plan in force" in page
    with alliance_scope(world.a.pk):
        RatePlanFactory(program=world.y, code="PS-FT", effective_from=alliance_today(world.a).replace(day=1))
    assert "5 of 7 done" in today_page(staff, world)

    today = alliance_today(world.a)
    with alliance_scope(world.a.pk):
        InvoiceRun.objects.create(
            period_start=today.replace(day=1), period_end=today.replace(day=1), status=RunStatus.DONE
        )
        assert "Getting started: 6 of 7 done" in today_page(staff, world)
        AllianceMonth.objects.create(
            month=today.replace(day=1),
            licensed_capacity=40,
            target_capacity=40,
            enrolled_fte=Decimal("2.00"),
            enrolled_children=2,
            scheduled_child_days=0,
            attended_child_days=0,
        )
    body = today_page(staff, world)
    assert "Getting started" not in body  # complete: Today is back to the day's work
    assert "7 of 7 done" in start_page(staff, world)


def test_each_members_steps_for_its_provider_and_on_its_profile(world, clients):
    provider = clients.provider_x
    body = today_page(provider, world)
    assert "Getting started: 1 of 7 done" in body  # its provider user
    assert reverse("today:program_start", args=[world.a.slug, world.x.pk]) in body

    set_up_rooms_targets_and_rosters(world)
    page = program_start(provider, world, world.x)
    assert "4 of 7 done" in page
    assert "1 classroom." in page
    assert "1 child enrolled." in page
    # A provider cannot add rate plans or run invoices: the steps say who does.
    assert "See the rate plans" in page
    assert "the Hub does this" in page
    assert reverse("billing:rate_plan_create", args=[world.a.slug]) not in page

    profile = provider.get(reverse("members:program_detail", args=[world.a.slug, world.x.pk])).content.decode()
    assert "Getting started: 4 of 7 done" in profile
    assert "Next: <strong>Rate plans set</strong>" in profile

    # The hub sees the same steps for X, with the links a hub user may follow.
    hub_page = program_start(clients.staff_a, world, world.x)
    assert "4 of 7 done" in hub_page
    assert reverse("billing:rate_plan_create", args=[world.a.slug]) in hub_page


def test_the_start_page_lists_each_member_and_links_its_import(world, clients):
    page = start_page(clients.staff_a, world)
    for program in (world.x, world.y):
        assert reverse("members:import_upload", args=[world.a.slug, program.pk, "families"]) in page
        assert reverse("today:program_start", args=[world.a.slug, program.pk]) in page
    assert page.count("1 of 4</td>") == 2  # each has its provider only


def test_a_member_that_left_is_not_counted(world, clients):
    with alliance_scope(world.a.pk):
        world.y.status = "left"
        world.y.save(update_fields=["status"])
    page = start_page(clients.staff_a, world)
    assert "0 of 1 members have their roster in" in page
