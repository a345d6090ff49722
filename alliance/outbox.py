"""The task outbox: work a request starts is queued through the database.

`task_enqueue(signature, ref=...)` writes a `TaskOutbox` row in the caller's transaction (the
request's: ATOMIC_REQUESTS) and, once that commits, tries to send it to the broker at once
(`transaction.on_commit`). A saved run therefore always has its message: if the broker is
unreachable the row stays unsent, the request answers as usual (the run's page says it will start
when the task queue is reachable), and beat's relay (`alliance.outbox_relay`, every
HUB_OUTBOX_RELAY_SECONDS) sends every row still unsent after HUB_OUTBOX_RELAY_AFTER_SECONDS.

Rows are taken with `SELECT ... FOR UPDATE SKIP LOCKED`, so the request's own attempt and any
number of relays never send one row at the same moment; a relay that dies between sending and
recording it sends the row again, which is safe because every task is idempotent (at least once).
After a failed attempt the request path leaves the broker alone for BROKER_PAUSE seconds, so an
outage costs each request one short connect timeout at most once in a while, not every time.

The table is a system table outside tenancy (see alliance/models.py: TaskOutbox).
"""

from __future__ import annotations

import datetime
import json
import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from celery import Signature, signature
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from alliance.crypto import decrypt, encrypt
from alliance.models import Alliance, TaskOutbox
from alliance.tenancy import require_alliance_id

logger = logging.getLogger("hub.tasks")

# After the broker refused a request's attempt, requests leave sending to the relay this long.
BROKER_PAUSE = 30.0
# Sent rows are kept this long (a task marks its row done there, see AllianceTask.once), then pruned.
KEEP_SENT = datetime.timedelta(days=7)
_broker_down_until = 0.0


def _broker_errors() -> tuple[type[BaseException], ...]:
    from kombu.exceptions import OperationalError
    from redis.exceptions import RedisError

    return (OperationalError, RedisError, ConnectionError, OSError, TimeoutError)


_emails_held: ContextVar[bool] = ContextVar("hub_outbox_emails_held", default=False)


@contextmanager
def emails_not_sent() -> Iterator[None]:
    """Seeding demo data (seed_demo): the emails the seeded work queues (an inquiry's
    acknowledgement, ...) go to made-up addresses, so they are recorded in the outbox as done and
    never sent; seed_demo needs no SMTP server nor worker."""
    token = _emails_held.set(True)
    try:
        yield
    finally:
        _emails_held.reset(token)


def task_enqueue(work: Signature, *, ref: str = "", email: bool = False) -> TaskOutbox:
    """Queue `work` (a task signature or a chain) through the outbox, in the open transaction and
    the open alliance scope; it is sent once the transaction commits. `email=True` marks work
    that only sends email: inside `emails_not_sent()` it is recorded and not sent."""
    alliance_id = require_alliance_id()
    if email and _emails_held.get():
        return TaskOutbox.objects.create(
            alliance_id=alliance_id,
            task_id=uuid.uuid4(),
            name=_first_task_name(work)[:200],
            ref=ref[:100],
            payload="",
            sent_at=timezone.now(),
            last_error="Not sent: demo data (seed_demo sends no email).",
        )
    task_id = uuid.uuid4()
    if work.get("subtask_type") is None:  # one task: its id is the row's, the same on every resend
        work = work.clone()
        work.set(task_id=str(task_id))
    row = TaskOutbox.objects.create(
        alliance_id=alliance_id,
        task_id=task_id,
        name=_first_task_name(work)[:200],
        ref=ref[:100],
        payload=encrypt(json.dumps(dict(work))),
    )
    row_id = row.pk
    transaction.on_commit(lambda: _send_after_commit(row_id))
    return row


def _first_task_name(work: Signature) -> str:
    tasks = work.get("kwargs", {}).get("tasks") if work.get("subtask_type") == "chain" else None
    return str((tasks[0] if tasks else work)["task"])


def _send_after_commit(row_id: int) -> None:
    """The request's own attempt, after its commit. Whatever goes wrong here, the request has saved
    its work and answers as usual: the row waits for the relay (the demo and tests, running tasks
    eagerly, let a task's own error through)."""
    from alliance.celery import app

    if app.conf.task_always_eager:
        outbox_send(ids=[row_id])
        return
    if time.monotonic() < _broker_down_until:
        logger.warning("task queue unreachable a moment ago; outbox row %s left to the relay", row_id)
        return
    try:
        outbox_send(ids=[row_id])
    except Exception:
        logger.exception("outbox row %s not sent; the relay will try again", row_id)


