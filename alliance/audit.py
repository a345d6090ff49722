"""Audit events: every write of money or enrollment records one."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models

from alliance.models import AuditEvent


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
    actor: AbstractBaseUser | AnonymousUser | None,
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
    real_actor = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
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
