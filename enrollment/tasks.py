"""Celery tasks of enrollment. They take IDs, never model instances.

Offers lapse after their respond-by date: `offers_expire` closes the due ones
of one alliance (inside its scope, as an AllianceTask); beat runs
`offers_expire_everywhere` hourly (settings.CELERY_BEAT_SCHEDULE), which queues
it once per alliance. Pages already show a lapsed offer as lapsed and refuse to
accept it, so an hour's delay changes nothing a family would notice.
"""

from __future__ import annotations

from alliance.celery import AllianceTask, app, queue_for_every_alliance


@app.task(base=AllianceTask, name="enrollment.offers_expire")
def offers_expire(alliance_id: int) -> dict:
    """Expire one alliance's open offers whose respond-by date has passed; audited."""
    from enrollment.services import offers_expire_due

    expired = offers_expire_due()
    return {"alliance_id": alliance_id, "expired": expired}


@app.task(name="enrollment.offers_expire_everywhere")
def offers_expire_everywhere() -> list[int]:
    """Queue `offers_expire` for every alliance (Alliance is the global tenants table)."""
    return queue_for_every_alliance(offers_expire)


@app.task(base=AllianceTask, name="enrollment.offers_bulk_batch")
def offers_bulk_batch(alliance_id: int, job_id: int, entry_ids: list[int]) -> dict:
    """One batch of a bulk offer (enrollment/services/offers_bulk.py); a redelivered batch skips what it did."""
    from enrollment.services.offers_bulk import offers_bulk_job_run

    job = offers_bulk_job_run(job_id=job_id, entry_ids=entry_ids)
    return {"job_id": job.pk, "processed": job.processed, "total": job.total}
