"""Writes of member data. Each runs in one transaction, validates the row with
its model's rules (`full_clean`) and records an audit event with before/after.

Views, the API and CSV imports call these; none of them saves a model directly.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from alliance.audit import Actor, audit_event_record, fields_check, model_clean, model_create, model_update, snapshot
from alliance.dates import alliance_today
from alliance.tenancy import require_alliance_id
from members.models import (
    Classroom,
    ClassroomCapacity,
    CostCategory,
    Credential,
    HubService,
    LicensingInspection,
    MemberProgram,
    MonthlyCost,
    ProgramStatus,
    QrisRating,
    QrisRatingSource,
    ServiceSubscription,
    Site,
    StaffMember,
)

# Fields each update service accepts; anything else in `data` is refused.
PROGRAM_PROFILE_FIELDS = frozenset(
    {
        "name",
        "legal_name",
        "kind",
        "license_number",
        "licensed_capacity",
        "street",
        "city",
        "region",
        "postal_code",
        "phone",
        "director_name",
        "director_email",
        "director_phone",
        "joined_on",
        "qris_rating",
        "qris_rated_on",
        "accreditation",
        "accreditation_expires_on",
        "owner_monthly_wage",
        "notes",
    }
)
SITE_FIELDS = frozenset({"name", "street", "city", "region", "postal_code", "opened_on", "closed_on"})
CLASSROOM_FIELDS = frozenset(
    {"site", "name", "age_group", "children_per_staff", "operating_days", "opens_at", "closes_at", "closed_on"}
)
STAFF_FIELDS = frozenset(
    {
        "site",
        "first_name",
        "last_name",
        "email",
        "position",
        "category",
        "fte",
        "pay_basis",
        "hourly_wage",
        "annual_salary",
        "benefits_annual",
        "started_on",
        "ended_on",
    }
)
CREDENTIAL_FIELDS = frozenset({"name", "identifier", "issued_on", "expires_on"})
INSPECTION_FIELDS = frozenset(
    {"inspected_on", "inspection_type", "outcome", "findings", "corrective_action_due", "corrected_on"}
)
SERVICE_FIELDS = frozenset({"name", "description", "pricing_model", "rate", "is_active"})
SUBSCRIPTION_FIELDS = frozenset({"pricing_model", "rate", "starts_on", "ends_on", "note"})


# --- Programs ---------------------------------------------------------------
@transaction.atomic
def program_create(
    *, actor: Actor, name: str, kind: str, status: str = ProgramStatus.APPLICANT, **profile: Any
) -> MemberProgram:
    fields_check(profile, PROGRAM_PROFILE_FIELDS)
    if status != ProgramStatus.APPLICANT and not profile.get("joined_on"):
        profile["joined_on"] = alliance_today()
    # A member entered as active has been so since it joined, not since the day it was typed in.
    since = profile["joined_on"] if status != ProgramStatus.APPLICANT else alliance_today()
    program = model_create(
        MemberProgram(name=name, kind=kind, status=status, status_changed_on=since, **profile),
        actor=actor,
        action="program.created",
    )
    _qris_history_append(actor=actor, program=program, before=(None, None))
    return program


@transaction.atomic
def program_update(*, actor: Actor, program: MemberProgram, data: Mapping[str, Any]) -> MemberProgram:
    """Change a member's profile. A change of its QRIS rating or rating date also
    appends a row to the rating history."""
    stored = MemberProgram.objects.select_for_update().get(pk=program.pk)
    before = (stored.qris_rating, stored.qris_rated_on)
    changes = dict(data)
    joined = changes.get("joined_on")
    if joined and stored.joined_on != joined and stored.status_changed_on == stored.joined_on:
        # The status began when the member joined (no change since): it moves with the join date.
        changes["status_changed_on"] = joined
    updated = model_update(
        stored,
        changes,
        allowed=PROGRAM_PROFILE_FIELDS | {"status_changed_on"},
        actor=actor,
        action="program.updated",
        program_id=program.pk,
    )
    _qris_history_append(actor=actor, program=updated, before=before)
    return updated


def _qris_history_append(
    *, actor: Actor, program: MemberProgram, before: tuple[int | None, datetime.date | None]
) -> QrisRating | None:
    """One history row per change of (rating, rated on); removing the rating is a
    change too, dated the day it was removed."""
    if (program.qris_rating, program.qris_rated_on) == before:
        return None
    row = QrisRating(
        alliance_id=program.alliance_id,
        program=program,
        rating=program.qris_rating,
        rated_on=program.qris_rated_on or alliance_today(),
        source=QrisRatingSource.ENTERED,
        note="" if program.qris_rating else "Rating removed",
        recorded_by_id=actor.pk if actor is not None and actor.is_authenticated else None,
    )
    model_clean(row)
    row.save()
    audit_event_record(
        actor=actor,
        action="qris_rating.recorded",
        target=row,
        program_id=program.pk,
        before={"rating": before[0], "rated_on": before[1]},
        after={"rating": row.rating, "rated_on": row.rated_on},
    )
    return row


@transaction.atomic
def program_status_change(
    *, actor: Actor, program: MemberProgram, status: str, effective_on: datetime.date, reason: str = ""
) -> MemberProgram:
    """Move a member between applicant, active, paused and left. Nothing is deleted."""
    stored = MemberProgram.objects.select_for_update().get(pk=program.pk)
    errors: dict[str, str] = {}
    if status not in ProgramStatus.values:
        errors["status"] = f"Unknown status {status!r}."
    elif status == stored.status:
        errors["status"] = f"The program is already {stored.get_status_display().lower()}."
    elif status == ProgramStatus.APPLICANT:
        errors["status"] = "A member cannot become an applicant again."
    if effective_on > alliance_today():
        errors["effective_on"] = "Record a status change once it has happened."
    if stored.status_changed_on and effective_on < stored.status_changed_on:
        errors["effective_on"] = (
            f"The current status dates from {stored.status_changed_on}; a later change cannot be earlier."
        )
    if errors:
        raise ValidationError(errors)
    before = snapshot(stored, ["status", "status_changed_on", "joined_on"])
    stored.status = status
    stored.status_changed_on = effective_on
    if stored.joined_on is None:
        stored.joined_on = effective_on
    stored.full_clean()
    stored.save()
    audit_event_record(
        actor=actor,
        action="program.status_changed",
        target=stored,
        before=before,
        after=snapshot(stored, ["status", "status_changed_on", "joined_on"]),
        reason=reason,
    )
    return stored


@transaction.atomic
def inspection_create(
    *,
    actor: Actor,
    program: MemberProgram,
    inspected_on: datetime.date,
    outcome: str,
    inspection_type: str = "routine",
    findings: str = "",
    corrective_action_due: datetime.date | None = None,
    corrected_on: datetime.date | None = None,
) -> LicensingInspection:
    return model_create(
        LicensingInspection(
            program=program,
            inspected_on=inspected_on,
            outcome=outcome,
            inspection_type=inspection_type,
            findings=findings,
            corrective_action_due=corrective_action_due,
            corrected_on=corrected_on,
        ),
        actor=actor,
        action="inspection.created",
        program_id=program.pk,
    )


@transaction.atomic
def inspection_update(*, actor: Actor, inspection: LicensingInspection, data: Mapping[str, Any]) -> LicensingInspection:
    return model_update(
        inspection,
        data,
        allowed=INSPECTION_FIELDS,
        actor=actor,
        action="inspection.updated",
        program_id=inspection.program_id,
    )


# --- Sites, classrooms, capacity --------------------------------------------
@transaction.atomic
def site_create(
    *,
    actor: Actor,
    program: MemberProgram,
    name: str,
    street: str = "",
    city: str = "",
    region: str = "",
    postal_code: str = "",
    opened_on: datetime.date | None = None,
    closed_on: datetime.date | None = None,
) -> Site:
    return model_create(
        Site(
            program=program,
            name=name,
            street=street,
            city=city,
            region=region,
            postal_code=postal_code,
            opened_on=opened_on,
            closed_on=closed_on,
        ),
        actor=actor,
        action="site.created",
        program_id=program.pk,
    )


@transaction.atomic
def site_update(*, actor: Actor, site: Site, data: Mapping[str, Any]) -> Site:
    return model_update(site, data, allowed=SITE_FIELDS, actor=actor, action="site.updated", program_id=site.program_id)


def _check_site_of_program(site: Site, program: MemberProgram | None) -> None:
    if program is not None and site.program_id != program.pk:
        raise ValidationError({"site": "Choose a site of this program."})


@transaction.atomic
def classroom_create(
    *,
    actor: Actor,
    site: Site,
    name: str,
    age_group: str,
    children_per_staff: int,
    operating_days: list[int],
    opens_at: datetime.time,
    closes_at: datetime.time,
    licensed_capacity: int,
    desired_capacity: int | None = None,
    effective_from: datetime.date | None = None,
    program: MemberProgram | None = None,
) -> Classroom:
    """A classroom and its first capacity, in force from `effective_from` (default today)."""
    _check_site_of_program(site, program)
    classroom = Classroom(
        site=site,
        name=name,
        age_group=age_group,
        children_per_staff=children_per_staff,
        operating_days=list(operating_days),
        opens_at=opens_at,
        closes_at=closes_at,
    )
    capacity = ClassroomCapacity(
        licensed_capacity=licensed_capacity,
        desired_capacity=desired_capacity,
        effective_from=effective_from or alliance_today(),
        reason="Classroom opened",
    )
    errors: dict[str, list[str]] = {}
    classroom.alliance_id = capacity.alliance_id = require_alliance_id()
    for row, exclude in ((classroom, None), (capacity, ["classroom"])):
        try:
            row.full_clean(exclude=exclude)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    classroom.save()
    capacity.classroom = classroom
    capacity.save()
    audit_event_record(
        actor=actor,
        action="classroom.created",
        target=classroom,
        program_id=site.program_id,
        after={
            **snapshot(classroom),
            **snapshot(capacity, ["effective_from", "licensed_capacity", "desired_capacity"]),
        },
    )
    return classroom


@transaction.atomic
def classroom_update(*, actor: Actor, classroom: Classroom, data: Mapping[str, Any]) -> Classroom:
    if "site" in data:
        _check_site_of_program(data["site"], classroom.site.program)
    return model_update(
        classroom,
        data,
        allowed=CLASSROOM_FIELDS,
        actor=actor,
        action="classroom.updated",
        program_id=classroom.site.program_id,
    )


@transaction.atomic
def classroom_capacity_set(
    *,
    actor: Actor,
    classroom: Classroom,
    effective_from: datetime.date,
    licensed_capacity: int,
    desired_capacity: int | None = None,
    reason: str = "",
) -> ClassroomCapacity:
    """Record the capacity in force from a date. A second change on the same date
    replaces the first (a correction); earlier rows are kept as history."""
    Classroom.objects.select_for_update().filter(pk=classroom.pk).first()
    existing = ClassroomCapacity.objects.filter(classroom=classroom, effective_from=effective_from).first()
    before = snapshot(existing) if existing else None
    capacity = existing or ClassroomCapacity(classroom=classroom, effective_from=effective_from)
    capacity.alliance_id = require_alliance_id()
    capacity.licensed_capacity = licensed_capacity
    capacity.desired_capacity = desired_capacity
    capacity.reason = reason
    capacity.full_clean()
    capacity.save()
    audit_event_record(
        actor=actor,
        action="classroom.capacity_set",
        target=capacity,
        program_id=classroom.site.program_id,
        before=before,
        after=snapshot(capacity),
    )
    return capacity


# --- Staff ------------------------------------------------------------------
@transaction.atomic
def staff_create(
    *,
    actor: Actor,
    program: MemberProgram,
    first_name: str,
    last_name: str,
    position: str,
    category: str,
    fte: Decimal,
    pay_basis: str,
    started_on: datetime.date,
    hourly_wage: Decimal | None = None,
    annual_salary: Decimal | None = None,
    benefits_annual: Decimal = Decimal("0"),
    email: str = "",
    site: Site | None = None,
    ended_on: datetime.date | None = None,
    import_source: str = "",
    import_id: str = "",
) -> StaffMember:
    return model_create(
        StaffMember(
            program=program,
            import_source=import_source,
            import_id=import_id,
            site=site,
            first_name=first_name,
            last_name=last_name,
            email=email,
            position=position,
            category=category,
            fte=fte,
            pay_basis=pay_basis,
            hourly_wage=hourly_wage,
            annual_salary=annual_salary,
            benefits_annual=benefits_annual,
            started_on=started_on,
            ended_on=ended_on,
        ),
        actor=actor,
        action="staff.created",
        program_id=program.pk,
    )


@transaction.atomic
def staff_update(*, actor: Actor, staff: StaffMember, data: Mapping[str, Any]) -> StaffMember:
    return model_update(
        staff,
        data,
        allowed=STAFF_FIELDS | {"import_source", "import_id"},
        actor=actor,
        action="staff.updated",
        program_id=staff.program_id,
    )


@transaction.atomic
def credential_create(
    *,
    actor: Actor,
    staff: StaffMember,
    name: str,
    identifier: str = "",
    issued_on: datetime.date | None = None,
    expires_on: datetime.date | None = None,
) -> Credential:
    return model_create(
        Credential(staff=staff, name=name, identifier=identifier, issued_on=issued_on, expires_on=expires_on),
        actor=actor,
        action="credential.created",
        program_id=staff.program_id,
    )


@transaction.atomic
def credential_update(*, actor: Actor, credential: Credential, data: Mapping[str, Any]) -> Credential:
    return model_update(
        credential,
        data,
        allowed=CREDENTIAL_FIELDS,
        actor=actor,
        action="credential.updated",
        program_id=credential.staff.program_id,
    )


# --- Costs ------------------------------------------------------------------
@transaction.atomic
def monthly_costs_set(
    *,
    actor: Actor,
    program: MemberProgram,
    month: datetime.date,
    amounts: Mapping[str, Decimal | None],
    notes: Mapping[str, str] | None = None,
) -> list[MonthlyCost]:
    """Set a program's costs for one month, category by category.

    A category given as None is cleared (for personnel, the roster's figure then
    applies); categories not named are left as they are.
    """
    unknown = set(amounts) - set(CostCategory.values)
    if unknown:
        raise ValidationError(f"Unknown cost categories: {', '.join(sorted(unknown))}.")
    notes = notes or {}
    month = month.replace(day=1)
    MemberProgram.objects.select_for_update().filter(pk=program.pk).first()
    existing = {c.category: c for c in MonthlyCost.objects.filter(program=program, month=month)}
    before = {c: str(row.amount) for c, row in existing.items() if c in amounts}
    errors: dict[str, list[str]] = {}
    to_save: list[MonthlyCost] = []
    to_clear: list[MonthlyCost] = []
    for category, amount in amounts.items():
        row = existing.get(category)
        if amount is None:
            if row is not None:
                to_clear.append(row)
            continue
        row = row or MonthlyCost(program=program, month=month, category=category)
        row.alliance_id = require_alliance_id()
        row.amount = amount
        row.note = notes.get(category, row.note)
        try:
            model_clean(row)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(category if field == "amount" else field, []).extend(messages)
        to_save.append(row)
    if errors:
        raise ValidationError(errors)
    for row in to_save:
        row.save()
    for row in to_clear:
        row.delete()
    after = {row.category: str(row.amount) for row in to_save}
    if before != after:
        audit_event_record(
            actor=actor,
            action="costs.updated",
            object_type="members.monthlycost",
            object_id=f"{program.pk}:{month:%Y-%m}",
            program_id=program.pk,
            before=before,
            after=after,
        )
    return to_save


# --- Hub services and fee agreements -----------------------------------------
@transaction.atomic
def hub_service_create(
    *, actor: Actor, name: str, pricing_model: str, rate: Decimal, description: str = "", is_active: bool = True
) -> HubService:
    return model_create(
        HubService(name=name, pricing_model=pricing_model, rate=rate, description=description, is_active=is_active),
        actor=actor,
        action="hub_service.created",
        program_id=None,
    )


@transaction.atomic
def hub_service_update(*, actor: Actor, service: HubService, data: Mapping[str, Any]) -> HubService:
    return model_update(
        service, data, allowed=SERVICE_FIELDS, actor=actor, action="hub_service.updated", program_id=None
    )


@transaction.atomic
def subscription_create(
    *,
    actor: Actor,
    program: MemberProgram,
    service: HubService,
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
    rate: Decimal | None = None,
    pricing_model: str | None = None,
    note: str = "",
) -> ServiceSubscription:
    """A member's agreement to buy a service; terms default to the catalogue's."""
    if not service.is_active:
        raise ValidationError({"service": f"{service} is no longer offered."})
    # Serialise agreements of one program so two overlapping ones cannot both pass.
    MemberProgram.objects.select_for_update().filter(pk=program.pk).first()
    return model_create(
        ServiceSubscription(
            program=program,
            service=service,
            pricing_model=pricing_model or service.pricing_model,
            rate=service.rate if rate is None else rate,
            starts_on=starts_on,
            ends_on=ends_on,
            note=note,
        ),
        actor=actor,
        action="subscription.created",
        program_id=program.pk,
    )


@transaction.atomic
def subscription_update(
    *, actor: Actor, subscription: ServiceSubscription, data: Mapping[str, Any]
) -> ServiceSubscription:
    MemberProgram.objects.select_for_update().filter(pk=subscription.program_id).first()
    return model_update(
        subscription,
        data,
        allowed=SUBSCRIPTION_FIELDS,
        actor=actor,
        action="subscription.updated",
        program_id=subscription.program_id,
    )
