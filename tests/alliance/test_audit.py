"""Audit events: recorded, browsable with filters, never changed."""

from __future__ import annotations

import pytest

from alliance.audit import audit_event_record, snapshot
from alliance.models import AuditEvent
from alliance.tenancy import TenancyError, alliance_scope


@pytest.fixture
def events(world):
    with alliance_scope(world.a.pk):
        first = audit_event_record(
            actor=world.users.staff_a,
            action="program.updated",
            target=world.x,
            before={"status": "active"},
            after={"status": "paused"},
            reason="Summer closure",
        )
        audit_event_record(
            actor=world.users.admin_a, action="invitation.created", object_type="alliance.invitation", object_id="7"
        )
    with alliance_scope(world.b.pk):
        audit_event_record(actor=world.users.admin_b, action="program.updated", target=world.z)
    return first


class TestRecording:
    def test_an_event_keeps_who_what_and_before_after(self, world, events):
        assert events.actor_label == world.users.staff_a.email
        assert events.object_type == "members.memberprogram"
        assert events.object_id == str(world.x.pk)
        assert events.program_id == world.x.pk
        assert events.before == {"status": "active"}
        assert events.after == {"status": "paused"}

    def test_snapshot_turns_values_into_json(self, world):
        data = snapshot(world.x)
        assert data["name"] == "Program X"
        assert isinstance(data["created_at"], str)

    def test_an_event_cannot_be_edited_or_deleted(self, world, events):
        with alliance_scope(world.a.pk):
            events.action = "tampered"
            with pytest.raises(TenancyError, match="append-only"):
                events.save()
            with pytest.raises(TenancyError, match="append-only"):
                events.delete()
            assert AuditEvent.objects.get(pk=events.pk).action == "program.updated"


class TestAuditPage:
    def test_hub_staff_sees_the_alliances_events_only(self, world, clients, events):
        page = clients.staff_a.get(f"/a/{world.a.slug}/audit/")
        assert page.status_code == 200
        assert b"Summer closure" in page.content
        assert page.context["paginator"].count == 2

    def test_filters_narrow_the_list(self, world, clients, events):
        page = clients.staff_a.get(f"/a/{world.a.slug}/audit/", {"action": "invitation"})
        assert [e.action for e in page.context["object_list"]] == ["invitation.created"]
        page = clients.staff_a.get(f"/a/{world.a.slug}/audit/", {"actor": world.users.staff_a.email})
        assert [e.action for e in page.context["object_list"]] == ["program.updated"]

    def test_a_malformed_filter_is_reported_not_crashed(self, world, clients, events):
        page = clients.staff_a.get(f"/a/{world.a.slug}/audit/", {"since": "yesterday-ish"})
        assert page.status_code == 200
        assert b"Enter a valid date" in page.content

    def test_it_validates_ownership(self, world, clients, events):
        assert clients.staff_b.get(f"/a/{world.a.slug}/audit/").status_code == 404
        assert clients.provider_x.get(f"/a/{world.a.slug}/audit/").status_code == 403


class TestAuditAPI:
    def test_lists_and_filters(self, world, clients, events):
        data = clients.staff_a.get(f"/api/a/{world.a.slug}/audit-events/", {"action": "program"}).json()
        assert data["count"] == 1
        assert data["results"][0]["reason"] == "Summer closure"

    def test_events_cannot_be_changed_through_the_api(self, world, clients, events):
        url = f"/api/a/{world.a.slug}/audit-events/{events.pk}/"
        assert clients.admin_a.delete(url).status_code == 405
        assert clients.admin_a.patch(url, {"action": "x"}, content_type="application/json").status_code == 405
        assert clients.admin_a.post(f"/api/a/{world.a.slug}/audit-events/", {}).status_code == 405

    def test_another_alliances_event_is_404(self, world, clients, events):
        assert clients.staff_b.get(f"/api/a/{world.b.slug}/audit-events/{events.pk}/").status_code == 404


def test_times_show_in_the_alliances_own_time_zone(world, clients):
    """An event at 15:30 UTC in January reads 09:30 on the audit page of an alliance in Chicago (UTC-6)."""
    import datetime
    from unittest import mock

    moment = datetime.datetime(2026, 1, 15, 15, 30, tzinfo=datetime.UTC)
    with alliance_scope(world.a.pk), mock.patch("django.utils.timezone.now", return_value=moment):
        audit_event_record(actor=world.users.admin_a, action="timezone.check", target=world.x)
    assert world.a.timezone == "America/Chicago"
    page = clients.admin_a.get(f"/a/{world.a.slug}/audit/").content.decode()
    assert "Jan 15, 2026 9:30 a.m." in page
    assert "3:30 p.m." not in page