def outbox_send(*, ids: list[int] | None = None, older_than: float | None = None, limit: int = 100) -> int:
    """Send unsent rows (these ids, or those older than `older_than` seconds), oldest first, each
    locked FOR UPDATE SKIP LOCKED. Stops at the first broker error, leaving the rest unsent. A row
    that can never be sent (its payload unreadable: a key dropped too early) is set aside with its
    error and recorded as a task failure of its alliance, so it never blocks the rows behind it.
    Returns how many were sent."""
    global _broker_down_until
    from alliance.celery import app

    sent, after = 0, 0
    while True:
        broken: list[tuple[TaskOutbox, Exception]] = []
        with transaction.atomic():
            rows_q = TaskOutbox.objects.select_for_update(skip_locked=True).filter(sent_at__isnull=True, pk__gt=after)
            # A suspended alliance's work waits unsent; the relay sends it once reactivated (alliance/suspension.py).
            rows_q = rows_q.exclude(alliance_id__in=Alliance.objects.filter(suspended_at__isnull=False).values("pk"))
            if ids is not None:
                rows_q = rows_q.filter(pk__in=ids)
            if older_than is not None:
                rows_q = rows_q.filter(created_at__lte=timezone.now() - datetime.timedelta(seconds=older_than))
            rows = list(rows_q.order_by("pk")[:limit])
            if not rows:
                return sent
            after = rows[-1].pk
            done: list[int] = []
            failed: TaskOutbox | None = None
            error = ""
            for row in rows:
                if app.conf.task_always_eager:  # the demo and tests: the task runs here, its errors propagate
                    TaskOutbox.objects.filter(pk=row.pk).update(sent_at=timezone.now(), payload="")
                    signature(json.loads(decrypt(row.payload)), app=app).apply_async()
                    sent += 1
                    continue
                try:
                    work = signature(json.loads(decrypt(row.payload)), app=app)
                except Exception as exc:
                    broken.append((row, exc))
                    continue
                try:
                    work.apply_async(retry=False)
                except _broker_errors() as exc:
                    failed, error = row, f"{type(exc).__name__}: {exc}"
                    break
                done.append(row.pk)
            now = timezone.now()
            if done:
                TaskOutbox.objects.filter(pk__in=done).update(sent_at=now, payload="", last_error="")
                sent += len(done)
            for row, problem in broken:
                TaskOutbox.objects.filter(pk=row.pk).update(
                    sent_at=now,
                    attempts=row.attempts + 1,
                    last_error=f"not sent: {type(problem).__name__}: {problem}"[:300],
                )
            if failed is not None:
                TaskOutbox.objects.filter(pk=failed.pk).update(attempts=failed.attempts + 1, last_error=error[:300])
        for row, problem in broken:
            _record_broken(row, problem)
        if failed is not None:
            _broker_down_until = time.monotonic() + BROKER_PAUSE
            logger.warning(
                "task queue unreachable; %s outbox row(s) wait for the relay: %s",
                len(rows) - len(done) - len(broken),
                error,
                extra={"outbox_row": failed.pk},
            )
            return sent
        _broker_down_until = 0.0
        if ids is not None:
            return sent


def _record_broken(row: TaskOutbox, exc: Exception) -> None:
    from alliance.observability import task_failure_record

    logger.error("outbox row %s cannot be sent: %s", row.pk, exc, extra={"outbox_row": row.pk})
    task_failure_record(alliance_id=row.alliance_id, task_name=row.name, task_id=str(row.task_id), exc=exc)


def outbox_relay() -> dict[str, Any]:
    """What beat's relay does: send rows the request could not, prune old sent rows."""
    sent = outbox_send(older_than=settings.HUB_OUTBOX_RELAY_AFTER_SECONDS)
    pruned, _ = TaskOutbox.objects.filter(sent_at__lt=timezone.now() - KEEP_SENT).delete()
    waiting = TaskOutbox.objects.filter(sent_at__isnull=True).count()
    return {"sent": sent, "pruned": pruned, "waiting": waiting}


def outbox_waiting(*, ref: str) -> bool:
    """Is work for `ref` of the open scope's alliance saved but not yet sent to the task queue?"""
    return TaskOutbox.objects.filter(alliance_id=require_alliance_id(), ref=ref, sent_at__isnull=True).exists()


def task_done_before(task_id: str | None) -> bool:
    """Has the task with this id (an outbox row's) already finished? For tasks with a side effect
    outside the database (emails): a redelivered message finds its row done and sends nothing."""
    if not task_id:
        return False
    try:
        key = uuid.UUID(task_id)
    except ValueError:
        return False
    return TaskOutbox.objects.filter(task_id=key, done_at__isnull=False).exists()


def task_mark_done(task_id: str | None, *, name: str) -> None:
    """Record, in the task's own transaction, that the task with this id has finished: on its outbox
    row, or for a task beat queued (the weekly digest) on a row of its own, already sent, pruned
    with the others."""
    if not task_id:
        return
    try:
        key = uuid.UUID(task_id)
    except ValueError:
        return
    now = timezone.now()
    if not TaskOutbox.objects.filter(task_id=key).update(done_at=now):
        TaskOutbox.objects.create(
            alliance_id=require_alliance_id(), task_id=key, name=name[:200], sent_at=now, done_at=now
        )
