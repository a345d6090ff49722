"""One inquiry for the whole alliance: validation, spam guards, the shared
waitlist, the Hub's inbox and response times, isolation between alliances."""

from __future__ import annotations

import datetime

from django.core import mail
from django.test import Client, TestCase
from django.utils import timezone

from alliance.tenancy import alliance_scope
from enrollment.models import Child, Guardian, WaitlistChoice, WaitlistEntry
from enrollment.services import offer_accept, offer_create
from outreach.models import Inquiry
from outreach.selectors import outreach_figures
from outreach.services import inquiry_record_first_contact
from tests.outreach.conftest import inquiry_form, submit_inquiry


def post(client, alliance, data, **extra):  # type: ignore[no-untyped-def]
    return client.post(f"/care/{alliance.slug}/inquire/", data, **extra)


def count(alliance, model) -> int:  # type: ignore[no-untyped-def]
    with alliance_scope(alliance.pk):
        return model.objects.count()


class TestSending:
    def test_an_inquiry_lands_on_the_shared_waitlist_and_in_the_inbox(self, care, client, clients, today):
        data = inquiry_form(
            today,
            child2_first_name="Mia",
            child2_date_of_birth=(today - datetime.timedelta(days=4 * 365)).isoformat(),
            programs=[str(care.world.x.pk)],
        )
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = post(client, care.world.a, data)
        assert response.status_code == 302
        assert response["Location"] == f"/care/{care.world.a.slug}/inquire/thanks/"
        thanks = client.get(response["Location"]).content.decode()
        with alliance_scope(care.world.a.pk):
            inquiry = Inquiry.objects.get()
            entries = list(WaitlistEntry.objects.filter(child__family=inquiry.family).order_by("child__first_name"))
            assert [(e.child.first_name, e.program_id, e.area, e.subsidy_eligible, e.status) for e in entries] == [
                ("Leo", None, "Riverbend", True, "waiting"),
                ("Mia", None, "Riverbend", True, "waiting"),
            ]
            assert [e.age_group_at_start for e in entries] == ["toddler", "preschool"]
            assert set(WaitlistChoice.objects.filter(entry__in=entries).values_list("program_id", flat=True)) == {
                care.world.x.pk
            }
            guardian = inquiry.guardian
            assert (guardian.email, guardian.consent_share_with_programs) == ("maya@santos.example", True)
        assert f"inquiry #{inquiry.number} has arrived" in thanks
        assert [m.to for m in mail.outbox] == [["maya@santos.example"]]
        assert f"/family/{care.world.a.slug}/sign-in/" in mail.outbox[0].body
        inbox = clients.staff_a.get(f"/a/{care.world.a.slug}/inquiries/").content.decode()
        assert f"#{inquiry.number} Maya Santos" in inbox
        assert "badge-new" in inbox
        shared = clients.staff_a.get(f"/a/{care.world.a.slug}/waitlist/", {"shared": "on"}).content.decode()
        assert "Leo Santos" in shared
        assert "Mia Santos" in shared

    def test_invalid_input_is_shown_on_the_form_and_nothing_is_saved(self, care, client, today):
        response = post(
            client,
            care.world.a,
            inquiry_form(
                today,
                consent_contact=None,
                guardian_email="",
                guardian_phone="",
                child2_first_name="Noah",
                programs=[str(care.hidden.pk)],
            ),
        )
        assert response.status_code == 400
        errors = response.context["form"].errors
        assert set(errors) >= {"consent_contact", "guardian_phone", "child2_date_of_birth", "programs"}
        assert b'value="Maya"' in response.content  # input kept
        assert count(care.world.a, Inquiry) == 0
        assert count(care.world.a, Guardian) == 1

    def test_the_services_refusals_land_on_the_right_fields(self, care, client, today):
        too_old = (today - datetime.timedelta(days=365 * 13 + 200)).isoformat()
        response = post(
            client,
            care.world.a,
            inquiry_form(
                today, child1_date_of_birth=too_old, desired_start=(today + datetime.timedelta(days=200)).isoformat()
            ),
        )
        assert response.status_code == 400
        assert "no age group takes them" in str(response.context["form"].errors["child1_date_of_birth"])
        response = post(client, care.world.a, inquiry_form(today, area=""))
        assert "Name at least one program" in str(response.context["form"].errors["programs"])
        response = post(
            client, care.world.a, inquiry_form(today, desired_start=(today - datetime.timedelta(days=1)).isoformat())
        )
        assert "from today on" in str(response.context["form"].errors["desired_start"])
        assert count(care.world.a, Inquiry) == 0
        assert count(care.world.a, Child) == 1


