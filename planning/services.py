"""Writes of the scenario planner: a scenario saved, changed or deleted, each audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from alliance.audit import Actor, audit_event_record, model_create, model_update, snapshot, user_of
from members.models import MemberProgram, StaffMember
from planning.models import CHANGE_FIELDS, Scenario

EDITABLE = ["name", *CHANGE_FIELDS]


def _check(scenario: Scenario) -> None:
    """A staffing change is priced at the roster's personnel cost per staff FTE: it needs a roster."""
    if scenario.staffing_fte and not StaffMember.objects.filter(program_id=scenario.program_id).exists():
        raise ValidationError(
            {"staffing_fte": "This member has no staff on its roster, so a staffing change cannot be priced."}
        )


@transaction.atomic
def scenario_create(*, program: MemberProgram, actor: Actor, data: dict[str, Any]) -> Scenario:
    scenario = Scenario(program=program, created_by=user_of(actor), **{k: v for k, v in data.items() if k in EDITABLE})
    return model_create(scenario, actor=actor, action="scenario.created", validate=_check)


@transaction.atomic
def scenario_update(*, scenario: Scenario, actor: Actor, data: dict[str, Any]) -> Scenario:
    return model_update(scenario, data, allowed=EDITABLE, actor=actor, action="scenario.updated", validate=_check)


@transaction.atomic
def scenario_delete(*, scenario: Scenario, actor: Actor) -> None:
    before = snapshot(scenario)
    audit_event_record(actor=actor, action="scenario.deleted", target=scenario, before=before)
    scenario.delete()
