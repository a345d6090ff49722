"""Autopay that a family signs up for itself, on its family page (/family/<alliance>/).

A guardian signed in to the family page reads the authorization for one of the family's accounts
(program, bank account, what will be debited and when, how to stop it), types their name and agrees.
`family_autopay_sign` stores the bank details as the Hub's own form does (billing/ach.py,
`bank_account_set`: the account number encrypted, shown masked) and keeps the authorization exactly as
it was shown, with who signed it, when and from which address (`AutopayAuthorization`). From then on
the program's ACH files collect the account like any other autopay family.

The family hears of every step by email, through the task outbox, never inside the request:
the authorization (`autopay_authorized.txt`), each debit (`autopay_receipt.txt`, when the Hub makes an
ACH file), a debit the bank returned (`autopay_returned.txt`; the Hub is told too), and stopping.
A returned debit never stops autopay silently: the account is flagged, the family page and the Hub's
autopay page say so, and the next file collects the balance again unless the family stops autopay or
the Hub pauses it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alliance.audit import audit_event_record
from alliance.dates import alliance_today
from alliance.models import Membership, Role
from billing.ach import bank_account_set
from billing.models import (
    AchBatch,
    AutopayAuthorization,
    BankAccount,
    BankAccountType,
    FamilyAccount,
    Invoice,
    InvoiceStatus,
    Payment,
)
from billing.selectors import accounts_with_balances
from enrollment.models import Family, Guardian

# The name a guardian types must be their own, as the family page knows it (spaces and case aside).
NAME_MISMATCH = "Type your full name as it appears above ({name}) to sign."


def _normalised(name: str) -> str:
    return " ".join(name.split()).casefold()


def authorization_text(*, account: FamilyAccount) -> str:
    """The words the family reads and agrees to, the same on the page and in the record: what is debited,
    from which account (the one given on the same form, whose details the record keeps beside the text),
    by whom, and how to stop it (NACHA: an authorization readily identifiable as one, stating how to
    revoke it)."""
    program = account.program.name
    return (
        f"I authorize {program} to debit the bank account I give on this form (its holder, routing number, "
        f"account number and type as entered) for the balance due on my family's account with {program}, "
        f"each time {program} collects autopay payments (usually once a month, on or after the due date of "
        "each invoice). Each debit is for the balance then due, and I will receive a receipt by email. If my "
        "bank returns a debit, I will be told by email and the amount will be debited again with the next "
        f"collection. This authorization stays in effect until I stop autopay on my family page or tell "
        f"{program} in writing, in time for {program} to act on it before the next collection. I confirm that "
        "I may authorize debits from this account."
    )


def authorization_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def family_autopay_accounts(family: Family) -> list[FamilyAccount]:
    """The family's accounts with their balances, each with `bank` (its bank details or None),
    `authorization` (the one in effect, or None) and `next_invoice` (the newest invoice not yet due, or
    None): what the family page shows as autopay and upcoming debits. Four queries."""
    accounts = list(
        accounts_with_balances(FamilyAccount.objects.filter(family=family))
        .select_related("program")
        .order_by("program__name")
    )
    banks = {b.account_id: b for b in BankAccount.objects.filter(account__in=accounts)}
    signed: dict[int, AutopayAuthorization] = {}
    for row in AutopayAuthorization.objects.filter(account__in=accounts, revoked_at__isnull=True).select_related(
        "guardian"
    ):
        signed.setdefault(row.account_id, row)
    upcoming: dict[int, Invoice] = {}
    for invoice in (
        Invoice.objects.filter(account__in=accounts, due_on__gte=alliance_today())
        .exclude(status=InvoiceStatus.VOID)
        .order_by("due_on", "pk")
    ):
        upcoming.setdefault(invoice.account_id, invoice)
    for account in accounts:
        account.bank = banks.get(account.pk)  # type: ignore[attr-defined]
        account.authorization = signed.get(account.pk)  # type: ignore[attr-defined]
        account.next_invoice = upcoming.get(account.pk)  # type: ignore[attr-defined]
    return accounts


def family_receipts(family: Family, *, limit: int = 24) -> list[Payment]:
    """The family's payments at every program, newest first: what the family page lists as receipts."""
    return list(
        Payment.objects.filter(account__family=family).select_related("program").order_by("-received_on", "-pk")[:limit]
    )


