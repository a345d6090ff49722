"""Runs the README's commands with the right environment: `demo`, `test` and `gates`.

Called by the Makefile with the project's virtualenv Python. Finds or starts
the services each command needs and says clearly what is missing.

`test` runs the build's gates first (ruff format --check, ruff check, mypy), each failing the
run: always under CI (CI=true), and locally on every run that does not name tests. A run that
names test files or node ids (`make test PYTEST_ARGS="tests/billing -q"`) is a targeted run and
skips them; `make gates` (or HUB_GATES=1) runs them on their own.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
LOCAL_PG_URL = "postgres://postgres@127.0.0.1:5432/hub"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def _reachable(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _redis_ping(url: str) -> bool:
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 6379
    try:
        with socket.create_connection((host, port), timeout=1.0) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def ensure_redis(*, required: bool, url: str | None = None) -> bool:
    url = url or os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    if _redis_ping(url):
        return True
    server = shutil.which("redis-server")
    parsed = urlparse(url)
    if server and (parsed.hostname in ("127.0.0.1", "localhost")):
        print(f"Redis not answering at {url}; starting {server} ...", flush=True)
        log_dir = ROOT / "var"
        log_dir.mkdir(exist_ok=True)
        subprocess.run(
            [
                server,
                "--daemonize",
                "yes",
                "--bind",
                "127.0.0.1",
                "--port",
                str(parsed.port or 6379),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(log_dir),
                "--logfile",
                str(log_dir / "redis.log"),
            ],
            check=False,
        )
        for _ in range(50):
            if _redis_ping(url):
                return True
            time.sleep(0.1)
    if required:
        sys.exit(
            f"Redis is required at REDIS_URL={url} and is not reachable.\n"
            "Install it (Debian: apt-get install redis-server) or set REDIS_URL to a running Redis 7."
        )
    return False


CHROMIUM_HELP = (
    "The browser tests (tests/e2e) drive Debian's chromium, found on PATH (Playwright cannot\n"
    "download browsers here). Install it: sudo apt-get install -y chromium\n"
    "or skip the browser tests locally: make test PYTEST_ARGS='-m \"not e2e\"'  (CI runs them)."
)


def ensure_chromium(argv: list[str]) -> None:
    """The browser journeys need chromium: install it with apt-get when missing and possible."""
    if any("not e2e" in arg for arg in argv):
        return
    if shutil.which("chromium") or shutil.which("chromium-browser"):
        return
    if apt_install("chromium") and shutil.which("chromium"):
        return
    sys.exit("chromium is not installed and could not be installed automatically.\n" + CHROMIUM_HELP)


def apt_install(package: str) -> bool:
    """Install a Debian package with apt-get (as root, once); False when that is not possible here."""
    apt = shutil.which("apt-get")
    if not apt or os.geteuid() != 0:
        return False
    print(f"{package} is missing: installing it with apt-get (once) ...", flush=True)
    install = [apt, "install", "-y", "--no-install-recommends", package]
    quiet = {"env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, "check": False}
    if subprocess.run(install, **quiet).returncode != 0:  # type: ignore[call-overload]
        subprocess.run([apt, "update"], **quiet)  # type: ignore[call-overload]
        subprocess.run(install, **quiet)  # type: ignore[call-overload]
    return True


def ensure_nginx(argv: list[str]) -> None:
    """The front-door test (tests/prod/test_degrade.py) runs Debian's nginx: install it when missing and possible."""
    if any("not prod" in arg for arg in argv):
        return
    if shutil.which("nginx") or Path("/usr/sbin/nginx").exists():
        return
    apt_install("nginx")
    if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        sys.exit("nginx is not installed and could not be installed automatically: sudo apt-get install -y nginx")


def ensure_pgbouncer(argv: list[str]) -> None:
    """The pooled-tenancy test (tests/prod/test_pgbouncer.py) runs Debian's pgbouncer: install it when
    missing and possible, unless this run leaves that test out."""
    if any("not prod" in arg or "not pgbouncer" in arg for arg in argv):
        return
    if names_tests(argv) and not any("tests/prod" in arg or arg.rstrip("/") == "tests" for arg in argv):
        return  # a targeted run that does not include tests/prod
    if shutil.which("pgbouncer") or Path("/usr/sbin/pgbouncer").exists():
        return
    apt_install("pgbouncer")
    if not (shutil.which("pgbouncer") or Path("/usr/sbin/pgbouncer").exists()):
        sys.exit(
            "pgbouncer is not installed and could not be installed automatically: sudo apt-get install -y pgbouncer"
        )


def test_database_url() -> str | None:
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    if _reachable("127.0.0.1", 5432):
        return LOCAL_PG_URL
    print("No PostgreSQL on 127.0.0.1:5432: using the embedded one under var/pgdata.", flush=True)
    return None


def base_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "alliance.settings")
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True)


def demo(argv: list[str]) -> int:
    env = base_env()
    env.setdefault("DJANGO_DEBUG", "true")
    env.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
    env.setdefault("HUB_MFA_EXEMPT_DEMO_USERS", "true")
    env.setdefault("HUB_LOG_FORMAT", "text")
    if not ensure_redis(required=False):
        print("Redis not available: the demo uses an in-memory cache.", flush=True)
        env.setdefault("HUB_CACHE_BACKEND", "locmem")
    if not env.get("DATABASE_URL"):
        print("Starting the embedded PostgreSQL under var/pgdata ...", flush=True)
    manage("migrate", "--noinput", env=env)
    manage("seed_demo", env=env)
    addr = env.get("HUB_DEMO_ADDR", "127.0.0.1:8000")
    print(f"\nThe Hub is serving on http://{addr}/  (sign-ins are listed in README.md)\n", flush=True)
    os.chdir(ROOT)
    os.execve(PY, [PY, "manage.py", "runserver", addr, *argv], env)


