"""Third-party payers: payer splits to the cent, claims, remittances (typed and CSV), shortfall decisions."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given, settings
from hypothesis import strategies as st

from alliance.models import AuditEvent
from alliance.tenancy import alliance_scope
from billing.invoicing import Line, _payer_shares, invoice_program_for_period
from billing.models import (
    ChargeCategory,
    ClaimStatus,
    EntryKind,
    Invoice,
    LedgerEntry,
    Payer,
    PayerClaim,
    RemittanceLine,
    SubsidyAuthorization,
)
from billing.payers import (
    authorization_create,
    claim_resolve_shortfall,
    payer_create,
    remittance_import_csv,
)
from billing.selectors import account_balance
from tests.billing.factories import RatePlanFactory, enroll

MARCH = (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))


@pytest.fixture
def subsidized(world, homes):
    """Ana at X, 1000.00 a month; the county pays above a 150.00 co-pay, up to 700.00."""
    RatePlanFactory(program=world.x, tuition=Decimal("1000.00"))
    enroll(homes.ana, homes.room_x, start=datetime.date(2026, 1, 5))
    with alliance_scope(world.a.pk):
        county = payer_create(actor=world.users.staff_a, name="County CCAP", kind="subsidy")
        authorization_create(
            actor=world.users.staff_a,
            payer=county,
            child=homes.ana,
            program=world.x,
            case_number="C-100",
            starts_on=datetime.date(2026, 1, 1),
            ends_on=datetime.date(2026, 12, 31),
            authorized_amount=Decimal("700.00"),
            family_copay=Decimal("150.00"),
        )
        invoice_program_for_period(program_id=world.x.pk, period_start=MARCH[0], period_end=MARCH[1])
        return county


@settings(max_examples=60, deadline=None)
@given(
    tuition=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2),
    copay=st.decimals(min_value=Decimal("0"), max_value=Decimal("2000"), places=2),
    authorized=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2),
)
def test_family_and_payer_shares_add_up_to_the_charge_to_the_cent(tuition, copay, authorized):
    authorization = SubsidyAuthorization(authorized_amount=authorized, family_copay=copay, case_number="X")
    authorization.payer = Payer(name="P")
    lines = {1: [Line(EntryKind.CHARGE, ChargeCategory.TUITION, tuition, "t", 1, 1)]}
    _payer_shares(lines, {1: authorization})
    payer = -sum((ln.amount for ln in lines[1] if ln.category == ChargeCategory.PAYER_SHARE), Decimal(0))
    family = sum((ln.amount for ln in lines[1]), Decimal(0))
    assert family + payer == tuition
    assert payer <= authorized
    assert family >= min(copay, tuition)
    assert payer == payer.quantize(Decimal("0.01"))


class TestSplit:
    def test_the_invoice_splits_and_opens_a_claim(self, world, homes, subsidized):
        with alliance_scope(world.a.pk):
            invoice = Invoice.objects.get()
            assert invoice.total == Decimal("300.00") == account_balance(homes.lopez_x)
            claim = PayerClaim.objects.get()
            assert (claim.expected, claim.status, claim.invoice) == (Decimal("700.00"), ClaimStatus.OPEN, invoice)
            invoice_program_for_period(program_id=world.x.pk, period_start=MARCH[0], period_end=MARCH[1])
            assert PayerClaim.objects.count() == 1


class TestRemittance:
    def test_a_csv_remittance_pays_claims_and_a_shortfall_is_billed_by_decision(self, world, homes, subsidized):
        with alliance_scope(world.a.pk):
            report = remittance_import_csv(
                actor=world.users.staff_a,
                payer=subsidized,
                received_on=datetime.date(2026, 4, 10),
                reference="EFT 77",
                text="case_number,period,amount\nC-100,2026-03,650.00\n",
            )
            assert not report.errors
            assert report.remittance.total == Decimal("650.00")
            claim = PayerClaim.objects.get()
            assert (claim.paid, claim.status, claim.shortfall) == (
                Decimal("650.00"),
                ClaimStatus.SHORT,
                Decimal("50.00"),
            )
            with pytest.raises(ValidationError, match="Say why"):
                claim_resolve_shortfall(
                    actor=world.users.staff_a,
                    claim=claim,
                    decision="bill_family",
                    reason="",
                    on=datetime.date(2026, 4, 11),
                )
            with pytest.raises(ValidationError, match="Only Hub staff"):
                claim_resolve_shortfall(
                    actor=world.users.provider_x,
                    claim=claim,
                    decision="waive",
                    reason="x",
                    on=datetime.date(2026, 4, 11),
                )
            claim_resolve_shortfall(
                actor=world.users.staff_a,
                claim=claim,
                decision="bill_family",
                reason="Absences over the authorized days",
                on=datetime.date(2026, 4, 11),
            )
            assert account_balance(homes.lopez_x) == Decimal("350.00")
            assert LedgerEntry.objects.get(category=ChargeCategory.SHORTFALL).amount == Decimal("50.00")
            assert AuditEvent.objects.filter(action="payer_claim.shortfall_billed").exists()
            with pytest.raises(ValidationError, match="no shortfall"):
                claim_resolve_shortfall(
                    actor=world.users.staff_a,
                    claim=claim,
                    decision="waive",
                    reason="again",
                    on=datetime.date(2026, 4, 11),
                )

    def test_a_bad_file_imports_nothing_and_reports_each_row(self, world, subsidized):
        text = (
            "case_number,period,amount\nC-100,2026-03,100.00\nC-999,2026-03,5.00\n"
            "C-100,March,5.00\nC-100,2026-03,12.345\n"
        )
        with alliance_scope(world.a.pk):
            report = remittance_import_csv(
                actor=None, payer=subsidized, received_on=datetime.date(2026, 4, 10), reference="", text=text
            )
            assert [row for row, _ in report.errors] == [3, 4, 5]
            assert report.remittance is None
            assert not RemittanceLine.objects.exists()
            assert PayerClaim.objects.get().paid == 0

    def test_waive_and_pages(self, world, clients, homes, subsidized):
        page = f"/a/{world.a.slug}/billing/payers/{subsidized.pk}/"
        upload = SimpleUploadedFile("remit.csv", b"case_number,period,amount\nC-100,2026-03,600.00\n")
        response = clients.staff_a.post(page, {"received_on": "2026-04-10", "file": upload})
        assert response.status_code == 302
        bad = clients.staff_a.post(page, {"received_on": "2026-04-10", "rows": "C-100,2026-03,500.00"})
        assert bad.status_code == 200
        assert b"Row 2" in bad.content
        assert b"still claimed" in bad.content
        with alliance_scope(world.a.pk):
            claim = PayerClaim.objects.get()
        decide = f"/a/{world.a.slug}/billing/claims/{claim.pk}/decide/"
        assert clients.staff_a.post(decide, {"decision": "waive", "reason": "Agency rule"}).status_code == 302
        with alliance_scope(world.a.pk):
            claim.refresh_from_db()
            assert claim.status == ClaimStatus.WAIVED
            assert account_balance(homes.lopez_x) == Decimal("300.00")

    def test_it_validates_ownership(self, world, clients, subsidized):
        page = f"/a/{world.a.slug}/billing/payers/{subsidized.pk}/"
        assert clients.staff_b.get(page).status_code == 404
        assert clients.provider_x.get(page).status_code == 403
        assert clients.funder_a.get(f"/a/{world.a.slug}/billing/payers/").status_code == 403
