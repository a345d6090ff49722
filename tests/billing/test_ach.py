"""Autopay: encrypted bank details shown masked, a NACHA file that passes a structure
check, returns that reverse the payment and flag the account, pausing."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from alliance.crypto import decrypt
from alliance.models import AuditEvent
from alliance.tenancy import alliance_scope
from billing.ach import (
    ach_file_generate,
    ach_file_text,
    ach_returns_import,
    bank_account_pause,
    bank_account_set,
    routing_is_valid,
)
from billing.invoicing import invoice_program_for_period
from billing.models import BankAccount, BillingPolicy, Payment, PaymentStatus
from billing.selectors import account_balance
from tests.billing.factories import RatePlanFactory, account_of, enroll

SETTLES = datetime.date(2026, 3, 5)


@pytest.fixture
def autopay(world, homes):
    RatePlanFactory(program=world.x, tuition=Decimal("1000.00"))
    enroll(homes.ana, homes.room_x, start=datetime.date(2026, 1, 5))
    enroll(homes.yuri, homes.room_x, start=datetime.date(2026, 1, 5))
    young_x = account_of(homes.young, world.x)
    with alliance_scope(world.a.pk):
        BillingPolicy.objects.create(program=world.x, ach_routing_number="021000021", ach_company_id="1123456789")
        invoice_program_for_period(
            program_id=world.x.pk, period_start=datetime.date(2026, 3, 1), period_end=datetime.date(2026, 3, 31)
        )
        bank_account_set(
            actor=world.users.staff_a,
            account=homes.lopez_x,
            holder_name="Maria Lopez",
            routing_number="011000015",
            account_number="123456789012",
        )
        bank_account_set(
            actor=world.users.staff_a,
            account=young_x,
            holder_name="Yan Young",
            routing_number="021000021",
            account_number="5555444433",
            account_type="savings",
        )
    homes.young_x = young_x
    return homes


def check_nacha(text: str) -> list[str]:
    records = text.rstrip("\n").split("\n")
    assert all(len(r) == 94 for r in records)
    assert len(records) % 10 == 0
    assert records[0][0] == "1"
    assert records[0][34:37] == "094"
    assert records[0][37:39] == "10"
    entries = [r for r in records if r[0] == "6"]
    batch_control = next(r for r in records if r[0] == "8")
    file_control = next(r for r in records if r[0] == "9" and not set(r) == {"9"})
    entry_hash = sum(int(r[3:11]) for r in entries) % 10**10
    total = sum(int(r[29:39]) for r in entries)
    assert int(batch_control[4:10]) == len(entries)
    assert int(batch_control[10:20]) == entry_hash
    assert int(batch_control[20:32]) == total
    assert int(batch_control[32:44]) == 0
    assert int(file_control[1:7]) == 1
    assert int(file_control[7:13]) == len(records) // 10
    assert int(file_control[13:21]) == len(entries)
    assert int(file_control[21:31]) == entry_hash
    assert int(file_control[31:43]) == total
    return entries


def test_routing_check_digit():
    assert routing_is_valid("021000021")
    assert routing_is_valid("011000015")
    assert not routing_is_valid("021000022")
    assert not routing_is_valid("12345678")


def test_account_numbers_are_encrypted_at_rest_and_masked(world, autopay):
    with alliance_scope(world.a.pk):
        bank = BankAccount.objects.get(account=autopay.lopez_x)
        assert bank.masked_number == "••••9012"
        assert "123456789012" not in bank.account_number_encrypted
        assert decrypt(bank.account_number_encrypted) == "123456789012"
        with connection.cursor() as cursor:
            cursor.execute("SELECT account_number_encrypted FROM billing_bankaccount")
            assert all("123456789012" not in row[0] for row in cursor.fetchall())
        with pytest.raises(ValidationError) as exc:
            bank_account_set(
                actor=None, account=autopay.lopez_x, holder_name="x", routing_number="123456789", account_number="12"
            )
        assert set(exc.value.message_dict) == {"routing_number", "account_number"}


def test_the_file_passes_a_nacha_structure_check_and_records_payments(world, autopay):
    with alliance_scope(world.a.pk):
        batch = ach_file_generate(actor=world.users.staff_a, program=world.x, settlement_date=SETTLES)
        entries = check_nacha(ach_file_text(actor=None, batch=batch))
        assert [e[1:3] for e in entries] == ["27", "37"]  # checking, savings debits
        assert [int(e[29:39]) for e in entries] == [100000, 100000]
        assert batch.total == Decimal("2000.00")
        assert "123456789012" in entries[0]  # the bank needs the number in clear, only in the download
        assert account_balance(autopay.lopez_x) == 0
        with pytest.raises(ValidationError, match="exists already"):
            ach_file_generate(actor=None, program=world.x, settlement_date=SETTLES)


def returns_csv(*rows: str) -> str:
    return "trace_number,return_code,amount,account_number\n" + "".join(row + "\n" for row in rows)


def test_a_return_reverses_the_payment_flags_the_account_and_autopay_goes_on(world, autopay):
    with alliance_scope(world.a.pk):
        ach_file_generate(actor=None, program=world.x, settlement_date=SETTLES)
        trace = Payment.objects.get(account=autopay.lopez_x).reference
        old_format = ach_returns_import(actor=None, text=f"trace_number,return_code\n{trace},R01\n")
        assert old_format.errors == [(1, "The columns must be: trace_number, return_code, amount, account_number.")]
        bad = ach_returns_import(
            actor=None,
            text=returns_csv(
                f"{trace},R01,1000.00,123456789012", "999,R02,1000.00,123456789012", f"{trace},X1,1000.00,123456789012"
            ),
        )
        assert [n for n, _ in bad.errors] == [3, 4]
        assert bad.reversed == 0
        assert Payment.objects.get(account=autopay.lopez_x).status == PaymentStatus.RECORDED
        report = ach_returns_import(actor=world.users.staff_a, text=returns_csv(f"{trace},R01,1000.00,123456789012"))
        assert report.reversed == 1
        bank = BankAccount.objects.get(account=autopay.lopez_x)
        assert bank.flagged
        assert "R01" in bank.flag_reason
        assert account_balance(autopay.lopez_x) == Decimal("1000.00")
        assert AuditEvent.objects.filter(action="ach.returned").count() == 1
        # The next cycle collects again unless the Hub pauses it.
        again = ach_file_generate(actor=None, program=world.x, settlement_date=SETTLES + datetime.timedelta(days=7))
        assert again.entry_count == 1
        bank_account_pause(actor=world.users.staff_a, bank_account=bank, paused=True, reason="Family asked")
        with pytest.raises(ValidationError, match="owes anything"):
            ach_file_generate(actor=None, program=world.x, settlement_date=SETTLES + datetime.timedelta(days=14))


def test_pages(world, clients, autopay):
    base = f"/a/{world.a.slug}/billing/"
    assert clients.provider_x.get(base + "ach/").status_code == 403
    assert clients.staff_b.get(base + f"accounts/{autopay.lopez_x.pk}/bank/").status_code == 404
    response = clients.staff_a.post(base + "ach/", {"program": world.x.pk, "settlement_date": "2026-03-05"})
    assert response.status_code == 302
    page = clients.staff_a.get(base + "ach/")
    assert "••••9012".encode() in page.content
    assert b"123456789012" not in page.content
    with alliance_scope(world.a.pk):
        trace = Payment.objects.get(account=autopay.lopez_x).reference
    upload = SimpleUploadedFile("returns.csv", returns_csv(f"{trace},R02,1000.00,123456789012").encode())
    imported = clients.staff_a.post(base + "ach/returns/", {"file": upload})
    assert imported.status_code == 200
    assert b"Reversed" in imported.content
    assert b"123456789012" not in imported.content
    assert b"Returned" in clients.staff_a.get(base + "ach/").content
    bank_form = clients.staff_a.post(
        base + f"accounts/{autopay.lopez_x.pk}/bank/",
        {"holder_name": "M", "routing_number": "999999999", "account_number": "1", "account_type": "checking"},
    )
    assert bank_form.status_code == 200
    assert b"check digit" in bank_form.content


def test_the_returns_upload_page_reports_the_return_and_no_stray_errors(world, clients, autopay):
    """Importing returns on the ACH page leaves its other form (generate a file) as it was: no
    "This field is required." under a form nobody sent."""
    with alliance_scope(world.a.pk):
        ach_file_generate(actor=None, program=world.x, settlement_date=SETTLES)
        trace = Payment.objects.get(account=autopay.lopez_x).reference
    upload = SimpleUploadedFile("returns.csv", returns_csv(f"{trace},R01,1000.00,123456789012").encode())
    page = clients.staff_a.post(f"/a/{world.a.slug}/billing/ach/returns/", {"file": upload}).content.decode()
    assert "1 returned payment(s) reversed; their accounts are flagged." in page
    assert "This field is required." not in page
