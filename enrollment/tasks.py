"""Celery tasks of enrollment. They take IDs, never model instances.

Offers lapse after their respond-by date: `offers_expire` closes the due ones
of one alliance (inside its scope, as an AllianceTask); beat runs
`offers_expire_everywhere` hourly, which queues it once per alliance. Pages
already show a lapsed offer as lapsed and refuse to accept it, so an hour's
delay changes nothing a family would notice.
"""

from __future__ import annotations

from celery.schedules import crontab

from alliance.celery import AllianceTask, app


@app.task(base=AllianceTask, name="enrollment.offers_expire")
def offers_expire(alliance_id: int) -> dict:
    """Expire one alliance's open offers whose respond-by date has passed; audited."""
    from enrollment.services import offers_expire_due

    expired = offers_expire_due()
    return {"alliance_id": alliance_id, "expired": expired}


@app.task(name="enrollment.offers_expire_everywhere")
def offers_expire_everywhere() -> list[int]:
    """Queue `offers_expire` for every alliance (Alliance is the global tenants table)."""
    from alliance.models import Alliance

    alliance_ids = list(Alliance.objects.order_by("pk").values_list("pk", flat=True))
    for alliance_id in alliance_ids:
        offers_expire.delay(alliance_id)
    return alliance_ids


# Enrollment owns its schedule (as billing does): hourly, a quarter past.
app.add_periodic_task(crontab(minute=15), offers_expire_everywhere.s(), name="enrollment-expire-offers")
