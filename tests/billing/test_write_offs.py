"""Write-offs: an effective date, the invoices they settle, and bad debt by the month billed (DESIGN.md, "Bad debt").

Worked example (issue 20, case c): program X bills 10,000.00 in March 2026 (a family's 1,300.00 invoice and
8,700.00 of another's) and 5,000.00 in April; in July the Hub writes off the March invoice of 1,300.00, effective
in July:
  March bad debt           = 1,300.00 ÷ 10,000.00 = 13.0 %
  July write-offs posted   = 1,300.00 (nothing billed in July)
  trailing 12 months (to July) = 1,300.00 ÷ (10,000.00 + 5,000.00) = 8.7 %, above the 2.0 % limit: flagged.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from alliance.tenancy import alliance_scope
from billing.aging import aging_for_accounts, aging_totals, invoice_open_amount
from billing.ledger import ledger_entry_post
from billing.models import EntryKind, FamilyAccount, Invoice, InvoiceStatus, LedgerEntry
from metrics.models import ProgramFinanceMonth
from metrics.rollups import rollup_alliance
from tests.billing.factories import account_of
from tests.enrollment.factories import FamilyFactory
from tests.metrics.factories import room

D = Decimal
MAR, APR, JUL = datetime.date(2026, 3, 1), datetime.date(2026, 4, 1), datetime.date(2026, 7, 1)
JUL_15 = datetime.date(2026, 7, 15)
REASON = "Family moved away; letters and calls unanswered"


def invoice_for(account: FamilyAccount, number: int, issued_on: datetime.date, amount: str) -> Invoice:
    invoice = Invoice.objects.create(
        account=account,
        program=account.program,
        number=number,
        period_start=issued_on,
        period_end=issued_on.replace(day=28),
        issued_on=issued_on,
        due_on=issued_on + datetime.timedelta(days=10),
        total=D(amount),
    )
    ledger_entry_post(
        account=account,
        kind=EntryKind.CHARGE,
        amount=D(amount),
        posted_on=issued_on,
        description="Tuition",
        invoice=invoice,
    )
    return invoice


@pytest.fixture
def march(world):
    room(world.x, licensed=10, opened_on=MAR)  # so the months have figures on the dashboard
    with alliance_scope(world.a.pk):
        lopez = account_of(FamilyFactory(alliance=world.a, name="Lopez family"), world.x)
        young = account_of(FamilyFactory(alliance=world.a, name="Young family"), world.x)
        inv_march = invoice_for(lopez, 1, MAR, "1300.00")
        inv_april = invoice_for(lopez, 2, APR, "1200.00")
        invoice_for(young, 3, MAR, "8700.00")
        invoice_for(young, 4, APR, "3800.00")
    return world, lopez, inv_march, inv_april


def finance(world, month):
    with alliance_scope(world.a.pk):
        return ProgramFinanceMonth.objects.get(program=world.x, month=month)


class TestWriteOffPage:
    def test_a_named_invoice_is_written_off_on_its_effective_date(self, march, clients):
        world, lopez, inv_march, inv_april = march
        with alliance_scope(world.a.pk):
            aging_before = aging_totals(aging_for_accounts(FamilyAccount.objects.all(), as_of=JUL_15))["all"]
        url = f"/a/{world.a.slug}/billing/accounts/{lopez.pk}/write-off/"
        response = clients.staff_a.post(
            url, {"invoices": [inv_march.pk], "effective_on": "2026-07-15", "reason": REASON}
        )
        assert response.status_code == 302, response.context["form"].errors
        with alliance_scope(world.a.pk):
            entry = LedgerEntry.objects.get(kind=EntryKind.WRITE_OFF)
            assert (entry.posted_on, entry.amount, entry.invoice_id) == (JUL_15, D("-1300.00"), inv_march.pk)
            inv_march.refresh_from_db()
            inv_april.refresh_from_db()
            assert (inv_march.status, inv_april.status) == (InvoiceStatus.WRITTEN_OFF, InvoiceStatus.ISSUED)
            assert (invoice_open_amount(inv_march), invoice_open_amount(inv_april)) == (D("0.00"), D("1200.00"))
            aging_after = aging_totals(aging_for_accounts(FamilyAccount.objects.all(), as_of=JUL_15))["all"]
        assert aging_before.total_open - aging_after.total_open == D("1300.00")
        # The invoice page and the account page say so.
        invoice_page = clients.staff_a.get(f"/a/{world.a.slug}/billing/invoices/{inv_march.pk}/").content.decode()
        assert "Written off" in invoice_page
        account_page = clients.staff_a.get(f"/a/{world.a.slug}/billing/accounts/{lopez.pk}/").content.decode()
        assert "Written off" in account_page
        assert "Issued" in account_page  # April's invoice is still open

    def test_part_of_an_invoice_is_partly_written_off(self, march, clients):
        world, lopez, inv_march, _ = march
        url = f"/a/{world.a.slug}/billing/accounts/{lopez.pk}/write-off/"
        response = clients.staff_a.post(
            url, {"invoices": [inv_march.pk], "amount": "300.00", "effective_on": "2026-07-15", "reason": REASON}
        )
        assert response.status_code == 302
        with alliance_scope(world.a.pk):
            inv_march.refresh_from_db()
            assert inv_march.status == InvoiceStatus.PART_WRITTEN_OFF
            assert invoice_open_amount(inv_march) == D("1000.00")

    def test_oldest_open_invoice_first_by_default(self, march, clients):
        world, lopez, inv_march, inv_april = march
        url = f"/a/{world.a.slug}/billing/accounts/{lopez.pk}/write-off/"
        assert clients.staff_a.post(url, {"amount": "1500.00", "reason": REASON}).status_code == 302
        with alliance_scope(world.a.pk):
            assert dict(LedgerEntry.objects.filter(kind=EntryKind.WRITE_OFF).values_list("invoice_id", "amount")) == {
                inv_march.pk: D("-1300.00"),
                inv_april.pk: D("-200.00"),
            }

    def test_bad_dates_are_form_errors_and_change_nothing(self, march, clients, today):
        world, lopez, inv_march, inv_april = march
        url = f"/a/{world.a.slug}/billing/accounts/{lopez.pk}/write-off/"
        tomorrow = today + datetime.timedelta(days=1)
        future = clients.staff_a.post(url, {"effective_on": tomorrow.isoformat(), "reason": REASON})
        assert future.status_code == 200
        assert "cannot take effect in the future" in future.content.decode()
        early = clients.staff_a.post(url, {"invoices": [inv_april.pk], "effective_on": "2026-03-15", "reason": REASON})
        assert early.status_code == 200
        assert "on or after the charge it writes off" in early.content.decode()
        with alliance_scope(world.a.pk):
            assert not LedgerEntry.objects.filter(kind=EntryKind.WRITE_OFF).exists()
            inv_april.refresh_from_db()
            assert inv_april.status == InvoiceStatus.ISSUED


class TestWriteOffAPI:
    def url(self, world):
        return f"/api/a/{world.a.slug}/write-offs/"

    def test_hub_writes_off_a_named_invoice(self, march, clients):
        world, lopez, inv_march, _ = march
        response = clients.staff_a.post(
            self.url(world),
            {"account": lopez.pk, "invoices": [inv_march.pk], "effective_on": "2026-07-15", "reason": REASON},
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
        assert response.json() == [
            {
                "id": response.json()[0]["id"],
                "account": lopez.pk,
                "program": world.x.pk,
                "invoice": inv_march.pk,
                "amount": "1300.00",
                "effective_on": "2026-07-15",
                "description": "Written off as uncollectible (Invoice 1)",
                "created_at": response.json()[0]["created_at"],
            }
        ]
        listed = clients.admin_a.get(self.url(world)).json()
        assert [row["amount"] for row in listed["results"]] == ["1300.00"]
        with alliance_scope(world.a.pk):
            inv_march.refresh_from_db()
            assert inv_march.status == InvoiceStatus.WRITTEN_OFF

    def test_bad_input_is_400_with_field_errors(self, march, clients, today):
        world, lopez, inv_march, _ = march
        future = (today + datetime.timedelta(days=3)).isoformat()
        response = clients.staff_a.post(
            self.url(world),
            {"account": lopez.pk, "effective_on": future, "reason": REASON},
            content_type="application/json",
        )
        assert response.status_code == 400
        assert "effective_on" in response.json()
        short = clients.staff_a.post(
            self.url(world), {"account": lopez.pk, "reason": "bad"}, content_type="application/json"
        )
        assert short.status_code == 400
        assert "reason" in short.json()
        with alliance_scope(world.a.pk):
            assert not LedgerEntry.objects.filter(kind=EntryKind.WRITE_OFF).exists()

    def test_providers_funders_and_other_alliances_are_refused(self, march, clients):
        world, lopez, inv_march, _ = march
        body = {"account": lopez.pk, "invoices": [inv_march.pk], "reason": REASON}
        assert clients.provider_x.post(self.url(world), body, content_type="application/json").status_code == 403
        assert clients.funder_a.post(self.url(world), body, content_type="application/json").status_code == 403
        assert clients.admin_b.post(self.url(world), body, content_type="application/json").status_code == 404


class TestBadDebtByMonthBilled:
    def test_a_july_write_off_of_a_march_charge_is_march_bad_debt(self, march, clients):
        world, lopez, inv_march, _ = march
        with alliance_scope(world.a.pk):
            rollup_alliance(start=MAR, end=datetime.date(2026, 7, 31))
        assert finance(world, MAR).written_off == D("0.00")
        response = clients.staff_a.post(
            f"/api/a/{world.a.slug}/write-offs/",
            {"account": lopez.pk, "invoices": [inv_march.pk], "effective_on": "2026-07-15", "reason": REASON},
            content_type="application/json",
        )
        assert response.status_code == 201
        # The rollup of July alone (as the nightly one would run) goes back to March, the month billed.
        with alliance_scope(world.a.pk):
            rollup_alliance(start=JUL, end=datetime.date(2026, 7, 31))
        march_row, july_row = finance(world, MAR), finance(world, JUL)
        assert (march_row.billed, march_row.written_off) == (D("10000.00"), D("1300.00"))
        assert march_row.figures.bad_debt_rate == D("0.1300")
        assert (july_row.billed, july_row.written_off, july_row.write_offs_posted) == (
            D("0.00"),
            D("0.00"),
            D("1300.00"),
        )
        assert finance(world, APR).written_off == D("0.00")

        dashboard = clients.staff_a.get(f"/a/{world.a.slug}/dashboard/?month=2026-07").content.decode()
        # Trailing 12 months to July: 1,300 ÷ (10,000 + 5,000) = 8.7 %, beside July's write-offs posted.
        assert "8.7%" in dashboard
        assert "write-offs posted $1,300.00" in dashboard
        assert "Bad debt 8.7% of billed is above 2.0% over the trailing 12 months" in dashboard
        march_page = clients.staff_a.get(
            f"/a/{world.a.slug}/dashboard/programs/{world.x.pk}/?month=2026-03"
        ).content.decode()
        assert "13.0%" in march_page
