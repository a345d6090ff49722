"""Database roles and row-level security.

Four pieces:
- `tenant_rls(table)`: the migration operation that turns on row-level
  security (ENABLE and FORCE) with the alliance policy on one tenant table.
- `app_role_problems()` / `ensure_app_role()`: migrate checks first that the app
  role can be set up by the migrating role (`app_role_problems`, which names the
  SQL an administrator must run when it cannot: managed PostgreSQL's owner is no
  superuser and may lack CREATEROLE), and after every migrate creates the
  non-owner app role if missing and grants it what the app needs (never
  TRUNCATE, never UPDATE or DELETE on append-only tables).
- Role switching: when the login of DATABASE_URL is the owner (demo, tests),
  the app acts as the app role. Directly against PostgreSQL every new connection
  does SET ROLE; behind PgBouncer in transaction mode (DATABASE_POOLER=pgbouncer)
  a server connection is shared by many clients, so nothing is set for the
  session: every transaction starts with SET LOCAL ROLE instead (`_local_role`).
  `owner_role()` switches back for migrate and flush only.
- The tenancy settings (`app.alliance_id`, `app.user_id`) are always
  transaction-local (set_config(..., true), alliance/tenancy.py), so they never
  outlive the transaction that set them, pooled or not.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import CommandError
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


def pooled() -> bool:
    """Behind PgBouncer in transaction mode: no session state may be left on a server connection."""
    return getattr(settings, "DATABASE_POOLER", "") == "pgbouncer"


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _set_app_role(sender, connection, **kwargs):  # type: ignore[no-untyped-def]
    # The maintenance connection (creating or dropping databases) keeps the login role.
    if connection.vendor != "postgresql" or connection.alias == NO_DB_ALIAS:
        return
    if pooled():
        # Nothing for the session: each transaction sets its role itself (_local_role).
        if _local_role not in connection.execute_wrappers:
            connection.execute_wrappers.append(_local_role)
        connection.hub_app_role_ready = None
        return
    if _owner_mode:
        return
    with connection.cursor() as cursor:
        # Only a role the login may act as (migrate stops, naming the grant, when it may not).
        cursor.execute(
            "SELECT current_user, EXISTS(SELECT 1 FROM pg_roles WHERE rolname = %s"
            " AND pg_has_role(current_user, oid, 'MEMBER'))",
            [app_role()],
        )
        user, role_exists = cursor.fetchone()
        if user != app_role() and role_exists:
            cursor.execute(f"SET ROLE {_quote(app_role())}")


connection_created.connect(_set_app_role, dispatch_uid="hub_set_app_role")


def _transaction_open(connection: Any) -> bool:
    from psycopg.pq import TransactionStatus

    raw = connection.connection
    return raw is not None and raw.info.transaction_status != TransactionStatus.IDLE


def _set_local_role(connection: Any, role: str | None) -> None:
    """SET LOCAL ROLE on the raw connection (past the execute wrappers); None is the login role."""
    if role is not None and not _app_role_ready(connection):
        return
    connection.connection.execute("SET LOCAL ROLE " + ("NONE" if role is None else _quote(role)))


def _app_role_ready(connection: Any) -> bool:
    """Does the app role exist, and is the login another role? Asked once per connection (until yes)."""
    if getattr(connection, "hub_app_role_ready", None) is None:
        row = connection.connection.execute(
            "SELECT current_user <> %s AND EXISTS(SELECT 1 FROM pg_roles WHERE rolname = %s"
            " AND pg_has_role(current_user, oid, 'MEMBER'))",
            [app_role(), app_role()],
        ).fetchone()
        if not row[0]:
            return False  # asked again next time: migrate may create the role meanwhile
        connection.hub_app_role_ready = True
    return True


def _local_role(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
    """Execute wrapper behind PgBouncer: the first statement of every transaction runs after
    SET LOCAL ROLE to the app role, so the role ends with the transaction and a pooled server
    connection never carries it to another client. A statement outside any transaction
    (autocommit) gets a transaction of its own for the same reason."""
    connection = context["connection"]
    if _owner_mode or _transaction_open(connection) or not _app_role_ready(connection):
        return execute(sql, params, many, context)
    raw = connection.connection
    if not connection.get_autocommit():
        _set_local_role(connection, app_role())  # opens the transaction Django asked for
        return execute(sql, params, many, context)
    raw.execute("BEGIN")
    try:
        _set_local_role(connection, app_role())
        result = execute(sql, params, many, context)
    except BaseException:
        raw.execute("ROLLBACK")
        raise
    raw.execute("COMMIT")
    return result


@contextmanager
def owner_role() -> Iterator[None]:
    """Act as the login role (the owner) for schema changes: migrate, flush."""
    global _owner_mode
    previous = _owner_mode
    _owner_mode = True
    if connection.connection is not None:
        if not pooled():
            with connection.cursor() as cursor:
                cursor.execute("RESET ROLE")
        elif _transaction_open(connection):
            _set_local_role(connection, None)
    try:
        yield
    finally:
        _owner_mode = previous
        if not previous and connection.connection is not None:
            if not pooled():
                _set_app_role(None, connection)
            elif _transaction_open(connection):
                _set_local_role(connection, app_role())


def append_only_tables() -> list[str]:
    return [model._meta.db_table for model in apps.get_models() if getattr(model, "append_only", False)]


def app_role_problems(using: str = "default") -> list[str]:
    """What stops the migrating role from setting up the app role: SQL an administrator must run.

    Empty when all is possible: the role exists or the login may create it (SUPERUSER or
    CREATEROLE), and the login is a member of it or may make itself one. The app role must
    not be a superuser nor bypass row-level security.
    """
    from django.db import connections

    role, name = _quote(app_role()), app_role()
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT current_user, rolsuper, rolcreaterole, current_setting('server_version_num')::int"
            " FROM pg_roles WHERE rolname = current_user"
        )
        user, is_super, can_create, version = cursor.fetchone()
        if user == name:
            return []
        cursor.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = %s", [name])
        found = cursor.fetchone()
        sql: list[str] = []
        if found is None:
            if is_super or can_create:
                return []
            sql.append(f"CREATE ROLE {role} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB;")
            is_member = may_grant = False
        else:
            if found[0]:
                sql.append(f"ALTER ROLE {role} NOSUPERUSER NOBYPASSRLS;")
            cursor.execute(
                "SELECT pg_has_role(current_user, %s, 'MEMBER'),"
                " pg_has_role(current_user, %s, 'MEMBER WITH ADMIN OPTION')",
                [name, name],
            )
            is_member, has_admin = cursor.fetchone()
            # PostgreSQL 15 lets CREATEROLE grant any role that is no superuser; 16 wants ADMIN OPTION.
            may_grant = is_super or has_admin or (can_create and version < 160000 and not found[0])
        if not is_member and not may_grant:
            sql.append(f"GRANT {role} TO {_quote(user)};")
        return sql


def check_app_role(using: str = "default") -> None:
    """Stop migrate, before it changes anything, when the app role cannot be set up."""
    sql = app_role_problems(using)
    if sql:
        raise CommandError(app_role_message(sql))


def app_role_message(sql: list[str]) -> str:
    return (
        f"The database role this migrate logs in as cannot set up the app role {app_role()!r}"
        " (HUB_DB_APP_ROLE), which the web and worker processes act as so that row-level security"
        " applies. An administrator (a superuser, or the managed service's admin role) must run once:\n\n    "
        + "\n    ".join(sql)
        + "\n\nthen run migrate again. README.md, 'Managed PostgreSQL', explains."
    )


def ensure_app_role(using: str = "default") -> None:
    from django.db import connections

    check_app_role(using)
    role = _quote(app_role())
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT current_user = %s", [app_role()])
        if cursor.fetchone()[0]:
            return  # the app role migrating itself (it owns the tables): nothing to grant
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [app_role()])
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE ROLE {role} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB")
        cursor.execute("SELECT pg_has_role(current_user, %s, 'MEMBER')", [app_role()])
        if not cursor.fetchone()[0]:
            cursor.execute(f"GRANT {role} TO current_user")
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
        cursor.execute(f"REVOKE TRUNCATE ON ALL TABLES IN SCHEMA public FROM {role}")
        for table in append_only_tables():
            cursor.execute(f"REVOKE UPDATE, DELETE ON {_quote(table)} FROM {role}")
