"""Writes of the cost of care: a program's assumptions (audited, one transaction)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from alliance.audit import Actor, fields_check, model_create, model_update
from costofcare.models import ASSUMPTION_FIELDS, CostOfCareAssumptions
from members.models import MemberProgram


def cost_of_care_assumptions_set(
    *, actor: Actor, program: MemberProgram, values: Mapping[str, Any]
) -> CostOfCareAssumptions:
    """Store the program's assumptions (a blank value: use the default). The first save creates the
    row (event cost_of_care.assumptions_created), later ones change it (…_updated, what changed)."""
    fields_check(values, ASSUMPTION_FIELDS)
    with transaction.atomic():
        stored = CostOfCareAssumptions.objects.select_for_update().filter(program=program).first()
        if stored is None:
            return model_create(
                CostOfCareAssumptions(program=program, **values),
                actor=actor,
                action="cost_of_care.assumptions_created",
                program_id=program.pk,
            )
        return model_update(
            stored,
            values,
            allowed=ASSUMPTION_FIELDS,
            actor=actor,
            action="cost_of_care.assumptions_updated",
            program_id=program.pk,
        )
