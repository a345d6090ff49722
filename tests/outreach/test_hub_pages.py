"""The Hub's inquiry pages and the members' public listings (pages and API):
who may do what, and the stranger of another alliance or program gets 404."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.core import mail
from django.test import TestCase
from django.utils import timezone

from alliance.models import AuditEvent
from alliance.tenancy import alliance_scope
from enrollment.models import WaitlistEntry
from outreach.models import Inquiry, PublicListing
from tests.outreach.conftest import submit_inquiry


def url(world, path: str) -> str:  # type: ignore[no-untyped-def]
    return f"/a/{world.a.slug}/{path}"


class TestInquiryPages:
    def test_hub_records_first_contact_and_the_response_time(self, care, clients, today):
        inquiry = submit_inquiry(care.world.a, today, received_at=timezone.now() - datetime.timedelta(hours=5))
        detail = clients.staff_a.get(url(care.world, f"inquiries/{inquiry.pk}/")).content.decode()
        assert "Maya Santos" in detail
        assert "Leo Santos" in detail
        assert "Toddler" in detail
        # Typed in the alliance's local time (America/Chicago).
        contacted = timezone.localtime(
            inquiry.received_at + datetime.timedelta(hours=3), ZoneInfo("America/Chicago")
        ).strftime("%Y-%m-%dT%H:%M")
        response = clients.staff_a.post(
            url(care.world, f"inquiries/{inquiry.pk}/contact/"),
            {"method": "phone", "note": "Tour on Monday", "contacted_at": contacted},
        )
        assert response.status_code == 302
        detail = clients.staff_a.get(url(care.world, f"inquiries/{inquiry.pk}/")).content.decode()
        assert "First contact after 3.0 hours." in detail
        assert "Tour on Monday" in detail
        again = clients.staff_a.post(url(care.world, f"inquiries/{inquiry.pk}/contact/"), {"method": "email"})
        assert again.status_code == 400
        assert b"already recorded" in again.content
        with alliance_scope(care.world.a.pk):
            assert AuditEvent.objects.filter(action="outreach.inquiry_contacted").count() == 1

    def test_closing_takes_the_children_off_the_shared_waitlist(self, care, clients, today):
        inquiry = submit_inquiry(care.world.a, today)
        response = clients.staff_a.post(url(care.world, f"inquiries/{inquiry.pk}/close/"), {"reason": "spam"})
        assert response.status_code == 302
        with alliance_scope(care.world.a.pk):
            assert WaitlistEntry.objects.get(child__family=inquiry.family).status == "withdrawn"
        inbox = clients.staff_a.get(url(care.world, "inquiries/")).content.decode()
        assert "Maya" not in inbox  # the inbox shows open inquiries by default
        assert "Maya" in clients.staff_a.get(url(care.world, "inquiries/"), {"status": "closed"}).content.decode()

    def test_staff_send_a_sign_in_link_shown_in_debug_only(self, care, clients, today, settings):
        inquiry = submit_inquiry(care.world.a, today)
        mail.outbox.clear()
        with TestCase.captureOnCommitCallbacks(execute=True):
            page = clients.staff_a.post(url(care.world, f"inquiries/{inquiry.pk}/sign-in-link/"), follow=True)
        assert b"Sign-in link emailed to maya@santos.example" in page.content
        assert b"Demo only" not in page.content
        assert len(mail.outbox) == 1
        assert f"/family/{care.world.a.slug}/sign-in/" in mail.outbox[0].body
        settings.DEBUG = True
        page = clients.staff_a.post(url(care.world, f"inquiries/{inquiry.pk}/sign-in-link/"), follow=True)
        assert b"Demo only (DEBUG): the link is http://testserver/family/" in page.content

    def test_only_the_hub_and_no_stranger(self, care, clients, today):
        inquiry = submit_inquiry(care.world.a, today)
        for path in ("inquiries/", f"inquiries/{inquiry.pk}/", "inquiries/figures/", "public-listings/"):
            assert clients.provider_x.get(url(care.world, path)).status_code == 403, path
            assert clients.funder_a.get(url(care.world, path)).status_code == 403, path
            assert clients.admin_b.get(url(care.world, path)).status_code == 404, path
        assert (
            clients.staff_b.post(url(care.world, f"inquiries/{inquiry.pk}/close/"), {"reason": "spam"}).status_code
            == 404
        )
        with alliance_scope(care.world.a.pk):
            assert Inquiry.objects.get().closed_at is None

    def test_the_dashboard_loads_the_outreach_panel(self, care, clients, today):
        submit_inquiry(care.world.a, today)
        dashboard = clients.staff_a.get(url(care.world, "dashboard/")).content.decode()
        assert f'hx-get="/a/{care.world.a.slug}/inquiries/figures/"' in dashboard
        panel = clients.staff_a.get(url(care.world, "inquiries/figures/")).content.decode()
        assert "inquiries in the last 12 weeks" in panel
        assert "median time to first contact" in panel
        assert '<span class="figure">1</span><span class="label">waiting for a first contact' in panel


class TestListingPages:
    def test_a_provider_publishes_their_program_and_chooses_the_facts(self, care, clients):
        listing_url = url(care.world, f"public-listings/{care.world.x.pk}/")
        form = clients.provider_x.get(listing_url)
        assert form.status_code == 200
        assert b"Opening hours and days" in form.content
        response = clients.provider_x.post(
            listing_url,
            {"published": "on", "description": "Forest school", "languages": "English ,  French", "show_hours": "on"},
        )
        assert response.status_code == 302
        with alliance_scope(care.world.a.pk):
            listing = PublicListing.objects.get(program=care.world.x)
        assert (listing.published, listing.languages, listing.show_hours, listing.show_openings) == (
            True,
            "English, French",
            True,
            False,
        )
        public = self_public(care)
        card = public[public.index(f'id="program-{care.world.x.pk}"') :]
        card = card[: card.index("</article>")]
        assert "Forest school" in card
        assert "Ask about open places." in card
        assert "French" not in card

    def test_preview_of_an_unpublished_listing(self, care, clients):
        preview = clients.staff_a.get(url(care.world, f"public-listings/{care.hidden.pk}/preview/")).content.decode()
        assert "Preview only: Hidden Haven is not on the public page." in preview
        assert "Mixed ages:</strong>" in preview
        assert "6 places open now" in preview

    def test_another_programs_listing_is_404_for_a_provider(self, care, clients):
        for path in (f"public-listings/{care.world.x.pk}/", f"public-listings/{care.world.x.pk}/preview/"):
            assert clients.provider_y.get(url(care.world, path)).status_code == 404, path
            assert clients.provider_z.get(url(care.world, path)).status_code == 404, path
            assert clients.staff_b.get(url(care.world, path)).status_code == 404, path
        response = clients.provider_y.post(url(care.world, f"public-listings/{care.world.x.pk}/"), {"published": ""})
        assert response.status_code == 404
        with alliance_scope(care.world.a.pk):
            assert PublicListing.objects.get(program=care.world.x).published

    def test_the_hub_sees_every_members_listing(self, care, clients):
        page = clients.staff_a.get(url(care.world, "public-listings/")).content.decode()
        assert "Program X" in page
        assert "Hidden Haven" in page
        assert "Not published" in page
        assert "Open places by age group" in page  # what Program Y keeps private


def self_public(care) -> str:  # type: ignore[no-untyped-def]
    from django.test import Client

    return Client().get(f"/care/{care.world.a.slug}/").content.decode()


class TestApi:
    def test_listings_are_narrowed_to_the_providers_program(self, care, clients):
        api = f"/api/a/{care.world.a.slug}/public-listings/"
        rows = clients.provider_x.get(api).json()["results"]
        assert [row["program"] for row in rows] == [care.world.x.pk]
        assert len(clients.staff_a.get(api).json()["results"]) == 3
        assert clients.provider_y.get(f"{api}{care.listings.x.pk}/").status_code == 404
        assert (
            clients.provider_y.patch(
                f"{api}{care.listings.x.pk}/", {"published": False}, content_type="application/json"
            ).status_code
            == 404
        )
        assert clients.staff_b.get(f"{api}{care.listings.x.pk}/").status_code == 404
        changed = clients.provider_x.patch(
            f"{api}{care.listings.x.pk}/", {"show_phone": False}, content_type="application/json"
        )
        assert changed.status_code == 200
        assert changed.json()["show_phone"] is False

    def test_a_provider_cannot_list_another_program(self, care, clients):
        api = f"/api/a/{care.world.a.slug}/public-listings/"
        response = clients.provider_y.post(
            api, {"program": care.world.x.pk, "published": True}, content_type="application/json"
        )
        assert response.status_code == 400
        assert "program" in response.json()
        created = clients.admin_a.post(
            api, {"program": care.hidden.pk, "published": True, "languages": "Polish"}, content_type="application/json"
        )
        assert created.status_code == 201
        assert created.json()["languages"] == "Polish"

    def test_inquiries_api_is_the_hubs(self, care, clients, today):
        inquiry = submit_inquiry(care.world.a, today)
        api = f"/api/a/{care.world.a.slug}/inquiries/"
        assert clients.provider_x.get(api).status_code == 403
        assert clients.provider_z.get(f"{api}{inquiry.pk}/").status_code == 404
        row = clients.staff_a.get(f"{api}{inquiry.pk}/").json()
        assert (row["status"], row["guardian"]["email"], row["weekdays"]) == (
            "new",
            "maya@santos.example",
            [0, 1, 2, 3, 4],
        )
        contacted = clients.staff_a.post(
            f"{api}{inquiry.pk}/first-contact/", {"method": "email"}, content_type="application/json"
        )
        assert contacted.status_code == 200
        assert contacted.json()["status"] == "contacted"
        refused = clients.staff_a.post(
            f"{api}{inquiry.pk}/first-contact/", {"method": "email"}, content_type="application/json"
        )
        assert refused.status_code == 400
        assert (
            clients.staff_b.post(
                f"/api/a/{care.world.b.slug}/inquiries/{inquiry.pk}/close/",
                {"reason": "spam"},
                content_type="application/json",
            ).status_code
            == 404
        )
        assert [r["id"] for r in clients.staff_a.get(api, {"status": "contacted"}).json()["results"]] == [inquiry.pk]
