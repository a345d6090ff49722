"""What every shared-services write shares: validate a row, save it, audit it."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models

from alliance.audit import audit_event_record, snapshot
from alliance.tenancy import require_alliance_id
from enrollment.services import Actor, alliance_date, alliance_today
from enrollment.services._common import user_of

M = TypeVar("M", bound=models.Model)

__all__ = ["Actor", "alliance_date", "alliance_today", "create_row", "full_clean", "update_row", "user_of"]


def full_clean(instance: models.Model) -> None:
    """The model's rules, then decimals kept to their field's places (18.5 -> 18.50)."""
    instance.full_clean()
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        if isinstance(field, models.DecimalField) and isinstance(value, Decimal):
            setattr(instance, field.attname, value.quantize(Decimal(1).scaleb(-field.decimal_places)))


def create_row(instance: M, *, actor: Actor, action: str, program_id: int | None = None) -> M:
    instance.alliance_id = require_alliance_id()  # type: ignore[attr-defined]
    full_clean(instance)
    instance.save()
    audit_event_record(actor=actor, action=action, target=instance, program_id=program_id, after=snapshot(instance))
    return instance


def update_row(
    instance: M,
    data: Mapping[str, Any],
    *,
    allowed: frozenset[str],
    actor: Actor,
    action: str,
    program_id: int | None = None,
) -> M:
    """Change the stored row (locked) with `data`; audited with what changed."""
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    stored = type(instance).objects.select_for_update().get(pk=instance.pk)  # type: ignore[attr-defined]
    before = snapshot(stored)
    for name, value in data.items():
        setattr(stored, name, value)
    full_clean(stored)
    after = snapshot(stored)
    if after == before:
        return stored
    stored.save()
    changed = [k for k in after if after[k] != before.get(k)]
    audit_event_record(
        actor=actor,
        action=action,
        target=stored,
        program_id=program_id,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    return stored
