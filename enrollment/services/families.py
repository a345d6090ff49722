"""Writes of families, guardians, children and the alliance's age bands."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from alliance.access import actor_may
from alliance.audit import audit_event_record, fields_check, model_create, model_update
from alliance.dates import alliance_today
from alliance.models import HUB_ROLES
from alliance.tenancy import require_alliance_id
from enrollment.models import AgeBand, Child, Family, Guardian, WaitlistEntry, WaitlistStatus
from enrollment.rules import BANDED_GROUPS, Band, age_group_on
from enrollment.services._common import Actor

FAMILY_FIELDS = frozenset({"name", "street", "city", "postal_code", "home_language", "notes"})
GUARDIAN_FIELDS = frozenset(
    {
        "first_name",
        "last_name",
        "relationship",
        "email",
        "phone",
        "is_primary_contact",
        "can_pick_up",
        "consent_photos",
        "consent_field_trips",
        "consent_text_messages",
        "consent_share_with_programs",
    }
)
CHILD_FIELDS = frozenset({"first_name", "last_name", "date_of_birth", "needs_notes", "has_individual_plan"})
# Families put infants on waitlists before birth; the Hub serves children up to 13.
EXPECTED_BIRTH_WITHIN_DAYS = 300
OLDEST_CHILD_YEARS = 14


def _strip(instance: models.Model, *names: str) -> None:
    for name in names:
        value = getattr(instance, name)
        if isinstance(value, str):
            setattr(instance, name, value.strip())


# --- Families ---------------------------------------------------------------
def _validate_family(family: Family) -> None:
    _strip(family, "name", "street", "city", "postal_code", "home_language")
    if not family.name:
        raise ValidationError({"name": "Give the household a name, e.g. “Lopez family”."})


@transaction.atomic
def family_create(*, actor: Actor, name: str, **fields: Any) -> Family:
    fields_check(fields, FAMILY_FIELDS)
    return model_create(Family(name=name, **fields), actor=actor, action="family.created", validate=_validate_family)


@transaction.atomic
def family_update(*, actor: Actor, family: Family, data: Mapping[str, Any]) -> Family:
    return model_update(
        family, data, allowed=FAMILY_FIELDS, actor=actor, action="family.updated", validate=_validate_family
    )


# --- Guardians --------------------------------------------------------------
def _validate_guardian(guardian: Guardian) -> None:
    """A guardian's own rules; then the family keeps exactly one first contact."""
    _strip(guardian, "first_name", "last_name", "email", "phone")
    errors: dict[str, str] = {}
    if not guardian.first_name:
        errors["first_name"] = "Give the guardian's first name."
    if not guardian.last_name:
        errors["last_name"] = "Give the guardian's last name."
    if not guardian.email and not guardian.phone:
        errors["phone"] = "Give a phone number or an email address, so the program can reach them."
    if errors:
        raise ValidationError(errors)
    _one_primary_contact(guardian)


def _one_primary_contact(guardian: Guardian) -> None:
    others = Guardian.objects.filter(family_id=guardian.family_id).exclude(pk=guardian.pk)
    if guardian.is_primary_contact:
        others.filter(is_primary_contact=True).update(is_primary_contact=False)
    elif not others.filter(is_primary_contact=True).exists():
        guardian.is_primary_contact = True  # a family always has someone to call first


# A guardian's e-mail address opens the family page (statements at every program, waitlist places,
# offers): only the Hub, or the family itself through the public inquiry form, sets it.
CONTACT_EMAIL_HUB_ONLY = (
    "Only the Hub can set the e-mail address a family signs in with: it opens the family's page at "
    "every program. Ask your Hub to change it."
)


def _provider(actor: Actor) -> bool:
    """A signed-in member who is not hub staff (the public form and tasks act with no user)."""
    return actor is not None and bool(getattr(actor, "is_authenticated", False)) and not actor_may(actor, HUB_ROLES)


def _same_address(old: str, new: str) -> bool:
    return (old or "").strip().lower() == (new or "").strip().lower()


def _check_contact_email(actor: Actor, family: Family, *, old: str, new: str) -> None:
    """A provider may give an address only to the first guardian of a household they are creating."""
    if not _provider(actor) or _same_address(old, new):
        return
    brand_new = (
        family.pk is not None
        and not Guardian.objects.filter(family=family).exists()
        and not Child.objects.filter(family=family).exists()
    )
    if not (brand_new and not old):
        raise ValidationError({"email": CONTACT_EMAIL_HUB_ONLY})


@transaction.atomic
def guardian_create(*, actor: Actor, family: Family, first_name: str, last_name: str, **fields: Any) -> Guardian:
    fields_check(fields, GUARDIAN_FIELDS)
    _check_contact_email(actor, family, old="", new=fields.get("email", ""))
    return model_create(
        Guardian(family=family, first_name=first_name, last_name=last_name, **fields),
        actor=actor,
        action="guardian.created",
        validate=_validate_guardian,
    )


