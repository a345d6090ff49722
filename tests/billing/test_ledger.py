"""The ledger: append-only, balance = sum of entries, reversals point at what they reverse."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alliance.models import AuditEvent
from alliance.tenancy import TenancyError, alliance_scope
from billing.ledger import ledger_entry_post, ledger_entry_reverse, to_cents
from billing.models import EntryKind, LedgerEntry
from billing.selectors import account_balance, ledger_rows
from tests.billing.factories import FamilyFactory, account_of

DAY = datetime.date(2026, 3, 1)


def post(account, kind, amount, actor=None):  # type: ignore[no-untyped-def]
    return ledger_entry_post(
        account=account, kind=kind, amount=Decimal(amount), posted_on=DAY, description=f"{kind} {amount}", actor=actor
    )


class TestPosting:
    def test_balance_is_the_sum_of_entries(self, world, homes):
        with alliance_scope(world.a.pk):
            post(homes.lopez_x, EntryKind.CHARGE, "850.00")
            post(homes.lopez_x, EntryKind.LATE_FEE, "25.00")
            post(homes.lopez_x, EntryKind.PAYMENT, "-500.00", actor=world.users.staff_a)
            post(homes.lopez_x, EntryKind.SUBSIDY_PAYMENT, "-200.00")
            assert account_balance(homes.lopez_x) == Decimal("175.00")
            opening, rows = ledger_rows(homes.lopez_x)
            assert opening == 0
            assert [r.running_balance for r in rows] == [
                Decimal("850.00"),
                Decimal("875.00"),
                Decimal("375.00"),
                Decimal("175.00"),
            ]
            assert AuditEvent.objects.filter(action="ledger.payment", actor=world.users.staff_a).count() == 1

    @pytest.mark.parametrize(
        ("kind", "amount"),
        [
            (EntryKind.CHARGE, "-5.00"),
            (EntryKind.PAYMENT, "5.00"),
            (EntryKind.CHARGE, "0.00"),
            (EntryKind.CHARGE, "1.005"),
        ],
    )
    def test_refuses_amounts_of_the_wrong_sign_or_fractions_of_cents(self, world, homes, kind, amount):
        with alliance_scope(world.a.pk), pytest.raises(ValidationError) as exc:
            post(homes.lopez_x, kind, amount)
        assert "amount" in exc.value.message_dict
        with alliance_scope(world.a.pk):
            assert not LedgerEntry.objects.exists()

    def test_rounding_is_half_up_to_the_cent(self):
        assert to_cents(Decimal("10.005")) == Decimal("10.01")
        assert to_cents(Decimal("10.0049")) == Decimal("10.00")
        assert to_cents(Decimal("-2.675")) == Decimal("-2.68")


class TestReversal:
    def test_a_reversal_cancels_and_points_at_the_entry(self, world, homes):
        with alliance_scope(world.a.pk):
            charge = post(homes.lopez_x, EntryKind.CHARGE, "120.50")
            reversal = ledger_entry_reverse(entry=charge, actor=world.users.staff_a, reason="Charged twice")
            assert reversal.reverses == charge
            assert reversal.amount == Decimal("-120.50")
            assert account_balance(homes.lopez_x) == 0
            event = AuditEvent.objects.get(action="ledger.reversal")
            assert event.reason == "Charged twice"

    def test_twice_or_without_reason_is_refused(self, world, homes):
        with alliance_scope(world.a.pk):
            charge = post(homes.lopez_x, EntryKind.CHARGE, "10.00")
            with pytest.raises(ValidationError, match="why"):
                ledger_entry_reverse(entry=charge, actor=None, reason="  ")
            reversal = ledger_entry_reverse(entry=charge, actor=None, reason="mistake")
            with pytest.raises(ValidationError, match="already been reversed"):
                ledger_entry_reverse(entry=charge, actor=None, reason="again")
            with pytest.raises(ValidationError, match="cannot itself be reversed"):
                ledger_entry_reverse(entry=reversal, actor=None, reason="undo")
            assert account_balance(homes.lopez_x) == 0


class TestAppendOnly:
    def test_the_model_refuses_change_and_delete(self, world, homes):
        with alliance_scope(world.a.pk):
            entry = post(homes.lopez_x, EntryKind.CHARGE, "10.00")
            entry.amount = Decimal("1.00")
            with pytest.raises(TenancyError):
                entry.save()
            with pytest.raises(TenancyError):
                entry.delete()

    @pytest.mark.parametrize("sql", ["UPDATE billing_ledgerentry SET amount = 1", "DELETE FROM billing_ledgerentry"])
    def test_the_database_refuses_change_and_delete_to_the_app_role(self, world, homes, sql):
        with alliance_scope(world.a.pk):
            post(homes.lopez_x, EntryKind.CHARGE, "10.00")
            with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(sql)
            assert account_balance(homes.lopez_x) == Decimal("10.00")


cents = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000.00"), places=2)
operation = st.one_of(
    st.tuples(st.just(EntryKind.CHARGE), cents),
    st.tuples(st.just(EntryKind.LATE_FEE), cents),
    st.tuples(st.just(EntryKind.PAYMENT), cents),
    st.tuples(st.just(EntryKind.CREDIT), cents),
    st.tuples(st.just(EntryKind.WRITE_OFF), cents),
    st.tuples(st.just(EntryKind.REVERSAL), st.integers(min_value=0, max_value=40)),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, min_size=1, max_size=20))
def test_any_sequence_keeps_balance_equal_to_sum_of_entries(world, operations):
    with alliance_scope(world.a.pk):
        account = account_of(FamilyFactory(alliance=world.a), world.x)
        expected = Decimal("0.00")
        posted: list[LedgerEntry] = []
        for kind, value in operations:
            if kind == EntryKind.REVERSAL:
                open_entries = [
                    e
                    for e in posted
                    if e.kind != EntryKind.REVERSAL and not LedgerEntry.objects.filter(reverses=e).exists()
                ]
                if not open_entries:
                    continue
                target = open_entries[value % len(open_entries)]
                posted.append(ledger_entry_reverse(entry=target, actor=None, reason="property test"))
                expected -= target.amount
            else:
                signed = value if kind in (EntryKind.CHARGE, EntryKind.LATE_FEE) else -value
                posted.append(post(account, kind, signed))
                expected += signed
            assert account_balance(account) == expected
        stored = list(LedgerEntry.objects.filter(account=account).values_list("amount", flat=True))
        assert sum(stored, Decimal("0.00")) == expected == account_balance(account)
        assert all(a == a.quantize(Decimal("0.01")) for a in stored)
