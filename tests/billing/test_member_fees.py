"""Hub member fees: flat, per slot, percent of collected tuition, on the same ledger; once per month."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from alliance.tenancy import alliance_scope
from billing.invoicing import invoice_program_for_period
from billing.member_fees import member_fees_invoice
from billing.models import FamilyAccount, Invoice, LedgerEntry
from billing.payments import payment_record
from billing.selectors import account_balance
from members.models import HubService, MemberProgram, PricingModel, ServiceSubscription
from tests.billing.factories import RatePlanFactory, enroll

MARCH = datetime.date(2026, 3, 1)


@pytest.fixture
def subscribed(world, homes):
    RatePlanFactory(program=world.x, tuition=Decimal("1000.00"))
    enroll(homes.ana, homes.room_x, start=datetime.date(2026, 1, 5))
    with alliance_scope(world.a.pk):
        MemberProgram.objects.filter(pk=world.x.pk).update(licensed_capacity=40)
        for name, model, rate in (
            ("Billing service", PricingModel.PERCENT_OF_TUITION, "4.00"),
            ("Bookkeeping", PricingModel.FLAT_MONTHLY, "150.00"),
            ("Substitute pool", PricingModel.PER_LICENSED_SLOT, "2.50"),
        ):
            service = HubService.objects.create(name=name, pricing_model=model, rate=Decimal(rate))
            ServiceSubscription.objects.create(
                program=world.x,
                service=service,
                pricing_model=model,
                rate=Decimal(rate),
                starts_on=datetime.date(2026, 1, 1),
            )
        invoice_program_for_period(program_id=world.x.pk, period_start=MARCH, period_end=datetime.date(2026, 3, 31))
        payment_record(
            actor=None,
            account=homes.lopez_x,
            amount=Decimal("987.65"),
            method="card",
            received_on=datetime.date(2026, 3, 9),
        )


def test_a_month_of_member_fees_once(world, subscribed):
    with alliance_scope(world.a.pk):
        first = member_fees_invoice(month=MARCH)
        again = member_fees_invoice(month=MARCH)
        assert (first.invoices, again.invoices) == (1, 0)
        account = FamilyAccount.objects.get(program=world.x, family__isnull=True)
        # 4% of 987.65 collected = 39.506 -> 39.51; 150.00 flat; 40 slots x 2.50 = 100.00
        assert sorted(LedgerEntry.objects.filter(account=account).values_list("amount", flat=True)) == [
            Decimal("39.51"),
            Decimal("100.00"),
            Decimal("150.00"),
        ]
        assert account_balance(account) == Decimal("289.51") == Invoice.objects.get(account=account).total
        assert sorted(Invoice.objects.values_list("number", flat=True)) == [1, 2]  # the family's invoice was 1


def test_pages_and_who_sees_them(world, clients, subscribed):
    url = f"/a/{world.a.slug}/billing/member-fees/"
    assert clients.provider_x.get(url).status_code == 403
    assert clients.staff_a.post(url, {"month": "2026-03-15"}).status_code == 302
    with alliance_scope(world.a.pk):
        invoice = Invoice.objects.get(account__family__isnull=True)
    # The provider sees what their program owes the Hub; another program's provider does not.
    assert clients.provider_x.get(f"/a/{world.a.slug}/billing/invoices/{invoice.pk}/").status_code == 200
    assert clients.provider_y.get(f"/a/{world.a.slug}/billing/invoices/{invoice.pk}/").status_code == 404
    assert b"Hub member fees" in clients.staff_a.get(f"/a/{world.a.slug}/billing/accounts/").content


def test_member_fees_are_aged_apart_from_families(world, clients, subscribed):
    """The Hub's own receivables are no family called "?" on the aging page, nor on the collections
    worklist or the aging API; the member-fees page ages them by program."""
    with alliance_scope(world.a.pk):
        member_fees_invoice(month=MARCH)
    aging = clients.staff_a.get(f"/a/{world.a.slug}/billing/aging/?as_of=2026-06-30")
    families = [row.family_name for row in aging.context["families"]]
    assert families == ["Lopez family"]
    assert ">?<" not in aging.content.decode()
    # The Lopez account owes 1,000.00 less 987.65 paid = 12.35; the member fee's 289.51 is not in the family total.
    assert b'id="aging-balance">$12.35<' in aging.content
    api = clients.staff_a.get(f"/api/a/{world.a.slug}/aging/?as_of=2026-06-30").json()
    with alliance_scope(world.a.pk):
        fee_account = FamilyAccount.objects.get(program=world.x, family__isnull=True)
    assert fee_account.pk not in [a["account"] for a in api["accounts"]]
    assert api["alliance"]["over_90"] == "12.35"
    worklist = clients.staff_a.get(f"/a/{world.a.slug}/billing/collections/").content.decode()
    assert "Hub member fees" not in worklist
    fees = clients.staff_a.get(f"/a/{world.a.slug}/billing/member-fees/").content.decode()
    table = fees.split('id="member-fee-aging"')[1].split("</table>")[0]
    assert "Program X" in table
    assert "$289.51" in table


def test_aging_page_speaks_of_dates_only_when_one_is_bad(world, clients, subscribed):
    plain = clients.staff_a.get(f"/a/{world.a.slug}/billing/aging/")
    assert "YYYY-MM-DD" not in plain.content.decode()
    bad = clients.staff_a.get(f"/a/{world.a.slug}/billing/aging/?as_of=31/12/2026")
    assert "Give the date as YYYY-MM-DD. A date from 2000-01-01 to " in bad.content.decode()
    assert "Showing today." in bad.content.decode()
