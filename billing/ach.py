"""Autopay by ACH: bank details (encrypted), the NACHA file for a settlement date,
and returns (R01 and so on) that reverse the payment and flag the account.

A returned collection does not stop autopay: the family is collected again on
the next cycle unless the Hub pauses it, and the return is audited so the Hub
sees it (bank accounts page, audit history).
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from alliance.audit import Actor, audit_event_record, snapshot, user_of
from billing.crypto import decrypt, encrypt
from billing.models import (
    AchBatch,
    BankAccount,
    BankAccountType,
    BillingPolicy,
    FamilyAccount,
    Payment,
    PaymentMethod,
    PaymentStatus,
)
from billing.payments import payment_record, payment_reverse
from billing.selectors import account_balance
from members.models import MemberProgram

RECORD_LENGTH = 94
BLOCKING_FACTOR = 10
RETURN_CODES = {
    "R01": "Insufficient funds",
    "R02": "Account closed",
    "R03": "No account / unable to locate account",
    "R04": "Invalid account number",
    "R07": "Authorization revoked",
    "R08": "Payment stopped",
    "R10": "Customer advises not authorized",
    "R16": "Account frozen",
    "R20": "Non-transaction account",
    "R29": "Corporate customer advises not authorized",
}


def routing_is_valid(routing: str) -> bool:
    """ABA check digit: 3·(d1+d4+d7) + 7·(d2+d5+d8) + (d3+d6+d9) ≡ 0 (mod 10)."""
    if not re.fullmatch(r"\d{9}", routing or ""):
        return False
    d = [int(c) for c in routing]
    return (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8])) % 10 == 0


def bank_account_set(
    *,
    actor: Actor,
    account: FamilyAccount,
    holder_name: str,
    routing_number: str,
    account_number: str,
    account_type: str = BankAccountType.CHECKING,
    autopay_enabled: bool = True,
) -> BankAccount:
    errors: dict[str, str] = {}
    routing_number, account_number = (routing_number or "").strip(), (account_number or "").replace(" ", "")
    if not routing_is_valid(routing_number):
        errors["routing_number"] = "A routing number is 9 digits with a valid check digit."
    if not re.fullmatch(r"\d{4,17}", account_number):
        errors["account_number"] = "An account number is 4 to 17 digits."
    if not (holder_name or "").strip():
        errors["holder_name"] = "Give the account holder's name."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row = BankAccount.objects.filter(account=account).first() or BankAccount(account=account)
        shown = ["holder_name", "routing_number", "account_last4", "autopay_enabled"]
        before = snapshot(row, shown) if row.pk else None
        row.holder_name = holder_name.strip()[:22]
        row.routing_number = routing_number
        row.account_number_encrypted = encrypt(account_number)
        row.account_last4 = account_number[-4:]
        row.account_type = account_type
        row.autopay_enabled = autopay_enabled
        row.flagged, row.flag_reason = False, ""
        row.save()
        audit_event_record(
            actor=actor, action="bank_account.set", target=row, before=before, after=snapshot(row, shown)
        )
    return row


def bank_account_pause(*, actor: Actor, bank_account: BankAccount, paused: bool, reason: str = "") -> BankAccount:
    with transaction.atomic():
        before = snapshot(bank_account, ["autopay_paused"])
        bank_account.autopay_paused = paused
        bank_account.save(update_fields=["autopay_paused"])
        audit_event_record(
            actor=actor,
            action="autopay.paused" if paused else "autopay.resumed",
            target=bank_account,
            before=before,
            after=snapshot(bank_account, ["autopay_paused"]),
            reason=reason,
        )
    return bank_account


# --- The NACHA file ---------------------------------------------------------
def _alpha(value: str, width: int) -> str:
    text = re.sub(r"[^A-Za-z0-9 .,&'/-]", "", value or "").upper()
    return text[:width].ljust(width)


def _num(value: int, width: int) -> str:
    text = str(value)
    if len(text) > width:
        raise ValueError(f"{value} does not fit in {width} digits")
    return text.zfill(width)


@dataclass
class AchEntry:
    routing: str
    account_number: str
    account_type: str
    amount_cents: int
    individual_id: str
    name: str
    trace: str = ""


def nacha_file(
    *,
    origin_routing: str,
    company_id: str,
    company_name: str,
    destination_name: str,
    effective: datetime.date,
    entries: list[AchEntry],
    created: datetime.datetime,
) -> str:
    """A PPD debit file with one batch; every record 94 characters, padded to blocks of 10."""
    odfi = origin_routing[:8]
    records = [
        "1"
        + "01"
        + " "
        + origin_routing
        + " "
        + origin_routing
        + created.strftime("%y%m%d%H%M")
        + "A"
        + "094"
        + "10"
        + "1"
        + _alpha(destination_name, 23)
        + _alpha(company_name, 23)
        + _alpha("", 8),
        "5"
        + "225"
        + _alpha(company_name, 16)
        + _alpha("", 20)
        + _alpha(company_id, 10)
        + "PPD"
        + _alpha("TUITION", 10)
        + effective.strftime("%y%m%d")
        + effective.strftime("%y%m%d")
        + "   "
        + "1"
        + odfi
        + _num(1, 7),
    ]
    entry_hash = 0
    for sequence, entry in enumerate(entries, start=1):
        entry.trace = odfi + _num(sequence, 7)
        code = "27" if entry.account_type == BankAccountType.CHECKING else "37"
        records.append(
            "6"
            + code
            + entry.routing[:8]
            + entry.routing[8]
            + entry.account_number[:17].ljust(17)
            + _num(entry.amount_cents, 10)
            + _alpha(entry.individual_id, 15)
            + _alpha(entry.name, 22)
            + "  "
            + "0"
            + entry.trace
        )
        entry_hash += int(entry.routing[:8])
    total = sum(e.amount_cents for e in entries)
    hash_text = _num(entry_hash % 10**10, 10)
    records.append(
        "8"
        + "225"
        + _num(len(entries), 6)
        + hash_text
        + _num(total, 12)
        + _num(0, 12)
        + _alpha(company_id, 10)
        + " " * 19
        + " " * 6
        + odfi
        + _num(1, 7)
    )
    lines_with_control = len(records) + 1
    blocks = -(-lines_with_control // BLOCKING_FACTOR)
    records.append(
        "9"
        + _num(1, 6)
        + _num(blocks, 6)
        + _num(len(entries), 8)
        + hash_text
        + _num(total, 12)
        + _num(0, 12)
        + " " * 39
    )
    records += ["9" * RECORD_LENGTH] * (blocks * BLOCKING_FACTOR - len(records))
    assert all(len(r) == RECORD_LENGTH for r in records)
    return "\n".join(records) + "\n"


def ach_file_generate(*, actor: Actor, program: MemberProgram, settlement_date: datetime.date) -> AchBatch:
    """Collect every autopay family of a program that owes money, as one NACHA file and one ACH payment each."""
    policy = BillingPolicy.objects.filter(program=program).first()
    if policy is None or not routing_is_valid(policy.ach_routing_number) or not policy.ach_company_id:
        raise ValidationError("Set the program's deposit routing number and ACH company id in its billing policy.")
    if AchBatch.objects.filter(program=program, settlement_date=settlement_date).exists():
        raise ValidationError(f"An ACH file for {program.name} settling {settlement_date} exists already.")
    try:
        with transaction.atomic():
            banks = list(
                BankAccount.objects.filter(account__program=program, autopay_enabled=True, autopay_paused=False)
                .select_related("account__family")
                .order_by("account_id")
            )
            list(
                FamilyAccount.objects.select_for_update()
                .filter(pk__in=[b.account_id for b in banks])
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            entries: list[tuple[BankAccount, AchEntry]] = []
            for bank in banks:
                owed = account_balance(bank.account)
                if owed <= 0:
                    continue
                entries.append(
                    (
                        bank,
                        AchEntry(
                            bank.routing_number,
                            decrypt(bank.account_number_encrypted),
                            bank.account_type,
                            int(owed * 100),
                            f"F{bank.account.family_id}",
                            bank.holder_name,
                        ),
                    )
                )
            if not entries:
                raise ValidationError(f"No autopay family of {program.name} owes anything.")
            text = nacha_file(
                origin_routing=policy.ach_routing_number,
                company_id=policy.ach_company_id,
                company_name=program.name,
                destination_name="Bank",
                effective=settlement_date,
                entries=[e for _, e in entries],
                created=timezone.now(),
            )
            batch = AchBatch.objects.create(
                program=program,
                settlement_date=settlement_date,
                file_text=text,
                entry_count=len(entries),
                total=sum((Decimal(e.amount_cents) / 100 for _, e in entries), Decimal("0.00")),
                created_by=user_of(actor),
            )
            for bank, entry in entries:
                payment_record(
                    actor=actor,
                    account=bank.account,
                    amount=Decimal(entry.amount_cents) / 100,
                    method=PaymentMethod.ACH,
                    received_on=settlement_date,
                    reference=entry.trace,
                    note=f"Autopay, ACH file {batch.pk}",
                )
            audit_event_record(
                actor=actor,
                action="ach.file_generated",
                target=batch,
                after={"entries": batch.entry_count, "total": batch.total, "settlement_date": settlement_date},
            )
    except IntegrityError:
        raise ValidationError(f"An ACH file for {program.name} settling {settlement_date} exists already.") from None
    return batch


@dataclass
class ReturnsReport:
    reversed: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def ach_returns_import(*, actor: Actor, text: str) -> ReturnsReport:
    """Import returned entries (columns trace_number, return_code). All rows or none."""
    report = ReturnsReport()
    reader = csv.DictReader(io.StringIO(text))
    if [c.strip().lower() for c in (reader.fieldnames or [])] != ["trace_number", "return_code"]:
        report.errors.append((1, "The columns must be: trace_number, return_code."))
        return report
    found: list[tuple[Payment, str]] = []
    for number, row in enumerate(reader, start=2):
        trace, code = (row.get("trace_number") or "").strip(), (row.get("return_code") or "").strip().upper()
        if not re.fullmatch(r"R\d\d", code):
            report.errors.append((number, f"“{code}” is not a return code (R01, R02, …)."))
            continue
        payment = Payment.objects.filter(method=PaymentMethod.ACH, reference=trace).select_related("account").first()
        if payment is None:
            report.errors.append((number, f"No ACH payment with trace number {trace}."))
            continue
        if payment.status == PaymentStatus.REVERSED or any(p.pk == payment.pk for p, _ in found):
            report.errors.append((number, f"Trace {trace} was already returned."))
            continue
        found.append((payment, code))
    if not found and not report.errors:
        report.errors.append((1, "The file has no rows."))
    if report.errors:
        return report
    with transaction.atomic():
        for payment, code in found:
            reason = f"ACH return {code}: {RETURN_CODES.get(code, 'returned by the bank')}"
            payment_reverse(actor=actor, payment=payment, reason=reason)
            bank = BankAccount.objects.filter(account=payment.account).first()
            if bank is not None:
                bank.flagged, bank.flag_reason = True, f"{reason} (settled {payment.received_on})"
                bank.save(update_fields=["flagged", "flag_reason"])
            audit_event_record(
                actor=actor,
                action="ach.returned",
                target=payment,
                reason=reason,
                after={"trace": payment.reference, "code": code, "amount": payment.amount},
            )
            report.reversed += 1
    return report
