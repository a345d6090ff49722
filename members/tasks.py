"""Celery tasks of members. They take IDs, never model instances."""

from __future__ import annotations

from alliance.celery import AllianceTask, app


@app.task(base=AllianceTask, name="members.import_batch_run")
def import_batch_run(alliance_id: int, batch_id: int, actor_id: int | None) -> dict:
    """Commit a large import (members/imports.py) in the background: every row or none. A
    redelivered task finds the file imported and does nothing twice."""
    from django.contrib.auth import get_user_model

    from members.imports import ImportRejected, import_batch_commit, import_batch_fail
    from members.models import ImportBatch, ImportStatus

    batch = ImportBatch.objects.get(pk=batch_id)
    if batch.status != ImportStatus.RUNNING:
        return {"batch_id": batch_id, "status": batch.status}
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    try:
        rows = import_batch_commit(actor=actor, batch=batch)
    except ImportRejected as rejected:
        import_batch_fail(actor=actor, batch=batch, errors=rejected.preview.error_lines())
        return {"batch_id": batch_id, "status": "rejected"}
    return {"batch_id": batch_id, "status": "committed", "rows": rows}
