"""Operator command: remove one alliance's data entirely, and prove it by query.

Run it with DATABASE_URL pointing at the owner role (as for `migrate`): the
app role cannot delete append-only rows (audit events, ledger) by design.
"""

from django.core.management.base import BaseCommand, CommandError

from alliance.dataexport import alliance_delete_everything, alliance_rows_remaining
from alliance.models import Alliance


class Command(BaseCommand):
    help = "Delete every row of one alliance (after exporting it). Irreversible."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("slug")
        parser.add_argument("--confirm", required=True, help="Repeat the alliance's slug to confirm the deletion.")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        slug = options["slug"]
        if options["confirm"] != slug:
            raise CommandError("--confirm must repeat the alliance's slug exactly; nothing was deleted.")
        alliance = Alliance.objects.filter(slug=slug).first()
        if alliance is None:
            raise CommandError(f"No alliance with slug {slug!r}; nothing was deleted.")
        counts = alliance_delete_everything(alliance_id=alliance.pk)
        for table, count in counts.items():
            if count:
                self.stdout.write(f"deleted {count:>8} rows from {table}")
        left = {table: n for table, n in alliance_rows_remaining(alliance_id=alliance.pk).items() if n}
        if left:
            raise CommandError(f"Rows remain after deletion: {left}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{alliance.name} deleted: {sum(counts.values())} rows; a query of every tenant table finds none left."
            )
        )
