"""`make loadtest`: the production shape, started locally, under a measured load.

It starts, from the checkout it runs in (or `--app-dir DIR`, another checkout such as an older
commit in a worktree, for a before/after):

- a database of its own on the machine's PostgreSQL (`hub_loadtest_<hash of the app's
  migrations and demo code>`): created, migrated and seeded with `seed_demo` once, then reused
  (`--fresh` builds it again). Its throwaway secret key and field-encryption key are kept in
  the database's comment, so whichever checkout runs against it reads the same data. Set-up is
  not timed;
- gunicorn with exactly docker-compose.yml's web command and environment (only the bind address
  changes), Celery worker and beat with compose's commands (on a queue of this run's own), nginx
  in front with docker/nginx.conf rendered as tests/prod/test_degrade.py does, Redis;
  `DJANGO_DEBUG=false`, web and worker logging in as the app role `hub_app`, as in production.
  Plain HTTP (`HUB_HTTPS=false`): there is no TLS on the loopback.

Then it signs in one session per slot through the real sign-in page, TOTP included for hub roles
(each load-test user has a TOTP device with a known secret; one user per hub session, as a TOTP
code is accepted once), each session from its own loopback address 127.0.x.y so nginx, and the
sign-in rate limits, see distinct clients. Sessions are hub administrators, hub staff, providers
of every active program and funders of both demo alliances.

Each run (`--sessions 25,100 --seconds 60`) lets the first N sessions request, with no think
time, a mix of their role's pages and API lists and about 10 % writes that stay valid when
repeated (an attendance record cleared and checked in again, a $1.00 payment, an enrollment's
funding source changed and changed back). A response other than 2xx/3xx, a 3xx to the sign-in
page (a lost session) and a failed connection are errors. It prints a table per page kind and
overall (requests, req/s, p50/p95/p99, max, errors), the CPU used by gunicorn, the worker,
PostgreSQL, Redis, nginx and the generator itself, the machine's load average, and last one
JSON line.

Every process it started is stopped at the end, on Ctrl-C and on failure.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import datetime
import hashlib
import hmac
import json
import math
import os
import random
import re
import secrets
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.parse
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import psycopg
import yaml
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/6"
APP_ROLE = "hub_app"
PASSWORD = "load-test-2026-password"
TARGET_RPS, TARGET_P95_MS, TARGET_SESSIONS = 100.0, 400.0, 25

# A slot's role, in this order (the first four slots are one of each, so a run of four sessions
# has every role): 3 hub administrators, 6 hub staff, 8 providers and 3 funders in 20 slots.
ROLE_PATTERN = [
    "hub_admin",
    "provider",
    "hub_staff",
    "funder",
    "hub_staff",
    "provider",
    "hub_admin",
    "provider",
    "hub_staff",
    "provider",
    "hub_staff",
    "funder",
    "provider",
    "hub_admin",
    "hub_staff",
    "provider",
    "provider",
    "hub_staff",
    "funder",
    "provider",
]
ALLIANCES = ["riverbend", "riverbend", "riverbend", "riverbend", "cascade"]  # 4 : 1, by slot
HUB_ROLES = ("hub_admin", "hub_staff")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def slot_role(slot: int) -> str:
    return ROLE_PATTERN[slot % len(ROLE_PATTERN)]


def slot_alliance(slot: int) -> str:
    return ALLIANCES[slot % len(ALLIANCES)]


def slot_email(slot: int) -> str:
    return f"lt{slot:03d}-{slot_role(slot).replace('_', '-')}@{slot_alliance(slot)}.loadtest.invalid"


def slot_address(slot: int) -> str:
    """Each session's own loopback source address (nginx listens on 127.0.0.1)."""
    return f"127.0.{1 + slot // 250}.{2 + slot % 250}"


def totp_secret(email: str) -> str:
    return base64.b32encode(hashlib.sha256(f"hub load test {email}".encode()).digest()[:20]).decode()


def totp_code(secret: str, at: float | None = None) -> str:
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{value:06d}"


# --- the production shape ------------------------------------------------------------------


def compose(app_dir: Path) -> dict[str, Any]:
    return yaml.safe_load((app_dir / "docker-compose.yml").read_text())


def compose_command(app_dir: Path, service: str) -> list[str]:
    return shlex.split(compose(app_dir)["services"][service]["command"])


def with_option(argv: list[str], option: str, value: str) -> list[str]:
    argv = list(argv)
    if option in argv:
        argv[argv.index(option) + 1] = value
    else:
        argv += [option, value]
    return argv


def compose_environment(app_dir: Path, service: str, given: dict[str, str]) -> dict[str, str]:
    """The service's environment as compose would give it: `${X:?..}` and `${X}` from `given`,
    `${X:-default}` from `given` else the default."""
    raw = compose(app_dir)["services"][service].get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) for item in raw)

    def resolve(match: re.Match[str]) -> str:
        name, op, rest = match.group(1), match.group(2) or "", match.group(3) or ""
        if op == ":-":
            return given.get(name) or rest
        return given.get(name, "")

    pattern = re.compile(r"\$\{(\w+)(:\?|:-|\?|-)?([^}]*)\}")
    return {str(k): pattern.sub(resolve, str(v)) for k, v in raw.items()}


def venv_bin(app_dir: Path) -> Path:
    candidate = app_dir / ".venv" / "bin"
    return candidate if (candidate / "python").exists() else Path(sys.executable).parent


