"""Accounting exports balance: debits equal credits, in the journal CSV and the IIF file."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest

from alliance.tenancy import alliance_scope
from billing.exports import journal_iif, journal_lines
from billing.invoicing import invoice_program_for_period
from billing.models import DiscountKind
from billing.payments import payment_record, payment_reverse, write_off_record
from tests.billing.factories import ChildFactory, RatePlanFactory, enroll

MARCH = (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))


@pytest.fixture
def busy_month(world, homes):
    RatePlanFactory(
        program=world.x,
        tuition=Decimal("987.65"),
        registration_fee=Decimal("40.00"),
        sibling_discount_kind=DiscountKind.PERCENT,
        sibling_discount=Decimal("7.5"),
    )
    enroll(homes.ana, homes.room_x, start=datetime.date(2026, 3, 9))
    enroll(homes.ben, homes.room_x, start=datetime.date(2026, 3, 1), weekdays=[1, 3])
    enroll(ChildFactory(family=homes.young), homes.room_x, start=datetime.date(2026, 3, 1))
    with alliance_scope(world.a.pk):
        invoice_program_for_period(program_id=world.x.pk, period_start=MARCH[0], period_end=MARCH[1])
        payment = payment_record(
            actor=None,
            account=homes.lopez_x,
            amount=Decimal("300.33"),
            method="card",
            received_on=datetime.date(2026, 3, 12),
        )
        payment_reverse(actor=None, payment=payment, reason="Card declined")
        payment_record(
            actor=None,
            account=homes.lopez_x,
            amount=Decimal("500.00"),
            method="cash",
            received_on=datetime.date(2026, 3, 15),
        )
        from billing.models import FamilyAccount

        young_x = FamilyAccount.objects.get(family=homes.young, program=world.x)
        write_off_record(
            actor=world.users.staff_a,
            account=young_x,
            reason="Family left without notice",
            effective_on=datetime.date(2026, 3, 30),
        )


def test_the_journal_balances(world, busy_month):
    with alliance_scope(world.a.pk):
        lines = journal_lines(program_id=world.x.pk, start=MARCH[0], end=MARCH[1])
    assert len(lines) >= 16
    assert sum(ln.debit for ln in lines) == sum(ln.credit for ln in lines) > 0
    iif = journal_iif(lines)
    amounts = [Decimal(row.split("\t")[5]) for row in iif.split("\r\n") if row.startswith(("TRNS\t", "SPL\t"))]
    assert sum(amounts) == 0
    assert iif.count("ENDTRNS") == len(lines) // 2 + 1


def test_the_export_page_downloads_and_scopes(world, clients, busy_month):
    url = f"/a/{world.a.slug}/billing/export/"
    data = {"program": world.x.pk, "start": "2026-03-01", "end": "2026-03-31", "format": "journal"}
    response = clients.staff_a.post(url, data)
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert sum(Decimal(r["debit"]) for r in rows) == sum(Decimal(r["credit"]) for r in rows)
    assert clients.provider_y.post(url, data).status_code == 200  # X is not among Y's choices: a form error
    assert b"Select a valid choice" in clients.provider_y.post(url, data).content
    assert clients.funder_a.get(url).status_code == 403
    ledger = clients.provider_x.post(url, {**data, "format": "ledger"})
    assert ledger["Content-Type"] == "text/csv"
    assert b"Written off" in ledger.content
