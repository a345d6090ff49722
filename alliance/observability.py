"""Structured logs, the request id, the health check and task-failure records.

Every log line is one JSON object carrying the request id, the alliance
(slug and id) and the signed-in user's id — never a name: the request line
logs the path without its query string (searches may hold a child's name)
and with every secret the path carries replaced (`loggable_path`: family
sign-in links, invitations, allauth's password-reset and e-mail keys), and
tasks log ids only.

- `RequestIdMiddleware` (first in MIDDLEWARE) takes a well-formed
  `X-Request-ID` from the caller or makes one, echoes it on the response,
  keeps it in a contextvar for every log line of the request, forwards it to
  the Celery tasks the request queues, and logs one line per request: its
  `duration_ms` in the app and, behind the proxy, its `queue_ms` (how long it
  waited for a worker, from nginx's `X-Request-Start`), so the logs show what
  users wait.
- `LogContextFilter` adds the fields to every record; `JsonFormatter` writes
  the line. Both are wired in LOGGING (alliance/settings.py).
- `healthz`: database and Redis, no auth, no tenant data.
- `task_failure_record`: AllianceTask.on_failure keeps a TaskFailure row
  (task, time, exception type and message, task id; never the arguments).
"""

from __future__ import annotations

import datetime
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from celery._state import get_current_task
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve

logger = logging.getLogger("hub.request")
task_logger = logging.getLogger("hub.tasks")

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is honoured only when it is short and plain; anything else is replaced.
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# The Celery message header that carries the request id to the worker.
TASK_REQUEST_ID_HEADER = "hub_request_id"


@dataclass
class LogContext:
    request_id: str
    request: HttpRequest | None = None
    alliance_id: int | None = None
    alliance_slug: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # The secrets in the request's path, found once (by its first log line) and kept for the rest.
    secrets: list[str] | None = None


_log_context: ContextVar[LogContext | None] = ContextVar("hub_log_context", default=None)


def current_request_id() -> str | None:
    context = _log_context.get()
    return context.request_id if context else None


def note_alliance(alliance: Any) -> None:
    """Called by the base view and viewset once the URL's alliance is known."""
    context = _log_context.get()
    if context is not None:
        context.alliance_id = alliance.pk
        context.alliance_slug = alliance.slug


def new_request_id(candidate: str | None = None) -> str:
    if candidate and _REQUEST_ID_RE.match(candidate):
        return candidate
    return uuid.uuid4().hex


# URL arguments that are secrets: whoever reads the log must not be able to follow the link.
SECRET_URL_KWARGS = frozenset({"token", "key", "uidb36"})
REDACTED = "[redacted]"


def path_secrets(request: HttpRequest | None) -> list[str]:
    """The secret values in the request's path (its URL arguments named in SECRET_URL_KWARGS)."""
    if request is None:
        return []
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return []
    return [str(value) for name, value in match.kwargs.items() if name in SECRET_URL_KWARGS and value]


