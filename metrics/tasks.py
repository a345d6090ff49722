"""Celery tasks of metrics: one rollup task per alliance, and the nightly fan-out.

Beat (alliance/settings.py, CELERY_BEAT_SCHEDULE) calls `nightly_rollups`,
which queues `rollup_alliance_task` once per alliance; each runs inside its
alliance's scope (AllianceTask).
"""

from __future__ import annotations

import datetime
from typing import Any

from celery import shared_task

from alliance.celery import AllianceTask, queue_for_every_alliance
from alliance.models import Alliance
from metrics.rollups import nightly_range, rollup_alliance


@shared_task(base=AllianceTask, name="metrics.rollup_alliance")
def rollup_alliance_task(alliance_id: int, start: str | None = None, end: str | None = None) -> dict[str, Any]:
    """Roll one alliance up for start..end (ISO dates); by default the nightly range."""
    alliance = Alliance.objects.get(pk=alliance_id)
    first, last = nightly_range(alliance)
    if start:
        first = datetime.date.fromisoformat(start)
    if end:
        last = datetime.date.fromisoformat(end)
    result = rollup_alliance(start=first, end=last)
    return {"alliance_id": alliance_id, **result.as_dict()}


@shared_task(name="metrics.nightly_rollups")
def nightly_rollups() -> list[int]:
    """Queue one rollup per alliance (Alliance is the global tenants table)."""
    return queue_for_every_alliance(rollup_alliance_task)


@shared_task(base=AllianceTask, name="metrics.weekly_digest", once=True)
def weekly_digest_task(alliance_id: int) -> dict[str, Any]:
    """Email one alliance's Hub staff the members that cross a target."""
    from metrics.digest import digest_send

    return {"alliance_id": alliance_id, **digest_send(alliance=Alliance.objects.get(pk=alliance_id))}


@shared_task(name="metrics.weekly_digests")
def weekly_digests() -> list[int]:
    """Queue one digest per alliance."""
    return queue_for_every_alliance(weekly_digest_task)
