"""Two autopay families of program X, with invoices to collect (issue 19, findings 3 and 11)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

from alliance.tenancy import alliance_scope
from billing.ach import bank_account_set
from billing.invoicing import invoice_program_for_period
from billing.models import BillingPolicy
from tests.billing.factories import ChildFactory, FamilyFactory, RatePlanFactory, account_of, enroll, room_of

LOPEZ_ACCOUNT_NUMBER = "80417733926514"
YOUNG_ACCOUNT_NUMBER = "5555444433"


def invoice_month(world, month_start: datetime.date) -> None:
    next_month = (month_start + datetime.timedelta(days=32)).replace(day=1)
    with alliance_scope(world.a.pk):
        invoice_program_for_period(
            program_id=world.x.pk, period_start=month_start, period_end=next_month - datetime.timedelta(days=1)
        )


def autopay_families(world) -> SimpleNamespace:
    """Lopez (checking) and Young (savings) at program X, 1000.00 a month each, March invoiced."""
    lopez = FamilyFactory(alliance=world.a, name="Lopez family")
    young = FamilyFactory(alliance=world.a, name="Young family")
    room = room_of(world.x)
    RatePlanFactory(program=world.x, tuition=Decimal("1000.00"))
    enroll(ChildFactory(family=lopez, first_name="Ana"), room, start=datetime.date(2026, 1, 5))
    enroll(ChildFactory(family=young, first_name="Yuri"), room, start=datetime.date(2026, 1, 5))
    lopez_x, young_x = account_of(lopez, world.x), account_of(young, world.x)
    with alliance_scope(world.a.pk):
        BillingPolicy.objects.create(program=world.x, ach_routing_number="021000021", ach_company_id="1123456789")
        bank_account_set(
            actor=world.users.staff_a,
            account=lopez_x,
            holder_name="Maria Lopez",
            routing_number="011000015",
            account_number=LOPEZ_ACCOUNT_NUMBER,
        )
        bank_account_set(
            actor=world.users.staff_a,
            account=young_x,
            holder_name="Yan Young",
            routing_number="021000021",
            account_number=YOUNG_ACCOUNT_NUMBER,
            account_type="savings",
        )
    invoice_month(world, datetime.date(2026, 3, 1))
    return SimpleNamespace(lopez_x=lopez_x, young_x=young_x)


def returns_csv(*rows: str) -> str:
    return "trace_number,return_code,amount,account_number\n" + "".join(row + "\n" for row in rows)
