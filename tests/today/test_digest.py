"""The morning Today digest: opt in on one's own settings page, one email per person and business
date, at the alliance's morning in its own time zone, through the task outbox.

Worked example (tests/today/conftest.py): hub staff's list holds 13 items, program X's provider's 3.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from alliance.models import AuditEvent, Membership
from alliance.tenancy import alliance_scope
from today.digest import digest_due, digests_queue
from today.models import DigestSent
from today.tasks import queue_digests_task

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")


def opt_in(alliance, user) -> Membership:  # type: ignore[no-untyped-def]
    with alliance_scope(alliance.pk):
        membership = Membership.objects.get(user=user)
        membership.today_digest = True
        membership.save(update_fields=["today_digest"])
        return membership


def test_a_member_opts_in_on_their_own_settings_page_and_it_is_audited(world, clients):
    url = f"/a/{world.a.slug}/today/settings/"
    page = clients.provider_x.get(url)
    assert page.status_code == 200
    assert "Email me the Today list every morning" in page.content.decode()
    response = clients.provider_x.post(url, {"today_digest": "on"}, follow=True)
    assert "You will get the Today list by email every morning at 07:00." in response.content.decode()
    with alliance_scope(world.a.pk):
        assert Membership.objects.get(user=world.users.provider_x).today_digest is True
        assert Membership.objects.get(user=world.users.provider_y).today_digest is False  # default off
        event = AuditEvent.objects.get(action="membership.today_digest_changed")
        assert (event.actor, event.before, event.after) == (
            world.users.provider_x,
            {"today_digest": False},
            {"today_digest": True},
        )
    clients.provider_x.post(url, {})
    with alliance_scope(world.a.pk):
        assert Membership.objects.get(user=world.users.provider_x).today_digest is False


def test_the_settings_page_is_the_members_own(world, clients):
    assert clients.staff_b.get(f"/a/{world.a.slug}/today/settings/").status_code == 404
    assert clients.funder_a.get(f"/a/{world.a.slug}/today/settings/").status_code == 403


def test_the_morning_comes_at_the_alliances_hour_in_its_own_time_zone(world):
    """7 am in Chicago is 13:00 UTC in December (CST, UTC-6): at 12:59 UTC it is not yet time."""
    world.a.digest_hour = 7
    assert not digest_due(world.a, datetime.datetime(2026, 12, 7, 12, 59, tzinfo=datetime.UTC))
    assert digest_due(world.a, datetime.datetime(2026, 12, 7, 13, 0, tzinfo=datetime.UTC))


def test_each_opted_in_member_gets_one_digest_a_day_with_the_due_items(
    world, due, mailoutbox, django_capture_on_commit_callbacks
):
    opt_in(world.a, world.users.staff_a)
    opt_in(world.a, world.users.provider_x)
    opt_in(world.b, world.users.staff_b)
    morning = timezone.now().astimezone(CHICAGO).replace(hour=8, minute=0)
    # The outbox sends each email task once the queueing transaction commits.
    with django_capture_on_commit_callbacks(execute=True), alliance_scope(world.a.pk):
        assert digests_queue(alliance=world.a, now=morning.replace(hour=6)) == []  # before 7 am
        queued = digests_queue(alliance=world.a, now=morning)
        assert len(queued) == 2
        # Beat's next hourly run, the same business date: nothing more.
        assert digests_queue(alliance=world.a, now=morning.replace(hour=9)) == []
    assert {m.to[0] for m in mailoutbox} == {world.users.staff_a.email, world.users.provider_x.email}
    by_person = {m.to[0]: m for m in mailoutbox}
    staff = by_person[world.users.staff_a.email]
    assert staff.subject.startswith("Today at Alliance A, ")
    assert staff.subject.endswith(": 13 items")
    assert "Promised payments due (3)" in staff.body
    assert "Adams family · Program X: Promised $120.00." in staff.body
    assert f"http://127.0.0.1:8000/a/{world.a.slug}/billing/accounts/{due.promise_x.account_id}/" in staff.body
    assert "Baker family" not in staff.body
    provider = by_person[world.users.provider_x.email]
    assert provider.subject.endswith(": 3 items")
    assert "Ava Adams" in provider.body
    assert "Yui Young" not in provider.body
    assert "Promised" not in provider.body
    with alliance_scope(world.a.pk):
        records = {r.membership.user_id: r for r in DigestSent.objects.select_related("membership")}
    assert records[world.users.staff_a.pk].items == 13
    assert records[world.users.provider_x.pk].items == 3
    # Alliance B's member was not queued by A's run, and A's records are invisible in B.
    with alliance_scope(world.b.pk):
        assert not DigestSent.objects.exists()


def test_the_next_morning_brings_the_next_digest(world, due, mailoutbox, django_capture_on_commit_callbacks):
    opt_in(world.a, world.users.staff_a)
    morning = timezone.now().astimezone(CHICAGO).replace(hour=8, minute=0)
    with django_capture_on_commit_callbacks(execute=True), alliance_scope(world.a.pk):
        digests_queue(alliance=world.a, now=morning)
        digests_queue(alliance=world.a, now=morning + datetime.timedelta(days=1))
        assert DigestSent.objects.count() == 2
    assert len(mailoutbox) == 2


def test_a_member_who_never_opted_in_or_turned_it_off_gets_nothing(
    world, due, mailoutbox, django_capture_on_commit_callbacks
):
    world.a.digest_hour = 0
    world.a.save(update_fields=["digest_hour"])
    with django_capture_on_commit_callbacks(execute=True):
        assert queue_digests_task.delay(world.a.pk).get()["queued"] == []
    assert mailoutbox == []
