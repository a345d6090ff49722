"""Database roles and row-level security.

Three pieces:
- `tenant_rls(table)`: the migration operation that turns on row-level
  security (ENABLE and FORCE) with the alliance policy on one tenant table.
- `ensure_app_role()`: runs after every migrate; creates the non-owner app role
  if missing and grants it what the app needs (never TRUNCATE, never UPDATE or
  DELETE on append-only tables).
- Role switching: when the login of DATABASE_URL is the owner (demo, tests),
  every new connection does SET ROLE to the app role. `owner_role()` switches
  back for migrate and flush only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.apps import apps
from django.conf import settings
from django.db import connection, migrations
from django.db.backends.base.base import NO_DB_ALIAS
from django.db.backends.signals import connection_created

ALLIANCE_PREDICATE = "alliance_id = nullif(current_setting('app.alliance_id', true), '')::bigint"
USER_PREDICATE = "user_id = nullif(current_setting('app.user_id', true), '')::bigint"

_owner_mode = False


def tenant_rls(table: str, *, extra_predicate: str | None = None) -> migrations.RunSQL:
    """Row-level security for one tenant table: rows of the scoped alliance only."""
    using = ALLIANCE_PREDICATE if extra_predicate is None else (f"({ALLIANCE_PREDICATE}) OR ({extra_predicate})")
    return migrations.RunSQL(
        sql=[
            f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
            f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY',
            f'CREATE POLICY tenant_isolation ON "{table}" USING ({using}) WITH CHECK ({ALLIANCE_PREDICATE})',
        ],
        reverse_sql=[
            f'DROP POLICY IF EXISTS tenant_isolation ON "{table}"',
            f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY',
            f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY',
        ],
    )


def app_role() -> str:
    return settings.HUB_DB_APP_ROLE


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _set_app_role(sender, connection, **kwargs):  # type: ignore[no-untyped-def]
    # The maintenance connection (creating or dropping databases) keeps the login role.
    if _owner_mode or connection.vendor != "postgresql" or connection.alias == NO_DB_ALIAS:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, EXISTS(SELECT 1 FROM pg_roles WHERE rolname = %s)", [app_role()])
        user, role_exists = cursor.fetchone()
        if user != app_role() and role_exists:
            cursor.execute(f"SET ROLE {_quote(app_role())}")


connection_created.connect(_set_app_role, dispatch_uid="hub_set_app_role")


@contextmanager
def owner_role() -> Iterator[None]:
    """Act as the login role (the owner) for schema changes: migrate, flush."""
    global _owner_mode
    previous = _owner_mode
    _owner_mode = True
    if connection.connection is not None:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
    try:
        yield
    finally:
        _owner_mode = previous
        if not previous and connection.connection is not None:
            _set_app_role(None, connection)


def append_only_tables() -> list[str]:
    return [model._meta.db_table for model in apps.get_models() if getattr(model, "append_only", False)]


def ensure_app_role(using: str = "default") -> None:
    from django.db import connections

    role = _quote(app_role())
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [app_role()])
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE ROLE {role} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB")
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        (is_super,) = cursor.fetchone()
        if not is_super:
            cursor.execute(f"GRANT {role} TO current_user")
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
        cursor.execute(f"REVOKE TRUNCATE ON ALL TABLES IN SCHEMA public FROM {role}")
        for table in append_only_tables():
            cursor.execute(f"REVOKE UPDATE, DELETE ON {_quote(table)} FROM {role}")
