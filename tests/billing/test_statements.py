"""Statements: one household across programs, PDFs from the same selectors, email, tax year-end."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import mail

from alliance.models import AuditEvent
from alliance.tenancy import alliance_scope
from billing.invoicing import invoice_program_for_period
from billing.models import BillingPolicy, FamilyAccount
from billing.payments import payment_record
from billing.statements import family_statement, year_end_tax_lines
from enrollment.models import Guardian
from tests.billing.factories import RatePlanFactory, account_of, enroll


@pytest.fixture
def household(world, homes):
    """The Lopez family: Ana at X (1000.00 a month) and Ben at Y (800.00), billed Jan–Feb 2026, paid some."""
    RatePlanFactory(program=world.x, tuition=Decimal("1000.00"))
    RatePlanFactory(program=world.y, tuition=Decimal("800.00"))
    enroll(homes.ana, homes.room_x, start=datetime.date(2025, 12, 1))
    enroll(homes.ben, homes.room_y, start=datetime.date(2025, 12, 1))
    lopez_y = account_of(homes.lopez, world.y)
    with alliance_scope(world.a.pk):
        BillingPolicy.objects.create(program=world.x, tax_id="12-3456789")
        Guardian.objects.create(
            family=homes.lopez,
            first_name="Maria",
            last_name="Lopez",
            email="maria@example.org",
            is_primary_contact=True,
        )
        for first, last in (
            (datetime.date(2026, 1, 1), datetime.date(2026, 1, 31)),
            (datetime.date(2026, 2, 1), datetime.date(2026, 2, 28)),
        ):
            for program in (world.x, world.y):
                invoice_program_for_period(program_id=program.pk, period_start=first, period_end=last)
        payment_record(
            actor=None,
            account=homes.lopez_x,
            amount=Decimal("1500.00"),
            method="card",
            received_on=datetime.date(2026, 2, 3),
        )
        payment_record(
            actor=None, account=lopez_y, amount=Decimal("800.00"), method="card", received_on=datetime.date(2026, 2, 3)
        )
    homes.lopez_y = lopez_y
    return homes


class TestStatement:
    def test_consolidates_the_household_across_programs(self, world, household):
        with alliance_scope(world.a.pk):
            statement = family_statement(
                household.lopez,
                FamilyAccount.objects.all(),
                start=datetime.date(2026, 2, 1),
                end=datetime.date(2026, 2, 28),
            )
            assert [(a.account.program.name, a.opening, a.closing) for a in statement.accounts] == [
                ("Program X", Decimal("1000.00"), Decimal("500.00")),
                ("Program Y", Decimal("800.00"), Decimal("800.00")),
            ]
            assert statement.closing == Decimal("1300.00")

    def test_page_pdf_and_email(self, world, clients, household, django_capture_on_commit_callbacks):
        base = f"/a/{world.a.slug}/billing/families/{household.lopez.pk}/"
        page = clients.staff_a.get(base + "statement/?start=2026-02-01&end=2026-02-28")
        assert b'id="statement-closing">$1,300.00<' in page.content
        pdf = clients.staff_a.get(base + "statement.pdf?start=2026-02-01&end=2026-02-28")
        assert pdf["Content-Type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")
        with django_capture_on_commit_callbacks(execute=True):
            sent = clients.staff_a.post(base + "statement/", {"start": "2026-02-01", "end": "2026-02-28"})
        assert sent.status_code == 302
        assert mail.outbox[-1].to == ["maria@example.org"]
        assert mail.outbox[-1].attachments[0][2] == "application/pdf"
        with alliance_scope(world.a.pk):
            assert AuditEvent.objects.filter(action="statement.emailed").count() == 1

    def test_provider_statement_shows_own_program_only(self, world, clients, household):
        page = clients.provider_y.get(
            f"/a/{world.a.slug}/billing/families/{household.lopez.pk}/statement/?start=2026-02-01&end=2026-02-28"
        )
        assert b"Program Y" in page.content
        assert b"Program X" not in page.content
        assert b'id="statement-closing">$800.00<' in page.content

    def test_it_validates_ownership(self, world, clients, household):
        url = f"/a/{world.a.slug}/billing/families/{household.lopez.pk}/statement/"
        assert clients.staff_b.get(url).status_code == 404
        assert clients.funder_a.get(url).status_code == 403
        young = f"/a/{world.a.slug}/billing/families/{household.young.pk}/statement/"
        assert clients.provider_x.get(young).status_code == 404

    def test_bad_dates_are_refused_with_a_message(self, world, clients, household):
        url = f"/a/{world.a.slug}/billing/families/{household.lopez.pk}/statement/?start=2026-03-01&end=2026-02-01"
        assert b"ends on or after it starts" in clients.staff_a.get(url).content


class TestTaxStatement:
    def test_amounts_paid_per_provider_and_child(self, world, clients, household):
        with alliance_scope(world.a.pk):
            lines = year_end_tax_lines(household.lopez, FamilyAccount.objects.all(), year=2026)
        assert [(ln.program_name, ln.tax_id, ln.child_name, ln.paid) for ln in lines] == [
            ("Program X", "12-3456789", "Ana Lopez family", Decimal("1500.00")),
            ("Program Y", "not on file", "Ben Lopez family", Decimal("800.00")),
        ]
        pdf = clients.staff_a.get(f"/a/{world.a.slug}/billing/families/{household.lopez.pk}/tax/2026.pdf")
        assert pdf.content.startswith(b"%PDF")
        page = clients.staff_a.get(f"/a/{world.a.slug}/billing/families/{household.lopez.pk}/tax/2026/")
        assert b'id="tax-total">$2,300.00<' in page.content

    def test_reversed_payments_are_not_counted(self, world, household):
        from billing.models import Payment
        from billing.payments import payment_reverse

        with alliance_scope(world.a.pk):
            payment = Payment.objects.get(account=household.lopez_y)
            payment_reverse(actor=None, payment=payment, reason="Bounced")
            lines = year_end_tax_lines(household.lopez, FamilyAccount.objects.all(), year=2026)
            assert [ln.paid for ln in lines] == [Decimal("1500.00")]

    def test_refunds_are_taken_off_what_was_paid(self, world, clients, household):
        with alliance_scope(world.a.pk):
            overpaid = payment_record(
                actor=None,
                account=household.lopez_y,
                amount=Decimal("900.00"),
                method="card",
                received_on=datetime.date(2026, 2, 10),
            )
        # Y billed 1600.00 and was paid 1700.00: the 100.00 over is refunded through the refund page.
        refund = clients.staff_a.post(
            f"/a/{world.a.slug}/billing/payments/{overpaid.pk}/refund/",
            {"amount": "100.00", "refunded_on": "2026-02-12", "method": "card", "reason": "Paid too much"},
        )
        assert refund.status_code == 302
        page = clients.staff_a.get(f"/a/{world.a.slug}/billing/families/{household.lopez.pk}/tax/2026/")
        assert b'id="tax-total">$3,100.00<' in page.content
