"""The billing API's lists, read as rows (alliance/api_rows.py), answer exactly what their serializers
answer for the same rows: same fields, order and formats; a member-fee account (no family) has no
`family_name`, as the serializer leaves it out."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from rest_framework.renderers import JSONRenderer

from alliance.localization import alliance_local
from alliance.tenancy import alliance_scope
from billing.api import AccountSerializer, InvoiceSerializer, PaymentSerializer
from billing.invoicing import invoice_program_for_period
from billing.ledger import ledger_entry_post
from billing.member_fees import member_fee_account
from billing.models import FamilyAccount, Invoice, Payment
from billing.payments import payment_record
from billing.selectors import accounts_with_balances
from tests.billing.factories import RatePlanFactory, enroll

MARCH = (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))


@pytest.fixture
def money_moved(world, homes):  # type: ignore[no-untyped-def]
    RatePlanFactory(program=world.x, tuition=Decimal("1000.00"))
    enroll(homes.ana, homes.room_x, start=datetime.date(2026, 1, 5))
    with alliance_scope(world.a.pk):
        invoice_program_for_period(program_id=world.x.pk, period_start=MARCH[0], period_end=MARCH[1])
        invoice = Invoice.objects.get(program=world.x)
        payment_record(
            actor=world.users.staff_a,
            account=homes.lopez_x,
            amount=Decimal("120.5"),
            method="check",
            received_on=datetime.date(2026, 3, 10),
            reference="#1001",
            invoice=invoice,
            note="By post",
        )
        payment_record(
            actor=world.users.staff_a,
            account=homes.young_y,
            amount=Decimal("1.00"),
            method="cash",
            received_on=datetime.date(2026, 3, 11),
        )
        fees = member_fee_account(world.y.pk)
        ledger_entry_post(
            account=fees, kind="charge", amount=Decimal("75"), posted_on=datetime.date(2026, 3, 1), description="Dues"
        )
    return world


def _serialized(world, serializer_class, queryset, ids):  # type: ignore[no-untyped-def]
    with alliance_scope(world.a.pk), alliance_local(world.a):
        rows = {row.pk: row for row in queryset.filter(pk__in=ids)}
        data = serializer_class([rows[i] for i in ids], many=True).data
    return json.loads(JSONRenderer().render(data))


@pytest.mark.parametrize("who", ["staff_a", "provider_x", "provider_y"])
def test_lists_answer_what_their_serializers_answer(money_moved, clients, who):
    world = money_moved
    lists = [
        ("billing-accounts/", AccountSerializer, accounts_with_balances(FamilyAccount.objects.all())),
        ("invoices/", InvoiceSerializer, Invoice.objects.all()),
        ("payments/", PaymentSerializer, Payment.objects.all()),
    ]
    for path, serializer_class, queryset in lists:
        response = getattr(clients, who).get(f"/api/a/{world.a.slug}/{path}")
        assert response.status_code == 200, path
        results = response.json()["results"]
        expected = _serialized(world, serializer_class, queryset, [row["id"] for row in results])
        assert results == expected, path
        assert [list(row) for row in results] == [list(row) for row in expected], path


def test_a_member_fee_account_is_listed_without_a_family_name(money_moved, clients):
    world = money_moved
    rows = clients.staff_a.get(f"/api/a/{world.a.slug}/billing-accounts/").json()["results"]
    fees = [row for row in rows if row["family"] is None]
    assert fees == [
        {"id": fees[0]["id"], "family": None, "program": world.y.pk, "program_name": world.y.name}
        | {"staff_discount": False, "balance": "75.00"}
    ]
    assert list(fees[0]) == ["id", "family", "program", "program_name", "staff_discount", "balance"]
    lopez = next(row for row in rows if row["family_name"] == "Lopez family" if "family_name" in row)
    assert lopez["balance"] == "879.50"
