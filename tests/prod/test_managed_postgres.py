"""Managed PostgreSQL (RDS, Cloud SQL, Azure): the owner that migrates is no superuser.

Each test makes roles and a database of its own on the test cluster, as an administrator
would, and runs `manage.py migrate` (a real process) logging in as an ordinary owner role:
- with CREATEROLE (the managed services' admin user): migrate creates the app role, makes
  itself a member, grants it the tables; the tenancy tests then pass as that owner, acting as
  the app role, on a test database it created and migrated itself;
- without CREATEROLE: migrate stops before changing anything with a message naming the exact
  SQL an administrator must run (no traceback); once that SQL has run, migrate succeeds.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

pytestmark = pytest.mark.prod

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "managed-owner-pw"


def _admin() -> psycopg.Connection:
    """The cluster's administrator: the login of this test run (a superuser)."""
    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=int(db["PORT"] or 5432),
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


@dataclass
class Managed:
    owner: str
    app: str
    database: str

    def url(self, database: str | None = None) -> str:
        db = settings.DATABASES["default"]
        host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
        return f"postgres://{self.owner}:{PASSWORD}@{host}:{port}/{database or self.database}"

    def env(self, **extra: str) -> dict[str, str]:
        return {**os.environ, "DATABASE_URL": self.url(), "HUB_DB_APP_ROLE": self.app, **extra}

    def migrate(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=300,
        )

    def query(self, sql: str, params: list[object] | None = None) -> list[tuple]:
        db = settings.DATABASES["default"]
        with psycopg.connect(
            host=db["HOST"] or "127.0.0.1",
            port=int(db["PORT"] or 5432),
            user=self.owner,
            password=PASSWORD,
            dbname=self.database,
            autocommit=True,
        ) as conn:
            return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]


def _managed(*, createrole: bool, app_role_exists: bool) -> Iterator[Managed]:
    tag = uuid.uuid4().hex[:8]
    managed = Managed(owner=f"hub_owner_{tag}", app=f"hub_app_{tag}", database=f"hub_managed_{tag}")
    with _admin() as admin:
        admin.execute(
            f"CREATE ROLE {managed.owner} LOGIN NOSUPERUSER NOBYPASSRLS CREATEDB "
            f"{'CREATEROLE' if createrole else 'NOCREATEROLE'} PASSWORD '{PASSWORD}'"
        )
        if app_role_exists:
            admin.execute(f"CREATE ROLE {managed.app} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB")
        admin.execute(f"CREATE DATABASE {managed.database} OWNER {managed.owner}")
    try:
        yield managed
    finally:
        with _admin() as admin:
            for name in (managed.database, f"{managed.database}_test"):
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            admin.execute(f"DROP ROLE IF EXISTS {managed.app}")
            admin.execute(f"DROP ROLE IF EXISTS {managed.owner}")


@pytest.fixture
def owner_with_createrole() -> Iterator[Managed]:
    yield from _managed(createrole=True, app_role_exists=False)


@pytest.fixture
def owner_without_createrole() -> Iterator[Managed]:
    yield from _managed(createrole=False, app_role_exists=False)


@pytest.fixture
def owner_and_admins_app_role() -> Iterator[Managed]:
    """The administrator created the app role beforehand; the owner may not create roles."""
    yield from _managed(createrole=False, app_role_exists=True)


def test_migrate_as_a_createrole_owner_sets_up_the_app_role_and_the_app_works_as_it(owner_with_createrole):
    managed = owner_with_createrole
    done = managed.migrate()
    assert done.returncode == 0, done.stdout + done.stderr
    (owner_super,) = managed.query("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")[0]
    assert owner_super is False
    # The app role exists, is neither superuser nor exempt from RLS, and the owner may act as it.
    assert managed.query(
        "SELECT rolsuper, rolbypassrls, pg_has_role(current_user, rolname, 'MEMBER') FROM pg_roles WHERE rolname = %s",
        [managed.app],
    ) == [(False, False, True)]
    # It may read and write tenant tables, never truncate them, never change the audit trail.
    rights = managed.query(
        "SELECT has_table_privilege(%s, 'members_memberprogram', 'SELECT, INSERT, UPDATE'),"
        " has_table_privilege(%s, 'members_memberprogram', 'TRUNCATE'),"
        " has_table_privilege(%s, 'alliance_auditevent', 'UPDATE'),"
        " has_table_privilege(%s, 'alliance_auditevent', 'DELETE')",
        [managed.app] * 4,
    )
    assert rights == [(True, False, False, False)]
    # Row-level security is on and forced on tenant tables, owned by the ordinary owner.
    assert managed.query(
        "SELECT relrowsecurity, relforcerowsecurity, pg_get_userbyid(relowner) FROM pg_class"
        " WHERE relname = 'members_memberprogram'"
    ) == [(True, True, managed.owner)]

    # The app as that owner: the tenancy tests (which check they run as the app role and that RLS
    # hides the other alliance's rows) on a test database the owner creates and migrates itself.
    tenancy = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/alliance/test_tenancy.py", "-q", "-p", "no:randomly"],
        cwd=ROOT,
        env=managed.env(DATABASE_TEST_NAME=f"{managed.database}_test"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert tenancy.returncode == 0, tenancy.stdout[-4000:] + tenancy.stderr[-2000:]
    assert " passed" in tenancy.stdout
    assert "skipped" not in tenancy.stdout


def test_migrate_without_the_rights_stops_with_the_sql_an_administrator_must_run(owner_without_createrole):
    managed = owner_without_createrole
    done = managed.migrate()
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "Traceback" not in output
    assert f'CREATE ROLE "{managed.app}" NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB;' in output
    assert f'GRANT "{managed.app}" TO "{managed.owner}";' in output
    assert "README.md" in output
    # Stopped before changing anything: not one table was created.
    assert managed.query("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]


def test_an_app_role_made_by_the_administrator_needs_only_the_grant_the_message_names(owner_and_admins_app_role):
    managed = owner_and_admins_app_role
    refused = managed.migrate()
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0
    assert "Traceback" not in output
    grant = f'GRANT "{managed.app}" TO "{managed.owner}";'
    assert grant in output
    assert "CREATE ROLE" not in output

    # The administrator runs exactly what the message said; migrate then completes.
    with _admin() as admin:
        admin.execute(grant)
    done = managed.migrate()
    assert done.returncode == 0, done.stdout + done.stderr
    assert managed.query(
        "SELECT has_table_privilege(%s, 'members_memberprogram', 'SELECT, INSERT'),"
        " has_table_privilege(%s, 'members_memberprogram', 'TRUNCATE')",
        [managed.app, managed.app],
    ) == [(True, False)]
