"""Autopay by ACH: bank details (encrypted), the NACHA file for a settlement date,
and returns (R01 and so on) that reverse the payment and flag the account.

The file holds account numbers in clear, so it is never stored: generating it records the
batch and one AchBatchEntry per debit (account number encrypted, trace number from the
per-originator, per-day sequence), and `ach_file_text` builds the file from them when it is
downloaded. A return reverses a payment only when its trace number, amount and account
all match one entry.

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
from django.db import IntegrityError, connection, transaction

from alliance.audit import Actor, audit_event_record, snapshot, user_of
from alliance.crypto import decrypt, encrypt
from alliance.dates import alliance_today
from alliance.tenancy import require_alliance_id
from billing.models import (
    AchBatch,
    AchBatchEntry,
    BankAccount,
    BankAccountType,
    BillingPolicy,
    FamilyAccount,
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
    trace: str


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
    for entry in entries:
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


TRACE_SEQUENCE_MAX = 9_999_999
TAKE_TRACES = """
    INSERT INTO billing_achtracesequence (alliance_id, origin_routing, company_id, day, last_sequence)
    VALUES (%s, %s, %s, %s, %s)
    ON CONFLICT (alliance_id, origin_routing, company_id, day)
    DO UPDATE SET last_sequence = billing_achtracesequence.last_sequence + EXCLUDED.last_sequence
    RETURNING last_sequence
"""


def ach_traces_take(*, origin_routing: str, company_id: str, day: datetime.date, count: int) -> list[str]:
    """`count` trace numbers never given before to this originator (ODFI routing + company id)
    on this day: ODFI (8 digits) + a 7-digit sequence kept in the database. The upsert locks the
    originator's row until the transaction ends, so concurrent files wait and never share one."""
    with connection.cursor() as cursor:
        cursor.execute(TAKE_TRACES, [require_alliance_id(), origin_routing, company_id, day, count])
        (last,) = cursor.fetchone()
    if last > TRACE_SEQUENCE_MAX:
        raise ValidationError(f"The ACH originator {company_id} has used every trace number for {day}.")
    return [origin_routing[:8] + _num(n, 7) for n in range(last - count + 1, last + 1)]


def ach_file_generate(*, actor: Actor, program: MemberProgram, settlement_date: datetime.date) -> AchBatch:
    """Collect every autopay family of a program that owes money: one batch, one entry and one ACH
    payment each. The file itself is built when it is downloaded (`ach_file_text`)."""
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
            owing = [(bank, owed) for bank in banks if (owed := account_balance(bank.account)) > 0]
            if not owing:
                raise ValidationError(f"No autopay family of {program.name} owes anything.")
            today = alliance_today()
            traces = ach_traces_take(
                origin_routing=policy.ach_routing_number, company_id=policy.ach_company_id, day=today, count=len(owing)
            )
            batch = AchBatch.objects.create(
                program=program,
                settlement_date=settlement_date,
                origin_routing=policy.ach_routing_number,
                company_id=policy.ach_company_id,
                company_name=program.name,
                file_date=today,
                entry_count=len(owing),
                total=sum((owed for _, owed in owing), Decimal("0.00")),
                created_by=user_of(actor),
            )
            for (bank, owed), trace in zip(owing, traces, strict=True):
                payment = payment_record(
                    actor=actor,
                    account=bank.account,
                    amount=owed,
                    method=PaymentMethod.ACH,
                    received_on=settlement_date,
                    reference=trace,
                    note=f"Autopay, ACH file {batch.pk}",
                )
                AchBatchEntry.objects.create(
                    batch=batch,
                    payment=payment,
                    routing_number=bank.routing_number,
                    account_number_encrypted=bank.account_number_encrypted,
                    account_last4=bank.account_last4,
                    account_type=bank.account_type,
                    amount=owed,
                    individual_id=f"F{bank.account.family_id}",
                    holder_name=bank.holder_name,
                    origin_routing=policy.ach_routing_number,
                    company_id=policy.ach_company_id,
                    file_date=today,
                    trace_number=trace,
                )
            audit_event_record(
                actor=actor,
                action="ach.file_generated",
                target=batch,
                after={
                    "entries": batch.entry_count,
                    "total": batch.total,
                    "settlement_date": settlement_date,
                    "traces": [traces[0], traces[-1]],
                },
            )
            from billing.family_autopay import autopay_receipts_queue

            autopay_receipts_queue(batch)  # each family's receipt, sent by the worker once the file commits
    except IntegrityError:
        raise ValidationError(f"An ACH file for {program.name} settling {settlement_date} exists already.") from None
    return batch


def ach_file_text(*, actor: Actor, batch: AchBatch) -> str:
    """The NACHA file of a batch, built from its entries for this download (account numbers
    decrypted here and nowhere else). The download is audited; the text is not kept."""
    entries = [
        AchEntry(
            e.routing_number,
            decrypt(e.account_number_encrypted),
            e.account_type,
            int(e.amount * 100),
            e.individual_id,
            e.holder_name,
            e.trace_number,
        )
        for e in batch.entries.order_by("trace_number", "pk")
    ]
    text = nacha_file(
        origin_routing=batch.origin_routing,
        company_id=batch.company_id,
        company_name=batch.company_name,
        destination_name="Bank",
        effective=batch.settlement_date,
        entries=entries,
        created=batch.created_at,
    )
    audit_event_record(actor=actor, action="ach.file_downloaded", target=batch, after={"entries": len(entries)})
    return text


