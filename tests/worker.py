"""A real Celery worker process for tests, against Redis and the test database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

from alliance.celery import app

ROOT = Path(__file__).resolve().parents[1]


def database_url_of_test_run() -> str:
    """The URL of the test database this run created, for child processes."""
    db = connection.settings_dict
    host = db.get("HOST") or "localhost"
    if host.startswith("/"):  # the embedded server listens on a Unix socket
        return f"postgresql://{db['USER']}:@/{db['NAME']}?host={host}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"


@contextmanager
def celery_worker(pool: str = "solo", **extra_env: str) -> Iterator[subprocess.Popen[str]]:
    """Start `celery worker` on this run's own queue and wait until it answers. The worker leads
    a process group of its own (`worker_kill` ends it and its pool's children at once)."""
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    env = {
        **os.environ,
        "DATABASE_URL": database_url_of_test_run(),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "HUB_CACHE_BACKEND": "redis",
        **extra_env,
    }
    env.pop("DATABASE_TEST_NAME", None)
    hostname = f"test-worker-{os.getpid()}@%h"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "alliance",
            "worker",
            f"--pool={pool}",
            "--concurrency=1",
            "-Q",
            queue,
            "-n",
            hostname,
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError("Celery worker exited:\n" + (process.stdout.read() if process.stdout else ""))
            replies = app.control.ping(timeout=0.5, destination=[hostname.replace("%h", os.uname().nodename)])
            if replies:
                break
        else:
            raise RuntimeError("Celery worker did not answer within 60 s")
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker_kill(process)


def worker_kill(process: subprocess.Popen[str]) -> None:
    """SIGKILL the worker and its pool's children (its process group): what a lost machine does."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=20)


@contextmanager
def broker_unreachable() -> Iterator[str]:
    """This process's Celery app publishes to an address where nothing listens (Redis down, as the
    web process sees it), then to the real broker again. Workers started elsewhere are untouched."""
    real = app.conf.broker_url
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"redis://127.0.0.1:{probe.getsockname()[1]}/0"
    _broker_use(dead)
    try:
        yield dead
    finally:
        _broker_use(real)


def _broker_use(url: str) -> None:
    from alliance import outbox

    app._pool = None
    app.amqp._producer_pool = None
    app.conf.broker_url = url
    outbox._broker_down_until = 0.0
