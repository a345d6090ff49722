"""A family signs up for autopay on its own family page (issue 22, point 6).

Worked example: the Lopez family has Ana at program X at 1,000.00 a month; March is invoiced, so the
family owes 1,000.00. Maria Lopez (the primary contact, maria@lopez.example) signs the authorization
for her checking account 80417733926514 at routing 011000015. The Hub's ACH file settling 2026-03-05
debits 1,000.00 from it and Maria gets a receipt; the bank returns it (R01), so Maria and the Hub's
staff are told, the 1,000.00 is owed again, and the next file collects it again.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from alliance.models import AuditEvent
from alliance.tenancy import alliance_scope
from billing.ach import ach_file_generate, ach_file_text, ach_returns_import
from billing.family_autopay import authorization_hash, authorization_text
from billing.models import AchBatchEntry, AutopayAuthorization, BankAccount, BillingPolicy
from billing.selectors import account_balance
from tests.billing.factories import ChildFactory, FamilyFactory, RatePlanFactory, account_of, enroll, room_of
from tests.enrollment.factories import GuardianFactory
from tests.outreach.conftest import family_client
from tests.security.autopay import invoice_month, returns_csv

NUMBER = "80417733926514"
MARCH_5, APRIL_5 = datetime.date(2026, 3, 5), datetime.date(2026, 4, 5)


@pytest.fixture
def lopez(world):  # type: ignore[no-untyped-def]
    family = FamilyFactory(alliance=world.a, name="Lopez family")
    maria = GuardianFactory(family=family, first_name="Maria", last_name="Lopez", email="maria@lopez.example")
    RatePlanFactory(program=world.x, tuition=Decimal("1000.00"))
    enroll(ChildFactory(family=family, first_name="Ana"), room_of(world.x), start=datetime.date(2026, 1, 5))
    account = account_of(family, world.x)
    with alliance_scope(world.a.pk):
        BillingPolicy.objects.create(program=world.x, ach_routing_number="021000021", ach_company_id="1123456789")
    invoice_month(world, datetime.date(2026, 3, 1))
    return family, maria, account


def form(account, **overrides):  # type: ignore[no-untyped-def]
    with alliance_scope(account.alliance_id):
        shown = authorization_hash(authorization_text(account=account))
    data = {
        "holder_name": "Maria Lopez",
        "routing_number": "011000015",
        "account_number": NUMBER,
        "account_number_again": NUMBER,
        "account_type": "checking",
        "agreed": "on",
        "signed_name": "maria  lopez",
        "shown_sha256": shown,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def sign(world, client, account, **overrides):  # type: ignore[no-untyped-def]
    return client.post(f"/family/{world.a.slug}/accounts/{account.pk}/autopay/", form(account, **overrides))


def test_a_family_signs_autopay_and_gets_a_copy(world, lopez, django_capture_on_commit_callbacks):
    family, maria, account = lopez
    client = family_client(world.a, maria)
    page = client.get(f"/family/{world.a.slug}/")
    assert "Set up autopay" in page.content.decode()
    form_page = client.get(f"/family/{world.a.slug}/accounts/{account.pk}/autopay/").content.decode()
    assert "I authorize Program X to debit the bank account I give on this form" in form_page
    with django_capture_on_commit_callbacks(execute=True):
        response = sign(world, client, account, HTTP_USER_AGENT="x")
    assert response.status_code == 302
    with alliance_scope(world.a.pk):
        bank = BankAccount.objects.get(account=account)
        signed = AutopayAuthorization.objects.get(account=account)
        assert AuditEvent.objects.filter(action="autopay.authorized").count() == 1
    assert (bank.account_last4, bank.routing_number, bank.autopay_enabled) == ("6514", "011000015", True)
    assert signed.guardian_id == maria.pk
    assert signed.signed_name == "maria lopez"
    assert signed.ip_address == "127.0.0.1"
    assert signed.text.startswith("I authorize Program X to debit")
    assert signed.text_sha256 == authorization_hash(signed.text)
    (copy,) = mail.outbox
    assert copy.to == ["maria@lopez.example"]
    assert "Autopay set up for Program X" in copy.subject
    assert "ending in 6514" in copy.body
    assert signed.text in copy.body
    assert NUMBER not in copy.body
    home = client.get(f"/family/{world.a.slug}/").content.decode()
    assert "from the account ending in 6514" in home
    assert "Next debit: $1,000.00, the balance due" in home
    assert NUMBER not in home


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"routing_number": "011000016"}, "routing_number", "valid check digit"),
        ({"account_number_again": "80417733926515"}, "account_number_again", "The two account numbers differ"),
        ({"agreed": None}, "agreed", "Tick the box to agree"),
        ({"signed_name": "Somebody Else"}, "signed_name", "Type your full name as it appears above (Maria Lopez)"),
        ({"shown_sha256": "0" * 64}, "agreed", "The authorization changed while you were reading it"),
    ],
)
def test_bad_input_is_refused_on_the_page_and_changes_nothing(world, lopez, overrides, field, message):
    family, maria, account = lopez
    client = family_client(world.a, maria)
    mail.outbox.clear()
    response = sign(world, client, account, **overrides)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors.get(field, []))
    assert NUMBER not in response.content.decode()  # never echoed back
    with alliance_scope(world.a.pk):
        assert not BankAccount.objects.exists()
        assert not AutopayAuthorization.objects.exists()
    assert mail.outbox == []


def test_another_familys_account_is_not_found(world, lopez):
    family, maria, account = lopez
    other = FamilyFactory(alliance=world.a, name="Young family")
    other_account = account_of(other, world.x)
    client = family_client(world.a, maria)
    assert client.get(f"/family/{world.a.slug}/accounts/{other_account.pk}/autopay/").status_code == 404
    assert sign(world, client, other_account).status_code == 404
    assert client.post(f"/family/{world.a.slug}/accounts/{other_account.pk}/autopay/stop/").status_code == 404
    # The same account through another alliance's family page: that alliance has no such family session.
    assert client.get(f"/family/{world.b.slug}/accounts/{account.pk}/autopay/").status_code == 302
    with alliance_scope(world.a.pk):
        assert not BankAccount.objects.exists()


def test_the_hubs_ach_file_collects_the_family_and_emails_a_receipt_and_a_return_tells_everyone(
    world, lopez, clients, django_capture_on_commit_callbacks
):
    family, maria, account = lopez
    client = family_client(world.a, maria)
    assert sign(world, client, account).status_code == 302
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), alliance_scope(world.a.pk):
        batch = ach_file_generate(actor=world.users.staff_a, program=world.x, settlement_date=MARCH_5)
    with alliance_scope(world.a.pk):
        entry = AchBatchEntry.objects.get(batch=batch)
        text = ach_file_text(actor=world.users.staff_a, batch=batch)
        assert account_balance(account) == Decimal("0.00")
    assert (entry.amount, entry.account_last4) == (Decimal("1000.00"), "6514")
    debit = next(line for line in text.split("\n") if line.startswith("6"))
    assert NUMBER in debit
    assert "0000100000" in debit
    (receipt,) = mail.outbox
    assert receipt.to == ["maria@lopez.example"]
    assert "Receipt: autopay payment to Program X" in receipt.subject
    assert "Amount: $1,000.00" in receipt.body
    assert f"Reference: {entry.trace_number}" in receipt.body
    home = client.get(f"/family/{world.a.slug}/").content.decode()
    assert "Payments received" in home
    assert entry.trace_number in home

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), alliance_scope(world.a.pk):
        report = ach_returns_import(
            actor=world.users.staff_a, text=returns_csv(f"{entry.trace_number},R01,1000.00,{NUMBER}")
        )
    assert report.reversed == 1
    to_family = [m for m in mail.outbox if m.to == ["maria@lopez.example"]]
    to_hub = [m for m in mail.outbox if m.to != ["maria@lopez.example"]]
    assert len(to_family) == 1
    assert "was returned" in to_family[0].subject
    assert "Autopay stays on" in to_family[0].body
    assert {world.users.admin_a.email, world.users.staff_a.email} <= {m.to[0] for m in to_hub}
    assert all("ACH return: Lopez family at Program X" in m.subject for m in to_hub)
    assert world.users.staff_b.email not in {m.to[0] for m in to_hub}  # another alliance's staff hear nothing
    with alliance_scope(world.a.pk):
        bank = BankAccount.objects.get(account=account)
        assert (bank.autopay_enabled, bank.flagged) == (True, True)
        assert account_balance(account) == Decimal("1000.00")
        again = ach_file_generate(actor=world.users.staff_a, program=world.x, settlement_date=APRIL_5)
    assert again.total == Decimal("1000.00")  # autopay did not stop silently: the next file collects it
    home = client.get(f"/family/{world.a.slug}/").content.decode()
    assert "Your last debit was returned by your bank" in home
    assert "Returned" in home


def test_a_family_stops_autopay_and_the_next_file_leaves_it_out(world, lopez, django_capture_on_commit_callbacks):
    family, maria, account = lopez
    client = family_client(world.a, maria)
    assert sign(world, client, account).status_code == 302
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/family/{world.a.slug}/accounts/{account.pk}/autopay/stop/")
    assert response.status_code == 302
    (confirmation,) = mail.outbox
    assert "Autopay stopped for Program X" in confirmation.subject
    with alliance_scope(world.a.pk):
        assert BankAccount.objects.get(account=account).autopay_enabled is False
        assert AutopayAuthorization.objects.get(account=account).revoked_at is not None
        assert AuditEvent.objects.filter(action="autopay.stopped").count() == 1
        with pytest.raises(Exception, match="No autopay family of Program X owes anything"):
            ach_file_generate(actor=world.users.staff_a, program=world.x, settlement_date=MARCH_5)
    home = client.get(f"/family/{world.a.slug}/").content.decode()
    assert "Set up autopay" in home
    again = client.post(f"/family/{world.a.slug}/accounts/{account.pk}/autopay/stop/", follow=True)
    assert "Autopay is not on for Program X" in again.content.decode()


def test_the_hubs_returns_page_and_the_family_page_agree(world, lopez, clients):
    """The Hub imports the bank's returns through its page; the family page then says what happened."""
    family, maria, account = lopez
    client = family_client(world.a, maria)
    assert sign(world, client, account).status_code == 302
    with alliance_scope(world.a.pk):
        batch = ach_file_generate(actor=world.users.staff_a, program=world.x, settlement_date=MARCH_5)
        trace = AchBatchEntry.objects.get(batch=batch).trace_number
    upload = SimpleUploadedFile("returns.csv", returns_csv(f"{trace},R01,1000.00,{NUMBER}").encode(), "text/csv")
    response = clients.staff_a.post(f"/a/{world.a.slug}/billing/ach/returns/", {"file": upload})
    assert response.status_code in (200, 302)
    home = client.get(f"/family/{world.a.slug}/").content.decode()
    assert "R01" in home
