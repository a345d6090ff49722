"""Spam guards of the public forms, without third-party services: a rate limit
per client address (in the shared cache, keyed by alliance) and a honeypot field.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache

HONEYPOT_FIELD = "website"


def _key(action: str, alliance_id: int, subject: str, window: int) -> str:
    digest = hashlib.sha256(subject.encode()).hexdigest()[:24]  # no addresses in the cache
    return f"outreach:rate:{action}:{alliance_id}:{digest}:{int(time.time() // window)}"


def rate_limit_hit(*, action: str, alliance_id: int, subject: str, limit: int, window: int) -> bool:
    """Count one attempt; True when this subject went over `limit` attempts in
    the current window of `window` seconds."""
    key = _key(action, alliance_id, subject, window)
    cache.add(key, 0, timeout=window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 5)
        count = 1
    return count > limit


def rate_limit_reached(*, action: str, alliance_id: int, subject: str, limit: int, window: int) -> bool:
    """True while this subject has used up its `limit` attempts of the current window (counts nothing)."""
    return int(cache.get(_key(action, alliance_id, subject, window)) or 0) >= limit
