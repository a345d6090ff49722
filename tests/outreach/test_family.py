"""The family page: a one-time, short-lived sign-in link by email; the family's
own waitlist places, offers (accept or decline), statements and balance —
and nothing of any other family."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django.core import mail
from django.test import Client, TestCase
from django.utils import timezone

from alliance.tenancy import alliance_scope
from billing.ledger import ledger_entry_post
from billing.models import EntryKind
from enrollment.models import Enrollment, Offer, WaitlistEntry
from enrollment.services import offer_create
from outreach.models import FamilySignInLink
from tests.billing.factories import account_of
from tests.outreach.conftest import family_client, submit_inquiry


def offer_for(inquiry, room, today):  # type: ignore[no-untyped-def]
    with alliance_scope(inquiry.alliance_id):
        entry = WaitlistEntry.objects.get(child__family=inquiry.family)
        return offer_create(
            actor=None,
            entry=entry,
            classroom=room,
            start_date=today + datetime.timedelta(days=7),
            respond_by=today + datetime.timedelta(days=3),
        )


class TestSignInLink:
    def test_a_guardian_gets_a_link_that_works_once(self, care, today):
        inquiry = submit_inquiry(care.world.a, today)
        mail.outbox.clear()
        browser = Client()
        with TestCase.captureOnCommitCallbacks(
            execute=True
        ):  # the email is queued by the request and sent once it commits
            response = browser.post(f"/family/{care.world.a.slug}/sign-in/", {"email": "MAYA@santos.example"})
        assert response.status_code == 302
        assert b"a sign-in link is on its way" in browser.get(response["Location"]).content
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == ["maya@santos.example"]
        link = re.search(r"http://testserver(/family/\S+/)", mail.outbox[0].body).group(1)
        with alliance_scope(care.world.a.pk):
            stored = FamilySignInLink.objects.get()
        assert stored.token_hash not in link
        assert len(stored.token_hash) == 64
        assert b"Sign in to the family page of Santos family" in browser.get(link).content
        assert browser.get(link).status_code == 200  # looking at it does not use it up
        assert browser.post(link)["Location"] == f"/family/{care.world.a.slug}/"
        home = browser.get(f"/family/{care.world.a.slug}/").content.decode()
        assert "Signed in as Maya Santos" in home
        assert "Leo" in home
        again = Client().post(link)
        assert again.status_code == 400
        assert b"already used" in again.content
        assert inquiry.guardian_id == stored.guardian_id

    def test_a_link_expires(self, care, today):
        inquiry = submit_inquiry(care.world.a, today)
        with alliance_scope(care.world.a.pk):
            from outreach.services import family_sign_in_link_send

            token = family_sign_in_link_send(guardian=inquiry.guardian, link_url=lambda t: t, sent_by=None)
            FamilySignInLink.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
        response = Client().post(f"/family/{care.world.a.slug}/sign-in/{token}/")
        assert response.status_code == 400
        assert b"expired" in response.content
        assert Client().get(f"/family/{care.world.a.slug}/").status_code == 302

    def test_an_unknown_address_gets_the_same_answer_and_no_email(self, care):
        browser = Client()
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = browser.post(f"/family/{care.world.a.slug}/sign-in/", {"email": "nobody@example.org"})
        assert response.status_code == 302
        assert b"a sign-in link is on its way" in browser.get(response["Location"]).content
        assert mail.outbox == []

    def test_link_requests_are_rate_limited_per_address(self, care):
        browser = Client(REMOTE_ADDR="198.51.100.7")
        with TestCase.captureOnCommitCallbacks(execute=True):
            codes = [
                browser.post(f"/family/{care.world.a.slug}/sign-in/", {"email": "gwen@quixote.example"}).status_code
                for _ in range(4)
            ]
        assert codes == [302, 302, 302, 429]
        assert len(mail.outbox) == 3

    def test_a_link_of_one_alliance_does_not_open_another(self, care, today):
        inquiry = submit_inquiry(care.world.a, today)
        with alliance_scope(care.world.a.pk):
            from outreach.services import family_sign_in_link_send

            token = family_sign_in_link_send(guardian=inquiry.guardian, link_url=lambda t: t, sent_by=None)
        assert Client().post(f"/family/{care.world.b.slug}/sign-in/{token}/").status_code == 400
        browser = family_client(care.world.a, inquiry.guardian)
        assert browser.get(f"/family/{care.world.b.slug}/")["Location"] == f"/family/{care.world.b.slug}/sign-in/"


class TestFamilyPage:
    def test_waitlist_place_and_accepting_an_offer(self, care, today):
        earlier = submit_inquiry(care.world.a, today, email="first@example.org", guardian_first_name="Ann")
        inquiry = submit_inquiry(care.world.a, today)
        browser = family_client(care.world.a, inquiry.guardian)
        home = browser.get(f"/family/{care.world.a.slug}/").content.decode()
        assert "2 of 2 waiting" in home  # Ann's Leo asked first, for the same age group
        offer = offer_for(inquiry, care.rooms.toddlers, today)
        home = browser.get(f"/family/{care.world.a.slug}/").content.decode()
        assert f"/family/{care.world.a.slug}/offers/{offer.pk}/" in home
        assert "Offer open" in home
        page = browser.get(f"/family/{care.world.a.slug}/offers/{offer.pk}/").content.decode()
        assert "Toddler Room" in page
        assert "Accept this place" in page
        response = browser.post(f"/family/{care.world.a.slug}/offers/{offer.pk}/accept/")
        assert response.status_code == 302
        with alliance_scope(care.world.a.pk):
            offer.refresh_from_db()
            enrollment = Enrollment.objects.get(child__family=inquiry.family)
        assert offer.status == "accepted"
        assert offer.enrollment_id == enrollment.pk
        assert enrollment.classroom_id == care.rooms.toddlers.pk
        assert b"starts at Program X" in browser.get(response["Location"]).content
        assert earlier.family_id != inquiry.family_id

    def test_declining_keeps_the_family_waiting(self, care, today):
        inquiry = submit_inquiry(care.world.a, today)
        offer = offer_for(inquiry, care.rooms.toddlers, today)
        browser = family_client(care.world.a, inquiry.guardian)
        response = browser.post(
            f"/family/{care.world.a.slug}/offers/{offer.pk}/decline/",
            {"note": "Too far from work", "keep_waiting": "on"},
        )
        assert response.status_code == 302
        with alliance_scope(care.world.a.pk):
            offer.refresh_from_db()
            entry = WaitlistEntry.objects.get(child__family=inquiry.family)
        assert (offer.status, offer.response_note, entry.status) == ("declined", "Too far from work", "waiting")

    def test_another_familys_offer_is_404(self, care, today):
        mine = submit_inquiry(care.world.a, today)
        other = submit_inquiry(care.world.a, today, email="other@example.org", guardian_first_name="Otto")
        their_offer = offer_for(other, care.rooms.toddlers, today)
        browser = family_client(care.world.a, mine.guardian)
        for suffix in ("", "accept/", "decline/"):
            method = browser.get if not suffix else browser.post
            assert method(f"/family/{care.world.a.slug}/offers/{their_offer.pk}/{suffix}").status_code == 404
        home = browser.get(f"/family/{care.world.a.slug}/").content.decode()
        assert "Otto" not in home
        assert "Offer open" not in home
        with alliance_scope(care.world.a.pk):
            assert Offer.objects.get(pk=their_offer.pk).status == "open"

    def test_statement_and_balance_of_the_own_family_only(self, care, today):
        inquiry = submit_inquiry(care.world.a, today)
        account = account_of(inquiry.family, care.world.x)
        zelda_account = account_of(care.zelda.family, care.world.x)
        with alliance_scope(care.world.a.pk):
            ledger_entry_post(
                account=account,
                kind=EntryKind.CHARGE,
                amount=Decimal("812.50"),
                posted_on=today,
                description="Tuition",
                actor=None,
            )
            ledger_entry_post(
                account=zelda_account,
                kind=EntryKind.CHARGE,
                amount=Decimal("777.77"),
                posted_on=today,
                description="Zelda's tuition",
                actor=None,
            )
        browser = family_client(care.world.a, inquiry.guardian)
        home = browser.get(f"/family/{care.world.a.slug}/").content.decode()
        assert '<td class="num" id="family-balance">$812.50</td>' in home
        statement = browser.get(f"/family/{care.world.a.slug}/statement/").content.decode()
        assert "$812.50" in statement
        assert "777.77" not in statement
        assert "Zelda" not in statement
        pdf = browser.get(f"/family/{care.world.a.slug}/statement.pdf")
        assert pdf["Content-Type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")

    def test_a_family_session_is_not_a_hub_sign_in(self, care, today):
        inquiry = submit_inquiry(care.world.a, today)
        browser = family_client(care.world.a, inquiry.guardian)
        assert browser.get(f"/a/{care.world.a.slug}/inquiries/")["Location"].startswith("/accounts/login/")
        assert browser.get(f"/api/a/{care.world.a.slug}/inquiries/").status_code == 401
        browser.post(f"/family/{care.world.a.slug}/sign-out/")
        assert browser.get(f"/family/{care.world.a.slug}/")["Location"] == f"/family/{care.world.a.slug}/sign-in/"
