"""`migrate` as the owner role: schema changes and RLS policies need it."""

from django.core.management.commands.migrate import Command as DjangoMigrate

from alliance.db import owner_role


class Command(DjangoMigrate):
    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        with owner_role():
            return super().handle(*args, **options)
