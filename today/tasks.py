"""Celery tasks of the Today list: beat's hourly fan-out, each alliance's queueing, each email."""

from __future__ import annotations

import datetime
from typing import Any

from celery import shared_task

from alliance.celery import AllianceTask, queue_for_every_alliance
from alliance.models import Alliance


@shared_task(base=AllianceTask, name="today.queue_digests")
def queue_digests_task(alliance_id: int) -> dict[str, Any]:
    """Queue the Today digests of one alliance once its morning hour has come (idempotent per day)."""
    from today.digest import digests_queue

    queued = digests_queue(alliance=Alliance.objects.get(pk=alliance_id))
    return {"alliance_id": alliance_id, "queued": queued}


@shared_task(name="today.daily_digests")
def daily_digests() -> list[int]:
    """Beat, hourly: one queueing task per alliance (each knows its own time zone)."""
    return queue_for_every_alliance(queue_digests_task)


@shared_task(base=AllianceTask, name="today.send_digest", once=True)
def send_today_digest(alliance_id: int, membership_id: int, business_date: str) -> dict[str, Any]:
    """Email one member's Today digest for the business date (ISO)."""
    from today.digest import digest_send

    return {
        "alliance_id": alliance_id,
        **digest_send(membership_id=membership_id, business_date=datetime.date.fromisoformat(business_date)),
    }
