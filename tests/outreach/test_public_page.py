"""The public "find child care" page: no sign-in, only what members publish."""

from __future__ import annotations

import datetime

from django.test import Client

from alliance.tenancy import alliance_scope
from enrollment.services import offer_create
from outreach.models import PublicListing
from tests.enrollment.factories import ChildFactory, FamilyFactory, entry
from tests.outreach.conftest import PRIVATE, inquiry_form, two_year_old


def page(client, alliance, **query):  # type: ignore[no-untyped-def]
    response = client.get(f"/care/{alliance.slug}/", query)
    assert response.status_code == 200
    return response.content.decode()


class TestWhatIsShown:
    def test_published_programs_with_live_openings_and_no_private_data(self, care, client):
        html = page(client, care.world.a)
        assert "Program X" in html
        assert "Program Y" in html
        assert "Toddler:</strong>\n        11 places open now" in html  # 12 licensed, Zelda enrolled
        assert "Infant:</strong>\n        8 places open now" in html
        assert "English, Spanish" in html
        assert "Accepts child-care subsidy" in html
        assert "12 Oak Ave" in html
        assert "(555) 300-1000" in html
        assert "QRIS 4 of 5 stars" in html
        assert "Mon–Fri, 7:00–18:00" in html
        leaks = [text for text in PRIVATE if text in html]
        assert leaks == []

    def test_unpublished_programs_and_other_alliances_never_appear(self, care, client):
        html = page(client, care.world.a)
        assert "Hidden Haven" not in html
        assert "Program Z" not in html
        assert "Program Z" in page(client, care.world.b)

    def test_facts_a_member_keeps_private_are_not_shown(self, care, client):
        html = page(client, care.world.a)
        card_y = html[html.index(f'id="program-{care.world.y.pk}"') :]
        card_y = card_y[: card_y.index("</article>")]
        assert "Ask about open places." in card_y
        assert "open now" not in card_y
        assert "(555) 300-2000" not in card_y
        assert "Does not take child-care subsidy" in card_y

    def test_open_offers_hold_their_places(self, care, client, today):
        family = FamilyFactory(alliance=care.world.a)
        waiting = entry(
            ChildFactory(family=family, date_of_birth=two_year_old(today)),
            program=care.world.x,
            added_on=today,
            desired_start=today,
        )
        with alliance_scope(care.world.a.pk):
            offer_create(actor=None, entry=waiting, classroom=care.rooms.toddlers, start_date=today, respond_by=today)
        assert "10 places open now" in page(client, care.world.a)

    def test_unknown_alliance_is_404(self, db, client):
        for url in (
            "/care/no-such-alliance/",
            "/care/no-such-alliance/inquire/",
            "/family/no-such-alliance/",
            "/family/no-such-alliance/sign-in/",
        ):
            assert client.get(url).status_code == 404, url

    def test_a_fixed_number_of_queries(self, care, client, today, django_assert_max_num_queries):
        """Alliance, towns (2), age bands, listings, classrooms, their days, open offers; scope and savepoints."""
        with django_assert_max_num_queries(16):
            page(client, care.world.a, dob=two_year_old(today).isoformat())


class TestFilters:
    def test_a_two_year_old_sees_toddler_places_only(self, care, client, today):
        html = page(client, care.world.a, dob=two_year_old(today).isoformat())
        assert "Program X" in html
        assert "Toddler:" in html
        assert "Infant:" not in html
        assert "Program Y" not in html  # preschool only
        assert "toddler (18 months to under 3 years)" in html

    def test_area_schedule_and_subsidy(self, care, client):
        assert "Program Y" not in page(client, care.world.a, area="Riverbend")
        assert "Program X" not in page(client, care.world.a, area="Millbrook")
        assert "Program Y" not in page(client, care.world.a, subsidy="on")
        assert "Program X" not in page(client, care.world.a, schedule="weekend")
        assert "Program X" in page(client, care.world.a, schedule="full_week")

    def test_a_filter_on_a_hidden_fact_leaves_the_program_out(self, care, client):
        with alliance_scope(care.world.a.pk):
            PublicListing.objects.filter(pk=care.listings.x.pk).update(show_subsidy=False)
        assert "Program X" not in page(client, care.world.a, subsidy="on")

    def test_a_child_no_program_takes(self, care, client, today):
        html = page(client, care.world.a, dob=(today - datetime.timedelta(days=365 * 15)).isoformat())
        assert "No program of the alliance takes a child born on" in html
        assert "No program matches this search." in html


class TestForms:
    def test_the_inquiry_form_is_csrf_protected(self, care, today):
        client = Client(enforce_csrf_checks=True)
        assert client.post(f"/care/{care.world.a.slug}/inquire/", inquiry_form(today)).status_code == 403
        form = client.get(f"/care/{care.world.a.slug}/inquire/")
        token = form.cookies["csrftoken"].value
        response = client.post(
            f"/care/{care.world.a.slug}/inquire/", inquiry_form(today) | {"csrfmiddlewaretoken": token}
        )
        assert response.status_code == 302

    def test_the_form_lists_published_programs_and_prefills_from_the_search(self, care, client, today):
        dob = two_year_old(today).isoformat()
        html = client.get(f"/care/{care.world.a.slug}/inquire/", {"program": care.world.x.pk, "dob": dob}).content
        assert b"Program X" in html
        assert b"Program Y" in html
        assert b"Hidden Haven" not in html
        assert f'value="{dob}"'.encode() in html
        assert f'value="{care.world.x.pk}" id="id_programs_0" checked'.encode() in html
