"""`migrate` as the owner role: schema changes and RLS policies need it.

Before anything changes it checks that the app role can be set up (alliance/db.py): on managed
PostgreSQL the owner is no superuser, and a missing grant stops here with the SQL to run.
"""

from django.core.management.commands.migrate import Command as DjangoMigrate

from alliance.db import check_app_role, owner_role


class Command(DjangoMigrate):
    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        with owner_role():
            check_app_role(options["database"])
            return super().handle(*args, **options)
