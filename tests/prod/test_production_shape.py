"""The production shape, run for real: gunicorn, a Celery worker and Celery beat.

The processes are started with the commands docker-compose.yml gives them
(only the port, the queue and beat's schedule file differ), against this
run's Redis and its test database, logging in as the non-owner app role
`hub_app` — not the owner with SET ROLE, as the rest of the suite does.
A scheduled rollup (beat → worker) and a user-triggered invoice run
(HTTP on gunicorn → worker) both complete and are read back over HTTP.

The second half checks docker-compose.yml against the Makefile and the
environment variables the settings read.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml
from django.conf import settings
from django.db import connection, transaction

from alliance.celery import app
from alliance.dates import alliance_today
from alliance.db import owner_role
from alliance.tokens import api_token_create
from tests.factories import AllianceFactory, MemberProgramFactory, member
from tests.metrics.factories import enroll, room

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
APP_ROLE = settings.HUB_DB_APP_ROLE
CHILD_NAME = "Wrenna"


# --- docker-compose.yml, read once ---------------------------------------------------


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def compose_command(service: str) -> list[str]:
    return shlex.split(compose()["services"][service]["command"])


def with_option(argv: list[str], option: str, value: str) -> list[str]:
    """argv with `option value` set (replaced if present, appended if not)."""
    argv = list(argv)
    if option in argv:
        argv[argv.index(option) + 1] = value
    else:
        argv += [option, value]
    return argv


def production_commands(*, port: int, queue: str, beat_schedule: Path) -> dict[str, list[str]]:
    """Compose's web, worker and beat commands as this test runs them."""
    web = with_option(compose_command("web"), "--bind", f"127.0.0.1:{port}")
    web = with_option(web, "--workers", "2")  # two cores shared by everyone
    worker = with_option(compose_command("worker"), "-Q", queue)
    worker += ["-n", f"{queue}@%h", "--concurrency", "1", "--without-gossip", "--without-mingle"]
    beat = compose_command("beat") + ["--schedule", str(beat_schedule)]
    return {
        name: [str(VENV_BIN / argv[0]), *argv[1:]]
        for name, argv in {"web": web, "worker": worker, "beat": beat}.items()
    }


# --- the database as the app role ------------------------------------------------------


def app_role_database_url(application_name: str) -> str:
    db = connection.settings_dict
    password = os.environ.get("HUB_APP_DB_PASSWORD", "")
    credentials = f"{APP_ROLE}:{password}" if password else APP_ROLE
    host = db.get("HOST") or "localhost"
    if host.startswith("/"):  # the embedded server listens on a Unix socket
        return f"postgresql://{credentials}@/{db['NAME']}?host={host}&application_name={application_name}"
    return f"postgres://{credentials}@{host}:{db.get('PORT') or 5432}/{db['NAME']}?application_name={application_name}"


def allow_app_role_login() -> None:
    """In production the app role logs in itself (docker/postgres-init.sh); let it here too."""
    with owner_role(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('hub_app_login'))")
        cursor.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", [APP_ROLE])
        (can_login,) = cursor.fetchone()
        if not can_login:
            cursor.execute(f'ALTER ROLE "{APP_ROLE}" LOGIN')


# --- processes -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def processes(
    commands: dict[str, list[str]], env: dict[str, str], logs: Path, cleanup: Callable[[], None]
) -> Iterator[dict[str, Path]]:
    """Start each command with its output in a log file; terminate them all at the end."""
    started: dict[str, subprocess.Popen[bytes]] = {}
    files = {name: logs / f"{name}.log" for name in commands}
    try:
        for name, argv in commands.items():
            with files[name].open("wb") as out:
                started[name] = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        yield files
    finally:
        for process in started.values():
            process.terminate()
        for process in started.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        cleanup()


def queue_delete(queue: str) -> None:
    """Messages beat queued after the test looked are dropped with the run's own queue."""
    with app.connection_for_write() as conn:
        conn.default_channel.queue_delete(queue)


def wait_for(what: str, check: Callable[[], Any], *, timeout: float, logs: dict[str, Path]) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        outcome = check()
        if outcome:
            return outcome
        time.sleep(0.5)
    tails = "\n".join(f"--- {name}.log ---\n{path.read_text(errors='replace')[-3000:]}" for name, path in logs.items())
    raise AssertionError(f"{what}: not within {timeout:.0f} s\n{tails}")