# --- Returns ----------------------------------------------------------------
RETURN_COLUMNS = ["trace_number", "return_code", "amount", "account_number"]


@dataclass
class ReturnRow:
    """One row of a returns file and what became of it."""

    number: int
    trace: str
    code: str
    amount: str
    account_last4: str
    reversed: bool = False
    reason: str = ""

    @property
    def outcome(self) -> str:
        """What became of the row, in words: its reversal, its refusal, or that it waited for others."""
        return self.reason or "Not reversed: another row was refused."


@dataclass
class ReturnsReport:
    rows: list[ReturnRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def reversed(self) -> int:
        return sum(1 for row in self.rows if row.reversed)


def _money(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "").replace("$", "").strip())
    except ArithmeticError:
        return None
    return value if value.is_finite() and value == value.quantize(Decimal("0.01")) else None


def _matching_entry(row: ReturnRow, amount: Decimal | None, account_number: str) -> AchBatchEntry | str:
    """The one entry this return names (trace number, amount and account all agree), or why not."""
    if not re.fullmatch(r"R\d\d", row.code):
        return f"“{row.code}” is not a return code (R01, R02, …)."
    if amount is None or amount <= 0:
        return f"“{row.amount}” is not an amount (such as 1000.00)."
    if not re.fullmatch(r"\d{4,17}", account_number):
        return "The account number is 4 to 17 digits."
    candidates = list(
        AchBatchEntry.objects.filter(trace_number=row.trace, payment__isnull=False).select_related("payment")
    )
    if not candidates:
        return f"No ACH entry has trace number {row.trace}."
    by_amount = [e for e in candidates if e.amount == amount]
    if not by_amount:
        return f"Trace {row.trace} was an entry of another amount, not {amount}: not reversed."
    matches = [e for e in by_amount if decrypt(e.account_number_encrypted) == account_number]
    if not matches:
        return f"Trace {row.trace} was drawn on another account than ••••{row.account_last4}: not reversed."
    if len(matches) > 1:
        return f"Trace {row.trace} names {len(matches)} entries of the same amount and account; reverse it by hand."
    return matches[0]


def ach_returns_text(content: bytes) -> str:
    """The text of an uploaded returns file (UTF-8, with or without a byte-order mark), as the
    returns page and the API read it; anything else is refused on the file field."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"file": "The returns file is not UTF-8 text."}) from None


def ach_returns_import(*, actor: Actor, text: str) -> ReturnsReport:
    """Import returned entries (columns trace_number, return_code, amount, account_number).
    A row reverses a payment only when trace, amount and account match one entry; otherwise it is
    refused with its reason. All rows or none: one refusal and nothing is reversed."""
    report = ReturnsReport()
    reader = csv.DictReader(io.StringIO(text))
    if [c.strip().lower() for c in (reader.fieldnames or [])] != RETURN_COLUMNS:
        report.errors.append((1, "The columns must be: " + ", ".join(RETURN_COLUMNS) + "."))
        return report
    found: list[tuple[ReturnRow, AchBatchEntry]] = []
    for number, raw in enumerate(reader, start=2):
        cells = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        account_number = cells.get("account_number", "").replace(" ", "")
        row = ReturnRow(
            number=number,
            trace=cells.get("trace_number", ""),
            code=cells.get("return_code", "").upper(),
            amount=cells.get("amount", ""),
            account_last4=account_number[-4:],
        )
        report.rows.append(row)
        match = _matching_entry(row, _money(row.amount), account_number)
        if isinstance(match, str):
            row.reason = match
        elif match.payment is None or match.payment.status == PaymentStatus.REVERSED:
            row.reason = f"Trace {row.trace} was already returned."
        elif any(e.pk == match.pk for _, e in found):
            row.reason = f"Trace {row.trace} is in this file twice."
        else:
            found.append((row, match))
        if row.reason:
            report.errors.append((number, row.reason))
    if not report.rows and not report.errors:
        report.errors.append((1, "The file has no rows."))
    if report.errors:
        return report
    with transaction.atomic():
        for row, entry in found:
            payment = entry.payment
            assert payment is not None
            reason = f"ACH return {row.code}: {RETURN_CODES.get(row.code, 'returned by the bank')}"
            payment_reverse(actor=actor, payment=payment, reason=reason)
            bank = BankAccount.objects.filter(account=payment.account).first()
            if bank is not None:
                # Flagged, never switched off: the next file collects the balance again unless the
                # family stops autopay or the Hub pauses it; both are told now.
                bank.flagged, bank.flag_reason = True, f"{reason} (settled {payment.received_on})"
                bank.save(update_fields=["flagged", "flag_reason"])
            from billing.family_autopay import autopay_return_notify

            autopay_return_notify(payment=payment, reason=reason, bank=bank)
            audit_event_record(
                actor=actor,
                action="ach.returned",
                target=payment,
                reason=reason,
                after={
                    "trace": entry.trace_number,
                    "code": row.code,
                    "amount": payment.amount,
                    "account": f"••••{entry.account_last4}",
                    "ach_file": entry.batch_id,
                },
            )
            row.reversed, row.reason = True, reason
    return report
