"""Audit events: every write of money or enrollment records one.

Also the audited create and update that services of every app build on
(`model_create`, `model_update`): fields checked against what the service
allows, decimals rounded once, the model's rules, the save and its event
with before/after, in one place.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Callable, Collection, Mapping
from typing import Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import models

from alliance.auditchain import chained_insert
from alliance.models import AuditEvent
from alliance.tenancy import require_alliance_id

# Who acts: a signed-in user, or nobody (a task, the seed, a family's own page).
Actor = AbstractBaseUser | AnonymousUser | None
M = TypeVar("M", bound=models.Model)


def user_of(actor: Actor) -> Any:
    """The signed-in user behind an actor, or None (a task, the seed)."""
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time, uuid.UUID)):
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The concrete field values of a row, for an event's before/after."""
    names = fields or [f.attname for f in instance._meta.concrete_fields]
    return {name: _jsonable(getattr(instance, name)) for name in names}


def audit_event_record(
    *,
    actor: Actor,
    action: str,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    program_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = object_id or str(target.pk)
        if program_id is None:
            program_id = _program_id_of(target)
    real_actor = user_of(actor)
    return chained_insert(
        AuditEvent(
            actor=real_actor,
            actor_label=getattr(real_actor, "email", "") or "system",
            action=action,
            object_type=object_type,
            object_id=object_id,
            program_id=program_id,
            before=_jsonable(before) if before is not None else None,
            after=_jsonable(after) if after is not None else None,
            reason=reason,
        )
    )


def _program_id_of(target: models.Model) -> int | None:
    """The program a row belongs to, following `program_field` through foreign keys
    (a collections note's `account__program`). A path through a to-many relation
    (a family's `children__enrollments__program`) names no single program: None."""
    field = getattr(type(target), "program_field", None)
    if field == "pk":
        return target.pk
    if not field:
        return None
    *hops, last = field.split("__")
    row: object = target
    for hop in hops:
        row = getattr(row, hop, None)
        if not isinstance(row, models.Model):
            return None
    return getattr(row, f"{last}_id", None)


# --- The audited create and update ------------------------------------------
def fields_check(data: Mapping[str, Any], allowed: Collection[str]) -> None:
    """Refuse any field a service does not let its caller set."""
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError(f"These fields cannot be set here: {', '.join(sorted(unknown))}.")


def _round_decimals(instance: models.Model) -> None:
    """Each decimal to its field's places, half up (12.345 -> 12.35, 18.5 -> 18.50).

    Input a person types is held to the field's places by its form or serializer
    before it gets here; this rounds what code computed, once. A value that is no
    number at all is left for `full_clean` to name."""
    for field in instance._meta.concrete_fields:
        if not isinstance(field, models.DecimalField):
            continue
        value = getattr(instance, field.attname)
        if value is None or value == "":
            continue
        try:
            number = field.to_python(value)
            rounded = number.quantize(decimal.Decimal(1).scaleb(-field.decimal_places), decimal.ROUND_HALF_UP)
        except (ValidationError, decimal.InvalidOperation):
            continue
        setattr(instance, field.attname, rounded)


def model_clean(instance: models.Model) -> None:
    """Decimals rounded to their field's places, then the model's own rules."""
    _round_decimals(instance)
    instance.full_clean()


def model_create(
    instance: M,
    *,
    actor: Actor,
    action: str,
    program_id: int | None = None,
    validate: Callable[[M], None] | None = None,
) -> M:
    """Save a new row of the open alliance, checked by `validate` (the service's own
    rules, run first) and the model's, and record its event with the row as saved."""
    instance.alliance_id = require_alliance_id()  # type: ignore[attr-defined]
    if validate is not None:
        validate(instance)
    model_clean(instance)
    instance.save()
    audit_event_record(actor=actor, action=action, target=instance, program_id=program_id, after=snapshot(instance))
    return instance


def model_update(
    instance: M,
    data: Mapping[str, Any],
    *,
    allowed: Collection[str],
    actor: Actor,
    action: str,
    program_id: int | None = None,
    validate: Callable[[M], None] | None = None,
) -> M:
    """Change the stored row (locked) with `data`, only fields in `allowed`; the
    event records what changed, before and after. Nothing changed, nothing saved."""
    fields_check(data, allowed)
    # The row as stored, locked: the caller's instance may already carry form input.
    stored = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
    before = snapshot(stored)
    for name, value in data.items():
        setattr(stored, name, value)
    if validate is not None:
        validate(stored)
    model_clean(stored)
    after = snapshot(stored)
    if after == before:
        return stored
    stored.save()
    audit_changes(actor=actor, action=action, target=stored, program_id=program_id, before=before, after=after)
    return stored


def audit_changes(
    *,
    actor: Actor,
    action: str,
    target: models.Model,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any],
    program_id: int | None = None,
) -> AuditEvent | None:
    """Record an update's event with only the values that changed, before and after
    (`before` None: a new row, every value is new). Nothing changed, no event."""
    changed = [k for k in after if before is None or after[k] != before.get(k)]
    if not changed:
        return None
    return audit_event_record(
        actor=actor,
        action=action,
        target=target,
        program_id=program_id,
        before={k: before[k] for k in changed} if before is not None else None,
        after={k: after[k] for k in changed},
    )
