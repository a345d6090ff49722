"""Late fees: grace days, flat or percent, cap, once per invoice however often the task runs."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from alliance.tenancy import alliance_scope
from billing.invoicing import invoice_program_for_period
from billing.late_fees import late_fee_amount, late_fees_apply
from billing.models import BillingPolicy, Invoice, LateFeeKind, LedgerEntry
from billing.payments import payment_record
from billing.selectors import account_balance
from billing.tasks import apply_late_fees
from tests.billing.factories import RatePlanFactory, enroll

MARCH = (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))  # due 03-11


@pytest.fixture
def overdue(world, homes):
    RatePlanFactory(program=world.x, tuition=Decimal("1000.00"))
    enroll(homes.ana, homes.room_x, start=datetime.date(2026, 1, 5))
    with alliance_scope(world.a.pk):
        invoice_program_for_period(program_id=world.x.pk, period_start=MARCH[0], period_end=MARCH[1])
        return BillingPolicy.objects.create(
            program=world.x,
            late_fee_kind=LateFeeKind.PERCENT,
            late_fee_value=Decimal("1.50"),
            late_fee_cap=Decimal("12.00"),
            grace_days=5,
        )


def test_the_fee_rules():
    policy = BillingPolicy(late_fee_kind=LateFeeKind.PERCENT, late_fee_value=Decimal("1.5"), late_fee_cap=None)
    assert late_fee_amount(policy, Decimal("333.33")) == Decimal("5.00")  # 4.99995 -> 5.00, rounded once
    policy.late_fee_cap = Decimal("4.00")
    assert late_fee_amount(policy, Decimal("333.33")) == Decimal("4.00")
    flat = BillingPolicy(late_fee_kind=LateFeeKind.FLAT, late_fee_value=Decimal("25.00"))
    assert late_fee_amount(flat, Decimal("0.00")) == 0
    assert late_fee_amount(flat, Decimal("1.00")) == Decimal("25.00")


def test_within_grace_nothing_after_it_once(world, homes, overdue):
    with alliance_scope(world.a.pk):
        assert late_fees_apply(as_of=datetime.date(2026, 3, 16)).charged == 0  # 11th + 5 grace days
        first = late_fees_apply(as_of=datetime.date(2026, 3, 17))
        assert (first.charged, first.amount) == (1, Decimal("12.00"))  # 1.5% of 1000 is 15, capped at 12
        assert late_fees_apply(as_of=datetime.date(2026, 3, 18)).charged == 0
        assert account_balance(homes.lopez_x) == Decimal("1012.00")
        fee = LedgerEntry.objects.get(kind="late_fee")
        assert fee.description == f"Late fee on invoice {Invoice.objects.get().number}"


def test_the_daily_task_is_idempotent_and_skips_paid_invoices(world, homes, overdue):
    with alliance_scope(world.a.pk):
        payment_record(
            actor=None,
            account=homes.lopez_x,
            amount=Decimal("1000.00"),
            method="cash",
            received_on=datetime.date(2026, 3, 10),
        )
    outcome = apply_late_fees.apply(args=[world.a.pk, "2026-04-01"]).get()
    assert outcome["charged"] == 0
    with alliance_scope(world.a.pk):
        assert account_balance(homes.lopez_x) == 0


def test_runs_per_alliance(world, homes, overdue):
    for _ in range(2):
        apply_late_fees.apply(args=[world.a.pk, "2026-04-01"]).get()
        apply_late_fees.apply(args=[world.b.pk, "2026-04-01"]).get()
    with alliance_scope(world.a.pk):
        assert LedgerEntry.objects.filter(kind="late_fee").count() == 1
    with alliance_scope(world.b.pk):
        assert not LedgerEntry.objects.filter(kind="late_fee").exists()


def test_policy_page_is_hub_only_and_validates(world, clients):
    url = f"/a/{world.a.slug}/billing/programs/{world.x.pk}/policy/"
    assert clients.provider_x.get(url).status_code == 403
    assert clients.staff_b.get(url).status_code == 404
    bad = clients.staff_a.post(url, {"late_fee_kind": "percent", "late_fee_value": "150", "grace_days": "5"})
    assert bad.status_code == 200
    assert b"at most 100" in bad.content
    ok = clients.staff_a.post(
        url, {"tax_id": "12-3456789", "late_fee_kind": "flat", "late_fee_value": "25.00", "grace_days": "5"}
    )
    assert ok.status_code == 302
    with alliance_scope(world.a.pk):
        assert BillingPolicy.objects.get(program=world.x).late_fee_value == Decimal("25.00")