# The build's gates, in the order they run: the quick ones first. mypy checks the packages that
# pyproject.toml's [tool.mypy] `files` names (every app and scripts/).
GATES: dict[str, list[str]] = {
    "ruff-format": ["-m", "ruff", "format", "--check", "."],
    "ruff-check": ["-m", "ruff", "check", "."],
    "mypy": ["-m", "mypy"],
}


# Production settings require a field-encryption key of their own (alliance/settings.py); the
# gates and the tests, which load production settings, use this one, which encrypts nothing real.
CHECK_ONLY_FIELD_KEY = "W2Ov5bce8OOiDdKOxo5Sr7_z_adK-gFMdggTgBcYlWc="


def gate_env() -> dict[str, str]:
    """What loading the settings needs (the mypy plugin loads them): a key, hosts, and a database URL
    that is parsed but never connected to (without one the settings would start the embedded PostgreSQL)."""
    env = base_env()
    env.setdefault("DJANGO_SECRET_KEY", "typecheck-only-secret-key-" + "x" * 40)
    env.setdefault("DJANGO_ALLOWED_HOSTS", "localhost")
    env.setdefault("HUB_FIELD_ENCRYPTION_KEY", CHECK_ONLY_FIELD_KEY)
    env.setdefault("DATABASE_URL", "postgres://typecheck@127.0.0.1:1/typecheck")
    return env


def gates(argv: list[str]) -> int:
    """Run the named gates (all by default); one line each with its time. Every gate runs, so one
    run shows every failure; the result fails if any gate failed."""
    names = argv or list(GATES)
    unknown = [name for name in names if name not in GATES]
    if unknown:
        sys.exit(f"No such gate: {', '.join(unknown)}. The gates are: {', '.join(GATES)}.")
    env = gate_env()
    failed = []
    for name in names:
        began = time.perf_counter()
        done = subprocess.run([PY, *GATES[name]], cwd=ROOT, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - began
        if done.returncode == 0:
            print(f"gate {name}: passed in {seconds:.1f} s", flush=True)
        else:
            print(done.stdout + done.stderr, end="", flush=True)
            print(f"gate {name}: FAILED in {seconds:.1f} s", flush=True)
            failed.append(name)
    if failed:
        print(f"The build's gates failed: {', '.join(failed)}. Nothing else ran.", flush=True)
        return 1
    return 0


def names_tests(argv: list[str]) -> bool:
    """Does this pytest command line name test files, folders or node ids (a targeted run)?"""
    return any(not arg.startswith("-") and (ROOT / arg.split("::")[0]).exists() for arg in argv)


def run_gates_first(argv: list[str]) -> bool:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        return True  # CI runs every gate, whatever else it was told
    if os.environ.get("HUB_GATES", "").lower() in ("1", "true", "yes"):
        return True
    return not names_tests(argv)


def test(argv: list[str]) -> int:
    if run_gates_first(argv):
        if gates([]) != 0:
            return 1
    else:
        print("gates skipped: a targeted run (it names tests); `make gates` runs them.", flush=True)
    env = base_env()
    env.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-" + "x" * 40)
    env.setdefault("DJANGO_DEBUG", "false")
    env.setdefault("HUB_FIELD_ENCRYPTION_KEY", CHECK_ONLY_FIELD_KEY)
    env.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
    env.setdefault("HUB_HTTPS", "false")
    env.setdefault("HUB_STATIC_MANIFEST", "false")
    env.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
    env.setdefault("CELERY_TASK_DEFAULT_QUEUE", f"hub-test-{os.getpid()}")
    # A Redis database apart from the demo's. Concurrent runs share it (and their Celery queues with
    # it): each run's cache keys carry its own prefix, and clearing the cache deletes only those.
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/9")
    env.setdefault("HUB_CACHE_KEY_PREFIX", f"hub-test-{os.getpid()}")
    # The broker's keys too, unacknowledged messages included: a worker test that sweeps for a
    # killed worker's messages (tests/billing/test_worker_loss.py) restores only this run's. Not
    # under the cache's prefix: clearing the cache deletes `<cache prefix>:*`, and would empty the queues.
    env.setdefault("HUB_BROKER_KEY_PREFIX", f"hub-broker-test-{os.getpid()}:")
    ensure_redis(required=True, url=env["REDIS_URL"])
    ensure_chromium(argv)
    ensure_nginx(argv)
    ensure_pgbouncer(argv)
    url = test_database_url()
    if url:
        env["DATABASE_URL"] = url
    os.chdir(ROOT)
    # A test database of this run's own, so concurrent runs never collide.
    env.setdefault("DATABASE_TEST_NAME", f"test_hub_{os.getpid()}")
    result = subprocess.run([PY, "-m", "pytest", *argv], env=env)
    if url:
        drop_left_behind(url, env["DATABASE_TEST_NAME"])
    return result.returncode


def drop_left_behind(url: str, name: str) -> None:
    """pytest-django drops the run's database at its end, but not while another session still uses
    it (it warns and goes on): drop it then, closing such sessions, so runs leave nothing behind."""
    import psycopg

    parsed = urlparse(url)
    try:
        with psycopg.connect(
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or 5432,
            user=parsed.username or "postgres",
            password=parsed.password or None,
            dbname="postgres",
            autocommit=True,
        ) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except psycopg.Error as exc:
        print(f"The test database {name} could not be dropped: {exc}", flush=True)


if __name__ == "__main__":
    command, rest = sys.argv[1], sys.argv[2:]
    sys.exit({"demo": demo, "test": test, "gates": gates}[command](rest))
