"""Refunds of payments and staff-family discounts, through their pages and the API: what the Hub
sees change (balance, ledger, next invoice), what bad input is told, and who may not."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from alliance.models import AuditEvent
from alliance.tenancy import alliance_scope
from billing.invoicing import invoice_program_for_period
from billing.models import (
    ChargeCategory,
    DiscountKind,
    EntryKind,
    FamilyAccount,
    Invoice,
    LedgerEntry,
    RatePeriod,
    Refund,
)
from billing.payments import payment_record, payment_reverse
from billing.selectors import account_balance
from tests.billing.factories import RatePlanFactory, enroll

JAN = (datetime.date(2026, 1, 1), datetime.date(2026, 1, 31))
MARCH = (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))
APRIL = (datetime.date(2026, 4, 1), datetime.date(2026, 4, 30))


@pytest.fixture
def overpaid(world, homes):
    """Lopez at X billed 1000.00 for January and paid 1250.00 by card: 250.00 in credit."""
    RatePlanFactory(program=world.x, tuition=Decimal("1000.00"))
    enroll(homes.ana, homes.room_x, start=datetime.date(2025, 12, 1))
    with alliance_scope(world.a.pk):
        invoice_program_for_period(program_id=world.x.pk, period_start=JAN[0], period_end=JAN[1])
        payment = payment_record(
            actor=world.users.staff_a,
            account=homes.lopez_x,
            amount=Decimal("1250.00"),
            method="card",
            reference="ch_42",
            received_on=datetime.date(2026, 1, 5),
        )
        assert account_balance(homes.lopez_x) == Decimal("-250.00")
    return payment


def refund_url(world, payment) -> str:  # type: ignore[no-untyped-def]
    return f"/a/{world.a.slug}/billing/payments/{payment.pk}/refund/"


def account_url(world, account) -> str:  # type: ignore[no-untyped-def]
    return f"/a/{world.a.slug}/billing/accounts/{account.pk}/"


def state(world, homes):  # type: ignore[no-untyped-def]
    with alliance_scope(world.a.pk):
        return (account_balance(homes.lopez_x), LedgerEntry.objects.count(), Refund.objects.count())


REFUND = {
    "amount": "200.00",
    "refunded_on": "2026-01-20",
    "method": "check",
    "reference": "5001",
    "reason": "Paid twice",
}


class TestRefundPage:
    def test_a_refund_changes_the_balance_and_the_ledger_shows_it_against_the_payment(
        self, world, clients, homes, overpaid
    ):
        account_page = clients.staff_a.get(account_url(world, homes.lopez_x))
        assert refund_url(world, overpaid).encode() in account_page.content

        form = clients.staff_a.get(refund_url(world, overpaid))
        assert form.status_code == 200
        assert b"$1,250.00 of it is left to refund" in form.content

        response = clients.staff_a.post(refund_url(world, overpaid), REFUND)
        assert response.status_code == 302
        assert response["Location"] == account_url(world, homes.lopez_x)

        page = clients.staff_a.get(account_url(world, homes.lopez_x))
        assert b'id="balance">-$50.00<' in page.content
        assert b"Refund of card payment $1,250.00 received Jan 5, 2026" in page.content
        assert f'id="refunded-{overpaid.pk}">$200.00<'.encode() in page.content
        with alliance_scope(world.a.pk):
            refund = Refund.objects.get()
            assert (refund.payment, refund.amount, refund.method, refund.reference) == (
                overpaid,
                Decimal("200.00"),
                "check",
                "5001",
            )
            assert (refund.entry.kind, refund.entry.category, refund.entry.amount) == (
                EntryKind.CHARGE,
                ChargeCategory.REFUND,
                Decimal("200.00"),
            )
            event = AuditEvent.objects.get(action="refund.recorded")
            assert event.actor == world.users.staff_a
            assert event.reason == "Paid twice"
            assert event.after["refundable"] == "1050.00"

    @pytest.mark.parametrize(
        ("change", "field_error"),
        [
            ({"amount": "0.00"}, b"A refund is more than zero."),
            ({"amount": "-5.00"}, b"A refund is more than zero."),
            ({"amount": "250.01"}, b"The account is in credit by $250.00"),
            ({"reason": "  "}, b"Say why the money is refunded."),
            ({"method": "check", "reference": ""}, b"Give the check number."),
            ({"refunded_on": "soon"}, b"Enter a valid date."),
        ],
    )
    def test_bad_input_is_told_on_the_form_and_changes_nothing(
        self, world, clients, homes, overpaid, change, field_error
    ):
        before = state(world, homes)
        response = clients.staff_a.post(refund_url(world, overpaid), {**REFUND, **change})
        assert response.status_code == 200
        assert field_error in response.content
        assert state(world, homes) == before

    def test_more_than_was_paid_is_refused(self, world, clients, homes, overpaid):
        with alliance_scope(world.a.pk):
            small = payment_record(
                actor=None, account=homes.lopez_x, amount=Decimal("30.00"), method="cash", received_on=JAN[1]
            )
        before = state(world, homes)
        response = clients.staff_a.post(refund_url(world, small), {**REFUND, "amount": "30.01"})
        assert response.status_code == 200
        assert b"At most $30.00 of this payment is left to refund." in response.content
        assert state(world, homes) == before
        assert clients.staff_a.post(refund_url(world, small), {**REFUND, "amount": "30.00"}).status_code == 302
        again = clients.staff_a.post(refund_url(world, small), {**REFUND, "amount": "1.00"})
        assert b"already been refunded in full" in again.content

    def test_a_reversed_payment_cannot_be_refunded(self, world, clients, homes, overpaid):
        with alliance_scope(world.a.pk):
            payment_reverse(actor=world.users.staff_a, payment=overpaid, reason="Card charge-back")
        before = state(world, homes)
        response = clients.staff_a.post(refund_url(world, overpaid), REFUND)
        assert response.status_code == 200
        assert b"was reversed; there is nothing to refund" in response.content
        assert state(world, homes) == before

    def test_it_validates_ownership(self, world, clients, homes, overpaid):
        url = refund_url(world, overpaid)
        assert clients.provider_x.get(url).status_code == 403
        assert clients.provider_x.post(url, REFUND).status_code == 403
        assert clients.funder_a.get(url).status_code == 403
        assert clients.staff_b.get(url).status_code == 404
        assert clients.staff_b.post(url, REFUND).status_code == 404
        assert b"/refund/" not in clients.provider_x.get(account_url(world, homes.lopez_x)).content
        assert state(world, homes)[2] == 0


class TestRefundApi:
    def post(self, client, world, body):  # type: ignore[no-untyped-def]
        return client.post(f"/api/a/{world.a.slug}/refunds/", body, content_type="application/json")

    def test_hub_refunds_through_the_api(self, world, clients, homes, overpaid):
        response = self.post(clients.admin_a, world, {**REFUND, "payment": overpaid.pk, "amount": "250.00"})
        assert response.status_code == 201, response.json()
        body = response.json()
        assert (body["payment"], body["account"], body["amount"]) == (overpaid.pk, homes.lopez_x.pk, "250.00")
        entry = clients.admin_a.get(f"/api/a/{world.a.slug}/ledger-entries/{body['entry']}/").json()
        assert (entry["category"], entry["amount"]) == ("refund", "250.00")
        account = clients.admin_a.get(f"/api/a/{world.a.slug}/billing-accounts/{homes.lopez_x.pk}/").json()
        assert account["balance"] == "0.00"
        listed = clients.provider_x.get(f"/api/a/{world.a.slug}/refunds/?payment={overpaid.pk}").json()
        assert [r["id"] for r in listed["results"]] == [body["id"]]

    def test_bad_input_is_a_400_with_field_errors_and_changes_nothing(self, world, clients, homes, overpaid):
        before = state(world, homes)
        too_much = self.post(clients.staff_a, world, {**REFUND, "payment": overpaid.pk, "amount": "300.00"})
        assert too_much.status_code == 400
        assert "in credit by $250.00" in too_much.json()["amount"][0]
        no_reason = self.post(clients.staff_a, world, {**REFUND, "payment": overpaid.pk, "reason": ""})
        assert no_reason.status_code == 400
        assert list(no_reason.json()) == ["reason"]
        as_number = self.post(clients.staff_a, world, {**REFUND, "payment": overpaid.pk, "amount": 20})
        assert as_number.status_code == 400
        assert "amount" in as_number.json()
        assert state(world, homes) == before

    def test_it_validates_ownership(self, world, clients, homes, overpaid):
        body = {**REFUND, "payment": overpaid.pk}
        assert self.post(clients.provider_x, world, body).status_code == 403
        assert self.post(clients.funder_a, world, body).status_code == 403
        assert clients.funder_a.get(f"/api/a/{world.a.slug}/refunds/").status_code == 403
        assert self.post(clients.staff_b, world, body).status_code == 404
        with alliance_scope(world.b.pk):
            stranger = payment_record(
                actor=None, account=homes.zimmer_z, amount=Decimal("10.00"), method="cash", received_on=JAN[1]
            )
        other = self.post(clients.staff_a, world, {**REFUND, "payment": stranger.pk})
        assert other.status_code == 400
        assert "payment" in other.json()
        assert state(world, homes)[2] == 0


@pytest.fixture
def weekly(world, homes):
    """Young at Y on a weekly plan of 200.00 with a staff discount of 25.00; not a staff family yet."""
    RatePlanFactory(
        program=world.y,
        name="Weekly",
        period=RatePeriod.WEEKLY,
        tuition=Decimal("200.00"),
        staff_discount_kind=DiscountKind.AMOUNT,
        staff_discount=Decimal("25.00"),
    )
    enroll(homes.yuri, homes.room_y, start=datetime.date(2026, 1, 5))
    return homes


def invoice_y(world, period):  # type: ignore[no-untyped-def]
    with alliance_scope(world.a.pk):
        invoice_program_for_period(program_id=world.y.pk, period_start=period[0], period_end=period[1])
        return Invoice.objects.get(program=world.y, period_start=period[0])


class TestStaffDiscount:
    def url(self, world, homes) -> str:  # type: ignore[no-untyped-def]
        return f"/a/{world.a.slug}/billing/accounts/{homes.young_y.pk}/staff-discount/"

    def test_set_on_the_page_and_the_next_invoice_takes_it_off(self, world, clients, weekly):
        response = clients.staff_a.post(self.url(world, weekly), {"staff_discount": "on"})
        assert response.status_code == 302
        page = clients.staff_a.get(account_url(world, weekly.young_y))
        assert b'id="staff-family"' in page.content
        march = invoice_y(world, MARCH)
        # 22 weekdays at 200.00 a five-day week = 880.00, less the plan's 25.00 staff discount
        assert march.total == Decimal("855.00")
        invoice_page = clients.staff_a.get(f"/a/{world.a.slug}/billing/invoices/{march.pk}/")
        assert b"Staff discount" in invoice_page.content
        assert b"-$25.00" in invoice_page.content
        with alliance_scope(world.a.pk):
            event = AuditEvent.objects.get(action="account.updated")
            assert (event.before["staff_discount"], event.after["staff_discount"]) == (False, True)
            assert event.actor == world.users.staff_a

        # Cleared through the API: April is invoiced at full price.
        api = clients.admin_a.post(
            f"/api/a/{world.a.slug}/billing-accounts/{weekly.young_y.pk}/staff-discount/",
            {"staff_discount": False},
            content_type="application/json",
        )
        assert api.status_code == 200
        assert api.json()["staff_discount"] is False
        assert invoice_y(world, APRIL).total == Decimal("880.00")
        with alliance_scope(world.a.pk):
            assert AuditEvent.objects.filter(action="account.updated").count() == 2

    def test_setting_what_is_already_set_records_nothing(self, world, clients, weekly):
        clients.staff_a.post(self.url(world, weekly), {})
        with alliance_scope(world.a.pk):
            assert not AuditEvent.objects.filter(action="account.updated").exists()

    def test_bad_input_is_a_400_and_changes_nothing(self, world, clients, weekly):
        url = f"/api/a/{world.a.slug}/billing-accounts/{weekly.young_y.pk}/staff-discount/"
        for body in ({"staff_discount": "yes"}, {}, {"staff_discount": 1}):
            response = clients.staff_a.post(url, body, content_type="application/json")
            assert response.status_code == 400
            assert "staff_discount" in response.json()
        with alliance_scope(world.a.pk):
            fees = FamilyAccount.objects.create(program=world.y)
        response = clients.staff_a.post(
            f"/api/a/{world.a.slug}/billing-accounts/{fees.pk}/staff-discount/",
            {"staff_discount": True},
            content_type="application/json",
        )
        assert response.status_code == 400
        assert "member-fee account" in response.json()["staff_discount"][0]
        with alliance_scope(world.a.pk):
            assert not FamilyAccount.objects.filter(staff_discount=True).exists()

    def test_it_validates_ownership(self, world, clients, weekly):
        url = self.url(world, weekly)
        api = f"/api/a/{world.a.slug}/billing-accounts/{weekly.young_y.pk}/staff-discount/"
        assert clients.provider_y.post(url, {"staff_discount": "on"}).status_code == 403
        assert clients.funder_a.get(url).status_code == 403
        assert clients.staff_b.post(url, {"staff_discount": "on"}).status_code == 404
        on = {"staff_discount": True}
        assert clients.provider_y.post(api, on, content_type="application/json").status_code == 403
        assert clients.funder_a.post(api, on, content_type="application/json").status_code == 403
        assert clients.staff_b.post(api, on, content_type="application/json").status_code == 404
        with alliance_scope(world.a.pk):
            assert not FamilyAccount.objects.filter(staff_discount=True).exists()
