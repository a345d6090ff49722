"""`make loadtest` (scripts/loadtest.py), run for a few seconds: the report's shape, not speed.

It starts the production shape itself (compose's gunicorn, Celery worker and beat, nginx in
front, DJANGO_DEBUG=false) on its own seeded database on the machine's PostgreSQL (built on the
first run, reused after), signs in one session of each role through the sign-in page (TOTP for
the hub roles) and runs the mix. With `--every-kind` every session requests each kind of its role once before the
clock is looked at, so every kind is in the report whatever the machine's speed.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import urllib.parse
from pathlib import Path
from types import ModuleType

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "loadtest.py"


def loadtest_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("hub_loadtest", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["hub_loadtest"] = module
    spec.loader.exec_module(module)
    return module


def superuser_url() -> str:
    """The machine's PostgreSQL as the run's own login (a superuser, as make test's), database `postgres`."""
    url = urllib.parse.urlsplit(os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/hub")
    return urllib.parse.urlunsplit((url.scheme, url.netloc, "/postgres", url.query, ""))


@pytest.mark.prod
@pytest.mark.worker
def test_a_short_load_test_of_four_sessions_reports_every_roles_kinds_without_errors(tmp_path):
    loadtest = loadtest_module()
    # One session of each role: the first four slots are a hub administrator, a provider, hub staff, a funder.
    roles = [loadtest.slot_role(slot) for slot in range(4)]
    assert sorted(roles) == ["funder", "hub_admin", "hub_staff", "provider"]

    done = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--sessions",
            "4",
            "--seconds",
            "3",
            "--warmup",
            "0",
            "--every-kind",
            "--pg-url",
            superuser_url(),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    lines = done.stdout.strip().splitlines()
    report = json.loads(lines[-1])  # one JSON line, last
    assert report["bench"] == "loadtest"
    assert report["targets_met"] is None  # no 25-session run to judge
    (run,) = report["runs"]
    assert run["sessions"] == 4
    assert run["requests"] > 0
    assert run["errors"] == 0, json.dumps(run["errors_by_kind"]) + done.stdout[-3000:]

    # Every role requested every kind of its mix, writes included, and the table shows them.
    assert set(run["roles"]) == set(roles)
    for role in roles:
        assert run["roles"][role]["kinds"] == loadtest.kinds_of(role), role
        assert run["roles"][role]["requests"] >= len(loadtest.kinds_of(role))
    assert {"page dashboard", "page aging", "page my figures", "page impact report"} <= set(run["kinds"])
    assert {"write attendance check-in", "write payment", "write enrollment terms"} <= set(run["kinds"])
    for kind, figures in run["kinds"].items():
        assert figures["requests"] >= 1
        assert figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"] <= figures["max_ms"], kind
        assert f"\n{kind} " in done.stdout  # a row of the printed table
    assert "\noverall " in done.stdout
    assert set(run["cpu_percent_of_one_core"]) >= {"gunicorn", "postgres", "generator", "machine"}
    assert len(run["loadavg_before"]) == 3

    # Everything it started was stopped: no process of the run (Celery's worker on the run's own
    # queue, beat and nginx with their files in the run's log folder) is left.
    left = [
        " ".join(p.info["cmdline"])
        for p in psutil.process_iter(["cmdline"])
        if p.info["cmdline"] and any(report["logs"] in arg or report["queue"] in arg for arg in p.info["cmdline"])
    ]
    assert left == []


def test_the_cpu_of_a_worker_replaced_during_a_run_is_counted_once():
    """gunicorn replaces a worker after --max-requests: its whole life moves into the master's
    reaped-children time. Worker 2 used 5 s before the run and 1 s in it, then was replaced by
    worker 3 (2 s): the run used 3 s, not the 8 s a pid-by-pid difference counted."""
    loadtest = loadtest_module()
    before = {1: 10.0, 2: 5.0}
    after = {1: 10.0 + 6.0, 3: 2.0}
    assert loadtest.cpu_delta(before, after) == pytest.approx(3.0)
