"""Celery tasks of shared services. They take IDs, never model instances.

Open cover requests whose day has passed were not filled: `cover_requests_lapse`
closes one alliance's (inside its scope, as an AllianceTask), so fill rates and
the programs' lists say so; beat runs `cover_requests_lapse_everywhere` daily,
which queues it once per alliance.
"""

from __future__ import annotations

from celery.schedules import crontab

from alliance.celery import AllianceTask, app


@app.task(base=AllianceTask, name="sharedservices.cover_requests_lapse")
def cover_requests_lapse(alliance_id: int) -> dict:
    """Close one alliance's open cover requests whose day has passed as not filled; audited."""
    from sharedservices.services import cover_requests_lapse as lapse

    return {"alliance_id": alliance_id, "lapsed": lapse()}


@app.task(name="sharedservices.cover_requests_lapse_everywhere")
def cover_requests_lapse_everywhere() -> list[int]:
    """Queue `cover_requests_lapse` for every alliance (Alliance is the global tenants table)."""
    from alliance.models import Alliance

    alliance_ids = list(Alliance.objects.order_by("pk").values_list("pk", flat=True))
    for alliance_id in alliance_ids:
        cover_requests_lapse.delay(alliance_id)
    return alliance_ids


# Shared services own their schedule (as billing and enrollment do): daily, 05:30 UTC.
app.add_periodic_task(
    crontab(hour=5, minute=30), cover_requests_lapse_everywhere.s(), name="sharedservices-lapse-cover-requests"
)