@transaction.atomic
def family_autopay_sign(
    *,
    family: Family,
    guardian: Guardian,
    account: FamilyAccount,
    holder_name: str,
    routing_number: str,
    account_number: str,
    account_number_again: str,
    account_type: str,
    signed_name: str,
    agreed: bool,
    shown_sha256: str,
    ip_address: str | None = None,
    user_agent: str = "",
) -> AutopayAuthorization:
    """Sign the family up for autopay on one of its accounts (or replace its bank details).
    Everything is checked before anything is written: bad input changes nothing."""
    if account.family_id != family.pk or guardian.family_id != family.pk:
        raise ValidationError("This account is not your family's.")
    text = authorization_text(account=account)
    if shown_sha256 != authorization_hash(text):
        raise ValidationError(
            {"agreed": "The authorization changed while you were reading it. Read it again below, then sign."}
        )
    errors: dict[str, str] = {}
    number = (account_number or "").replace(" ", "")
    if number != (account_number_again or "").replace(" ", ""):
        errors["account_number_again"] = "The two account numbers differ: type the account number again."
    if account_type not in BankAccountType.values:
        errors["account_type"] = "Choose checking or savings."
    if _normalised(signed_name or "") != _normalised(guardian.full_name):
        errors["signed_name"] = NAME_MISMATCH.format(name=guardian.full_name)
    if not agreed:
        errors["agreed"] = "Tick the box to agree to the authorization, or leave this page to keep paying as you do."
    if errors:
        # The bank details' own checks too, so the family sees every error at once.
        try:
            with transaction.atomic():
                bank_account_set(
                    actor=None,
                    account=account,
                    holder_name=holder_name,
                    routing_number=routing_number,
                    account_number=number,
                    account_type=account_type if account_type in BankAccountType.values else BankAccountType.CHECKING,
                )
                transaction.set_rollback(True)
        except ValidationError as bank_errors:
            errors = {**bank_errors.message_dict, **errors}  # type: ignore[dict-item]
        raise ValidationError(errors)
    bank = bank_account_set(
        actor=None,
        account=account,
        holder_name=holder_name,
        routing_number=routing_number,
        account_number=number,
        account_type=account_type,
        autopay_enabled=True,
    )
    now = timezone.now()
    replaced = AutopayAuthorization.objects.filter(account=account, revoked_at__isnull=True)
    replaced.update(revoked_at=now, revoked_reason="Replaced by a new authorization.")
    authorization = AutopayAuthorization.objects.create(
        account=account,
        guardian=guardian,
        signed_name=" ".join(signed_name.split()),
        text=text,
        text_sha256=authorization_hash(text),
        routing_number=bank.routing_number,
        account_last4=bank.account_last4,
        account_type=bank.account_type,
        ip_address=ip_address or None,
        user_agent=(user_agent or "")[:300],
    )
    audit_event_record(
        actor=None,
        action="autopay.authorized",
        target=authorization,
        after={"account": account.pk, "bank": bank.masked_number, "text_sha256": authorization.text_sha256},
        reason=f"Signed by {guardian.full_name} on the family page.",
    )
    _email_family(
        [guardian],
        template="billing/email/autopay_authorized.txt",
        subject=f"Autopay set up for {account.program.name}",
        context={"account": account, "bank": bank, "authorization": authorization},
    )
    return authorization