class Http:
    def __init__(self, base: str, token: str) -> None:
        self.base, self.token = base, token

    def call(
        self, method: str, path: str, body: dict | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], Any]:
        request = urllib.request.Request(
            self.base + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
                **(headers or {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, dict(response.headers), json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read().decode(errors="replace")
        except OSError:
            return 0, {}, None


def json_lines(path: Path) -> list[dict]:
    lines = []
    for raw in path.read_text(errors="replace").splitlines():
        if raw.startswith("{"):
            try:
                lines.append(json.loads(raw))
            except ValueError:
                pass
    return lines


# --- the test ---------------------------------------------------------------------------


@pytest.fixture
def not_eager():
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = True


@pytest.mark.prod
@pytest.mark.worker
def test_gunicorn_worker_and_beat_as_the_app_role_run_a_scheduled_rollup_and_an_invoice_run(
    transactional_db, not_eager, tmp_path
):
    alliance = AllianceFactory(slug=f"prod-{uuid.uuid4().hex[:8]}", timezone="UTC")
    today = alliance_today(alliance)
    program = MemberProgramFactory(alliance=alliance, name="Prod Shape Centre")
    every_day = list(range(7))  # so yesterday's month has open days whatever the date
    enroll(
        room(program, licensed=4, opened_on=today - datetime.timedelta(days=120), days=every_day),
        first_name=CHILD_NAME,
        start=today - datetime.timedelta(days=90),
        weekdays=every_day,
    )
    staff = member(alliance, "hub_staff")
    _row, token = api_token_create(user=staff, name="production shape test")

    allow_app_role_login()
    application_name = f"hub-prod-shape-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    database_url = app_role_database_url(application_name)
    with psycopg.connect(database_url) as probe, probe.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, rolsuper, rolbypassrls, "
            "(SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user) "
            "FROM pg_roles WHERE rolname = current_user"
        )
        assert cursor.fetchone() == (APP_ROLE, False, False, 0)  # not superuser, no BYPASSRLS, owns nothing

    port = free_port()
    queue = f"hub-prod-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "60",  # keep connections open so pg_stat_activity shows who logged in
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "HUB_HTTPS": "false",
        "HUB_CACHE_BACKEND": "redis",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "HUB_EXPORT_DIR": str(tmp_path / "exports"),
        "HUB_ROLLUP_INTERVAL_SECONDS": "2",
        "HUB_LOG_FORMAT": "json",
    }
    env.pop("DATABASE_TEST_NAME", None)
    commands = production_commands(port=port, queue=queue, beat_schedule=tmp_path / "celerybeat-schedule")
    http = Http(f"http://127.0.0.1:{port}", token)
    slug = alliance.slug
    request_id = f"prod-shape-{uuid.uuid4().hex}"

    with processes(commands, env, tmp_path, cleanup=lambda: queue_delete(queue)) as logs:
        health = wait_for(
            "gunicorn answering /healthz",
            lambda: (r := http.call("GET", "/healthz"))[0] == 200 and r,
            timeout=45,
            logs=logs,
        )
        assert health[2] == {"database": "ok", "redis": "ok"}

        # A user-triggered task: an invoice run started over the API, finished by the worker.
        status, headers, created = http.call(
            "POST",
            f"/api/a/{slug}/invoice-runs/",
            {"period_start": today.replace(day=1).isoformat()},
            headers={"X-Request-ID": request_id},
        )
        assert status == 201, created
        assert headers["X-Request-ID"] == request_id
        run = wait_for(
            "the invoice run finishing",
            lambda: (
                (r := http.call("GET", f"/api/a/{slug}/invoice-runs/{created['id']}/"))[0] == 200
                and r[2]["status"] in ("done", "failed")
                and r[2]
            ),
            timeout=45,
            logs=logs,
        )
        assert run["status"] == "done"
        assert run["programs_done"] == run["programs_total"] == 1

        # A scheduled task: beat's rollup entry, fanned out per alliance by the worker.
        months = wait_for(
            "beat's rollup reaching the API",
            lambda: (r := http.call("GET", f"/api/a/{slug}/metrics/alliance-months/"))[0] == 200 and r[2]["results"],
            timeout=45,
            logs=logs,
        )
        yesterday = today - datetime.timedelta(days=1)
        this_month = next(m for m in months if m["month"] == yesterday.replace(day=1).isoformat())
        assert float(this_month["occupancy"]) == 0.25  # one full-time child in four licensed places

        # Web and worker logged in as the app role itself.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT DISTINCT usename FROM pg_stat_activity WHERE application_name = %s", [application_name]
            )
            assert [row[0] for row in cursor.fetchall()] == [APP_ROLE]

    # Logs: JSON lines carrying the request id, the alliance and the user; the request id
    # followed the invoice run into the worker; no child's name anywhere.
    web_lines = [li for li in json_lines(logs["web"]) if li.get("request_id") == request_id]
    assert any(
        li.get("alliance_slug") == slug and li.get("user_id") == staff.pk and li.get("status") == 201
        for li in web_lines
    ), logs["web"].read_text()[-3000:]
    worker_lines = json_lines(logs["worker"])
    assert any(
        li.get("request_id") == request_id and str(li.get("task_name", "")).startswith("billing.invoice_run")
        for li in worker_lines
    ), logs["worker"].read_text()[-3000:]
    assert any("metrics.nightly_rollups" in li["message"] for li in json_lines(logs["beat"]))
    for path in logs.values():
        assert CHILD_NAME not in path.read_text(errors="replace")


