"""Third-party payers: authorizations, remittances (entered or imported from CSV)
and the reconciliation of what each paid against what was claimed.

A payer's share never sits on the family's balance: the invoice run credits it
on the family's invoice and opens a claim against the payer. A remittance pays
claims. A shortfall is a hub user's decision: waived (the program writes it
down) or billed to the family (a charge on its account); either is audited.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

from alliance.access import actor_may
from alliance.audit import Actor, audit_event_record, snapshot, user_of
from alliance.formatting import money
from alliance.models import HUB_ROLES
from billing.ledger import _check_cents, ledger_entry_post
from billing.models import (
    ZERO,
    ChargeCategory,
    ClaimStatus,
    EntryKind,
    Payer,
    PayerClaim,
    Remittance,
    RemittanceLine,
    SubsidyAuthorization,
)
from enrollment.models import Child
from members.models import MemberProgram

CSV_COLUMNS = ["case_number", "period", "amount"]


def payer_create(*, actor: Actor, name: str, kind: str, contact_email: str = "") -> Payer:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Name the payer."})
    if Payer.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": "A payer of this name exists already."})
    with transaction.atomic():
        payer = Payer.objects.create(name=name, kind=kind, contact_email=contact_email)
        audit_event_record(actor=actor, action="payer.created", target=payer, after=snapshot(payer))
    return payer


def authorization_create(
    *,
    actor: Actor,
    payer: Payer,
    child: Child,
    program: MemberProgram,
    case_number: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    authorized_amount: Decimal,
    family_copay: Decimal = ZERO,
    authorized_days: int | None = None,
) -> SubsidyAuthorization:
    errors: dict[str, str] = {}
    if not (case_number or "").strip():
        errors["case_number"] = "Give the agency's case number."
    if ends_on < starts_on:
        errors["ends_on"] = "An authorization ends on or after it starts."
    if authorized_amount is None or authorized_amount <= 0:
        errors["authorized_amount"] = "The authorized amount is more than zero."
    if family_copay is None or family_copay < 0:
        errors["family_copay"] = "A co-pay cannot be negative."
    if errors:
        raise ValidationError(errors)
    overlapping = SubsidyAuthorization.objects.filter(
        child=child, program=program, starts_on__lte=ends_on, ends_on__gte=starts_on
    )
    if overlapping.exists():
        raise ValidationError({"starts_on": "This child already has an authorization at this program in that period."})
    with transaction.atomic():
        row = SubsidyAuthorization.objects.create(
            payer=payer,
            child=child,
            program=program,
            case_number=case_number.strip(),
            starts_on=starts_on,
            ends_on=ends_on,
            authorized_amount=_check_cents(authorized_amount),
            family_copay=_check_cents(family_copay),
            authorized_days=authorized_days,
        )
        audit_event_record(actor=actor, action="authorization.created", target=row, after=snapshot(row))
    return row


def _status_after(claim: PayerClaim) -> str:
    if claim.paid >= claim.expected:
        return ClaimStatus.PAID
    return ClaimStatus.SHORT if claim.paid > 0 else ClaimStatus.OPEN


def remittance_record(
    *, actor: Actor, payer: Payer, received_on: datetime.date, reference: str, lines: list[tuple[PayerClaim, Decimal]]
) -> Remittance:
    """Record one remittance paying several claims; all lines or none."""
    if not lines:
        raise ValidationError("A remittance pays at least one claim.")
    with transaction.atomic():
        claims = {
            c.pk: c
            for c in PayerClaim.objects.select_for_update().filter(pk__in=[c.pk for c, _ in lines]).order_by("pk")
        }
        remittance = Remittance.objects.create(
            payer=payer, received_on=received_on, reference=reference.strip(), created_by=user_of(actor)
        )
        total = ZERO
        for claim_ref, amount in lines:
            claim = claims[claim_ref.pk]
            amount = _check_cents(amount)
            if claim.payer_id != payer.pk:
                raise ValidationError(f"Case {claim.authorization.case_number} is claimed from another payer.")
            if amount < 0 or claim.paid + amount > claim.expected:
                raise ValidationError(
                    f"Case {claim.authorization.case_number} {claim.period_start:%Y-%m}: {money(amount)} "
                    f"is more than the {money(claim.expected - claim.paid)} still claimed."
                )
            RemittanceLine.objects.create(remittance=remittance, claim=claim, amount=amount)
            claim.paid += amount
            claim.status = _status_after(claim)
            claim.save(update_fields=["paid", "status"])
            total += amount
        remittance.total = total
        remittance.save(update_fields=["total"])
        audit_event_record(
            actor=actor,
            action="remittance.recorded",
            target=remittance,
            after={**snapshot(remittance), "lines": len(lines)},
        )
    return remittance


@dataclass
class ImportReport:
    remittance: Remittance | None = None
    errors: list[tuple[int, str]] = field(default_factory=list)
    rows: int = 0


def remittance_import_csv(
    *, actor: Actor, payer: Payer, received_on: datetime.date, reference: str, text: str
) -> ImportReport:
    """Import an agency's remittance file (case_number, period YYYY-MM, amount).

    Every row is checked first; any error leaves nothing imported and the
    report names each bad row."""
    report = ImportReport()
    reader = csv.DictReader(io.StringIO(text))
    if [c.strip().lower() for c in (reader.fieldnames or [])] != CSV_COLUMNS:
        report.errors.append((1, f"The columns must be: {', '.join(CSV_COLUMNS)}."))
        return report
    lines: list[tuple[PayerClaim, Decimal]] = []
    seen: set[int] = set()
    for number, row in enumerate(reader, start=2):
        report.rows += 1
        case, period, raw_amount = (row.get(c, "") or "" for c in CSV_COLUMNS)
        try:
            amount = Decimal(raw_amount.strip())
            if amount != amount.quantize(Decimal("0.01")) or amount < 0:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            report.errors.append((number, f"Amount “{raw_amount}” is not dollars and cents."))
            continue
        try:
            first = datetime.date.fromisoformat(period.strip() + "-01")
        except ValueError:
            report.errors.append((number, f"Period “{period}” is not YYYY-MM."))
            continue
        claim = (
            PayerClaim.objects.select_related("authorization")
            .filter(payer=payer, authorization__case_number=case.strip(), period_start=first)
            .first()
        )
        if claim is None:
            report.errors.append((number, f"No claim to {payer.name} for case “{case}” in {period}."))
            continue
        if claim.pk in seen:
            report.errors.append((number, f"Case {case} {period} appears twice in the file."))
            continue
        if claim.paid + amount > claim.expected:
            report.errors.append(
                (
                    number,
                    f"Case {case} {period}: {money(amount)} is more than the "
                    f"{money(claim.expected - claim.paid)} still claimed.",
                )
            )
            continue
        seen.add(claim.pk)
        lines.append((claim, amount))
    if not report.errors and not lines:
        report.errors.append((1, "The file has no rows."))
    if report.errors:
        return report
    report.remittance = remittance_record(
        actor=actor, payer=payer, received_on=received_on, reference=reference, lines=lines
    )
    return report


def claim_resolve_shortfall(
    *, actor: Actor, claim: PayerClaim, decision: str, reason: str, on: datetime.date
) -> PayerClaim:
    """A hub user decides a short-paid claim: waive it, or bill the family the difference."""
    if not actor_may(actor, HUB_ROLES):
        raise ValidationError("Only Hub staff decide a shortfall.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why."})
    if decision not in ("waive", "bill_family"):
        raise ValidationError({"decision": "Waive it, or bill it to the family."})
    with transaction.atomic():
        claim = PayerClaim.objects.select_for_update().select_related("invoice", "authorization").get(pk=claim.pk)
        if claim.status not in (ClaimStatus.OPEN, ClaimStatus.SHORT) or claim.shortfall <= 0:
            raise ValidationError("This claim has no shortfall left to decide.")
        before = snapshot(claim)
        if decision == "bill_family":
            ledger_entry_post(
                account=claim.invoice.account,
                kind=EntryKind.CHARGE,
                category=ChargeCategory.SHORTFALL,
                amount=claim.shortfall,
                posted_on=on,
                child=claim.child,
                description=f"Not paid by the agency: case {claim.authorization.case_number}, "
                f"{claim.period_start:%B %Y}",
                actor=actor,
                reason=reason,
            )
            claim.status = ClaimStatus.BILLED
        else:
            claim.status = ClaimStatus.WAIVED
        claim.resolution_note = reason[:300]
        claim.save(update_fields=["status", "resolution_note"])
        audit_event_record(
            actor=actor,
            action=f"payer_claim.shortfall_{claim.status}",
            target=claim,
            before=before,
            after=snapshot(claim),
            reason=reason,
        )
    return claim
