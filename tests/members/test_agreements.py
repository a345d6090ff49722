"""The Hub's service catalogue and members' fee agreements."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from alliance.models import AuditEvent
from members.models import HubService, PricingModel, ServiceSubscription
from members.selectors import subscription_monthly_fee
from tests.members.factories import HubServiceFactory, SubscriptionFactory

D = datetime.date


@pytest.fixture
def catalogue(world):
    return {
        "billing": HubServiceFactory(
            alliance=world.a,
            name="Billing & fee collection",
            pricing_model=PricingModel.PERCENT_OF_TUITION,
            rate=Decimal("3.50"),
        ),
        "enrollment": HubServiceFactory(
            alliance=world.a,
            name="Enrollment management",
            pricing_model=PricingModel.PER_LICENSED_SLOT,
            rate=Decimal("4.25"),
        ),
        "bookkeeping": HubServiceFactory(
            alliance=world.a, name="Bookkeeping", pricing_model=PricingModel.FLAT_MONTHLY, rate=Decimal("325.00")
        ),
        "retired": HubServiceFactory(alliance=world.a, name="Paper invoicing", is_active=False),
    }


class TestMonthlyFee:
    def test_each_pricing_model(self, world, in_a, catalogue):
        with in_a():
            world.x.licensed_capacity = 57
            world.x.save()
        flat = SubscriptionFactory(program=world.x, service=catalogue["bookkeeping"])
        per_slot = SubscriptionFactory(program=world.x, service=catalogue["enrollment"])
        percent = SubscriptionFactory(program=world.x, service=catalogue["billing"])
        with in_a():
            per_slot.refresh_from_db()
            assert subscription_monthly_fee(flat) == Decimal("325.00")
            assert subscription_monthly_fee(per_slot) == Decimal("242.25")  # 4.25 x 57
            assert subscription_monthly_fee(percent) is None
            # 3.5% of 10,000.10 = 350.0035, rounded half up once
            assert subscription_monthly_fee(percent, collected_tuition=Decimal("10000.10")) == Decimal("350.00")
            assert subscription_monthly_fee(percent, collected_tuition=Decimal("4100.00")) == Decimal("143.50")
            assert subscription_monthly_fee(per_slot, licensed_slots=3) == Decimal("12.75")


class TestCatalogue:
    def test_hub_staff_read_the_catalogue_with_member_counts(self, clients, world, catalogue, page):
        SubscriptionFactory(program=world.x, service=catalogue["bookkeeping"])
        SubscriptionFactory(program=world.y, service=catalogue["bookkeeping"], ends_on=D(2025, 6, 30))
        response = clients.staff_a.get(page("service_list"))
        counts = {s.name: s.member_count for s in response.context["services"]}
        assert counts["Bookkeeping"] == 1
        assert b"retired" in response.content
        assert b"Add a service" not in response.content

    def test_hub_admin_adds_a_service(self, clients, in_a, page):
        response = clients.admin_a.post(
            page("service_create"),
            {"name": "Coaching", "pricing_model": "flat_monthly", "rate": "120.00", "is_active": "on"},
        )
        assert response.status_code == 302
        with in_a():
            assert HubService.objects.get(name="Coaching").rate == Decimal("120.00")

    @pytest.mark.parametrize(
        ("data", "field"),
        [
            ({"name": "bookkeeping", "pricing_model": "flat_monthly", "rate": "1"}, "name"),
            ({"name": "Cut", "pricing_model": "percent_of_tuition", "rate": "101"}, "rate"),
            ({"name": "Cut", "pricing_model": "flat_monthly", "rate": "-1"}, "rate"),
            ({"name": "Cut", "pricing_model": "flat_monthly", "rate": "1.001"}, "rate"),
            ({"name": "Cut", "pricing_model": "barter", "rate": "1"}, "pricing_model"),
        ],
    )
    def test_invalid_services_change_nothing(self, clients, catalogue, in_a, page, data, field):
        response = clients.admin_a.post(page("service_create"), data)
        assert field in response.context["form"].errors
        with in_a():
            assert HubService.objects.count() == 4

    def test_only_the_hub_admin_edits_the_catalogue(self, clients, catalogue, page):
        assert clients.staff_a.get(page("service_create")).status_code == 403
        assert clients.staff_a.get(page("service_edit", catalogue["billing"].pk)).status_code == 403
        assert clients.provider_x.get(page("service_list")).status_code == 403


class TestAgreements:
    def test_hub_admin_adds_an_agreement_on_catalogue_terms(self, clients, world, catalogue, in_a, page):
        response = clients.admin_a.post(
            page("subscription_create", world.x.pk),
            {"service": catalogue["enrollment"].pk, "rate": "", "starts_on": "2026-01-01"},
        )
        assert response.status_code == 302
        with in_a():
            agreement = ServiceSubscription.objects.get(program=world.x)
            assert (agreement.pricing_model, agreement.rate) == ("per_licensed_slot", Decimal("4.25"))
            assert AuditEvent.objects.filter(action="subscription.created").exists()

    def test_a_negotiated_rate_is_kept_when_the_catalogue_changes(self, clients, world, catalogue, in_a, page):
        clients.admin_a.post(
            page("subscription_create", world.x.pk),
            {"service": catalogue["bookkeeping"].pk, "rate": "150.00", "starts_on": "2026-01-01"},
        )
        clients.admin_a.post(
            page("service_edit", catalogue["bookkeeping"].pk),
            {"name": "Bookkeeping", "pricing_model": "flat_monthly", "rate": "350.00", "is_active": "on"},
        )
        with in_a():
            assert ServiceSubscription.objects.get(program=world.x).rate == Decimal("150.00")

    def test_overlapping_agreements_for_one_service_are_refused(self, clients, world, catalogue, in_a, page):
        SubscriptionFactory(
            program=world.x, service=catalogue["bookkeeping"], starts_on=D(2025, 1, 1), ends_on=D(2025, 12, 31)
        )
        overlapping = clients.admin_a.post(
            page("subscription_create", world.x.pk), {"service": catalogue["bookkeeping"].pk, "starts_on": "2025-12-01"}
        )
        assert "would overlap" in str(overlapping.context["form"].errors["starts_on"])
        after = clients.admin_a.post(
            page("subscription_create", world.x.pk), {"service": catalogue["bookkeeping"].pk, "starts_on": "2026-01-01"}
        )
        assert after.status_code == 302
        with in_a():
            assert ServiceSubscription.objects.filter(program=world.x).count() == 2

    @pytest.mark.parametrize(
        ("data", "field"),
        [
            ({"starts_on": "2026-02-01", "ends_on": "2026-01-01"}, "ends_on"),
            ({"starts_on": "2026-02-01", "rate": "-3"}, "rate"),
            ({"starts_on": ""}, "starts_on"),
        ],
    )
    def test_invalid_agreements_change_nothing(self, clients, world, catalogue, in_a, page, data, field):
        response = clients.admin_a.post(
            page("subscription_create", world.x.pk), {"service": catalogue["bookkeeping"].pk, **data}
        )
        assert field in response.context["form"].errors
        with in_a():
            assert not ServiceSubscription.objects.exists()

    def test_a_retired_service_cannot_be_chosen(self, clients, world, catalogue, page):
        response = clients.admin_a.post(
            page("subscription_create", world.x.pk), {"service": catalogue["retired"].pk, "starts_on": "2026-01-01"}
        )
        assert "service" in response.context["form"].errors

    def test_ending_an_agreement_keeps_it(self, clients, world, catalogue, in_a, page):
        agreement = SubscriptionFactory(program=world.x, service=catalogue["bookkeeping"])
        response = clients.admin_a.post(
            page("subscription_edit", world.x.pk, agreement.pk),
            {"rate": "325.00", "starts_on": "2025-01-01", "ends_on": "2025-12-31"},
        )
        assert response.status_code == 302
        tab = clients.provider_x.get(page("program_services", world.x.pk))
        assert [r.state for r in tab.context["rows"]] == ["ended"]


class TestProviderSeesButCannotEdit:
    def test_provider_sees_their_fee_agreement(self, clients, world, catalogue, page):
        SubscriptionFactory(program=world.x, service=catalogue["bookkeeping"])
        SubscriptionFactory(program=world.y, service=catalogue["billing"])
        response = clients.provider_x.get(page("program_services", world.x.pk))
        assert response.status_code == 200
        assert b"Bookkeeping" in response.content
        assert b"$325.00" in response.content
        assert b"Billing &amp; fee collection" not in response.content
        assert b"Add a fee agreement" not in response.content
        assert b">Edit<" not in response.content

    def test_provider_cannot_change_it(self, clients, world, catalogue, in_a, page):
        agreement = SubscriptionFactory(program=world.x, service=catalogue["bookkeeping"])
        edit = page("subscription_edit", world.x.pk, agreement.pk)
        assert clients.provider_x.get(edit).status_code == 403
        assert clients.provider_x.post(edit, {"rate": "1.00", "starts_on": "2025-01-01"}).status_code == 403
        assert clients.staff_a.post(edit, {"rate": "1.00", "starts_on": "2025-01-01"}).status_code == 403
        with in_a():
            assert ServiceSubscription.objects.get().rate == Decimal("325.00")


class TestStrangers:
    def test_it_validates_ownership(self, clients, world, catalogue, page):
        agreement = SubscriptionFactory(program=world.x, service=catalogue["bookkeeping"])
        for url in [
            page("program_services", world.x.pk),
            page("service_list"),
            page("subscription_edit", world.x.pk, agreement.pk),
            page("service_edit", catalogue["bookkeeping"].pk),
        ]:
            assert clients.admin_b.get(url).status_code == 404, url
            assert clients.funder_a.get(url).status_code == 403, url
        assert clients.provider_y.get(page("program_services", world.x.pk)).status_code == 404

    def test_an_agreement_of_another_program_is_404_under_ones_own(self, clients, world, catalogue, page):
        agreement = SubscriptionFactory(program=world.y, service=catalogue["bookkeeping"])
        assert clients.admin_a.get(page("subscription_edit", world.x.pk, agreement.pk)).status_code == 404
