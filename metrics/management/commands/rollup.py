"""`python manage.py rollup --alliance SLUG [--from YYYY-MM-DD] [--to YYYY-MM-DD]`.

Rolls one alliance's snapshots up for a date range (default: the nightly range).
"""

from __future__ import annotations

import datetime
import json

from django.core.management.base import BaseCommand, CommandError

from alliance.models import Alliance
from alliance.tenancy import alliance_scope
from metrics.rollups import nightly_range, rollup_alliance


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD).") from None


class Command(BaseCommand):
    help = "Roll an alliance's Iron Triangle snapshots up for a date range."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--alliance", required=True, help="Alliance slug.")
        parser.add_argument("--from", dest="start", help="First day (default: first of last month).")
        parser.add_argument("--to", dest="end", help="Last day (default: yesterday).")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        alliance = Alliance.objects.filter(slug=options["alliance"]).first()
        if alliance is None:
            raise CommandError(f"No alliance {options['alliance']!r}.")
        start, end = nightly_range(alliance)
        if options["start"]:
            start = _date(options["start"])
        if options["end"]:
            end = _date(options["end"])
        if end < start:
            raise CommandError("--to is before --from.")
        with alliance_scope(alliance.pk):
            result = rollup_alliance(start=start, end=end)
        self.stdout.write(json.dumps({"alliance": alliance.slug, **result.as_dict()}))
