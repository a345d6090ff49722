"""Operator command: check every alliance's audit hash chain (alliance/auditchain.py).

Walks each alliance's events in chain order and recomputes every link. Prints
"N events, chain intact" per alliance and exits 0, or names the first broken
event and exits 1. Run it as the app role or the owner; it only reads.
"""

from django.core.management.base import BaseCommand, CommandError

from alliance.auditchain import chain_verify
from alliance.models import Alliance


class Command(BaseCommand):
    help = "Verify the audit events' hash chain: the first broken link (exit 1) or 'N events, chain intact'."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--alliance", help="Only this alliance (its slug); every alliance when left out.")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        alliances = Alliance.objects.order_by("pk")
        if options["alliance"]:
            alliances = alliances.filter(slug=options["alliance"])
            if not alliances.exists():
                raise CommandError(f"No alliance with slug {options['alliance']!r}; nothing was verified.")
        broken = []
        for alliance in alliances:
            report = chain_verify(alliance_id=alliance.pk)
            if report.intact:
                self.stdout.write(f"{alliance.slug}: {report.events} events, chain intact")
            else:
                line = f"{alliance.slug}: chain broken: {report.problem} ({report.events} events before it intact)"
                self.stderr.write(line)
                broken.append(line)
        if broken:
            raise CommandError(f"Audit chain broken in {len(broken)} alliance(s): " + "; ".join(broken), returncode=1)
