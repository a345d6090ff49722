"""Celery tasks of shared services. They take IDs, never model instances.

Open cover requests whose day has passed were not filled: `cover_requests_lapse`
closes one alliance's (inside its scope, as an AllianceTask), so fill rates and
the programs' lists say so; beat runs `cover_requests_lapse_everywhere` daily
(settings.CELERY_BEAT_SCHEDULE), which queues it once per alliance.
"""

from __future__ import annotations

from alliance.celery import AllianceTask, app, queue_for_every_alliance


@app.task(base=AllianceTask, name="sharedservices.cover_requests_lapse")
def cover_requests_lapse(alliance_id: int) -> dict:
    """Close one alliance's open cover requests whose day has passed as not filled; audited."""
    from sharedservices.services import cover_requests_lapse as lapse

    return {"alliance_id": alliance_id, "lapsed": lapse()}


@app.task(name="sharedservices.cover_requests_lapse_everywhere")
def cover_requests_lapse_everywhere() -> list[int]:
    """Queue `cover_requests_lapse` for every alliance (Alliance is the global tenants table)."""
    return queue_for_every_alliance(cover_requests_lapse)
