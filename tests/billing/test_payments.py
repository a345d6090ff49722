"""Payments, allocation to the oldest charges, refusals, reversals, deposits,
voiding, aging, collections and write-offs."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from alliance.dates import month_end
from alliance.models import AuditEvent
from alliance.tenancy import alliance_scope
from billing.aging import aging_for_accounts, aging_totals, bucket_of, invoice_open_amount
from billing.invoicing import invoice_program_for_period
from billing.models import FamilyAccount, Invoice, InvoiceStatus, Payment, PaymentStatus
from billing.payments import (
    deposit_batch_create,
    invoice_void,
    payment_record,
    payment_reverse,
    refund_record,
    write_off_record,
)
from billing.selectors import account_balance
from tests.billing.factories import RatePlanFactory, enroll

JAN, FEB, MAR = (datetime.date(2026, m, 1) for m in (1, 2, 3))


@pytest.fixture
def three_months(world, homes):
    """Lopez at X billed 1000.00 for January, February and March (due the 11th)."""
    RatePlanFactory(program=world.x, tuition=Decimal("1000.00"))
    enroll(homes.ana, homes.room_x, start=datetime.date(2025, 12, 1))
    with alliance_scope(world.a.pk):
        for first in (JAN, FEB, MAR):
            invoice_program_for_period(program_id=world.x.pk, period_start=first, period_end=month_end(first))
        return list(Invoice.objects.filter(account=homes.lopez_x).order_by("period_start"))


def pay(homes, amount, actor=None, **kw):  # type: ignore[no-untyped-def]
    return payment_record(
        actor=actor,
        account=homes.lopez_x,
        amount=Decimal(amount),
        method="card",
        received_on=kw.pop("on", datetime.date(2026, 3, 5)),
        **kw,
    )


class TestAllocation:
    def test_payments_go_to_the_oldest_open_invoice(self, world, homes, three_months):
        jan, feb, mar = three_months
        with alliance_scope(world.a.pk):
            pay(homes, "1500.00", actor=world.users.staff_a)
            assert [invoice_open_amount(i) for i in (jan, feb, mar)] == [
                Decimal("0.00"),
                Decimal("500.00"),
                Decimal("1000.00"),
            ]
            assert account_balance(homes.lopez_x) == Decimal("1500.00")
            assert AuditEvent.objects.filter(action="payment.recorded").count() == 1

    def test_paying_a_paid_or_void_invoice_is_refused_with_a_message(self, world, homes, three_months):
        jan, feb, mar = three_months
        with alliance_scope(world.a.pk):
            pay(homes, "1000.00", invoice=jan)
            with pytest.raises(ValidationError, match="already paid in full"):
                pay(homes, "10.00", invoice=jan)
            invoice_void(actor=world.users.admin_a, invoice=mar, reason="Family left in February")
            with pytest.raises(ValidationError, match="is void"):
                pay(homes, "10.00", invoice=mar)
            with pytest.raises(ValidationError, match=r"has \$1,000\.00 left"):
                pay(homes, "1000.01", invoice=feb)
            assert account_balance(homes.lopez_x) == Decimal("1000.00")
            assert Payment.objects.count() == 1

    def test_a_reversed_payment_reopens_the_invoice_and_cannot_be_reversed_twice(self, world, homes, three_months):
        jan = three_months[0]
        with alliance_scope(world.a.pk):
            payment = pay(homes, "1000.00")
            assert invoice_open_amount(jan) == 0
            payment_reverse(actor=world.users.staff_a, payment=payment, reason="Check bounced")
            assert invoice_open_amount(jan) == Decimal("1000.00")
            assert Payment.objects.get().status == PaymentStatus.REVERSED
            with pytest.raises(ValidationError, match="already been reversed"):
                payment_reverse(actor=world.users.staff_a, payment=payment, reason="again")

    def test_voiding_reverses_the_lines_and_keeps_the_number(self, world, homes, three_months):
        mar = three_months[2]
        with alliance_scope(world.a.pk):
            with pytest.raises(ValidationError, match="why"):
                invoice_void(actor=None, invoice=mar, reason="")
            invoice_void(actor=world.users.admin_a, invoice=mar, reason="Issued in error")
            mar.refresh_from_db()
            assert mar.status == InvoiceStatus.VOID
            assert mar.number == 3
            assert account_balance(homes.lopez_x) == Decimal("2000.00")

    def test_refund_only_of_a_credit(self, world, homes, three_months):
        with alliance_scope(world.a.pk):
            payment = pay(homes, "3100.00")
            refund = dict(actor=world.users.staff_a, payment=payment, refunded_on=MAR, method="card", reason="overpaid")
            with pytest.raises(ValidationError, match=r"in credit by \$100\.00"):
                refund_record(amount=Decimal("100.01"), **refund)
            with pytest.raises(ValidationError, match="Only Hub staff"):
                refund_record(**{**refund, "actor": world.users.provider_x}, amount=Decimal("100.00"))
            refund_record(amount=Decimal("100.00"), **refund)
            assert account_balance(homes.lopez_x) == 0

    def test_deposit_batches_hold_one_programs_undeposited_cash_and_checks(self, world, homes, three_months):
        with alliance_scope(world.a.pk):
            check = payment_record(
                actor=None,
                account=homes.lopez_x,
                amount=Decimal("200.00"),
                method="check",
                reference="1042",
                received_on=MAR,
            )
            cash = payment_record(
                actor=None, account=homes.lopez_x, amount=Decimal("50.00"), method="cash", received_on=MAR
            )
            batch = deposit_batch_create(actor=None, program=world.x, deposited_on=MAR, payments=[check, cash])
            assert batch.total == Decimal("250.00")
            with pytest.raises(ValidationError, match="already in a deposit"):
                deposit_batch_create(actor=None, program=world.x, deposited_on=MAR, payments=[check])
            with pytest.raises(ValidationError, match="check number"):
                payment_record(
                    actor=None, account=homes.lopez_x, amount=Decimal("1.00"), method="check", received_on=MAR
                )


class TestAging:
    @pytest.mark.parametrize(
        ("days", "bucket"),
        [
            (-3, "current"),
            (0, "current"),
            (1, "1_30"),
            (30, "1_30"),
            (31, "31_60"),
            (61, "61_90"),
            (90, "61_90"),
            (91, "over_90"),
        ],
    )
    def test_buckets(self, days, bucket):
        assert bucket_of(days) == bucket

    def test_aging_moves_when_a_payment_comes_in(self, world, homes, three_months):
        as_of = datetime.date(2026, 4, 15)  # Jan due 01-11 (94 days), Feb 02-11 (63), Mar 03-11 (35)
        with alliance_scope(world.a.pk):
            accounts = FamilyAccount.objects.filter(pk=homes.lopez_x.pk)
            before = aging_for_accounts(accounts, as_of=as_of)[0]
            assert before.buckets == {
                "current": 0,
                "1_30": 0,
                "31_60": Decimal("1000.00"),
                "61_90": Decimal("1000.00"),
                "over_90": Decimal("1000.00"),
            }
            pay(homes, "1200.00", on=datetime.date(2026, 4, 1))
            after = aging_for_accounts(accounts, as_of=as_of)[0]
            assert after.buckets["over_90"] == 0
            assert after.buckets["61_90"] == Decimal("800.00")
            assert after.balance == account_balance(homes.lopez_x) == Decimal("1800.00")
            totals = aging_totals(aging_for_accounts(FamilyAccount.objects.all(), as_of=as_of))["all"]
            assert totals.balance == Decimal("1800.00")

    def test_aging_page_and_api_show_the_same_figures(self, world, clients, homes, three_months):
        page = clients.staff_a.get(f"/a/{world.a.slug}/billing/aging/?as_of=2026-04-15")
        assert b'id="aging-balance">$3,000.00<' in page.content
        data = clients.staff_a.get(f"/api/a/{world.a.slug}/aging/?as_of=2026-04-15").json()
        assert data["alliance"]["over_90"] == "1000.00"
        assert clients.provider_y.get(f"/api/a/{world.a.slug}/aging/?as_of=2026-04-15").json()["accounts"] == [
            {
                "account": homes.young_y.pk,
                "program": world.y.pk,
                "buckets": {"current": "0.00", "1_30": "0.00", "31_60": "0.00", "61_90": "0.00", "over_90": "0.00"},
                "unapplied_credit": "0.00",
                "balance": "0.00",
                "days_past_due": 0,
            }
        ]
        assert clients.funder_a.get(f"/api/a/{world.a.slug}/aging/").status_code == 403
        assert clients.staff_a.get(f"/api/a/{world.a.slug}/aging/?as_of=soon").status_code == 400


class TestWriteOff:
    def test_hub_writes_off_with_a_reason_and_it_is_audited(self, world, homes, three_months):
        with alliance_scope(world.a.pk):
            with pytest.raises(ValidationError, match="at least 10"):
                write_off_record(actor=world.users.staff_a, account=homes.lopez_x, reason="bad", effective_on=MAR)
            with pytest.raises(ValidationError, match="Only Hub staff"):
                write_off_record(
                    actor=world.users.provider_x,
                    account=homes.lopez_x,
                    reason="Family moved away, no contact",
                    effective_on=MAR,
                )
            write_off_record(
                actor=world.users.staff_a,
                account=homes.lopez_x,
                reason="Family moved away, no contact",
                effective_on=MAR,
            )
            assert account_balance(homes.lopez_x) == 0
            # One write-off entry per invoice it settles, each audited with the reason.
            events = AuditEvent.objects.filter(action="ledger.write_off")
            assert events.count() == Invoice.objects.filter(account=homes.lopez_x).count()
            assert {(e.reason, e.actor) for e in events} == {("Family moved away, no contact", world.users.staff_a)}
            assert set(Invoice.objects.filter(account=homes.lopez_x).values_list("status", flat=True)) == {
                InvoiceStatus.WRITTEN_OFF
            }

    def test_write_off_page_is_hub_only_and_needs_a_reason(self, world, clients, homes, three_months):
        url = f"/a/{world.a.slug}/billing/accounts/{homes.lopez_x.pk}/write-off/"
        assert clients.provider_x.get(url).status_code == 403
        response = clients.staff_a.post(url, {"reason": ""})
        assert response.status_code == 200
        assert b"cannot be collected" in response.content
        assert clients.staff_a.post(url, {"reason": "Uncollectible after 120 days"}).status_code == 302
        with alliance_scope(world.a.pk):
            assert account_balance(homes.lopez_x) == 0


class TestPages:
    def test_provider_records_a_payment_for_own_program(self, world, clients, homes, three_months):
        url = f"/a/{world.a.slug}/billing/accounts/{homes.lopez_x.pk}/payments/new/"
        response = clients.provider_x.post(url, {"amount": "250.00", "method": "cash", "received_on": "2026-03-02"})
        assert response.status_code == 302
        detail = clients.provider_x.get(f"/a/{world.a.slug}/billing/accounts/{homes.lopez_x.pk}/")
        assert b'id="balance">$2,750.00<' in detail.content

    def test_paying_a_void_invoice_shows_the_refusal_on_the_form(self, world, clients, homes, three_months):
        mar = three_months[2]
        with alliance_scope(world.a.pk):
            invoice_void(actor=world.users.admin_a, invoice=mar, reason="Issued in error")
        url = f"/a/{world.a.slug}/billing/accounts/{homes.lopez_x.pk}/payments/new/"
        response = clients.staff_a.post(
            url, {"amount": "10.00", "method": "card", "received_on": "2026-03-02", "invoice": mar.pk}
        )
        assert response.status_code == 200
        assert b"is void; it cannot be paid" in response.content

    def test_it_validates_ownership(self, world, clients, homes, three_months):
        a = world.a.slug
        assert clients.provider_y.get(f"/a/{a}/billing/accounts/{homes.lopez_x.pk}/payments/new/").status_code == 404
        assert clients.staff_b.get(f"/a/{a}/billing/accounts/{homes.lopez_x.pk}/payments/new/").status_code == 404
        assert clients.funder_a.get(f"/a/{a}/billing/payments/").status_code == 403
        assert clients.provider_x.get(f"/a/{a}/billing/collections/").status_code == 403
        with alliance_scope(world.a.pk):
            payment = pay(homes, "10.00")
        assert clients.provider_y.get(f"/a/{a}/billing/payments/{payment.pk}/reverse/").status_code == 404
        api = clients.provider_y.post(
            f"/api/a/{a}/payments/",
            {"account": homes.lopez_x.pk, "amount": "5.00", "method": "cash", "received_on": "2026-03-02"},
            content_type="application/json",
        )
        assert api.status_code == 400
        assert "account" in api.json()

    def test_collections_worklist_lists_past_due_accounts_with_notes(self, world, clients, homes, three_months, today):
        note_url = f"/a/{world.a.slug}/billing/accounts/{homes.lopez_x.pk}/notes/new/"
        bad = clients.staff_a.post(note_url, {"kind": "promise", "note": "Will pay Friday"})
        assert bad.status_code == 200
        assert b"amount and a date" in bad.content
        clients.staff_a.post(
            note_url,
            {
                "kind": "promise",
                "note": "Will pay Friday",
                "promised_amount": "300.00",
                "promised_on": today.isoformat(),
            },
        )
        page = clients.staff_a.get(f"/a/{world.a.slug}/billing/collections/")
        assert b"Lopez family" in page.content
        assert b"Will pay Friday" in page.content


def test_deposit_page_offers_recent_cash_and_checks(world, clients, homes, three_months, today):
    with alliance_scope(world.a.pk):
        recent = payment_record(
            actor=None, account=homes.lopez_x, amount=Decimal("20.00"), method="cash", received_on=today
        )
        payment_record(
            actor=None,
            account=homes.lopez_x,
            amount=Decimal("30.00"),
            method="cash",
            received_on=today - datetime.timedelta(days=200),
        )
    url = f"/a/{world.a.slug}/billing/deposits/"
    page = clients.staff_a.get(url)
    assert b"20.00" in page.content
    assert b"30.00" not in page.content
    response = clients.staff_a.post(
        url, {"program": world.x.pk, "deposited_on": today.isoformat(), "payments": [recent.pk]}
    )
    assert response.status_code == 302
    with alliance_scope(world.a.pk):
        assert Payment.objects.get(pk=recent.pk).deposit.total == Decimal("20.00")