class TestSpam:
    def test_the_honeypot_keeps_nothing(self, care, client, today):
        response = post(client, care.world.a, inquiry_form(today, website="http://cheap-pills.example"))
        assert response.status_code == 302
        assert count(care.world.a, Inquiry) == 0
        assert mail.outbox == []

    def test_one_address_sends_at_most_five_an_hour_per_alliance(self, care, today):
        browser = Client(REMOTE_ADDR="203.0.113.9")
        for number in range(5):
            assert (
                post(
                    browser, care.world.a, inquiry_form(today, guardian_email=f"parent{number}@example.org")
                ).status_code
                == 302
            )
        refused = post(browser, care.world.a, inquiry_form(today, guardian_email="parent5@example.org"))
        assert refused.status_code == 429
        assert b"several inquiries from your connection" in refused.content
        assert count(care.world.a, Inquiry) == 5
        # Another address, and the same address at another alliance, are not held back.
        assert post(Client(REMOTE_ADDR="203.0.113.10"), care.world.a, inquiry_form(today)).status_code == 302
        assert post(browser, care.world.b, inquiry_form(today, area="") | {"any_program": "on"}).status_code == 302


class TestIsolation:
    def test_inquiries_stay_in_their_alliance(self, care, client, clients, today):
        assert (
            post(
                client,
                care.world.b,
                inquiry_form(today, guardian_first_name="Bea", area="", programs=[str(care.world.z.pk)]),
            ).status_code
            == 302
        )
        mine = submit_inquiry(care.world.a, today)
        with alliance_scope(care.world.b.pk):
            theirs = Inquiry.objects.get()
        assert count(care.world.a, Inquiry) == 1
        inbox_a = clients.staff_a.get(f"/a/{care.world.a.slug}/inquiries/").content.decode()
        assert "Maya" in inbox_a
        assert "Bea" not in inbox_a
        assert clients.staff_a.get(f"/a/{care.world.a.slug}/inquiries/{theirs.pk}/").status_code == 404
        assert clients.staff_b.get(f"/a/{care.world.a.slug}/inquiries/{mine.pk}/").status_code == 404
        assert clients.staff_b.get(f"/a/{care.world.b.slug}/inquiries/{mine.pk}/").status_code == 404
        api = clients.staff_a.get(f"/api/a/{care.world.a.slug}/inquiries/").json()
        assert [row["id"] for row in api["results"]] == [mine.pk]
        assert clients.staff_a.get(f"/api/a/{care.world.a.slug}/inquiries/{theirs.pk}/").status_code == 404

    def test_a_program_of_another_alliance_cannot_be_chosen(self, care, client, today):
        response = post(client, care.world.a, inquiry_form(today, programs=[str(care.world.z.pk)]))
        assert response.status_code == 400
        assert "programs" in response.context["form"].errors


class TestResponseTimes:
    def test_first_contact_conversion_and_weekly_counts(self, care, today):
        first = submit_inquiry(care.world.a, today, received_at=timezone.now() - datetime.timedelta(hours=10))
        submit_inquiry(
            care.world.a, today, email="second@example.org", received_at=timezone.now() - datetime.timedelta(days=8)
        )
        with alliance_scope(care.world.a.pk):
            inquiry_record_first_contact(
                actor=None, inquiry=first, method="phone", contacted_at=first.received_at + datetime.timedelta(hours=4)
            )
            entry = WaitlistEntry.objects.get(child__family=first.family)
            offer = offer_create(
                actor=None,
                entry=entry,
                classroom=care.rooms.toddlers,
                start_date=today + datetime.timedelta(days=7),
                respond_by=today,
            )
            offer_accept(actor=None, offer=offer)
            figures = outreach_figures()
        assert (figures.received, figures.contacted, figures.enrolled, figures.awaiting_contact) == (2, 1, 1, 1)
        assert figures.conversion == 50
        assert str(figures.median_hours_to_contact) == "4.0"
        assert sum(n for _, n in figures.weeks) == 2
        assert len(figures.weeks) == 12
        assert figures.weeks[-1][1] + figures.weeks[-2][1] >= 1
