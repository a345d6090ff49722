"""The cache backend: Django's Redis cache, except that clearing it empties the cache and nothing else.

The cache shares its Redis database with Celery (REDIS_URL is the broker and the result backend
too). Django's `RedisCache.clear()` is FLUSHDB: it would also delete the tasks waiting in the
queues and their bindings, so an invoice run saved a moment earlier would never be picked up.
Here `clear()` deletes only the keys under the cache's KEY_PREFIX, which Celery never writes.
"""

from __future__ import annotations

import re

from django.core.cache.backends.redis import RedisCache

CLEAR_BATCH = 1000


def _glob_escape(text: str) -> str:
    """`text` matched literally in a Redis MATCH pattern."""
    return re.sub(r"([\\*?\[\]])", r"\\\1", text)


class HubRedisCache(RedisCache):
    def clear(self) -> None:
        """Delete this cache's keys, every version (Django's key function writes `prefix:version:key`),
        and never the queues and results beside them."""
        client = self._cache.get_client(None, write=True)
        batch: list[bytes] = []
        for key in client.scan_iter(match=_glob_escape(self.key_prefix) + ":*", count=CLEAR_BATCH):
            batch.append(key)
            if len(batch) >= CLEAR_BATCH:
                client.unlink(*batch)
                batch = []
        if batch:
            client.unlink(*batch)
