"""Substitutes covering a room count in its staff-to-child ratio during their booked hours.

Shared services (substitute booking) comes after enrollment in the apps' direction, so
enrollment does not read its tables: sharedservices registers a source here in its
AppConfig.ready (`sharedservices.selectors.substitutes_covering`). A source answers the
names of the substitutes booked into a classroom on a day whose booked hours include a time.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from members.models import Classroom

CoverSource = Callable[["Classroom", datetime.date, datetime.time], list[str]]
_SOURCES: list[CoverSource] = []


def register_cover_source(source: CoverSource) -> None:
    if source not in _SOURCES:
        _SOURCES.append(source)


def substitutes_in_room(classroom: Classroom, day: datetime.date, at: datetime.time) -> list[str]:
    """The booked substitutes in the room at `at` on `day`, by name."""
    names: list[str] = []
    for source in _SOURCES:
        names.extend(source(classroom, day, at))
    return names
