"""The cache backend: Django's Redis cache that never fails a request, and whose `clear()` empties
the cache and nothing else.

**Redis down means no cache, not an error** (DESIGN.md, "Background work and failure"). Every
operation that fails with a Redis or socket error answers as a miss instead (`get` → default,
`set` dropped, `add` → True, `incr` → ValueError as for a missing key), and the cache is then
left alone for `RETRY_SECONDS` (a circuit: one attempt per process per interval, not one per
call, so an outage costs a request nothing). Connections time out after 0.25 s (settings
`CACHES["default"]["OPTIONS"]`), so even an address that swallows packets costs one request a
quarter of a second per interval. The failure is logged once per `LOG_SECONDS`, with the number
of calls answered without Redis since the last line.

Two things are kept while Redis is down:
- **Rate limits.** Keys under `LOCAL_PREFIXES` (allauth's sign-in and reset limits, the public
  forms' limits) move to this process's own memory, so sign-in stays limited. Per process rather
  than a database counter: the limits are per address and per account, a few gunicorn workers
  at most multiply an attacker's budget by their number during an outage (3 workers: 15 wrong
  passwords per account per 5 minutes instead of 5), and sign-in writes nothing to the database
  it may be short of at that very moment. Nothing to clean up afterwards either.
- **Invalidations.** A `set` or `delete` that failed is remembered (up to `LOST_KEYS_KEPT`
  keys) and the key is deleted once Redis answers again, so a value changed during the outage
  (the metrics snapshot version a rollup bumps) is not read stale from Redis afterwards.

The Celery broker and result backend have their own connections (kombu) and are untouched by
these timeouts.

The cache shares its Redis database with Celery (REDIS_URL is the broker and the result backend
too). Django's `RedisCache.clear()` is FLUSHDB: it would also delete the tasks waiting in the
queues and their bindings, so an invoice run saved a moment earlier would never be picked up.
Here `clear()` deletes only the keys under the cache's KEY_PREFIX, which Celery never writes.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger("hub.cache")

CLEAR_BATCH = 1000
# After a failure, the cache is not tried again for this long (per process).
RETRY_SECONDS = 5.0
# At most one log line per this long while Redis is down.
LOG_SECONDS = 60.0
# Key prefixes (before Django's KEY_PREFIX and version) kept in process memory while Redis is down.
LOCAL_PREFIXES = ("allauth:rl:", "outreach:rate:")
LOST_KEYS_KEPT = 10_000

FAILURES: tuple[type[BaseException], ...] = (RedisError, OSError)

T = TypeVar("T")


class _Circuit:
    """Per process (shared by the threads' cache instances): is Redis to be tried, and what to log."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.down_until = 0.0
        self.down_since: float | None = None
        self.logged_at = 0.0
        self.answered_without = 0
        self.lost_keys: set[str] = set()

    def open(self) -> bool:
        return time.monotonic() < self.down_until

    def failed(self, exc: BaseException) -> None:
        now = time.monotonic()
        with self.lock:
            self.down_until = now + RETRY_SECONDS
            if self.down_since is None:
                self.down_since = now
            self.answered_without += 1
            if now - self.logged_at < LOG_SECONDS:
                return
            self.logged_at, calls = now, self.answered_without
            self.answered_without = 0
        logger.warning(
            "cache unreachable (%s: %s): serving without it, rate limits in process memory; "
            "%d call(s) answered without Redis since the last line; next try in %.0f s",
            type(exc).__name__,
            exc,
            calls,
            RETRY_SECONDS,
            extra={"cache_calls_without_redis": calls},
        )

    def skipped(self) -> None:
        with self.lock:
            self.answered_without += 1

    def lose(self, keys: Iterable[str]) -> None:
        with self.lock:
            for key in keys:
                if len(self.lost_keys) >= LOST_KEYS_KEPT:
                    break
                self.lost_keys.add(key)

    def recovered(self) -> tuple[float | None, list[str]]:
        with self.lock:
            since, self.down_since = self.down_since, None
            lost, self.lost_keys = list(self.lost_keys), set()
            self.logged_at = 0.0
            self.answered_without = 0
        return since, lost


# One circuit per Redis address, per process.
_circuits: dict[str, _Circuit] = {}
_circuits_lock = threading.Lock()


def _circuit_for(location: str) -> _Circuit:
    with _circuits_lock:
        return _circuits.setdefault(location, _Circuit())


def _local_key(key: Any) -> bool:
    return isinstance(key, str) and key.startswith(LOCAL_PREFIXES)


def _glob_escape(text: str) -> str:
    """`text` matched literally in a Redis MATCH pattern."""
    return re.sub(r"([\\*?\[\]])", r"\\\1", text)


class _ReusedClient(RedisCacheClient):
    """Django's client builds a new `redis.Redis` on every call (`get_client`), and each build
    registers a few hundred response callbacks: about 0.08 ms of CPU per cache call, several per
    request. One `redis.Redis` per connection pool is kept instead; it holds no connection of its
    own (the pool lends one per command), so it is as safe to share as the pool."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class HubRedisCache(RedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ReusedClient
        location = ",".join(re.split("[;,]", server) if isinstance(server, str) else server)
        self._circuit = _circuit_for(location)
        # One per process and name, like every LocMemCache: shared by the threads' instances.
        self._local = LocMemCache(
            f"hub-cache-without-redis:{location}",
            {"TIMEOUT": self.default_timeout, "OPTIONS": {"MAX_ENTRIES": 10_000}},
        )

    # --- the one guard --------------------------------------------------------------

    def _guard(self, call: Callable[[], T], without: Callable[[], T], *, writes: Iterable[str] = ()) -> T:
        """`call()` against Redis, or `without()` when Redis is down or fails now. `writes`: the
        (made) keys `call` would change, deleted from Redis once it answers again."""
        if self._circuit.open():
            self._circuit.skipped()
            self._circuit.lose(writes)
            return without()
        try:
            outcome = call()
        except FAILURES as exc:
            self._circuit.failed(exc)
            self._circuit.lose(writes)
            return without()
        if self._circuit.down_since is not None:
            self._after_outage()
        return outcome

    def _after_outage(self) -> None:
        since, lost = self._circuit.recovered()
        try:
            if lost:
                self._cache.get_client(None, write=True).delete(*lost)
        except FAILURES as exc:
            self._circuit.failed(exc)
            self._circuit.lose(lost)
            return
        logger.warning(
            "cache reachable again after %.0f s; %d key(s) changed meanwhile deleted",
            time.monotonic() - since if since is not None else 0.0,
            len(lost),
        )

    def reachable(self) -> bool:
        """False while this process serves without Redis (after a failure, for RETRY_SECONDS)."""
        return not self._circuit.open()

    def _made(self, key: Any, version: int | None) -> str:
        return self.make_and_validate_key(key, version=version)

    # --- Django's cache API -------------------------------------------------------------

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        made = self._made(key, version)
        return self._guard(
            lambda: super(HubRedisCache, self).add(key, value, timeout, version),
            lambda: self._local.add(key, value, timeout, version) if _local_key(key) else True,
            writes=[made],
        )

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._guard(
            lambda: super(HubRedisCache, self).get(key, default, version),
            lambda: self._local.get(key, default, version) if _local_key(key) else default,
        )

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        made = self._made(key, version)
        self._guard(
            lambda: super(HubRedisCache, self).set(key, value, timeout, version),
            lambda: self._local.set(key, value, timeout, version) if _local_key(key) else None,
            writes=[made],
        )

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._guard(
            lambda: super(HubRedisCache, self).touch(key, timeout, version),
            lambda: self._local.touch(key, timeout, version) if _local_key(key) else False,
        )

    def delete(self, key: Any, version: int | None = None) -> bool:
        made = self._made(key, version)
        return self._guard(
            lambda: super(HubRedisCache, self).delete(key, version),
            lambda: self._local.delete(key, version) if _local_key(key) else False,
            writes=[made],
        )

    def get_many(self, keys: Iterable[Any], version: int | None = None) -> dict[Any, Any]:
        keys = list(keys)
        return self._guard(
            lambda: super(HubRedisCache, self).get_many(keys, version),
            lambda: self._local.get_many([k for k in keys if _local_key(k)], version),
        )

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._guard(
            lambda: super(HubRedisCache, self).has_key(key, version),
            lambda: self._local.has_key(key, version) if _local_key(key) else False,
        )

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        made = self._made(key, version)

        def without() -> int:
            if _local_key(key):
                return self._local.incr(key, delta, version)
            raise ValueError(f"Key '{key}' not found")  # as Django's caches answer for a missing key

        return self._guard(lambda: super(HubRedisCache, self).incr(key, delta, version), without, writes=[made])

    def set_many(self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> list[Any]:
        made = [self._made(key, version) for key in data]
        return self._guard(
            lambda: super(HubRedisCache, self).set_many(data, timeout, version),
            lambda: self._local.set_many({k: v for k, v in data.items() if _local_key(k)}, timeout, version),
            writes=made,
        )

    def delete_many(self, keys: Iterable[Any], version: int | None = None) -> None:
        keys = list(keys)
        made = [self._made(key, version) for key in keys]
        self._guard(
            lambda: super(HubRedisCache, self).delete_many(keys, version),
            lambda: self._local.delete_many([k for k in keys if _local_key(k)], version),
            writes=made,
        )

    def clear(self) -> None:
        """Delete this cache's keys, every version (Django's key function writes `prefix:version:key`),
        and never the queues and results beside them."""
        self._local.clear()
        self._guard(self._clear_redis, lambda: None)

    def _clear_redis(self) -> None:
        client = self._cache.get_client(None, write=True)
        batch: list[bytes] = []
        for key in client.scan_iter(match=_glob_escape(self.key_prefix) + ":*", count=CLEAR_BATCH):
            batch.append(key)
            if len(batch) >= CLEAR_BATCH:
                client.unlink(*batch)
                batch = []
        if batch:
            client.unlink(*batch)