def app_digest(app_dir: Path) -> str:
    """What the seeded database depends on: the migrations and the demo data's code."""
    digest = hashlib.sha256()
    files = sorted(
        p
        for pattern in ("*/migrations/*.py", "*/demo.py", "*/management/commands/seed_demo.py")
        for p in app_dir.glob(pattern)
    )
    for path in files:
        digest.update(str(path.relative_to(app_dir)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:10]


def git_head(app_dir: Path) -> str:
    done = subprocess.run(["git", "-C", str(app_dir), "rev-parse", "HEAD"], capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def with_database(url: str, name: str, user: str | None = None) -> str:
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc
    if user is not None:
        host = netloc.rsplit("@", 1)[-1]
        password = os.environ.get("HUB_APP_DB_PASSWORD", "")
        netloc = f"{user}:{password}@{host}" if password else f"{user}@{host}"
    return urllib.parse.urlunsplit((parts.scheme, netloc, "/" + name, parts.query, ""))


def clean_environ() -> dict[str, str]:
    """The caller's environment without the project's own settings (a test run's must not leak in)."""
    prefixes = ("DJANGO_", "HUB_", "DATABASE_", "CELERY_", "REDIS_", "PYTEST")
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}


class Stack:
    """Processes started in their own process groups; all stopped at the end, whatever happens."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, argv: list[str], *, cwd: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
        with (self.logs / f"{name}.log").open("wb") as out:
            process = subprocess.Popen(
                argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.started[name] = process
        return process

    def check_alive(self) -> None:
        for name, process in self.started.items():
            if process.poll() is not None:
                tail = (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{tail}")

    def stop(self) -> None:
        for process in self.started.values():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.started.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        # A process group may outlive its leader (a Celery pool child): make sure.
        for process in self.started.values():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
        self.started.clear()


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not found:
        raise SystemExit("The load test runs Debian's nginx (docker/nginx.conf): apt-get install nginx")
    return found


def nginx_config(app_dir: Path, root: Path, *, listen: int, upstream: int) -> Path:
    """docker/nginx.conf with only the upstream's and the listening address changed."""
    site = (app_dir / "docker" / "nginx.conf").read_text()
    site, upstreams = re.subn(r"server web:\d+;", f"server 127.0.0.1:{upstream};", site)
    site, listens = re.subn(r"listen 80;", f"listen 127.0.0.1:{listen};", site)
    if not (upstreams and listens):
        raise SystemExit(
            "docker/nginx.conf no longer has `server web:8000;` and `listen 80;`: update scripts/loadtest.py"
        )
    root.mkdir(parents=True, exist_ok=True)
    (root / "hub.conf").write_text(site)
    temp = "\n".join(
        f"    {kind}_temp_path {root}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = root / "nginx.conf"
    conf.write_text(
        f"daemon off;\nworker_processes 1;\npid {root}/nginx.pid;\nerror_log {root}/error.log;\n"
        + ("user root;\n" if os.geteuid() == 0 else "")
        + "events { worker_connections 4096; }\n"
        + f"http {{\n    access_log off;\n{temp}\n    include {root}/hub.conf;\n}}\n"
    )
    return conf


# --- the database ---------------------------------------------------------------------------


def admin_connection(pg_url: str) -> psycopg.Connection[Any]:
    return psycopg.connect(pg_url, autocommit=True)


def database_state(admin: psycopg.Connection[Any], name: str) -> dict[str, Any] | None:
    """None: no such database; {}: one whose set-up did not finish; else its keys."""
    row = admin.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name]
    ).fetchone()
    if row is None:
        return None
    try:
        comment = json.loads(row[0] or "{}")
    except ValueError:
        return {}
    return comment if comment.get("loadtest") == "seeded" else {}


def manage(app_dir: Path, env: dict[str, str], *args: str, logs: Path, name: str) -> str:
    with (logs / f"{name}.log").open("ab") as out:
        done = subprocess.run(
            [str(venv_bin(app_dir) / "python"), "manage.py", *args], cwd=app_dir, env=env, capture_output=True
        )
        out.write(done.stdout + done.stderr)
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{(done.stdout + done.stderr).decode()[-4000:]}")
    return done.stdout.decode()


