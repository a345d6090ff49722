"""The Celery app, and the base task that opens an alliance's scope.

Tasks take IDs, never model instances. A task with `base=AllianceTask` takes
`alliance_id` as its first argument and runs inside `alliance_scope`, so the
fail-closed manager and row-level security both see the right alliance.

Beat's schedule is `CELERY_BEAT_SCHEDULE` in settings, the one table of every
scheduled task; each entry is a fan-out (`queue_for_every_alliance`).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from celery import Celery, Task

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance.settings")

logger = logging.getLogger("hub.tasks")

app = Celery("hub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _connect_observability() -> None:
    # The request id of the page that queued a task travels with it (alliance/observability.py).
    from alliance.observability import connect_celery_signals

    connect_celery_signals()


_connect_observability()


def queue_for_every_alliance(task: Task) -> list[int]:
    """Queue `task` once per alliance (Alliance is the global tenants table): what each of
    beat's entries (settings.CELERY_BEAT_SCHEDULE) does. Returns the alliances' ids."""
    from alliance.models import Alliance

    # A suspended alliance's scheduled work waits until it is reactivated (alliance/suspension.py).
    alliance_ids = list(Alliance.objects.filter(suspended_at__isnull=True).order_by("pk").values_list("pk", flat=True))
    for alliance_id in alliance_ids:
        task.delay(alliance_id)
    return alliance_ids


class AllianceTask(Task):
    """Runs inside the alliance's scope (one transaction). Messages are acknowledged late
    (settings), so a task may run again after its worker died: every task is idempotent. A task
    whose effect leaves the database (an email) sets `once = True`: its message's id (the outbox
    row's, for work a request queued: alliance/outbox.py) is marked done in the task's own
    transaction, so a redelivered message finds it done and sends nothing twice."""

    abstract = True
    once = False

    def __call__(self, alliance_id: int, *args: Any, **kwargs: Any) -> Any:
        # Celery's Django fix-up already recycles database connections around
        # each task in a worker; here we only open the alliance's scope.
        from alliance.tenancy import alliance_scope

        if not isinstance(alliance_id, int) or isinstance(alliance_id, bool):
            raise TypeError(f"{self.name} needs alliance_id (int) first, got {alliance_id!r}")
        from alliance.models import Alliance

        if Alliance.objects.filter(pk=alliance_id, suspended_at__isnull=False).exists():
            # Queued before the suspension (or by hand): a suspended alliance's work does nothing; nothing is
            # marked done, so work the outbox still holds runs after reactivation.
            logger.info("task %s skipped: alliance %s is suspended", self.name, alliance_id)
            return {"alliance_id": alliance_id, "skipped": "suspended"}
        with alliance_scope(alliance_id):
            if not self.once:
                return super().__call__(alliance_id, *args, **kwargs)
            from alliance.outbox import task_done_before, task_mark_done

            task_id = getattr(self.request, "id", None)
            if task_done_before(task_id):
                logger.info("task %s already done; redelivery ignored", self.name, extra={"done_task_id": task_id})
                return {"already_done": True}
            result = super().__call__(alliance_id, *args, **kwargs)
            task_mark_done(task_id, name=self.name)
            return result

    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        """Record the failure for the alliance's hub admins (task failures page); never the arguments."""
        from alliance.observability import task_failure_record

        alliance_id = args[0] if args else kwargs.get("alliance_id")
        if isinstance(alliance_id, int) and not isinstance(alliance_id, bool):
            task_failure_record(alliance_id=alliance_id, task_name=self.name, task_id=task_id, exc=exc)
        super().on_failure(exc, task_id, args, kwargs, einfo)
