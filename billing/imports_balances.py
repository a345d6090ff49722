"""Opening balances per family account at the Hub's cut-over date, from another system's export.

One import kind of the members import framework (members/imports.py: upload, column mapping with
presets per source in members/import_sources.py, preview, all or nothing, report), registered
from billing/apps.py. One line per family: who (the family's id in the old system, matched
through the ExternalRecord its families import of the same source left; or a child's id there,
for systems such as Brightwheel that export no family id; or the Hub's own account number), the
balance, and the cut-over date it was read on.

Each row becomes one ledger entry of kind OPENING_BALANCE written by
billing.ledger.account_opening_balance_record (one per account, audited), on the family's account
at the batch's program, opened if the family has none there yet. A re-import of the same file
finds every balance already recorded and changes nothing ("unchanged" in the report); a different
amount or date for an account that already has an opening balance is a row error: a correction
is a reversal and a new entry with a reason, made on the account page.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from alliance.audit import Actor
from alliance.formatting import day, money
from billing.ledger import _check_cut_over, account_opening_balance_record
from billing.models import EntryKind, FamilyAccount, LedgerEntry
from enrollment.models import Child, ExternalRecord
from members.import_sources import HUB, sources_for
from members.imports import Column, ImportSpec, Row, _parse_row, current_import_batch
from members.models import ImportKind, MemberProgram

DATE_FORMATS = ["%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y"]
NOUN = "opening balances"


def parse_balance(value: str) -> Decimal:
    """350.00, $1,250.50, -20.00 or (20.00) (a credit the family holds, as accounting reports write it)."""
    text = value.strip().replace("$", "").replace(",", "").replace(" ", "")
    negative = text.startswith("(") and text.endswith(")")
    if negative:
        text = text[1:-1]
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValidationError(f"“{value}” is not an amount such as 350.00 or -20.00.") from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise ValidationError("Give the balance in dollars and cents (two decimal places).")
    if abs(amount) >= Decimal("10000000"):
        raise ValidationError("An opening balance of ten million or more looks like a typing mistake.")
    return -amount if negative else amount


class BalanceRow(forms.Form):
    family_id = forms.CharField(max_length=120, required=False)
    child_id = forms.CharField(max_length=120, required=False)
    account_number = forms.CharField(max_length=20, required=False)
    balance = forms.CharField()
    as_of = forms.DateField(input_formats=DATE_FORMATS)

    def clean_balance(self) -> Decimal:
        amount = parse_balance(self.cleaned_data["balance"])
        if amount == 0:
            raise ValidationError("A zero balance needs no opening balance: leave the line out.")
        return amount

    def clean_as_of(self) -> datetime.date:
        try:
            return _check_cut_over(self.cleaned_data["as_of"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["as_of"]) from None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        given = [f for f in ("family_id", "child_id", "account_number") if self.data.get(f, "").strip()]
        if not given:
            self.add_error(
                None, "Give the family's id in your old system, a child's id there, or the Hub's account number."
            )
        return cleaned


def _source() -> str:
    batch = current_import_batch()
    return batch.source if batch is not None else HUB


def _validate_balances(program: MemberProgram, rows: list[Row]) -> None:
    source = _source()
    source_label = next((s.label for s in sources_for(ImportKind.OPENING_BALANCES) if s.key == source), source)
    refs = {
        (kind, ext): oid
        for kind, ext, oid in ExternalRecord.objects.filter(
            program=program, source=source, kind__in=[ExternalRecord.Kind.FAMILY, ExternalRecord.Kind.CHILD]
        ).values_list("kind", "external_id", "object_id")
    }
    family_of_child = dict(
        Child.objects.filter(
            pk__in=[oid for (k, _), oid in refs.items() if k == ExternalRecord.Kind.CHILD]
        ).values_list("pk", "family_id")
    )
    accounts = {
        a.pk: a for a in FamilyAccount.objects.filter(program=program, family__isnull=False).select_related("family")
    }
    account_of_family = {a.family_id: a for a in accounts.values()}
    existing = {
        e.account_id: e
        for e in LedgerEntry.objects.filter(
            program=program, kind=EntryKind.OPENING_BALANCE, reversed_by__isnull=True
        ).order_by("pk")
    }
    seen: dict[int, int] = {}
    for row in rows:
        data = _parse_row(row, BalanceRow(row.values))
        family_id: int | None = None
        if data.get("account_number"):
            number = data["account_number"].strip().lstrip("0")
            account = accounts.get(int(number)) if number.isdigit() else None
            if account is None:
                row.errors.append(("account_number", f"{program.name} has no family account {data['account_number']}."))
            else:
                family_id = account.family_id
        elif data.get("family_id"):
            family_id = refs.get((ExternalRecord.Kind.FAMILY, data["family_id"]))
            if family_id is None:
                row.errors.append(
                    (
                        "family_id",
                        f"No family with id {data['family_id']} was imported into {program.name} from "
                        f"{source_label}; import its families first (same source), or give the account number.",
                    )
                )
        elif data.get("child_id"):
            child_pk = refs.get((ExternalRecord.Kind.CHILD, data["child_id"]))
            family_id = family_of_child.get(child_pk) if child_pk else None
            if family_id is None:
                row.errors.append(
                    (
                        "child_id",
                        f"No child with id {data['child_id']} was imported into {program.name} from "
                        f"{source_label}; import its families first (same source), or give the account number.",
                    )
                )
        if family_id is None:
            continue
        data["family_id_hub"] = family_id
        if family_id in seen:
            row.errors.append(("", f"Line {seen[family_id]} already gives this family's opening balance."))
            continue
        seen[family_id] = row.line
        account = account_of_family.get(family_id)
        data["account"] = account
        if not row.ok:
            continue
        entry = existing.get(account.pk) if account is not None else None
        if account is not None and entry is not None:
            if (entry.amount, entry.posted_on) == (data["balance"], data["as_of"]):
                data["unchanged"] = True
                row.note = "Already recorded; nothing changes."
            else:
                row.errors.append(
                    (
                        "balance",
                        f"{account.holder_name} already has an opening balance of {money(entry.amount)} at "
                        f"{day(entry.posted_on)}. A correction must be made on the account page (Family accounts › "
                        f"{account.holder_name}), with the reason.",
                    )
                )
        elif account is None:
            row.note = f"Opens the family's account at {program.name}."


def _commit_balances(actor: Actor, program: MemberProgram, rows: list[Row]) -> dict[str, Any]:
    created = unchanged = 0
    for row in rows:
        data = row.cleaned
        if data.get("unchanged"):
            unchanged += 1
            continue
        account = data.get("account")
        if account is None:
            account, _ = FamilyAccount.objects.get_or_create(family_id=data["family_id_hub"], program=program)
        account_opening_balance_record(actor=actor, account=account, amount=data["balance"], as_of=data["as_of"])
        created += 1
    return {
        "created": {NOUN: created} if created else {},
        "updated": {},
        "unchanged": {NOUN: unchanged} if unchanged else {},
        "changes": {},
    }


SPEC = ImportSpec(
    kind=ImportKind.OPENING_BALANCES,
    noun="opening balance",
    columns=[
        Column(
            "family_id",
            False,
            "F-1042",
            "The family's id in your old system, as in the families import from the same system.",
        ),
        Column("child_id", False, "", "Or a child's id in your old system (systems that export no family id)."),
        Column("account_number", False, "", "Or the Hub's account number, shown on the family account page."),
        Column("balance", True, "350.00", "What the family owed at the cut-over; negative or (20.00) = a credit."),
        Column("as_of", True, "2026-09-01", "The cut-over date the balance was read on; not in the future."),
    ],
    validate=_validate_balances,
    commit=_commit_balances,
)