def owner_env(app_dir: Path, owner_url: str, keys: dict[str, str], redis_url: str, prefix: str) -> dict[str, str]:
    env = clean_environ()
    env.update(compose_environment(app_dir, "migrate", {**keys, "DJANGO_ALLOWED_HOSTS": "127.0.0.1"}))
    env.update(
        {
            "DATABASE_URL": owner_url,
            "DJANGO_DEBUG": "false",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "HUB_HTTPS": "false",
            "REDIS_URL": redis_url,
            "HUB_CACHE_KEY_PREFIX": prefix,
            "CELERY_TASK_ALWAYS_EAGER": "true",  # seed_demo's own work runs in-process
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "HUB_LOG_FORMAT": "text",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


USERS_SCRIPT = r"""
import json, os
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from alliance.models import Alliance, Membership
from alliance.tenancy import alliance_scope
from members.models import MemberProgram

User = get_user_model()
slots = json.loads(os.environ["LOADTEST_SLOTS"])
hashed = make_password(os.environ["LOADTEST_PASSWORD"])
programs, given, out = {}, {}, []
for slot in slots:
    alliance = Alliance.objects.get(slug=slot["slug"])
    program = None
    with alliance_scope(alliance.pk):
        if slot["role"] == "provider":
            if alliance.slug not in programs:
                programs[alliance.slug] = list(
                    MemberProgram.objects.filter(alliance=alliance, status="active").order_by("pk")
                )
            choices = programs[alliance.slug]
            program = choices[given.get(alliance.slug, 0) % len(choices)]
            given[alliance.slug] = given.get(alliance.slug, 0) + 1
        user, created = User.objects.get_or_create(
            email=slot["email"], defaults={"username": slot["email"], "password": hashed}
        )
        if not created and user.password != hashed and not user.check_password(os.environ["LOADTEST_PASSWORD"]):
            user.password = hashed
            user.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"primary": True, "verified": True})
        if slot["secret"] and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, slot["secret"])
        membership = Membership.objects.filter(user=user, alliance=alliance).first()
        if membership is None:
            Membership.objects.create(alliance=alliance, user=user, role=slot["role"], program=program)
        elif membership.role != slot["role"] or membership.program_id != (program.pk if program else None):
            membership.role, membership.program = slot["role"], program
            membership.save()
    out.append({**slot, "program": program.pk if program else None})
print("LOADTEST_USERS " + json.dumps(out))
"""


def ensure_users(app_dir: Path, env: dict[str, str], count: int, logs: Path) -> list[dict[str, Any]]:
    slots = [
        {
            "slot": slot,
            "email": slot_email(slot),
            "role": slot_role(slot),
            "slug": slot_alliance(slot),
            "secret": totp_secret(slot_email(slot)) if slot_role(slot) in HUB_ROLES else "",
        }
        for slot in range(count)
    ]
    output = manage(
        app_dir,
        {**env, "LOADTEST_SLOTS": json.dumps(slots), "LOADTEST_PASSWORD": PASSWORD},
        "shell",
        "-c",
        USERS_SCRIPT,
        logs=logs,
        name="setup",
    )
    line = next(li for li in output.splitlines() if li.startswith("LOADTEST_USERS "))
    return list(json.loads(line.removeprefix("LOADTEST_USERS ")))


def prepare_database(
    app_dir: Path, pg_url: str, name: str, *, fresh: bool, redis_url: str, prefix: str, logs: Path
) -> dict[str, str]:
    """Create, migrate and seed the database once (reused later); return its keys."""
    with admin_connection(pg_url) as admin:
        state = database_state(admin, name)
        if state and not fresh:
            log(f"database {name}: seeded before, reused (--fresh builds it again)")
            return {"DJANGO_SECRET_KEY": state["secret_key"], "HUB_FIELD_ENCRYPTION_KEY": state["field_key"]}
        if state is not None:
            log(f"database {name}: dropped ({'--fresh' if state else 'its set-up had not finished'})")
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    keys = {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "HUB_FIELD_ENCRYPTION_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
    }
    env = owner_env(app_dir, with_database(pg_url, name), keys, redis_url, prefix)
    began = time.monotonic()
    log(f"database {name}: migrate ...")
    manage(app_dir, env, "migrate", "--noinput", logs=logs, name="setup")
    log(f"database {name}: seed_demo ... ({time.monotonic() - began:.0f} s so far)")
    manage(app_dir, env, "seed_demo", logs=logs, name="setup")
    with psycopg.connect(with_database(pg_url, name), autocommit=True) as owner:
        owner.execute("VACUUM ANALYZE")
    comment = json.dumps(
        {"loadtest": "seeded", "secret_key": keys["DJANGO_SECRET_KEY"], "field_key": keys["HUB_FIELD_ENCRYPTION_KEY"]}
    )
    with admin_connection(pg_url) as admin:
        admin.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(comment)))
    log(f"database {name}: ready in {time.monotonic() - began:.0f} s")
    return keys


def collect_static(app_dir: Path, env: dict[str, str], logs: Path) -> None:
    """Production serves hashed static files (HUB_STATIC_MANIFEST): collect them when a source
    is newer than the manifest (the checkout's var/staticfiles, as README's production section)."""
    manifest = app_dir / "var" / "staticfiles" / "staticfiles.json"
    sources = [p for pattern in ("static/**/*", "*/static/**/*") for p in app_dir.glob(pattern) if p.is_file()]
    newest = max((p.stat().st_mtime for p in sources), default=0.0)
    if manifest.exists() and manifest.stat().st_mtime >= newest:
        return
    log("collectstatic ...")
    manage(app_dir, env, "collectstatic", "--noinput", logs=logs, name="setup")


def allow_app_role_login(pg_url: str) -> None:
    """In production the app role logs in itself (docker/postgres-init.sh); let it here too."""
    with admin_connection(pg_url) as admin:
        row = admin.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", [APP_ROLE]).fetchone()
        if row is not None and not row[0]:
            admin.execute(f'ALTER ROLE "{APP_ROLE}" LOGIN')


def redis_delete_prefix(redis_url: str, prefixes: list[str]) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        for prefix in prefixes:
            keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
            for start in range(0, len(keys), 500):
                client.delete(*keys[start : start + 500])
    except redis.RedisError as exc:
        log(f"redis clean-up: {exc}")
    finally:
        client.close()


# --- HTTP: a small keep-alive client on asyncio streams (cheap, so the generator stays light) --


class HttpError(Exception):
    pass


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    cookies: list[str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)


class Connection:
    def __init__(self, host: str, port: int, source: str) -> None:
        self.host, self.port, self.source = host, port, source
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(
            self.host, self.port, local_addr=(self.source, 0), limit=2**20
        )

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> Response:
        for attempt in (1, 2):
            fresh = self.writer is None
            if fresh:
                await self.open()
            try:
                return await self._exchange(method, path, headers, body)
            except (ConnectionError, asyncio.IncompleteReadError, HttpError):
                self.close()
                if fresh or attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _exchange(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> Response:
        assert self.reader is not None
        assert self.writer is not None
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b""))
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise HttpError("connection closed")
        status = int(status_line.split(b" ", 2)[1])
        found: dict[str, str] = {}
        cookies: list[str] = []
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                cookies.append(value)
            found[name] = value
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            data = b""
        elif found.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int((await self.reader.readline()).split(b";")[0].strip(), 16)
                if size == 0:
                    while (await self.reader.readline()) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                parts.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            data = b"".join(parts)
        elif "content-length" in found:
            data = await self.reader.readexactly(int(found["content-length"]))
        else:
            data = await self.reader.read()
            self.close()
        if found.get("connection", "").lower() == "close":
            self.close()
        return Response(status, found, cookies, data)


