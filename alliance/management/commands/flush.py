"""`flush` as the owner role: the app role may not TRUNCATE (tests use it)."""

from django.core.management.commands.flush import Command as DjangoFlush

from alliance.db import owner_role


class Command(DjangoFlush):
    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        with owner_role():
            return super().handle(*args, **options)