@transaction.atomic
def family_autopay_stop(*, family: Family, guardian: Guardian, account: FamilyAccount) -> BankAccount:
    """Stop autopay on one of the family's accounts: no later ACH file collects it. The bank details
    stay (masked) so the family can start again; the authorization in effect ends now."""
    if account.family_id != family.pk or guardian.family_id != family.pk:
        raise ValidationError("This account is not your family's.")
    bank = BankAccount.objects.select_for_update().filter(account=account).first()
    if bank is None or not bank.autopay_enabled:
        raise ValidationError(f"Autopay is not on for {account.program.name}.")
    bank.autopay_enabled = False
    bank.save(update_fields=["autopay_enabled"])
    AutopayAuthorization.objects.filter(account=account, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=f"Stopped by {guardian.full_name} on the family page."
    )
    audit_event_record(
        actor=None,
        action="autopay.stopped",
        target=bank,
        before={"autopay_enabled": True},
        after={"autopay_enabled": False},
        reason=f"Stopped by {guardian.full_name} on the family page.",
    )
    _email_family(
        [guardian],
        template="billing/email/autopay_stopped.txt",
        subject=f"Autopay stopped for {account.program.name}",
        context={"account": account, "bank": bank, "guardian": guardian},
    )
    return bank


def autopay_receipts_queue(batch: AchBatch) -> int:
    """Email each family of an ACH file its receipt (amount, account, date, reference): queued in the
    file's transaction, sent by the worker. Returns how many messages were queued."""
    queued = 0
    for entry in batch.entries.select_related("payment__account__family", "payment__program"):
        payment = entry.payment
        if payment is None:
            continue
        queued += _email_family(
            _guardians_to_tell(payment.account),
            template="billing/email/autopay_receipt.txt",
            subject=f"Receipt: autopay payment to {payment.program.name}",
            context={"payment": payment, "entry": entry, "batch": batch},
        )
    return queued


def autopay_return_notify(*, payment: Payment, reason: str, bank: BankAccount | None) -> None:
    """A debit the bank returned: the family and the Hub's billing staff are told, by email."""
    _email_family(
        _guardians_to_tell(payment.account),
        template="billing/email/autopay_returned.txt",
        subject=f"Your autopay payment to {payment.program.name} was returned",
        context={"payment": payment, "reason": reason, "bank": bank},
    )
    from outreach.services import email_queue

    hub = Membership.objects.filter(role__in=[Role.HUB_ADMIN, Role.HUB_STAFF], is_active=True).select_related("user")
    for member in hub:
        if member.user.email:
            email_queue(
                template="billing/email/autopay_returned_hub.txt",
                to=member.user.email,
                subject=f"ACH return: {payment.account.holder_name} at {payment.program.name}",
                context={"payment": payment, "reason": reason, "bank": bank},
            )


def _guardians_to_tell(account: FamilyAccount) -> list[Guardian]:
    """Who hears about an account's autopay: the guardian who signed its authorization in effect and the
    family's primary contacts, each once, those with an email address."""
    signer = (
        AutopayAuthorization.objects.filter(account=account, revoked_at__isnull=True).select_related("guardian").first()
    )
    guardians = [signer.guardian] if signer else []
    guardians += list(Guardian.objects.filter(family_id=account.family_id, is_primary_contact=True).order_by("pk"))
    return guardians


def _email_family(guardians: Iterable[Guardian], *, template: str, subject: str, context: dict[str, Any]) -> int:
    from outreach.services import email_queue

    sent: set[str] = set()
    for guardian in guardians:
        address = (guardian.email or "").strip().lower()
        if address and address not in sent:
            email_queue(
                template=template, to=guardian.email, subject=subject, context={**context, "guardian": guardian}
            )
            sent.add(address)
    return len(sent)


__all__ = [
    "authorization_hash",
    "authorization_text",
    "autopay_receipts_queue",
    "autopay_return_notify",
    "family_autopay_accounts",
    "family_autopay_sign",
    "family_autopay_stop",
    "family_receipts",
]
