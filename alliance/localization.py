"""An alliance's time zone and locale for whatever is rendered inside: pages, PDFs, emails.

Times show in the alliance's zone; dates and numbers in its locale's formats
(alliance/formats/, chosen by Alliance.locale). The interface text is English.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.utils import timezone, translation

from alliance.dates import alliance_zone


@contextmanager
def alliance_local(alliance: Any) -> Iterator[None]:
    with timezone.override(alliance_zone(alliance)), translation.override(alliance.locale or "en-us"):
        yield
