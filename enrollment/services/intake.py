"""A new child in one step: household, first guardian, child, and then an
enrollment or a waitlist entry, all or nothing.

Errors come back keyed `<part>_<field>` (family_name, guardian_phone,
child_date_of_birth, ...) so a page can put each on the right form.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from alliance.audit import Actor
from enrollment.models import Child, Enrollment, Family, WaitlistEntry
from enrollment.services.enrollments import enrollment_create
from enrollment.services.families import child_create, family_create, guardian_create
from enrollment.services.waitlist import waitlist_entry_create
from members.models import MemberProgram


def _gather(errors: dict[str, list[str]], exc: ValidationError, prefix: str) -> None:
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            key = "__all__" if field == "__all__" else f"{prefix}_{field}"
            errors.setdefault(key, []).extend(messages)
    else:
        errors.setdefault("__all__", []).extend(exc.messages)


def _new_child(
    *,
    actor: Actor,
    family: Family | None,
    family_data: Mapping[str, Any] | None,
    guardian_data: Mapping[str, Any] | None,
    child_data: Mapping[str, Any],
) -> Child:
    errors: dict[str, list[str]] = {}
    if family is None:
        try:
            family = family_create(actor=actor, **(family_data or {}))
        except ValidationError as exc:
            _gather(errors, exc, "family")
        if family is not None:
            try:
                guardian_create(actor=actor, family=family, **(guardian_data or {}))
            except ValidationError as exc:
                _gather(errors, exc, "guardian")
    child = None
    if family is not None:
        try:
            child = child_create(actor=actor, family=family, **child_data)
        except ValidationError as exc:
            _gather(errors, exc, "child")
    if errors or child is None:
        raise ValidationError(errors or "The child could not be saved.")
    return child


def _prefixed(exc: ValidationError, prefix: str) -> ValidationError:
    errors: dict[str, list[str]] = {}
    _gather(errors, exc, prefix)
    return ValidationError(errors)


@transaction.atomic
def waitlist_application_create(
    *,
    actor: Actor,
    child: Mapping[str, Any],
    entry: Mapping[str, Any],
    program: MemberProgram | None = None,
    family: Family | None = None,
    family_data: Mapping[str, Any] | None = None,
    guardian_data: Mapping[str, Any] | None = None,
) -> WaitlistEntry:
    """A family applies once: a new child (of a new or known household) goes on
    a program's waitlist, or on the shared one."""
    created = _new_child(
        actor=actor, family=family, family_data=family_data, guardian_data=guardian_data, child_data=child
    )
    try:
        return waitlist_entry_create(actor=actor, child=created, program=program, **entry)
    except ValidationError as exc:
        raise _prefixed(exc, "entry") from None


@transaction.atomic
def enrollment_intake_create(
    *,
    actor: Actor,
    child: Mapping[str, Any],
    enrollment: Mapping[str, Any],
    family: Family | None = None,
    family_data: Mapping[str, Any] | None = None,
    guardian_data: Mapping[str, Any] | None = None,
) -> Enrollment:
    """Enroll a child the Hub has not met yet (capacity and age checks apply)."""
    created = _new_child(
        actor=actor, family=family, family_data=family_data, guardian_data=guardian_data, child_data=child
    )
    try:
        return enrollment_create(actor=actor, child=created, **enrollment)
    except ValidationError as exc:
        raise _prefixed(exc, "enrollment") from None
