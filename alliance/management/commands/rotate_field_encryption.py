"""Operator command: re-encrypt every encrypted field under the newest key of HUB_FIELD_ENCRYPTION_KEYS.

Rotation: put the new key first in HUB_FIELD_ENCRYPTION_KEYS (the old one after it), restart,
run this command, then drop the old key. Each alliance is done in its own scope and
transaction; running it again re-encrypts nothing (every value is current).
"""

from django.core.management.base import BaseCommand, CommandError

from alliance.crypto import field_encryption_rotate
from alliance.models import Alliance


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field (bank account numbers …) under the newest field-encryption key."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--alliance", help="Only this alliance (its slug); every alliance when left out.")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        alliances = Alliance.objects.order_by("pk")
        if options["alliance"]:
            alliances = alliances.filter(slug=options["alliance"])
            if not alliances.exists():
                raise CommandError(f"No alliance with slug {options['alliance']!r}; nothing was re-encrypted.")
        total = 0
        for alliance in alliances:
            counts = field_encryption_rotate(alliance_id=alliance.pk)
            for label, count in counts.items():
                self.stdout.write(
                    f"{alliance.slug}: {label}: {count['rotated']} re-encrypted, {count['current']} already current"
                )
                total += count["rotated"]
        self.stdout.write(self.style.SUCCESS(f"{total} value(s) re-encrypted under the newest key."))