# --- sessions, their mixes, the measurements -------------------------------------------------


@dataclass
class Sample:
    kind: str
    role: str
    status: int
    ms: float
    error: str = ""


@dataclass
class Targets:
    programs: list[int] = field(default_factory=list)
    classrooms: list[int] = field(default_factory=list)
    accounts: list[int] = field(default_factory=list)
    families: list[int] = field(default_factory=list)
    enrollments: list[dict[str, Any]] = field(default_factory=list)
    attendance: list[dict[str, Any]] = field(default_factory=list)


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Session:
    def __init__(self, user: dict[str, Any], host: str, port: int) -> None:
        self.user = user
        self.slot: int = user["slot"]
        self.role: str = user["role"]
        self.slug: str = user["slug"]
        self.program: int | None = user["program"]
        self.conn = Connection(host, port, slot_address(self.slot))
        self.cookies: dict[str, str] = {}
        self.samples: list[Sample] | None = None  # set while a run records
        self.targets = Targets()
        self.random = random.Random(self.slot)
        self.attendance_record: dict[str, Any] | None = None
        self.enrollment: dict[str, Any] | None = None

    @property
    def group(self) -> str:
        return "hub" if self.role in HUB_ROLES else self.role

    def _headers(self, accept: str, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Accept": accept, "User-Agent": "hub-loadtest"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        headers.update(extra or {})
        return headers

    async def call(
        self,
        kind: str,
        method: str,
        path: str,
        *,
        form: dict[str, str] | None = None,
        payload: Any = None,
        accept: str = "text/html",
        headers: dict[str, str] | None = None,
    ) -> Response | None:
        body = None
        extra = dict(headers or {})
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            extra["Content-Type"] = "application/x-www-form-urlencoded"
        elif payload is not None:
            body = json.dumps(payload).encode()
            extra["Content-Type"] = "application/json"
            extra["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        began = time.perf_counter()
        try:
            response = await self.conn.request(method, path, self._headers(accept, extra), body)
        except (OSError, asyncio.IncompleteReadError, HttpError, ValueError) as exc:
            self.conn.close()
            self.record(kind, 0, (time.perf_counter() - began) * 1000, f"{type(exc).__name__}: {exc}")
            return None
        ms = (time.perf_counter() - began) * 1000
        for raw in response.cookies:
            name, _, rest = raw.partition("=")
            value = rest.split(";", 1)[0]
            if "max-age=0" in raw.lower() or value in ('""', ""):
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        error = ""
        if not 200 <= response.status < 400:
            error = f"HTTP {response.status}"
        elif 300 <= response.status < 400 and "/accounts/" in response.headers.get("location", ""):
            error = f"HTTP {response.status} to {response.headers['location'].split('?')[0]} (session lost)"
        self.record(kind, response.status, ms, error)
        return response

    def record(self, kind: str, status: int, ms: float, error: str) -> None:
        if self.samples is not None:
            self.samples.append(Sample(kind, self.role, status, ms, error))

    # sign-in ----------------------------------------------------------------------------------

    async def sign_in(self) -> None:
        page = await self.call("sign-in", "GET", "/accounts/login/")
        token = self._token(page, "sign-in page")
        answer = await self.call(
            "sign-in",
            "POST",
            "/accounts/login/",
            form={"login": self.user["email"], "password": PASSWORD, "csrfmiddlewaretoken": token},
        )
        if answer is None or answer.status != 302:
            raise RuntimeError(f"{self.user['email']}: sign-in answered {answer and answer.status}")
        if answer.headers.get("location", "").startswith("/accounts/2fa/authenticate"):
            for attempt in (1, 2):
                page = await self.call("sign-in", "GET", "/accounts/2fa/authenticate/")
                code = totp_code(self.user["secret"])
                answer = await self.call(
                    "sign-in",
                    "POST",
                    "/accounts/2fa/authenticate/",
                    form={"code": code, "csrfmiddlewaretoken": self._token(page, "TOTP page")},
                )
                if answer is not None and answer.status == 302:
                    break
                if attempt == 1:  # the code's 30 s window turned as it was sent: the next one
                    await asyncio.sleep(30 - time.time() % 30 + 0.5)
            else:
                raise RuntimeError(f"{self.user['email']}: the TOTP code was refused")
        landing = {"hub": "/dashboard/", "provider": "/my-program/figures/", "funder": "/reports/"}[self.group]
        check = await self.call("sign-in", "GET", f"/a/{self.slug}{landing}")
        if check is None or check.status != 200:
            raise RuntimeError(f"{self.user['email']}: {landing} answered {check and check.status} after sign-in")

    @staticmethod
    def _token(page: Response | None, what: str) -> str:
        match = CSRF.search(page.text) if page is not None else None
        if not match:
            raise RuntimeError(f"no CSRF token on the {what} (answered {page and page.status})")
        return match.group(1)

    async def api_rows(self, path: str, pages: int = 1) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for page in range(1, pages + 1):
            sep = "&" if "?" in path else "?"
            answer = await self.call(
                "discover", "GET", f"/api/a/{self.slug}/{path}{sep}page={page}", accept="application/json"
            )
            if answer is None or answer.status != 200:
                break
            data = answer.json()
            rows += data["results"] if isinstance(data, dict) else data
            if not isinstance(data, dict) or not data.get("next"):
                break
        return rows

    async def discover(self) -> Targets:
        """Rows this session's pages and writes name (not timed)."""
        if self.group == "funder":
            return Targets()
        today = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=12)
        programs = await self.api_rows("programs/", pages=2)
        return Targets(
            programs=[p["id"] for p in programs if p.get("status", "active") == "active"]
            or [p["id"] for p in programs],
            classrooms=[c["id"] for c in await self.api_rows("classrooms/", pages=2)],
            accounts=[a["id"] for a in await self.api_rows("billing-accounts/")],
            families=[f["id"] for f in await self.api_rows("families/")],
            enrollments=await self.api_rows(f"enrollments/?active_on={today.date().isoformat()}", pages=2),
            attendance=[
                r
                for r in await self.api_rows("attendance/", pages=3)
                if r.get("check_in") and not r.get("absence_reason")
            ],
        )

    # the mix ----------------------------------------------------------------------------------

    def mix(self) -> list[tuple[str, int, Callable[[], Awaitable[Any]]]]:
        s, t, pick = self.slug, self.targets, self.random.choice

        def page(kind: str, path: Callable[[], str], weight: int) -> tuple[str, int, Callable[[], Awaitable[Any]]]:
            return (kind, weight, lambda: self.call(kind, "GET", f"/a/{s}/{path()}"))

        def api(kind: str, path: str, weight: int) -> tuple[str, int, Callable[[], Awaitable[Any]]]:
            return (kind, weight, lambda: self.call(kind, "GET", f"/api/a/{s}/{path}", accept="application/json"))

        if self.group == "funder":
            return [
                page("page reports", lambda: "reports/", 10),
                page("page impact report", lambda: "reports/impact/", 10),
                api("api alliance months", "metrics/alliance-months/", 5),
                api("api finance months", "metrics/alliance-finance-months/", 4),
            ]
        common = [
            page("page aging", lambda: "billing/aging/", 5),
            page("page accounts", lambda: "billing/accounts/", 4),
            page("page account", lambda: f"billing/accounts/{pick(t.accounts)}/", 5),
            page("page billing", lambda: "billing/", 2),
            page("page program", lambda: f"programs/{pick(t.programs)}/", 4),
            page("page attendance", lambda: "attendance/", 3),
            page("page attendance sheet", lambda: f"attendance/classrooms/{pick(t.classrooms)}/", 5),
            page("page waitlist", lambda: "waitlist/", 4),
            page("page vacancies", lambda: "vacancies/", 2),
            page("page family", lambda: f"families/{pick(t.families)}/", 5),
            page("page families", lambda: "families/", 2),
            page("page enrollments", lambda: "enrollments/", 3),
            page("page invoices", lambda: "billing/invoices/", 2),
            page("page cover", lambda: "cover/", 2),
            api("api families", "families/", 3),
            api("api billing accounts", "billing-accounts/", 3),
            api("api enrollments", "enrollments/", 3),
            api("api attendance", "attendance/", 3),
            api("api children", "children/", 2),
            api("api invoices", "invoices/", 2),
            api("api payments", "payments/", 2),
            api("api aging", "aging/", 2),
        ]
        writes = [
            ("write attendance", 4, self.write_attendance),
            ("write payment", 4, self.write_payment),
            ("write enrollment terms", 2, self.write_terms),
        ]
        if self.group == "hub":
            own = [
                page("page dashboard", lambda: "dashboard/", 10),
                page("page collections", lambda: "billing/collections/", 4),
                page("page programs", lambda: "programs/", 3),
                page("page member figures", lambda: f"dashboard/programs/{pick(t.programs)}/", 3),
                page("page reports", lambda: "reports/", 2),
                page("page inquiries", lambda: "inquiries/", 2),
            ]
        else:
            own = [page("page my figures", lambda: "my-program/figures/", 10)]
        return [*own, *common, *writes]

    async def write_attendance(self) -> None:
        """Clear a day's record and check the child in again at the same time (net: as before)."""
        record = self.attendance_record
        if record is None:
            return
        cleared = await self.call(
            "write attendance clear", "POST", f"/api/a/{self.slug}/attendance/{record['id']}/clear/",
            payload={"reason": "load test"}, accept="application/json",
        )  # fmt: skip
        if cleared is None or cleared.status != 204:
            return
        again = await self.call(
            "write attendance check-in", "POST", f"/api/a/{self.slug}/attendance/check-in/",
            payload={"enrollment": record["enrollment"], "day": record["day"], "at": record["check_in"]},
            accept="application/json",
        )  # fmt: skip
        if again is not None and again.status == 201:
            self.attendance_record = {**record, "id": again.json()["id"]}

    async def write_payment(self) -> None:
        if not self.targets.accounts:
            return
        await self.call(
            "write payment", "POST", f"/api/a/{self.slug}/payments/",
            payload={"account": self.random.choice(self.targets.accounts), "amount": "1.00", "method": "cash",
                     "reference": "load test"},
            accept="application/json",
        )  # fmt: skip

    async def write_terms(self) -> None:
        """An enrollment's funding source changed, then changed back."""
        enrollment = self.enrollment
        if enrollment is None:
            return
        original = enrollment["funding_source"]
        other = "employer" if original == "private_pay" else "private_pay"
        for kind, source in (("write enrollment terms", other), ("write enrollment terms back", original)):
            await self.call(
                kind, "POST", f"/api/a/{self.slug}/enrollments/{enrollment['id']}/terms/",
                payload={"funding_source": source, "rate_plan_ref": enrollment["rate_plan_ref"]},
                accept="application/json",
            )  # fmt: skip

    async def loop(self, until: float, *, first_round: bool) -> None:
        """With `first_round`, every kind of the role once (in a random order) before the clock
        is looked at, so every run has every kind; then kinds at random by weight until `until`."""
        choices = self.mix()
        if first_round:
            for _kind, _weight, action in self.random.sample(choices, len(choices)):
                await action()
        weights = [weight for _kind, weight, _action in choices]
        while time.monotonic() < until:
            _kind, _weight, action = self.random.choices(choices, weights)[0]
            await action()


# The kinds a write of the mix records (one per request it makes).
WRITE_KINDS = {
    "write attendance": ["write attendance clear", "write attendance check-in"],
    "write payment": ["write payment"],
    "write enrollment terms": ["write enrollment terms", "write enrollment terms back"],
}


def kinds_of(role: str) -> list[str]:
    """Every kind a session of this role records in a run (its first round requests each)."""
    session = Session({"slot": 0, "role": role, "slug": "x", "program": None}, "127.0.0.1", 1)
    return sorted(k for kind, _w, _a in session.mix() for k in WRITE_KINDS.get(kind, [kind]))


async def sign_in_all(sessions: list[Session], parallel: int = 4) -> None:
    gate = asyncio.Semaphore(parallel)

    async def one(session: Session) -> None:
        async with gate:
            await session.sign_in()

    await asyncio.gather(*(one(s) for s in sessions))


async def discover_all(sessions: list[Session]) -> None:
    """Targets per (alliance, role group, program), shared; each session claims its own write rows."""
    found: dict[tuple[str, str, int | None], Targets] = {}
    for session in sessions:
        key = (session.slug, session.group, session.program)
        if key not in found:
            found[key] = await session.discover()
        session.targets = found[key]
    claimed_days: set[tuple[int, str]] = set()
    claimed_enrollments: set[int] = set()
    for session in sessions:
        for record in session.targets.attendance:
            if (record["enrollment"], record["day"]) not in claimed_days:
                claimed_days.add((record["enrollment"], record["day"]))
                session.attendance_record = record
                break
        for enrollment in session.targets.enrollments:
            if enrollment["id"] not in claimed_enrollments:
                claimed_enrollments.add(enrollment["id"])
                session.enrollment = enrollment
                break
        for name in ("programs", "classrooms", "accounts", "families"):
            if session.group != "funder" and not getattr(session.targets, name):
                raise RuntimeError(f"{session.user['email']} sees no {name}: the demo data is missing")


# --- CPU --------------------------------------------------------------------------------------


def tree_times(pid: int) -> dict[int, float]:
    """CPU seconds of a process, its live descendants and its reaped children, per pid."""
    try:
        root = psutil.Process(pid)
        times = {pid: sum(root.cpu_times()[:4])}  # user, system, children_user, children_system
        for child in root.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                times[child.pid] = sum(child.cpu_times()[:2])
        return times
    except psutil.Error:
        return {}


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU used between the two readings by the tree. A child that exited meanwhile (gunicorn
    replaces a worker after --max-requests) is in the root's reaped children's time with its
    whole life, and no longer under its own pid: the trees' totals, not pid by pid, so the time
    it used before the first reading is taken off once and not counted again."""
    return sum(after.values()) - sum(before.values())


def postmaster_pid(pg_url: str) -> int | None:
    try:
        with admin_connection(pg_url) as admin:
            row = admin.execute("SELECT pg_backend_pid()").fetchone()
        return psutil.Process(row[0]).ppid() if row else None
    except (psycopg.Error, psutil.Error):
        return None


def redis_pid() -> int | None:
    for process in psutil.process_iter(["name"]):
        if process.info["name"] and process.info["name"].startswith("redis-server"):
            return process.pid
    return None


# --- a run -------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))  # nearest rank
    return ordered[index]


def summary(samples: list[Sample], seconds: float) -> dict[str, Any]:
    ms = [s.ms for s in samples]
    return {
        "requests": len(samples),
        "rps": round(len(samples) / seconds, 1) if seconds else 0.0,
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "max_ms": round(max(ms), 1) if ms else 0.0,
        "errors": sum(1 for s in samples if s.error),
    }


async def timed_run(
    sessions: list[Session], seconds: float, warmup: float, watched: dict[str, int | None], *, every_kind: bool
) -> dict[str, Any]:
    if warmup > 0:
        until = time.monotonic() + warmup
        await asyncio.gather(*(s.loop(until, first_round=False) for s in sessions))
    samples: list[Sample] = []
    for session in sessions:
        session.samples = samples
    load_before = os.getloadavg()
    machine_before = psutil.cpu_times()
    before = {name: tree_times(pid) if pid else {} for name, pid in watched.items()}
    began_cpu = time.process_time()
    began = time.monotonic()
    await asyncio.gather(*(s.loop(began + seconds, first_round=every_kind) for s in sessions))
    elapsed = time.monotonic() - began
    generator = time.process_time() - began_cpu
    after = {name: tree_times(pid) if pid else {} for name, pid in watched.items()}
    machine_after = psutil.cpu_times()
    load_after = os.getloadavg()
    for session in sessions:
        session.samples = None
    busy = sum(
        getattr(machine_after, f) - getattr(machine_before, f) for f in ("user", "system", "nice", "irq", "softirq")
    )
    cpu = {name: round(100 * cpu_delta(before[name], after[name]) / elapsed, 1) for name in watched}
    cpu["generator"] = round(100 * generator / elapsed, 1)
    cpu["machine"] = round(100 * busy / elapsed, 1)
    cpu["other"] = round(max(0.0, cpu["machine"] - sum(v for k, v in cpu.items() if k != "machine")), 1)
    overall = summary(samples, elapsed)
    by_kind: dict[str, list[Sample]] = defaultdict(list)
    by_role: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_kind[sample.kind].append(sample)
        by_role[sample.role].append(sample)
    kinds = {}
    for kind, rows in sorted(by_kind.items()):
        kinds[kind] = summary(rows, elapsed)
        kinds[kind]["roles"] = sorted({r.role for r in rows})
        errors: dict[str, int] = defaultdict(int)
        for row in rows:
            if row.error:
                errors[row.error] += 1
        if errors:
            kinds[kind]["error_kinds"] = dict(errors)
    roles = {
        role: {**summary(rows, elapsed), "kinds": sorted({r.kind for r in rows})} for role, rows in by_role.items()
    }
    gunicorn_ms = 10 * cpu.get("gunicorn", 0.0) * elapsed / max(1, len(samples))  # % of a core → ms per request
    return {
        "sessions": len(sessions),
        "seconds": round(elapsed, 1),
        **overall,
        "errors_by_kind": {k: v["errors"] for k, v in kinds.items() if v["errors"]},
        "cpu_percent_of_one_core": cpu,
        "gunicorn_cpu_ms_per_request": round(gunicorn_ms, 1),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in load_after],
        "kinds": kinds,
        "roles": roles,
    }


def print_run(run: dict[str, Any]) -> None:
    print(f"\n== {run['sessions']} sessions, {run['seconds']} s, no think time ==")
    columns = ("requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors")
    header = f"{'kind':34} " + " ".join(f"{c:>{7 if c == 'req/s' else 6 if c == 'errors' else 8}}" for c in columns)
    print(header)
    print("-" * len(header))

    def row(name: str, s: dict[str, Any]) -> None:
        print(
            f"{name:34} {s['requests']:>8} {s['rps']:>7.1f} {s['p50_ms']:>8.0f} {s['p95_ms']:>8.0f}"
            f" {s['p99_ms']:>8.0f} {s['max_ms']:>8.0f} {s['errors']:>6}"
        )

    for kind, s in run["kinds"].items():
        row(kind, s)
    print("-" * len(header))
    for role, s in sorted(run["roles"].items()):
        row(f"(role) {role}", s)
    row("overall", run)
    for kind, s in run["kinds"].items():
        for error, count in s.get("error_kinds", {}).items():
            print(f"  error: {kind}: {error} x{count}")
    cpu = run["cpu_percent_of_one_core"]
    print(
        "CPU, % of one core (2 cores = 200 %): "
        + ", ".join(f"{name} {value:.0f}" for name, value in cpu.items())
        + f"; gunicorn {run['gunicorn_cpu_ms_per_request']:.1f} ms of CPU per request"
    )
    print(
        f"load average: {' '.join(map(str, run['loadavg_before']))} before,"
        f" {' '.join(map(str, run['loadavg_after']))} after"
        " (1, 5, 15 min; 'other' above is what the rest of the machine used)"
    )


# --- main ----------------------------------------------------------------------------------------


@contextlib.contextmanager
def run_lock(pg_url: str, name: str) -> Iterator[None]:
    """One load test per database at a time (a second waits): their writes would collide."""
    with admin_connection(pg_url) as admin:
        key = int(hashlib.sha256(name.encode()).hexdigest()[:15], 16)
        if not admin.execute("SELECT pg_try_advisory_lock(%s)", [key]).fetchone()[0]:  # type: ignore[index]
            log(f"another load test uses {name}: waiting for it to finish ...")
            admin.execute("SELECT pg_advisory_lock(%s)", [key])
        yield


def wait_healthy(base_port: int, stack: Stack, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stack.check_alive()
        try:
            with socket.create_connection(("127.0.0.1", base_port), timeout=2) as sock:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                if sock.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the site did not answer /healthz with 200 within {timeout:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", default="25,100", help="comma-separated session counts, one run each (25,100)")
    parser.add_argument("--seconds", type=float, default=60, help="length of each timed run (60)")
    parser.add_argument("--warmup", type=float, default=5, help="untimed seconds of the same mix before each run (5)")
    parser.add_argument("--app-dir", type=Path, default=ROOT, help="the checkout to serve (this one)")
    parser.add_argument(
        "--every-kind",
        action="store_true",
        help="each session requests every kind of its role once before the clock is looked at (short checks)",
    )
    parser.add_argument("--fresh", action="store_true", help="drop and rebuild the load test's database")
    parser.add_argument("--db", help="the database's name (default hub_loadtest_<hash of migrations and demo code>)")
    parser.add_argument("--pg-url", default=os.environ.get("LOADTEST_PG_URL", DEFAULT_PG_URL), help="a superuser's URL")
    parser.add_argument("--redis-url", default=os.environ.get("LOADTEST_REDIS_URL", DEFAULT_REDIS_URL))
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.sessions.split(",") if n.strip()]
    if not counts or min(counts) < 1:
        parser.error("--sessions: one or more positive numbers, e.g. 25,100")
    app_dir = args.app_dir.resolve()
    if not (app_dir / "manage.py").exists():
        parser.error(f"--app-dir {app_dir}: not a checkout of the Hub")
    db_name = args.db or f"hub_loadtest_{app_digest(app_dir)}"
    run_id = f"{datetime.datetime.now(datetime.UTC):%Y%m%d-%H%M%S}-{os.getpid()}"
    logs = ROOT / "var" / "loadtest" / run_id
    logs.mkdir(parents=True, exist_ok=True)
    prefix = f"hub-loadtest-{os.getpid()}"
    queue = prefix
    broker_prefix = f"{prefix}-broker:"
    stack = Stack(logs)

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    commit = git_head(app_dir)
    log(f"load test of {app_dir} at {commit[:12]}; logs in {logs}")
    try:
        with run_lock(args.pg_url, db_name):
            keys = prepare_database(
                app_dir, args.pg_url, db_name, fresh=args.fresh, redis_url=args.redis_url, prefix=prefix, logs=logs
            )
            env = owner_env(app_dir, with_database(args.pg_url, db_name), keys, args.redis_url, prefix)
            users = ensure_users(app_dir, env, max(counts), logs)
            allow_app_role_login(args.pg_url)
            collect_static(app_dir, env, logs)

            web_port, front_port = free_port(), free_port()
            given = {
                **keys,
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
                "HUB_APP_DB_PASSWORD": os.environ.get("HUB_APP_DB_PASSWORD", ""),
                "HUB_OWNER_DB_PASSWORD": "",
            }
            app_url = with_database(args.pg_url, db_name, user=APP_ROLE)
            overrides = {
                "DATABASE_URL": app_url,
                "REDIS_URL": args.redis_url,
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
                "HUB_HTTPS": "false",
                "HUB_EXPORT_DIR": str(logs / "exports"),
                "HUB_CACHE_KEY_PREFIX": prefix,
                "HUB_BROKER_KEY_PREFIX": broker_prefix,
                "CELERY_TASK_DEFAULT_QUEUE": queue,
                "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
                "PYTHONUNBUFFERED": "1",
            }
            bin_dir = venv_bin(app_dir)

            def service_env(service: str) -> dict[str, str]:
                return {**clean_environ(), **compose_environment(app_dir, service, given), **overrides}

            web = with_option(compose_command(app_dir, "web"), "--bind", f"127.0.0.1:{web_port}")
            worker = with_option(compose_command(app_dir, "worker"), "-Q", queue)
            worker += ["-n", f"{queue}@%h", "--without-gossip", "--without-mingle"]
            beat = compose_command(app_dir, "beat") + ["--schedule", str(logs / "celerybeat-schedule")]
            for name, argv_ in (("web", web), ("worker", worker), ("beat", beat)):
                stack.start(name, [str(bin_dir / argv_[0]), *argv_[1:]], cwd=app_dir, env=service_env(name))
            conf = nginx_config(app_dir, logs / "nginx", listen=front_port, upstream=web_port)
            stack.start(
                "nginx", [nginx_binary(), "-c", str(conf), "-p", str(conf.parent)], cwd=app_dir, env=clean_environ()
            )
            log(f"gunicorn: {' '.join(web)}  (behind nginx on 127.0.0.1:{front_port})")
            wait_healthy(front_port, stack)

            watched = {
                "gunicorn": stack.started["web"].pid,
                "worker": stack.started["worker"].pid,
                "beat": stack.started["beat"].pid,
                "nginx": stack.started["nginx"].pid,
                "postgres": postmaster_pid(args.pg_url),
                "redis": redis_pid(),
            }
            report = asyncio.run(
                measure(users, front_port, counts, args.seconds, args.warmup, watched, stack, args.every_kind)
            )
    except KeyboardInterrupt:
        log("interrupted: stopping everything the load test started")
        return 130
    finally:
        stack.stop()
        redis_delete_prefix(args.redis_url, [prefix, broker_prefix, queue, f"_kombu.binding.{queue}"])

    runs = report
    quarter = next((r for r in runs if r["sessions"] == TARGET_SESSIONS), None)
    targets_met = None
    if quarter is not None:
        targets_met = (
            all(r["errors"] == 0 for r in runs) and quarter["rps"] >= TARGET_RPS and quarter["p95_ms"] <= TARGET_P95_MS
        )
    for run in runs:
        print_run(run)
    print(
        f"\ntargets (issue #21): at {TARGET_SESSIONS} sessions ≥ {TARGET_RPS:.0f} req/s and p95 ≤"
        f" {TARGET_P95_MS:.0f} ms, 0 errors in every run: "
        + ("met" if targets_met else "not met" if targets_met is False else "no 25-session run")
    )
    print(f"app {app_dir} at {commit}; database {db_name}; logs {logs}", flush=True)
    line = {
        "bench": "loadtest",
        "commit": commit,
        "app_dir": str(app_dir),
        "database": db_name,
        "logs": str(logs),
        "queue": queue,
        "runs": runs,
        "targets": {"sessions": TARGET_SESSIONS, "rps": TARGET_RPS, "p95_ms": TARGET_P95_MS, "errors": 0},
        "targets_met": targets_met,
    }
    print(json.dumps(line, separators=(",", ":")), flush=True)
    return 0


async def measure(
    users: list[dict[str, Any]],
    port: int,
    counts: list[int],
    seconds: float,
    warmup: float,
    watched: dict[str, int | None],
    stack: Stack,
    every_kind: bool,
) -> list[dict[str, Any]]:
    sessions = [Session(user, "127.0.0.1", port) for user in users]
    began = time.monotonic()
    await sign_in_all(sessions)
    await discover_all(sessions)
    log(f"{len(sessions)} sessions signed in (TOTP for hub roles) in {time.monotonic() - began:.0f} s")
    runs = []
    for count in counts:
        stack.check_alive()
        log(f"run: {count} sessions, {warmup:.0f} s warm-up then {seconds:.0f} s timed ...")
        runs.append(await timed_run(sessions[:count], seconds, warmup, watched, every_kind=every_kind))
        stack.check_alive()
    for session in sessions:
        session.conn.close()
    return runs


if __name__ == "__main__":
    sys.exit(main())
