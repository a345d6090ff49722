"""The alliance settings page: a hub administrator sets the alliance's name, time zone, date and number
format and fiscal year; pages then write dates and times that way. Nobody else may, anywhere."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from django.utils import timezone

from alliance.models import Alliance, AuditEvent
from alliance.tenancy import alliance_scope

VALID = {
    "name": "Alliance A of the Valley",
    "region": "Valley County",
    "timezone": "Europe/London",
    "locale": "en-gb",
    "fiscal_year_start_month": "4",
}


def url(alliance) -> str:  # type: ignore[no-untyped-def]
    return f"/a/{alliance.slug}/settings/"


def test_the_admin_sees_the_current_settings(world, clients):
    page = clients.admin_a.get(url(world.a))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'value="Alliance A"' in body
    assert '<option value="America/Chicago" selected>' in body
    assert "English (United Kingdom)" in body


def test_saving_changes_the_alliance_and_records_who_did_it(world, clients):
    response = clients.admin_a.post(url(world.a), VALID)
    assert response.status_code == 302
    assert response["Location"] == url(world.a)
    world.a.refresh_from_db()
    assert (world.a.name, world.a.timezone, world.a.locale, world.a.fiscal_year_start_month) == (
        "Alliance A of the Valley",
        "Europe/London",
        "en-gb",
        4,
    )
    with alliance_scope(world.a.pk):
        event = AuditEvent.objects.get(action="alliance.settings_updated")
    assert event.actor == world.users.admin_a
    assert event.before["locale"] == "en-us"
    assert event.after["locale"] == "en-gb"


def test_pages_write_dates_and_times_in_the_alliance_locale_and_zone(world, clients):
    clients.admin_a.post(url(world.a), VALID)
    audit = clients.admin_a.get(f"/a/{world.a.slug}/audit/").content.decode()
    now = timezone.now().astimezone(ZoneInfo("Europe/London"))
    # en-gb: "3 Dec 2026 08:30", day first, 24-hour clock, London time.
    assert re.search(rf"\b{now.day} {now:%b} {now.year} \d\d:\d\d\b", audit)
    clients.admin_a.post(url(world.a), {**VALID, "timezone": "America/New_York", "locale": "en-us"})
    audit = clients.admin_a.get(f"/a/{world.a.slug}/audit/").content.decode()
    now = timezone.now().astimezone(ZoneInfo("America/New_York"))
    # en-us: "Dec 3, 2026 3:30 a.m.", month first, 12-hour clock, New York time.
    assert re.search(rf"\b{now:%b} {now.day}, {now.year} \d{{1,2}}:\d\d [ap]\.m\.", audit)


def test_bad_input_is_refused_on_the_form_and_changes_nothing(world, clients):
    page = clients.admin_a.post(url(world.a), {**VALID, "name": "", "timezone": "Mars/Olympus"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "This field is required." in body
    assert "Select a valid choice. Mars/Olympus is not one of the available choices." in body
    assert 'value="Valley County"' in body  # what was typed is kept
    fresh = Alliance.objects.get(pk=world.a.pk)
    assert (fresh.name, fresh.region, fresh.timezone) == ("Alliance A", world.a.region, "America/Chicago")
    with alliance_scope(world.a.pk):
        assert not AuditEvent.objects.filter(action="alliance.settings_updated").exists()


def test_only_the_alliance_admin_may_change_it(world, clients):
    for name in ("staff_a", "provider_x", "funder_a"):
        assert getattr(clients, name).get(url(world.a)).status_code == 403
        assert getattr(clients, name).post(url(world.a), VALID).status_code == 403
    # Another alliance's admin, and another alliance's provider: the alliance does not exist for them.
    assert clients.admin_b.get(url(world.a)).status_code == 404
    assert clients.admin_b.post(url(world.a), VALID).status_code == 404
    assert clients.provider_z.get(url(world.a)).status_code == 404
    assert Alliance.objects.get(pk=world.a.pk).name == "Alliance A"
