"""Staff rosters with wages and credentials: one import kind of the members import framework
(members/imports.py), registered from members/apps.py. It replaces the older staff template
import (the same columns, so an old template file still imports) and adds two optional columns:

- `staff_id`: the person's id in the system the file comes from (payroll, Procare, a
  spreadsheet's own numbering). A re-import of the same export updates the person with that id
  (kept on StaffMember.import_source/import_id, unique per program and source) instead of adding
  them again, and the report says what changed (pay, FTE, position, dates, credentials…). A new
  id whose name and email match someone on the roster who has no id yet adopts that person.
  Without a staff_id, a person already on the roster (same name and email) is refused.
- `credentials`: every credential of the person in one cell, separated by semicolons, each a name
  and, after a colon, its expiry date: "CPR:2027-03-01; CDA:2028-01-15; Food handler". A credential
  without a date never expires. On a re-import a credential of the same name gets the file's
  expiry; credentials the file does not name are kept (the Hub may know more than the export).

Every write goes through the members services (staff_create/staff_update, credential_create/
credential_update), each audited; a file with any bad row writes nothing. The Today list reads
credentials' expiry, so imported credentials show up there as they near it.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from alliance.audit import Actor
from alliance.dates import RECORD_DATE, DateOutOfRange, date_validator
from alliance.tenancy import require_alliance_id
from members.import_sources import HUB
from members.imports import (
    DATE_FORMATS,
    Column,
    ImportSpec,
    Row,
    _check_model,
    _choice,
    _money,
    _parse_row,
    _resolve_site,
    _site_lookup,
    current_import_batch,
)
from members.models import Credential, ImportKind, MemberProgram, PayBasis, StaffCategory, StaffMember
from members.services import credential_create, credential_update, staff_create, staff_update

NOUN = "staff"
# The fields a row sets, and the word the report uses for a change of each.
FIELDS = {
    "first_name": "name",
    "last_name": "name",
    "email": "email",
    "position": "position",
    "category": "category",
    "fte": "FTE",
    "pay_basis": "pay",
    "hourly_wage": "pay",
    "annual_salary": "pay",
    "benefits_annual": "benefits",
    "started_on": "dates",
    "ended_on": "dates",
    "site": "site",
}
# Blank cells of these keep what the Hub has when a person is updated.
KEEP_WHEN_BLANK = {"email", "benefits_annual", "ended_on", "site"}


def parse_credentials(text: str) -> list[tuple[str, datetime.date | None]]:
    """“CPR:2027-03-01; CDA:2028-01-15; Food handler” → [(name, expiry or None), …]."""
    found: list[tuple[str, datetime.date | None]] = []
    seen: set[str] = set()
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        name, _, when = part.rpartition(":") if ":" in part else (part, "", "")
        name, when = name.strip(), when.strip()
        if not name:
            raise ValidationError(f"“{part}”: name the credential before the colon, e.g. CPR:2027-03-01.")
        if len(name) > 200:
            raise ValidationError(f"“{name[:40]}…” is longer than 200 characters.")
        expires: datetime.date | None = None
        if when:
            try:
                expires = forms.DateField(input_formats=DATE_FORMATS).clean(when)
            except ValidationError:
                raise ValidationError(f"“{part}”: {when} is not a date; write CPR:2027-03-01 (YYYY-MM-DD).") from None
            try:
                RECORD_DATE.check(expires)
            except DateOutOfRange as exc:
                raise ValidationError(f"“{part}”: {exc}") from None
        if name.lower() in seen:
            raise ValidationError(f"“{name}” is given twice.")
        seen.add(name.lower())
        found.append((name, expires))
    return found


class StaffRow(forms.Form):
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    email = forms.EmailField(required=False)
    position = forms.CharField(max_length=100)
    category = forms.CharField()
    fte = forms.DecimalField(max_digits=3, decimal_places=2)
    pay_basis = forms.CharField()
    hourly_wage = forms.DecimalField(max_digits=7, decimal_places=2, required=False)
    annual_salary = forms.DecimalField(max_digits=10, decimal_places=2, required=False)
    benefits_annual = forms.DecimalField(max_digits=10, decimal_places=2, required=False, min_value=0)
    started_on = forms.DateField(input_formats=DATE_FORMATS, validators=[date_validator(RECORD_DATE)])
    ended_on = forms.DateField(input_formats=DATE_FORMATS, required=False, validators=[date_validator(RECORD_DATE)])
    site = forms.CharField(required=False)
    staff_id = forms.CharField(max_length=120, required=False)
    credentials = forms.CharField(required=False)

    def __init__(self, data: dict[str, str], **kwargs: Any) -> None:
        data = dict(data)
        for money in ("hourly_wage", "annual_salary", "benefits_annual"):
            if money in data:
                data[money] = _money(data[money])
        super().__init__(data, **kwargs)

    def clean_category(self) -> str:
        return _choice(
            self.cleaned_data["category"],
            StaffCategory,
            {"admin": StaffCategory.ADMINISTRATION, "teaching": StaffCategory.CLASSROOM},
        )

    def clean_pay_basis(self) -> str:
        return _choice(
            self.cleaned_data["pay_basis"],
            PayBasis,
            {"wage": PayBasis.HOURLY, "annual": PayBasis.SALARY, "salaried": PayBasis.SALARY},
        )

    def clean_credentials(self) -> list[tuple[str, datetime.date | None]]:
        return parse_credentials(self.cleaned_data["credentials"])


def _key(first: str, last: str, email: str) -> tuple[str, str, str]:
    return first.strip().lower(), last.strip().lower(), email.strip().lower()


def _source() -> str:
    batch = current_import_batch()
    return batch.source if batch is not None else HUB


def _validate_staff(program: MemberProgram, rows: list[Row]) -> None:
    from alliance.dates import alliance_today

    source = _source()
    by_name, only = _site_lookup(program)
    today = alliance_today()
    roster = list(StaffMember.objects.filter(program=program).select_related("site"))
    by_id = {s.import_id: s for s in roster if s.import_id and s.import_source == source}
    on_roster = {
        _key(s.first_name, s.last_name, s.email): s for s in roster if s.ended_on is None or s.ended_on >= today
    }
    credentials: dict[int, dict[str, Credential]] = defaultdict(dict)
    for credential in Credential.objects.filter(staff__program=program):
        credentials[credential.staff_id][credential.name.lower()] = credential
    seen_ids: dict[str, int] = {}
    seen: dict[tuple[str, str, str], int] = {}
    alliance_id = require_alliance_id()
    for row in rows:
        data = _parse_row(row, StaffRow(row.values))
        given_site = bool(row.values.get("site", "").strip())
        data["site"] = _resolve_site(row, program, row.values.get("site", ""), by_name, only, required=False)
        staff_id = data.get("staff_id") or ""
        existing: StaffMember | None = None
        if staff_id:
            if staff_id in seen_ids:
                row.errors.append(("staff_id", f"Line {seen_ids[staff_id]} already has staff id {staff_id}."))
            seen_ids.setdefault(staff_id, row.line)
            existing = by_id.get(staff_id)
            if existing is None and "first_name" in data and "last_name" in data:
                match = on_roster.get(_key(data["first_name"], data["last_name"], data.get("email", "")))
                if match is not None and not match.import_id:
                    existing = match  # adopted: the roster's person gets the file's id
        wanted = {f: data.get(f) for f in FIELDS}
        if existing is not None:
            for f in KEEP_WHEN_BLANK:
                blank = not given_site if f == "site" else wanted[f] in (None, "")
                if blank:
                    wanted[f] = getattr(existing, f)
        elif wanted["benefits_annual"] is None:
            wanted["benefits_annual"] = Decimal("0.00")
        staff = StaffMember(
            alliance_id=alliance_id,
            program=program,
            **{
                k: ("" if v is None and k in {"first_name", "last_name", "email", "position"} else v)
                for k, v in wanted.items()
            },
        )
        staff.category = staff.category or ""
        staff.pay_basis = staff.pay_basis or ""
        _check_model(row, staff, exclude={"import_source", "import_id"})
        data["existing"], data["wanted"] = existing, wanted
        if existing is None and not {"first_name", "last_name"} & {column for column, _ in row.errors}:
            key = _key(staff.first_name, staff.last_name, staff.email)
            if key in on_roster:
                row.errors.append(("last_name", f"{staff} is already on the roster."))
            elif key in seen:
                row.errors.append(("last_name", f"Line {seen[key]} already adds {staff}."))
            seen.setdefault(key, row.line)
        if not row.ok:
            continue
        if existing is None:
            row.note = "New on the roster."
            continue
        changes = _changes(existing, wanted)
        held = credentials.get(existing.pk, {})
        new_credentials = [
            (name, expires)
            for name, expires in data.get("credentials") or []
            if name.lower() not in held or held[name.lower()].expires_on != expires
        ]
        if new_credentials:
            changes["credentials"] = True
        data["changes"], data["held"], data["new_credentials"] = changes, held, new_credentials
        row.note = (
            ("Updates " + ", ".join(dict.fromkeys(FIELDS.get(c, c) for c in changes)) + ".")
            if changes
            else ("Unchanged.")
        )


def _changes(staff: StaffMember, wanted: dict[str, Any]) -> dict[str, Any]:
    changes = {}
    for field_name, value in wanted.items():
        current = staff.site if field_name == "site" else getattr(staff, field_name)
        if current != value:
            changes[field_name] = value
    return changes


def _commit_staff(actor: Actor, program: MemberProgram, rows: list[Row]) -> dict[str, Any]:
    source = _source()
    created = updated = unchanged = 0
    what: Counter[str] = Counter()
    for row in rows:
        data = row.cleaned
        existing: StaffMember | None = data["existing"]
        staff_id = data.get("staff_id") or ""
        if existing is None:
            staff = staff_create(
                actor=actor,
                program=program,
                import_source=source if staff_id else "",
                import_id=staff_id,
                **data["wanted"],
            )
            for name, expires in data.get("credentials") or []:
                credential_create(actor=actor, staff=staff, name=name, expires_on=expires)
            created += 1
            continue
        changes = {k: v for k, v in data["changes"].items() if k != "credentials"}
        if staff_id and (existing.import_source, existing.import_id) != (source, staff_id):
            changes.update(import_source=source, import_id=staff_id)
        if changes:
            existing = staff_update(actor=actor, staff=existing, data=changes)
        for name, expires in data["new_credentials"]:
            held = data["held"].get(name.lower())
            if held is None:
                credential_create(actor=actor, staff=existing, name=name, expires_on=expires)
            else:
                credential_update(actor=actor, credential=held, data={"expires_on": expires})
        if data["changes"]:
            updated += 1
            for label in dict.fromkeys(FIELDS.get(c, c) for c in data["changes"]):
                what[label] += 1
        else:
            unchanged += 1
    return {
        "created": {NOUN: created} if created else {},
        "updated": {NOUN: updated} if updated else {},
        "unchanged": {NOUN: unchanged} if unchanged else {},
        "changes": {NOUN: dict(what)} if what else {},
    }


SPEC = ImportSpec(
    kind=ImportKind.STAFF,
    noun="staff member",
    columns=[
        Column("first_name", True, "Maria"),
        Column("last_name", True, "Lopez"),
        Column("email", False, "maria@example.org"),
        Column("position", True, "Lead teacher"),
        Column("category", True, "classroom", "administration (admin) or classroom."),
        Column("fte", True, "1.00", "1.00 = full time (40 hours a week)."),
        Column("pay_basis", True, "hourly", "hourly or salary."),
        Column("hourly_wage", False, "17.50", "For hourly staff."),
        Column("annual_salary", False, "", "For salaried staff."),
        Column("benefits_annual", False, "3200.00", "Employer's annual benefits cost."),
        Column("started_on", True, "2024-08-19", "YYYY-MM-DD."),
        Column("ended_on", False, "", "Blank while employed."),
        Column("site", False, "", "Site name, optional."),
        Column("staff_id", False, "E-107", "The person's id in your payroll or old system; a re-import updates them."),
        Column(
            "credentials",
            False,
            "CPR:2027-03-01; CDA:2028-01-15",
            "Every credential, separated by semicolons: name:expiry (YYYY-MM-DD); no date = never expires.",
        ),
    ],
    validate=_validate_staff,
    commit=_commit_staff,
)
