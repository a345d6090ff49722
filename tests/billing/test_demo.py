"""The billing demo: a year of invoices and payments, fast and idempotent."""

from __future__ import annotations

import datetime

from alliance.tenancy import alliance_scope
from billing.demo import seed_billing_demo
from billing.models import Invoice, LedgerEntry, Payment, RatePlan
from billing.selectors import balance_of
from tests.billing.factories import enroll


def test_a_year_of_billing_once(world, homes, today):
    enroll(homes.ana, homes.room_x, start=today.replace(day=1) - datetime.timedelta(days=400), ref="preschool-ft")
    enroll(
        homes.yuri,
        homes.room_y,
        start=today.replace(day=1) - datetime.timedelta(days=200),
        weekdays=[0, 2],
        ref="preschool-pt",
    )
    with alliance_scope(world.a.pk):
        first = seed_billing_demo(world.a)
        assert seed_billing_demo(world.a) == first
        assert RatePlan.objects.filter(code="preschool-ft").count() == 2  # one per program
        family_invoices = Invoice.objects.filter(account__family__isnull=False)
        assert family_invoices.filter(account=homes.lopez_x).count() == 14  # the history and this month
        assert Payment.objects.exists()
        assert balance_of(LedgerEntry.objects.all()) == sum(
            (
                balance_of(LedgerEntry.objects.filter(account=i))
                for i in set(LedgerEntry.objects.values_list("account_id", flat=True))
            ),
            start=0,
        )