def redact(text: str, secrets: list[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def loggable_path(request: HttpRequest) -> str:
    """The path as it may be written to a log: no query string, no secret."""
    return redact(request.path, path_secrets(request))


def _user_id_of(request: HttpRequest | None) -> int | None:
    """The signed-in user's id, without ever causing a query from a log call."""
    if request is None:
        return None
    user = request.__dict__.get("user")
    if user is None:
        return None
    wrapped = getattr(user, "_wrapped", user)
    from django.utils.functional import empty

    if wrapped is empty:
        return None
    return getattr(wrapped, "pk", None)


# The proxy's clock when it took the request (docker/nginx.conf: `X-Request-Start: t=${msec}`).
REQUEST_START_HEADER = "X-Request-Start"
_REQUEST_START_RE = re.compile(r"^\s*(?:t=)?(\d{1,16}(?:\.\d{1,6})?)\s*$")
# Longer than any request may wait: a stamp further off is a wrong clock or a forged header.
_MAX_QUEUE_SECONDS = 3600.0


def queue_ms(header: str | None, now: float) -> float | None:
    """Milliseconds between the proxy taking the request and this process starting on it.

    `header` is `t=<seconds since the epoch>` as nginx's `${msec}` writes it (1765000000.123);
    milliseconds and microseconds since the epoch (other proxies' habit) are read too. What users
    wait beyond `duration_ms`: the time a request sat in the proxy and in gunicorn's backlog until
    a worker was free. None when the header is absent or unreadable; 0 when the proxy's clock is
    a little ahead of ours."""
    if not header:
        return None
    match = _REQUEST_START_RE.match(header)
    if match is None:
        return None
    stamp = float(match.group(1))
    if stamp > 1e14:  # microseconds
        stamp /= 1_000_000
    elif stamp > 1e11:  # milliseconds
        stamp /= 1000
    waited = now - stamp
    if not -_MAX_QUEUE_SECONDS < waited < _MAX_QUEUE_SECONDS:
        return None
    return round(max(waited, 0.0) * 1000, 1)


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = new_request_id(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        token = _log_context.set(LogContext(request_id=request_id, request=request))
        started = time.monotonic()
        queued_ms = queue_ms(request.headers.get(REQUEST_START_HEADER), time.time())
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            path = loggable_path(request)
            fields: dict[str, Any] = {
                "method": request.method,
                "path": path,
                "status": response.status_code,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
            }
            if queued_ms is not None:
                fields["queue_ms"] = queued_ms
            logger.info("%s %s %s", request.method, path, response.status_code, extra=fields)
            return response
        finally:
            _log_context.reset(token)


class LogContextFilter(logging.Filter):
    """Adds request_id, alliance_id, alliance_slug, user_id, task_id and task_name to a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        from alliance.tenancy import _current_user_id, current_alliance_id

        context = _log_context.get()
        record.request_id = context.request_id if context else None
        record.alliance_id = (context.alliance_id if context and context.alliance_id else None) or current_alliance_id()
        record.alliance_slug = context.alliance_slug if context else None
        record.user_id = _user_id_of(context.request if context else None) or _current_user_id.get()
        record.task_id = record.task_name = None
        task = get_current_task()
        if task is not None and task.request.id:
            record.task_id = task.request.id
            record.task_name = task.name
        # Django's own lines ("Not Found: /family/.../sign-in/<token>/") name the path too.
        # Django writes those after the middleware has returned, with the request on the record.
        if context is not None:
            if context.secrets is None:
                context.secrets = path_secrets(context.request)
            secrets = context.secrets
        else:
            request = getattr(record, "request", None)
            secrets = path_secrets(request if isinstance(request, HttpRequest) else None)
        if secrets:
            message = record.getMessage()
            if any(secret in message for secret in secrets):
                record.msg, record.args = redact(message, secrets), ()
        # Celery logs a task's return value and arguments; ours may name people, so neither is kept.
        if isinstance(record.args, dict) and "return_value" in record.args:
            record.args = {**record.args, "return_value": "(not logged)"}
        return True


# Attributes every LogRecord has; anything else on a record is an `extra` field.
_STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
_CONTEXT_FIELDS = ("request_id", "alliance_id", "alliance_slug", "user_id", "task_id", "task_name")
# Celery passes a task's arguments as the `data` extra, Django the request (its repr holds the
# path with any secret): never written out.
_HIDDEN_EXTRAS = {"data", "request"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, context, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        for name, value in vars(record).items():
            if (
                name not in _STANDARD_ATTRS
                and name not in _CONTEXT_FIELDS
                and name not in _HIDDEN_EXTRAS
                and not name.startswith("_")
            ):
                line[name] = value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
        if record.exc_info and record.exc_info[0] is not None:
            line["exc_type"] = record.exc_info[0].__name__
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class TextFormatter(logging.Formatter):
    """For a developer's console (the demo): the same fields, readable."""

    def format(self, record: logging.LogRecord) -> str:
        base = super().format(record)
        context = " ".join(
            f"{name}={getattr(record, name)}" for name in _CONTEXT_FIELDS if getattr(record, name, None) is not None
        )
        return f"{base} [{context}]" if context else base


# --- Celery: the request id travels with the task --------------------------------


def _attach_request_id(headers: dict[str, Any] | None = None, **_: Any) -> None:
    request_id = current_request_id()
    if request_id and headers is not None:
        headers.setdefault(TASK_REQUEST_ID_HEADER, request_id)


def _open_task_log_context(task: Any = None, **_: Any) -> None:
    request_id = getattr(task.request, TASK_REQUEST_ID_HEADER, None) if task is not None else None
    if request_id is None and task is not None:
        request_id = (getattr(task.request, "headers", None) or {}).get(TASK_REQUEST_ID_HEADER)
    if request_id and _log_context.get() is None:
        task.request._hub_log_token = _log_context.set(LogContext(request_id=request_id))


def _close_task_log_context(task: Any = None, **_: Any) -> None:
    token = getattr(task.request, "_hub_log_token", None) if task is not None else None
    if token is not None:
        _log_context.reset(token)
        task.request._hub_log_token = None


def connect_celery_signals() -> None:
    from celery.signals import before_task_publish, task_postrun, task_prerun

    before_task_publish.connect(_attach_request_id, dispatch_uid="hub_attach_request_id", weak=False)
    task_prerun.connect(_open_task_log_context, dispatch_uid="hub_open_task_log_context", weak=False)
    task_postrun.connect(_close_task_log_context, dispatch_uid="hub_close_task_log_context", weak=False)


# --- Task failures -----------------------------------------------------------------


def task_failure_record(*, alliance_id: int, task_name: str, task_id: str | None, exc: BaseException) -> None:
    """Keep a failed AllianceTask where the alliance's hub admins can see it.

    Only the task's name and id and the exception's type and (shortened)
    message are kept: task arguments may hold personal data and never are.
    Runs in its own transaction, after the task's own has rolled back; a
    failure to record is logged, never raised over the task's own error.
    """
    from django.db import connection

    from alliance.models import TaskFailure
    from alliance.tenancy import alliance_scope

    try:
        if connection.in_atomic_block and connection.needs_rollback:
            return  # eager task inside a doomed request transaction: nothing can be written
        with transaction.atomic(), alliance_scope(alliance_id):
            TaskFailure.objects.create(
                task_name=task_name[:200],
                task_id=(task_id or "")[:64],
                exception_type=type(exc).__name__[:200],
                message=str(exc)[: TaskFailure.MESSAGE_LIMIT],
            )
    except Exception:
        task_logger.exception("could not record the failure of task %s", task_name, extra={"failed_task_id": task_id})


# --- Health check ----------------------------------------------------------------


def _check_database() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_redis() -> str:
    from django.conf import settings

    uses_redis = (
        str(settings.CACHES["default"]["BACKEND"]).endswith("RedisCache") or not settings.CELERY_TASK_ALWAYS_EAGER
    )
    if not uses_redis:
        return "not used"
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def health_status() -> tuple[dict[str, str], bool]:
    report: dict[str, str] = {}
    healthy = True
    for name, check in (("database", _check_database), ("redis", _check_redis)):
        try:
            report[name] = check()
        except Exception as exc:
            healthy = False
            report[name] = f"failed: {type(exc).__name__}"
            logger.error("health check: %s failed", name, exc_info=True)
    return report, healthy


@transaction.non_atomic_requests
def healthz(request: HttpRequest) -> HttpResponse:
    """No auth, no tenant data: 200 when the database and Redis answer, else 503 naming what failed."""
    report, healthy = health_status()
    response = JsonResponse(report, status=200 if healthy else 503)
    response["Cache-Control"] = "no-store"
    return response
