"""Writes of the sustainability plan: each in one transaction, each audited, Hub roles only."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from alliance.access import actor_may
from alliance.audit import Actor, audit_event_record, model_create, model_update, snapshot
from alliance.models import HUB_ROLES
from sustainability.models import Contract, Grant, Plan

PLAN_FIELDS = (
    "start_year",
    "years",
    "staff_cost",
    "overhead_cost",
    "growth_pct",
    "fee_structure",
    "flat_fee",
    "slot_fee",
    "collections_share_pct",
    "new_members_per_year",
    "new_member_slots",
    "new_member_collections",
)
GRANT_FIELDS = ("name", "funder", "amount", "starts_on", "ends_on", "restriction")
CONTRACT_FIELDS = ("name", "counterparty", "amount", "starts_on", "ends_on")

Funding = Grant | Contract


def _hub_only(actor: Actor) -> None:
    if not actor_may(actor, HUB_ROLES):
        raise PermissionDenied("Only the Hub changes its sustainability plan.")


def plan_save(*, actor: Actor, data: dict[str, Any]) -> Plan:
    """Create the alliance's plan, or change it (one plan per alliance)."""
    _hub_only(actor)
    with transaction.atomic():
        plan = Plan.objects.select_for_update().first()
        if plan is None:
            unknown = set(data) - set(PLAN_FIELDS)
            if unknown:
                raise ValueError(f"Not fields of a plan: {', '.join(sorted(unknown))}.")
            return model_create(Plan(**data), actor=actor, action="sustainability.plan_created")
        return model_update(plan, data, allowed=PLAN_FIELDS, actor=actor, action="sustainability.plan_updated")


def _kind(model: type[Grant] | type[Contract]) -> str:
    return model._meta.model_name or "funding"


def funding_create(*, actor: Actor, plan: Plan, model: type[Grant] | type[Contract], data: dict[str, Any]) -> Funding:
    """Add a grant or a contract to the plan."""
    _hub_only(actor)
    allowed = GRANT_FIELDS if model is Grant else CONTRACT_FIELDS
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValueError(f"Not fields of a {_kind(model)}: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        return model_create(model(plan=plan, **data), actor=actor, action=f"sustainability.{_kind(model)}_created")


def funding_update(*, actor: Actor, row: Funding, data: dict[str, Any]) -> Funding:
    _hub_only(actor)
    allowed = GRANT_FIELDS if isinstance(row, Grant) else CONTRACT_FIELDS
    with transaction.atomic():
        return model_update(
            row, data, allowed=allowed, actor=actor, action=f"sustainability.{_kind(type(row))}_updated"
        )


def funding_delete(*, actor: Actor, row: Grant | Contract) -> int:
    """Remove a grant or a contract from the plan; returns its id (the row's own is cleared by the delete)."""
    _hub_only(actor)
    with transaction.atomic():
        pk = row.pk
        before = snapshot(row)
        audit_event_record(actor=actor, action=f"sustainability.{_kind(type(row))}_deleted", target=row, before=before)
        row.delete()
        return pk
