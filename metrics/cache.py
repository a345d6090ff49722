"""What pages cache of the snapshots, and when it goes stale.

Snapshots change only when a rollup runs (or the targets change), so a page
built from them is cached under a version the rollup bumps. Keys include the
alliance (DESIGN.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction

PAGE_SECONDS = 6 * 3600
T = TypeVar("T")


def _version_key(alliance_id: int) -> str:
    return f"metrics:snapshots:{alliance_id}:version"


def snapshot_version(alliance_id: int) -> str:
    version = cache.get(_version_key(alliance_id))
    if version is None:
        version = str(time.time_ns())
        cache.add(_version_key(alliance_id), version, None)
        version = cache.get(_version_key(alliance_id), version)
    return str(version)


def snapshots_changed(alliance_id: int) -> None:
    """Every cached page of this alliance's figures is stale: now, and again once the change commits."""

    def bump() -> None:
        cache.set(_version_key(alliance_id), str(time.time_ns()), None)

    bump()
    transaction.on_commit(bump)


def page_key(alliance_id: int, name: str, *parts: object) -> str:
    return ":".join(["metrics", "page", str(alliance_id), snapshot_version(alliance_id), name, *map(str, parts)])


# Figures that read the snapshots and a little live data beside them (members' names and kinds, cover
# delivered, purchasing savings for the impact report): kept five minutes at most under the snapshots'
# version, so a rollup or a change of targets shows at once and anything else within five minutes.
FIGURES_SECONDS = 300


def cached_figures(alliance_id: int, name: str, *parts: object, compute: Callable[[], T]) -> T:
    """compute(), shared by the alliance's users for FIGURES_SECONDS under the snapshots' version."""
    key = page_key(alliance_id, "figures", name, *parts)
    found = cache.get(key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    value = compute()
    cache.set(key, value, FIGURES_SECONDS)
    return value
