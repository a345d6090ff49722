"""Writes of metrics: the alliance's targets. (Snapshots are written by rollups.py.)"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction

from alliance.audit import audit_event_record
from metrics.cache import snapshots_changed
from metrics.models import HubMoney, Targets
from metrics.selectors import targets_of_alliance


def targets_update(*, actor: AbstractBaseUser | AnonymousUser | None, values: dict[str, Decimal]) -> Targets:
    with transaction.atomic():
        targets = targets_of_alliance()
        before = {name: str(getattr(targets, name)) for name in values}
        for name, value in values.items():
            setattr(targets, name, value)
        targets.full_clean(exclude=["alliance"])
        targets.save()
        snapshots_changed(targets.alliance_id)  # flags follow the new targets
        audit_event_record(
            actor=actor,
            action="metrics.targets_updated",
            target=targets,
            before=before,
            after={name: str(value) for name, value in values.items()},
        )
        return targets


def hub_money_record(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    month: datetime.date,
    kind: str,
    amount: Decimal,
    description: str = "",
) -> HubMoney:
    """Record a Hub cost, grant or contract for a month (the next rollup adds it up)."""
    with transaction.atomic():
        entry = HubMoney(month=month.replace(day=1), kind=kind, amount=amount, description=description)
        entry.full_clean(exclude=["alliance"])
        entry.save()
        audit_event_record(
            actor=actor,
            action="metrics.hub_money_recorded",
            target=entry,
            after={"month": str(entry.month), "kind": kind, "amount": str(amount)},
        )
        return entry
