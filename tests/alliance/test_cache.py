"""Clearing the cache empties the cache, not the Redis database it shares with Celery.

Django's RedisCache.clear() is FLUSHDB. With the cache, the broker and the result backend on one
REDIS_URL, every cache.clear() (each test does one, in every concurrent run) deleted the tasks
waiting in the queues: an invoice run queued by a request was never picked up by the worker.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends.base import BaseCache

from alliance.celery import app


@pytest.fixture
def queue() -> Iterator[str]:
    name = f"hub-cache-test-{uuid.uuid4().hex[:8]}"
    yield name
    with app.connection_for_write() as conn:
        conn.default_channel.queue_delete(name)


@pytest.fixture
def other_run_cache(settings) -> Iterator[BaseCache]:
    """The cache of another run on the same Redis: another key prefix."""
    settings.CACHES = {**settings.CACHES, "other": {**settings.CACHES["default"], "KEY_PREFIX": "other-run"}}
    other = caches["other"]
    yield other
    other.delete("figure")


def queued(queue: str) -> int:
    with app.connection_for_write() as conn:
        return conn.default_channel.client.llen(queue)


def test_clearing_the_cache_keeps_a_queued_task_and_another_runs_cache(queue, other_run_cache):
    app.conf.task_always_eager = False
    try:
        app.send_task("billing.invoice_run_start", args=[1, 1], queue=queue)
    finally:
        app.conf.task_always_eager = True
    cache.set("figure", "42", None)
    cache.set("figure", "41", None, version=2)
    other_run_cache.set("figure", "7", None)

    cache.clear()

    assert cache.get("figure") is None
    assert cache.get("figure", version=2) is None
    assert queued(queue) == 1  # the worker will still find the task
    assert other_run_cache.get("figure") == "7"


def test_clearing_takes_the_prefix_literally(settings):
    settings.CACHES = {
        **settings.CACHES,
        "starred": {**settings.CACHES["default"], "KEY_PREFIX": "run*"},
        "plain": {**settings.CACHES["default"], "KEY_PREFIX": "run-b"},
    }
    caches["plain"].set("figure", "8", None)
    caches["starred"].set("figure", "9", None)

    caches["starred"].clear()

    assert caches["starred"].get("figure") is None
    assert caches["plain"].get("figure") == "8"
    caches["plain"].delete("figure")