# --- docker-compose.yml against the Makefile and the settings ------------------------

APP_SERVICES = ("migrate", "web", "worker", "beat")


def makefile_recipe(target: str) -> list[str]:
    text = (ROOT / "Makefile").read_text()
    match = re.search(rf"^{target}:[^\n]*\n\t([^\n]+)", text, re.MULTILINE)
    assert match, f"Makefile has no {target} target"
    recipe = match.group(1).replace("$(VENV)/bin/", "")
    recipe = re.sub(r"\$\$\{(\w+):-([^}]*)\}", r"\2", recipe)  # ${VAR:-default} → default
    return shlex.split(recipe)


def test_compose_describes_web_worker_beat_migrate_postgres_and_redis():
    services = compose()["services"]
    assert set(services) >= {"web", "worker", "beat", "migrate", "postgres", "redis"}
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    assert compose_command("migrate")[-3:] == ["manage.py", "migrate", "--noinput"]
    # web, worker and beat log in as the app role; only migrate logs in as the owner.
    for name in ("web", "worker", "beat"):
        assert services[name]["environment"]["DATABASE_URL"].startswith(f"postgres://{APP_ROLE}:")
    assert not services["migrate"]["environment"]["DATABASE_URL"].startswith(f"postgres://{APP_ROLE}:")
    # Exports are written by the worker and downloaded through web: the same volume.
    assert services["web"]["volumes"] == services["worker"]["volumes"]
    assert any(v.endswith(":" + services["web"]["environment"]["HUB_EXPORT_DIR"]) for v in services["web"]["volumes"])
    init = (ROOT / "docker" / "postgres-init.sh").read_text()
    assert f"CREATE ROLE {APP_ROLE} LOGIN" in init
    assert "NOSUPERUSER NOBYPASSRLS" in init


def test_compose_commands_are_the_makefiles_and_the_ones_this_suite_runs(tmp_path):
    for service in ("web", "worker", "beat"):
        assert compose_command(service) == makefile_recipe(service), service
    assert compose_command("web")[:2] == ["gunicorn", "alliance.wsgi:application"]
    ran = production_commands(port=8123, queue="q", beat_schedule=tmp_path / "s")
    for service in ("web", "worker", "beat"):
        compose_argv, ran_argv = compose_command(service), ran[service]
        assert Path(ran_argv[0]).name == compose_argv[0]
        # Same subcommand and options; the test changes only bind, worker count, queue and test-only flags.
        expected = [{"0.0.0.0:8000": "127.0.0.1:8123", "hub": "q"}.get(arg, arg) for arg in compose_argv]
        if "--workers" in expected:
            expected = with_option(expected, "--workers", "2")
        assert ran_argv[1 : len(compose_argv)] == expected[1:]
    dockerfile_cmd = re.search(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    assert dockerfile_cmd
    assert json.loads(dockerfile_cmd.group(1))[:2] == compose_command("web")[:2]


def variables_the_code_reads() -> set[str]:
    """Environment variables read by the settings (env_* helpers, os.environ) and by app modules."""
    names: set[str] = set()
    pattern = re.compile(r"""(?:env_\w+\(\s*|os\.environ(?:\.get)?[\[(]\s*|ENV_KEY\s*=\s*)["']([A-Z][A-Z0-9_]+)["']""")
    for path in ROOT.glob("*/*.py"):
        if path.parts[-2] in ("tests", "scripts", ".venv", "build") or "migrations" in path.parts:
            continue
        names |= set(pattern.findall(path.read_text()))
    return names


def test_compose_sets_only_variables_the_settings_read_and_all_they_require():
    read = variables_the_code_reads()
    assert {"DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY", "HUB_ROLLUP_INTERVAL_SECONDS"} <= read
    services = compose()["services"]
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        assert set(environment) <= read, (name, set(environment) - read)
        # What production start-up requires (alliance/settings.py) is set.
        assert {"DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"} <= set(environment)
        assert environment["DJANGO_DEBUG"] == "false"
        assert environment["CELERY_TASK_ALWAYS_EAGER"] == "false"
    # The queue compose's worker listens on is the settings' default queue.
    worker = compose_command("worker")
    assert worker[worker.index("-Q") + 1] == "hub"
    settings_text = (ROOT / "alliance" / "settings.py").read_text()
    assert 'env_str("CELERY_TASK_DEFAULT_QUEUE", "hub")' in settings_text
    # The Makefile's own variables are ones the settings read too.
    makefile_vars = set(re.findall(r"\$\$\{(\w+)", (ROOT / "Makefile").read_text()))
    assert makefile_vars <= read, makefile_vars - read
    # Docker's own check as well, where a Docker client with the compose plugin is installed.
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        result = subprocess.run(
            ["docker", "compose", "config", "--quiet"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={**os.environ, "DJANGO_SECRET_KEY": "x" * 50, "HUB_FIELD_ENCRYPTION_KEY": "k"},
        )
        assert result.returncode == 0, result.stderr