@transaction.atomic
def guardian_update(*, actor: Actor, guardian: Guardian, data: Mapping[str, Any]) -> Guardian:
    if "email" in data:
        # The stored address, not the instance's: a model form has already copied its input onto it.
        stored = Guardian.objects.filter(pk=guardian.pk).values_list("email", flat=True).first() or ""
        _check_contact_email(actor, guardian.family, old=stored, new=data["email"])
    return model_update(
        guardian, data, allowed=GUARDIAN_FIELDS, actor=actor, action="guardian.updated", validate=_validate_guardian
    )


# --- Children ---------------------------------------------------------------
def _validate_child(child: Child) -> None:
    _strip(child, "first_name", "last_name")
    errors: dict[str, str] = {}
    if not child.first_name:
        errors["first_name"] = "Give the child's first name."
    if not child.last_name:
        errors["last_name"] = "Give the child's last name."
    if child.date_of_birth:
        today = alliance_today()
        if child.date_of_birth > today + datetime.timedelta(days=EXPECTED_BIRTH_WITHIN_DAYS):
            errors["date_of_birth"] = "A date of birth more than ten months ahead looks like a typing mistake."
        elif child.date_of_birth < today.replace(year=today.year - OLDEST_CHILD_YEARS):
            errors["date_of_birth"] = f"The Hub serves children under {OLDEST_CHILD_YEARS}; check the year of birth."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def child_create(
    *, actor: Actor, family: Family, first_name: str, last_name: str, date_of_birth: datetime.date, **fields: Any
) -> Child:
    fields_check(fields, CHILD_FIELDS)
    return model_create(
        Child(family=family, first_name=first_name, last_name=last_name, date_of_birth=date_of_birth, **fields),
        actor=actor,
        action="child.created",
        validate=_validate_child,
    )


@transaction.atomic
def child_update(*, actor: Actor, child: Child, data: Mapping[str, Any]) -> Child:
    updated = model_update(
        child, data, allowed=CHILD_FIELDS, actor=actor, action="child.updated", validate=_validate_child
    )
    if "date_of_birth" in data:
        refresh_waitlist_age_groups(child_id=updated.pk)
    return updated


# --- Age bands --------------------------------------------------------------
@transaction.atomic
def age_bands_set(*, actor: Actor, bands: Sequence[Band]) -> list[AgeBand]:
    """Replace the alliance's age bands. They must cover infant, toddler,
    preschool and school-age, in that order, each starting where the last ends."""
    by_group = {b.age_group: b for b in bands}
    errors: dict[str, str] = {}
    if set(by_group) != set(BANDED_GROUPS) or len(bands) != len(BANDED_GROUPS):
        raise ValidationError("Give one band for each of infant, toddler, preschool and school-age.")
    previous: Band | None = None
    for group in BANDED_GROUPS:
        band = by_group[group]
        if band.min_months < 0 or band.max_months <= band.min_months:
            errors[group] = f"The {band.label.lower()} band must end after it starts."
        elif previous is not None and band.min_months != previous.max_months:
            errors[group] = (
                f"The {band.label.lower()} band must start at {previous.max_months} months, "
                f"where the {previous.label.lower()} band ends."
            )
        previous = band
    if errors:
        raise ValidationError(errors)
    before = [
        {"age_group": b.age_group, "min_months": b.min_months, "max_months": b.max_months}
        for b in AgeBand.objects.order_by("min_months")
    ]
    AgeBand.objects.all().delete()
    alliance_id = require_alliance_id()
    rows = AgeBand.objects.bulk_create(
        [
            AgeBand(
                alliance_id=alliance_id,
                age_group=g,
                min_months=by_group[g].min_months,
                max_months=by_group[g].max_months,
            )
            for g in BANDED_GROUPS
        ]
    )
    after = [{"age_group": b.age_group, "min_months": b.min_months, "max_months": b.max_months} for b in rows]
    if before != after:
        audit_event_record(
            actor=actor,
            action="age_bands.updated",
            object_type="enrollment.ageband",
            before={"bands": before},
            after={"bands": after},
        )
        refresh_waitlist_age_groups()
    return rows


def refresh_waitlist_age_groups(*, child_id: int | None = None) -> int:
    """Recompute the stored age group at desired start of open waitlist entries."""
    from enrollment.selectors import age_bands

    bands = age_bands()
    entries = WaitlistEntry.objects.filter(status__in=[WaitlistStatus.WAITING, WaitlistStatus.OFFERED]).select_related(
        "child"
    )
    if child_id is not None:
        entries = entries.filter(child_id=child_id)
    changed = []
    for entry in entries:
        group = age_group_on(entry.child.date_of_birth, entry.desired_start, bands) or ""
        if group != entry.age_group_at_start:
            entry.age_group_at_start = group
            changed.append(entry)
    WaitlistEntry.objects.bulk_update(changed, ["age_group_at_start"])
    return len(changed)
