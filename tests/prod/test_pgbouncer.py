"""The app through a real PgBouncer in transaction mode (Debian's pgbouncer).

One test starts PgBouncer with one server connection per database and runs, in a pytest session
of their own whose DATABASE_URL is PgBouncer (DATABASE_POOLER=pgbouncer), the tenancy tests, the
disclosure tests and tests/prod/pooled_clients.py (two interleaved clients of
different alliances on the one server connection). PgBouncer's own counters show the work went
through it, in transaction mode.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from tests.prod.pgbouncer import running_pgbouncer

pytestmark = [pytest.mark.prod, pytest.mark.pgbouncer]

ROOT = Path(__file__).resolve().parents[2]
SUITES = [
    "tests/alliance/test_tenancy.py",
    "tests/security/test_disclosure.py",
    "tests/prod/pooled_clients.py",
]


def _drop(name: str) -> None:
    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=int(db["PORT"] or 5432),
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_tenancy_tests_pass_through_pgbouncer_in_transaction_mode():
    name = f"{settings.DATABASES['default']['NAME']}_pooled"
    with running_pgbouncer(pool_size=1) as bouncer:
        env = {
            **os.environ,
            "DATABASE_URL": bouncer.url("hub"),
            "DATABASE_POOLER": "pgbouncer",
            "DATABASE_TEST_NAME": name,
        }
        began = time.monotonic()
        try:
            # --reuse-db: the session creates its database and leaves it (PgBouncer keeps a server
            # connection open to it, so the session could not drop it); dropped below.
            run = subprocess.run(
                [sys.executable, "-m", "pytest", *SUITES, "-q", "-p", "no:randomly", "--reuse-db"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=1200,
            )
            pools = {row["database"]: row for row in bouncer.show("POOLS")}
            stats = {row["database"]: row for row in bouncer.show("STATS")}
        finally:
            _drop(name)
        seconds = time.monotonic() - began
    report = run.stdout[-6000:] + run.stderr[-3000:]
    assert run.returncode == 0, report
    assert " passed" in run.stdout, report
    for word in ("skipped", "error", "xfail"):
        assert word not in run.stdout.splitlines()[-1], report
    # The work went through PgBouncer, pooled per transaction, on its one server connection.
    assert pools[name]["pool_mode"] == "transaction"
    assert pools[name]["sv_active"] + pools[name]["sv_idle"] + pools[name]["sv_used"] <= 1
    assert stats[name]["total_xact_count"] > 1000
    print(f"through pgbouncer: {run.stdout.splitlines()[-1]} ({seconds:.0f} s)")
