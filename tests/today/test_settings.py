"""The alliance's Today settings: the first-contact target and the digest hour (hub administrators)."""

from __future__ import annotations

import pytest

from alliance.models import Alliance, AuditEvent
from alliance.tenancy import alliance_scope

pytestmark = pytest.mark.django_db

VALID = {
    "name": "Alliance A",
    "region": "Test County",
    "timezone": "America/Chicago",
    "locale": "en-us",
    "fiscal_year_start_month": "7",
    "home_owner_hourly_wage": "15.00",
}


def test_the_admin_sets_the_inquiry_target_and_the_digest_hour(world, clients):
    url = f"/a/{world.a.slug}/settings/"
    page = clients.admin_a.get(url).content.decode()
    assert 'name="inquiry_contact_target_hours" value="24"' in page  # the default
    response = clients.admin_a.post(url, {**VALID, "inquiry_contact_target_hours": "48", "digest_hour": "6"})
    assert response.status_code == 302
    fresh = Alliance.objects.get(pk=world.a.pk)
    assert (fresh.inquiry_contact_target_hours, fresh.digest_hour) == (48, 6)
    with alliance_scope(world.a.pk):
        event = AuditEvent.objects.get(action="alliance.settings_updated")
    assert (event.before["inquiry_contact_target_hours"], event.after["inquiry_contact_target_hours"]) == (24, 48)


def test_blank_keeps_the_defaults_and_nonsense_is_refused_on_the_form(world, clients):
    url = f"/a/{world.a.slug}/settings/"
    assert clients.admin_a.post(url, VALID).status_code == 302
    fresh = Alliance.objects.get(pk=world.a.pk)
    assert (fresh.inquiry_contact_target_hours, fresh.digest_hour) == (24, 7)
    page = clients.admin_a.post(url, {**VALID, "inquiry_contact_target_hours": "0", "digest_hour": "25"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "Ensure this value is greater than or equal to 1." in body
    assert "Select a valid choice. 25 is not one of the available choices." in body
