"""Issue 19, finding 11: ACH trace numbers are unique per originator (ODFI routing + company id)
and day, and a return reverses a payment only when trace number, amount and account all match.

Before: every file of a program numbered its entries from 1 again, so a returns file naming a
trace of one file reversed whichever payment with that reference came first — another family's."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError

from alliance.tenancy import alliance_scope
from billing.ach import ach_file_generate, ach_returns_import, ach_traces_take
from billing.models import AchBatchEntry, BankAccount, Payment, PaymentStatus
from billing.selectors import account_balance
from tests.security.autopay import (
    LOPEZ_ACCOUNT_NUMBER,
    YOUNG_ACCOUNT_NUMBER,
    autopay_families,
    invoice_month,
    returns_csv,
)

MARCH_5, APRIL_5 = datetime.date(2026, 3, 5), datetime.date(2026, 4, 5)


def two_files_the_same_day(world):
    """Two ACH files of program X made on the same day: March's and April's collections."""
    fam = autopay_families(world)
    with alliance_scope(world.a.pk):
        march = ach_file_generate(actor=world.users.staff_a, program=world.x, settlement_date=MARCH_5)
    invoice_month(world, datetime.date(2026, 4, 1))
    with alliance_scope(world.a.pk):
        april = ach_file_generate(actor=world.users.staff_a, program=world.x, settlement_date=APRIL_5)
        fam.march = {e.payment.account_id: e for e in march.entries.select_related("payment")}
        fam.april = {e.payment.account_id: e for e in april.entries.select_related("payment")}
    return fam


def test_two_files_of_a_program_on_one_day_never_share_a_trace_number(world):
    fam = two_files_the_same_day(world)
    with alliance_scope(world.a.pk):
        traces = list(Payment.objects.filter(method="ach").values_list("reference", flat=True))
        assert len(traces) == 4
        assert len(set(traces)) == 4, traces
        assert all(t.startswith("02100002") and len(t) == 15 for t in traces)
        # The sequence goes on from the first file: 1, 2 then 3, 4.
        assert sorted(int(t[8:]) for t in traces) == [1, 2, 3, 4]
        assert fam.march[fam.lopez_x.pk].trace_number != fam.april[fam.lopez_x.pk].trace_number


def test_programs_sharing_an_originator_share_its_sequence(world):
    """Uniqueness is per originator, not per program: two programs filing under one ODFI and
    company id on one day draw from one sequence."""
    with alliance_scope(world.a.pk):
        day = datetime.date(2026, 3, 2)
        first = ach_traces_take(origin_routing="021000021", company_id="1123456789", day=day, count=3)
        second = ach_traces_take(origin_routing="021000021", company_id="1123456789", day=day, count=2)
        other_company = ach_traces_take(origin_routing="021000021", company_id="9999999999", day=day, count=1)
        next_day = ach_traces_take(
            origin_routing="021000021", company_id="1123456789", day=day + datetime.timedelta(days=1), count=1
        )
    assert first + second == [f"02100002{n:07d}" for n in range(1, 6)]
    assert other_company == ["021000020000001"]
    assert next_day == ["021000020000001"]


def test_a_return_naming_the_other_files_trace_is_refused_and_reverses_nothing(world):
    fam = two_files_the_same_day(world)
    young_april = fam.april[fam.young_x.pk]
    lopez_march = fam.march[fam.lopez_x.pk]
    with alliance_scope(world.a.pk):
        # The bank returns Lopez's March debit, but the row names the trace of Young's April entry.
        report = ach_returns_import(
            actor=world.users.staff_a,
            text=returns_csv(f"{young_april.trace_number},R01,1000.00,{LOPEZ_ACCOUNT_NUMBER}"),
        )
        assert report.reversed == 0
        (row,) = report.rows
        assert not row.reversed
        assert "another account" in row.reason
        assert LOPEZ_ACCOUNT_NUMBER not in row.reason
        # Right trace and account, wrong amount: refused too.
        wrong_amount = ach_returns_import(
            actor=world.users.staff_a,
            text=returns_csv(f"{lopez_march.trace_number},R01,999.00,{LOPEZ_ACCOUNT_NUMBER}"),
        )
        assert wrong_amount.reversed == 0
        assert "another amount" in wrong_amount.rows[0].reason
        assert set(Payment.objects.filter(method="ach").values_list("status", flat=True)) == {PaymentStatus.RECORDED}
        assert account_balance(fam.lopez_x) == Decimal("0.00")
        assert account_balance(fam.young_x) == Decimal("0.00")
        assert not BankAccount.objects.filter(flagged=True).exists()

        # The right row reverses exactly that entry's payment: Young's April one, not March's.
        report = ach_returns_import(
            actor=world.users.staff_a,
            text=returns_csv(f"{young_april.trace_number},R01,1000.00,{YOUNG_ACCOUNT_NUMBER}"),
        )
        assert report.reversed == 1
        assert Payment.objects.get(pk=young_april.payment_id).status == PaymentStatus.REVERSED
        assert Payment.objects.get(pk=fam.march[fam.young_x.pk].payment_id).status == PaymentStatus.RECORDED
        assert Payment.objects.get(pk=lopez_march.payment_id).status == PaymentStatus.RECORDED
        assert account_balance(fam.young_x) == Decimal("1000.00")
        assert account_balance(fam.lopez_x) == Decimal("0.00")


def test_the_returns_page_reports_each_row_and_reverses_nothing_when_one_is_refused(world, clients):
    fam = two_files_the_same_day(world)
    young_april, lopez_march = fam.april[fam.young_x.pk], fam.march[fam.lopez_x.pk]
    upload = SimpleUploadedFile(
        "returns.csv",
        returns_csv(
            f"{lopez_march.trace_number},R01,1000.00,{LOPEZ_ACCOUNT_NUMBER}",
            f"{young_april.trace_number},R02,1000.00,{LOPEZ_ACCOUNT_NUMBER}",
            f"{young_april.trace_number},R02,12.00,{YOUNG_ACCOUNT_NUMBER}",
        ).encode(),
    )
    page = clients.staff_a.post(f"/a/{world.a.slug}/billing/ach/returns/", {"file": upload})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Nothing was reversed: 2 row(s) refused" in text
    assert "was drawn on another account than ••••6514" in text
    assert "was an entry of another amount, not 12.00" in text
    assert "Not reversed: another row was refused." in text  # row 2 matched but waits for the others
    assert LOPEZ_ACCOUNT_NUMBER not in text
    with alliance_scope(world.a.pk):
        assert set(Payment.objects.filter(method="ach").values_list("status", flat=True)) == {PaymentStatus.RECORDED}


def test_trace_numbers_are_unique_in_the_database_too(world):
    """The constraint holds even if code forgot the sequence: one trace per originator and day."""
    fam = two_files_the_same_day(world)
    entry = fam.april[fam.lopez_x.pk]
    clash = fam.april[fam.young_x.pk]
    with alliance_scope(world.a.pk), pytest.raises(IntegrityError):
        AchBatchEntry.objects.filter(pk=entry.pk).update(trace_number=clash.trace_number)


def upload(text: str | bytes) -> dict[str, SimpleUploadedFile]:
    content = text.encode() if isinstance(text, str) else text
    return {"file": SimpleUploadedFile("returns.csv", content, content_type="text/csv")}


class TestReturnsApi:
    """POST /api/a/<slug>/ach-returns/: the returns page's matching (ach_returns_import), as JSON."""

    def url(self, world) -> str:  # type: ignore[no-untyped-def]
        return f"/api/a/{world.a.slug}/ach-returns/"

    def test_a_mismatched_row_is_refused_with_its_reason_and_nothing_changes(self, world, clients):
        fam = two_files_the_same_day(world)
        young_april, lopez_march = fam.april[fam.young_x.pk], fam.march[fam.lopez_x.pk]
        file = returns_csv(
            f"{lopez_march.trace_number},R01,1000.00,{LOPEZ_ACCOUNT_NUMBER}",  # matches: waits for row 3
            f"{young_april.trace_number},R02,1000.00,{LOPEZ_ACCOUNT_NUMBER}",  # Young's trace, Lopez's account
        )
        response = clients.staff_a.post(self.url(world), upload(file))
        assert response.status_code == 400
        body = response.json()
        assert body["reversed"] == 0
        assert [(row["line"], row["reversed"], row["account_last4"]) for row in body["rows"]] == [
            (2, False, "6514"),
            (3, False, "6514"),
        ]
        assert body["rows"][0]["outcome"] == "Not reversed: another row was refused."
        assert body["rows"][1]["outcome"] == (
            f"Trace {young_april.trace_number} was drawn on another account than ••••6514: not reversed."
        )
        assert body["errors"] == [{"line": 3, "message": body["rows"][1]["outcome"]}]
        assert LOPEZ_ACCOUNT_NUMBER not in response.content.decode()
        with alliance_scope(world.a.pk):
            assert set(Payment.objects.filter(method="ach").values_list("status", flat=True)) == {
                PaymentStatus.RECORDED
            }
            assert account_balance(fam.lopez_x) == Decimal("0.00")
            assert not BankAccount.objects.filter(flagged=True).exists()

    def test_a_row_matching_trace_amount_and_account_reverses_that_files_payment(self, world, clients):
        fam = two_files_the_same_day(world)
        young_april = fam.april[fam.young_x.pk]
        file = returns_csv(f"{young_april.trace_number},R01,1000.00,{YOUNG_ACCOUNT_NUMBER}")
        response = clients.staff_a.post(self.url(world), upload(file))
        assert response.status_code == 201
        body = response.json()
        assert body["reversed"] == 1
        assert body["errors"] == []
        (row,) = body["rows"]
        assert row == {
            "line": 2,
            "trace_number": young_april.trace_number,
            "return_code": "R01",
            "amount": "1000.00",
            "account_last4": YOUNG_ACCOUNT_NUMBER[-4:],
            "reversed": True,
            "outcome": "ACH return R01: Insufficient funds",
        }
        with alliance_scope(world.a.pk):
            # April's debit of Young is reversed; March's (another file, same program) stands.
            assert Payment.objects.get(pk=young_april.payment_id).status == PaymentStatus.REVERSED
            assert Payment.objects.get(pk=fam.march[fam.young_x.pk].payment_id).status == PaymentStatus.RECORDED
            assert account_balance(fam.young_x) == Decimal("1000.00")
            assert BankAccount.objects.get(account=fam.young_x).flagged
        again = clients.staff_a.post(self.url(world), upload(file))
        assert again.status_code == 400
        assert again.json()["errors"] == [
            {"line": 2, "message": f"Trace {young_april.trace_number} was already returned."}
        ]

    def test_bad_files_are_400_by_field_and_too_large_is_413(self, world, clients, settings):
        fam = two_files_the_same_day(world)
        assert clients.staff_a.post(self.url(world), {}).json() == {"file": ["No file was submitted."]}
        not_text = clients.staff_a.post(self.url(world), upload(b"\xff\xfe\x00bad"))
        assert not_text.status_code == 400
        assert not_text.json() == {"file": ["The returns file is not UTF-8 text."]}
        wrong_columns = clients.staff_a.post(self.url(world), upload("trace,code\n1,R01\n"))
        assert wrong_columns.status_code == 400
        assert wrong_columns.json()["errors"][0]["line"] == 1
        settings.HUB_MAX_UPLOAD_BYTES = 1024
        big = returns_csv(*[f"{fam.march[fam.lopez_x.pk].trace_number},R01,1000.00,{LOPEZ_ACCOUNT_NUMBER}"] * 40)
        too_large = clients.staff_a.post(self.url(world), upload(big))
        assert too_large.status_code == 413
        assert "larger than the 1 KB the Hub accepts" in too_large.json()["detail"]
        with alliance_scope(world.a.pk):
            assert not Payment.objects.filter(status=PaymentStatus.REVERSED).exists()

    def test_it_validates_ownership(self, world, clients):
        fam = two_files_the_same_day(world)
        lopez_march = fam.march[fam.lopez_x.pk]
        file = returns_csv(f"{lopez_march.trace_number},R01,1000.00,{LOPEZ_ACCOUNT_NUMBER}")
        assert clients.provider_x.post(self.url(world), upload(file)).status_code == 403
        assert clients.funder_a.post(self.url(world), upload(file)).status_code == 403
        assert clients.staff_b.post(self.url(world), upload(file)).status_code == 404
        # Alliance B's own endpoint finds no entry of alliance A's.
        other = clients.staff_b.post(f"/api/a/{world.b.slug}/ach-returns/", upload(file))
        assert other.status_code == 400
        assert other.json()["errors"] == [
            {"line": 2, "message": f"No ACH entry has trace number {lopez_march.trace_number}."}
        ]
        assert clients.staff_a.get(self.url(world)).status_code == 405
        with alliance_scope(world.a.pk):
            assert not Payment.objects.filter(status=PaymentStatus.REVERSED).exists()
