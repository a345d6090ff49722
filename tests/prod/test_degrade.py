"""Degrade, don't break, and a front door slow clients cannot pin: the real web process.

gunicorn runs with docker-compose.yml's own command (tests/prod/test_production_shape.py), as the
app role, against real dead addresses (a port nothing listens on) — no mocks:
- Redis dead: /healthz says so (503), and sign-in (with TOTP), the dashboard, the public page
  and an API list answer 200; wrong passwords are still refused after the limit (counted in the
  worker's memory; one worker, so the count is exact); deep JSON is a 400; the cache failure is
  logged once per worker, not per call.
- PostgreSQL dead: a page and an API call answer 503 with Retry-After, not 500.
- nginx (Debian's, with docker/nginx.conf) in front of gunicorn: clients that declare a body and
  never send it, or never finish their headers, do not keep anyone else waiting; and an address
  a visitor writes into X-Forwarded-For does not get around the per-address sign-in limit.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
import requests
import yaml
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.conf import global_settings

from alliance.tokens import api_token_create
from tests.factories import PASSWORD, AllianceFactory, MemberProgramFactory, member
from tests.prod.test_production_shape import (
    ROOT,
    allow_app_role_login,
    app_role_database_url,
    free_port,
    json_lines,
    processes,
    production_commands,
    wait_for,
    with_option,
)

WORKERS = 2  # production_commands runs compose's web with two workers (two shared cores)
TOO_MANY = "Too many failed login attempts"


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, next(iter(yield_hotp_counters_from_time()))))


def web_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": app_role_database_url(f"hub-degrade-{uuid.uuid4().hex[:6]}"),
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "HUB_HTTPS": "false",
        "HUB_CACHE_BACKEND": "redis",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "HUB_EXPORT_DIR": str(tmp_path / "exports"),
        "HUB_LOG_FORMAT": "json",
        **overrides,
    }
    env.pop("DATABASE_TEST_NAME", None)
    return env


@contextmanager
def web(tmp_path: Path, env: dict[str, str], workers: int = WORKERS) -> Iterator[tuple[str, dict[str, Path]]]:
    """gunicorn with compose's command on a free port, until /healthz answers (200 or 503)."""
    port = free_port()
    command = production_commands(port=port, queue="unused", beat_schedule=tmp_path / "s")["web"]
    command = with_option(command, "--workers", str(workers))
    base = f"http://127.0.0.1:{port}"
    with processes({"web": command}, env, tmp_path, cleanup=lambda: None) as logs:
        wait_for("gunicorn answering", lambda: answers(base + "/healthz"), timeout=45, logs=logs)
        yield base, logs


def answers(url: str) -> bool:
    try:
        requests.get(url, timeout=5)
    except requests.RequestException:
        return False
    return True


def dead_address() -> str:
    return f"127.0.0.1:{free_port()}"


def form_token(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


def sign_in(base: str, email: str, password: str, **headers: str) -> tuple[requests.Session, requests.Response]:
    browser = requests.Session()
    page = browser.get(base + "/accounts/login/", headers=headers, timeout=10)
    assert page.status_code == 200
    response = browser.post(
        base + "/accounts/login/",
        {"login": email, "password": password, "csrfmiddlewaretoken": form_token(page.text)},
        headers={"Referer": base + "/accounts/login/", **headers},
        allow_redirects=False,
        timeout=10,
    )
    return browser, response


@pytest.fixture
def alliance_with_people(transactional_db, settings):
    # Passwords hashed as production verifies them (the suite's fast hasher is not among its hashers).
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    alliance = AllianceFactory(slug=f"degrade-{uuid.uuid4().hex[:8]}", timezone="UTC")
    MemberProgramFactory(alliance=alliance, name="Degrade Centre")
    admin = member(alliance, "hub_admin")
    provider = member(alliance, "provider", program=MemberProgramFactory(alliance=alliance, name="Second Centre"))
    _row, token = api_token_create(user=member(alliance, "hub_staff"), name="degrade test")
    allow_app_role_login()
    return alliance, admin, provider, token


@pytest.mark.prod
def test_without_redis_sign_in_the_dashboard_the_public_page_and_the_api_answer(alliance_with_people, tmp_path):
    alliance, admin, provider, token = alliance_with_people
    slug = alliance.slug
    dead = f"redis://{dead_address()}/0"
    env = web_env(tmp_path, REDIS_URL=dead, CELERY_BROKER_URL=dead, CELERY_RESULT_BACKEND=dead)
    # One worker: without Redis each worker counts failed sign-ins in its own memory, and which of
    # several workers answers a request is the kernel's choice (one may see 17 of 21 attempts and
    # another 4), so only one worker makes "refused after exactly five" something to assert.
    with web(tmp_path, env, workers=1) as (base, logs):
        health = requests.get(base + "/healthz", timeout=10)
        assert health.status_code == 503
        assert health.json()["database"] == "ok"
        assert health.json()["redis"].startswith("failed: ")

        # Sign-in, password then TOTP, and the dashboard (its body is cached under a version in Redis).
        browser, response = sign_in(base, admin.email, PASSWORD)
        assert (response.status_code, response.headers["Location"]) == (302, "/accounts/2fa/authenticate/")
        page = browser.get(base + "/accounts/2fa/authenticate/", timeout=10)
        response = browser.post(
            base + "/accounts/2fa/authenticate/",
            {"code": current_code(admin.totp_secret), "csrfmiddlewaretoken": form_token(page.text)},
            headers={"Referer": base + "/accounts/2fa/authenticate/"},
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 302, response.text[:500]
        dashboard = browser.get(f"{base}/a/{slug}/dashboard/", timeout=10)
        assert dashboard.status_code == 200
        assert "No Iron Triangle figures yet" in dashboard.text

        # The public page and an API list.
        assert requests.get(f"{base}/care/{slug}/", timeout=10).status_code == 200
        api = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        listing = requests.get(f"{base}/api/a/{slug}/families/", headers=api, timeout=10)
        assert listing.status_code == 200
        assert listing.json()["count"] == 0

        # JSON nested 100,000 levels: a 400 naming the problem (a RecursionError and a 500 before).
        deep = '{"name": ' + "[" * 100_000 + "]" * 100_000 + "}"
        refused = requests.post(
            f"{base}/api/a/{slug}/families/",
            data=deep,
            headers={**api, "Content-Type": "application/json"},
            timeout=10,
        )
        assert refused.status_code == 400
        assert refused.json() == {"non_field_errors": ["JSON parse error - JSON nested more than 32 levels deep."]}

        # Wrong passwords for one account: five are answered as wrong (5 per 5 minutes, counted in
        # the worker's memory while Redis is down), the sixth is refused, and then so is the right one.
        for _ in range(5):
            _browser, response = sign_in(base, provider.email, "wrong password")
            assert response.status_code == 200
            assert TOO_MANY not in response.text
        _browser, response = sign_in(base, provider.email, "wrong password")
        assert TOO_MANY in response.text
        for _ in range(3):
            _browser, response = sign_in(base, provider.email, PASSWORD)
            assert response.status_code == 200
            assert TOO_MANY in response.text

    # The cache's failure: one line for the worker (the run took less than a minute), not one per call.
    warnings = [line for line in json_lines(logs["web"]) if line.get("logger") == "hub.cache"]
    assert len(warnings) == 1, warnings
    assert all(line["message"].startswith("cache unreachable") for line in warnings)
    statuses = [line["status"] for line in json_lines(logs["web"]) if "status" in line]
    assert 500 not in statuses


@pytest.mark.prod
def test_without_the_database_pages_and_the_api_answer_503_with_retry_after(alliance_with_people, tmp_path):
    alliance, _admin, _provider, token = alliance_with_people
    host, port = dead_address().split(":")
    env = web_env(tmp_path, DATABASE_URL=f"postgres://hub_app@{host}:{port}/hub")
    with web(tmp_path, env) as (base, logs):
        health = requests.get(base + "/healthz", timeout=10)
        assert health.status_code == 503
        assert health.json()["database"].startswith("failed: ")

        page = requests.get(f"{base}/care/{alliance.slug}/", timeout=10)
        assert page.status_code == 503
        assert page.headers["Retry-After"] == "30"
        assert "The Hub is briefly unavailable" in page.text

        api = requests.get(
            f"{base}/api/a/{alliance.slug}/families/",
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=10,
        )
        assert api.status_code == 503
        assert api.headers["Retry-After"] == "30"
        assert api.headers["Content-Type"] == "application/json"
        assert "cannot reach its database" in api.json()["detail"]


# --- the front door: nginx in front of gunicorn ---------------------------------------------


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    assert found, "The front-door test runs Debian's nginx (docker/nginx.conf): apt-get install nginx"
    return found


@contextmanager
def nginx(tmp_path: Path, upstream: int) -> Iterator[str]:
    """nginx with docker/nginx.conf, only the upstream's and the listening address changed."""
    port = free_port()
    site = (ROOT / "docker" / "nginx.conf").read_text()
    assert "server web:8000;" in site
    assert "listen 80;" in site
    site = site.replace("server web:8000;", f"server 127.0.0.1:{upstream};")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
    root = tmp_path / "nginx"
    root.mkdir()
    (root / "hub.conf").write_text(site)
    temp = "\n".join(
        f"    {kind}_temp_path {root}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (root / "nginx.conf").write_text(
        f"daemon off;\nworker_processes 1;\npid {root}/nginx.pid;\nerror_log {root}/error.log;\n"
        + ("user root;\n" if os.geteuid() == 0 else "")
        + "events { worker_connections 256; }\n"
        + f"http {{\n    access_log off;\n{temp}\n    include {root}/hub.conf;\n}}\n"
    )
    process = subprocess.Popen(
        [nginx_binary(), "-c", str(root / "nginx.conf"), "-p", str(root), "-e", str(root / "error.log")]
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while not answers(base + "/healthz"):
            assert process.poll() is None, (root / "error.log").read_text()
            assert time.monotonic() < deadline, "nginx did not answer"
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def slow_client(address: str, *, body: bool) -> socket.socket:
    """A client that declares a body and never sends it, or never finishes its headers."""
    host, port = address.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)))
    if body:
        sock.sendall(
            b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 4096\r\n\r\nlogin="
        )
    else:
        sock.sendall(b"GET /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    return sock


@pytest.mark.prod
def test_behind_nginx_slow_clients_keep_nobody_waiting_and_forwarded_addresses_are_not_trusted(
    alliance_with_people, tmp_path
):
    _alliance, _admin, provider, _token = alliance_with_people
    env = web_env(tmp_path, HUB_TRUSTED_PROXY_COUNT="1")
    with (
        web(tmp_path, env) as (direct, _logs),
        nginx(tmp_path, int(direct.rsplit(":", 1)[1])) as front,
        ExitStack() as held,
    ):
        # Three clients per gunicorn worker hold their requests open, half of them with a body
        # they declared and never send: at gunicorn directly, these would occupy both sync workers.
        for index in range(3 * WORKERS):
            held.callback(slow_client(front, body=index % 2 == 0).close)
        time.sleep(1)  # nginx has them all; none has reached gunicorn
        answered = [requests.get(front + "/accounts/login/", timeout=10).status_code for _ in range(10)]
        assert answered == [200] * 10

        # Sign-in limits count the address nginx saw (HUB_TRUSTED_PROXY_COUNT=1), not the one a
        # visitor writes: eleven failed sign-ins from one address, each claiming another, and the
        # address's limit of 10 a minute refuses the eleventh.
        texts = []
        for attempt in range(11):
            spoofed = {"X-Forwarded-For": f"203.0.113.{attempt + 1}"}
            _browser, response = sign_in(front, f"nobody{attempt}@example.org", "wrong password", **spoofed)
            texts.append(TOO_MANY in response.text)
        assert texts == [False] * 10 + [True]
        _browser, response = sign_in(front, provider.email, PASSWORD, **{"X-Forwarded-For": "198.51.100.9"})
        assert response.status_code == 200
        assert TOO_MANY in response.text


def test_compose_puts_nginx_in_front_of_gunicorn_and_trusts_exactly_that_proxy():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    proxy = services["proxy"]
    assert proxy["image"].startswith("nginx:")
    assert "./docker/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in proxy["volumes"]
    # Only the proxy is reachable from outside; gunicorn only through it.
    published = [name for name, service in services.items() if service.get("ports")]
    assert published == ["proxy"]
    assert services["web"]["expose"] == ["8000"]
    # One proxy in front of web, and the number web trusts is one (alliance/clients.py).
    assert services["web"]["environment"]["HUB_TRUSTED_PROXY_COUNT"] == "1"
    site = (ROOT / "docker" / "nginx.conf").read_text()
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in site
    web_port = shlex.split(services["web"]["command"])[shlex.split(services["web"]["command"]).index("--bind") + 1]
    assert f"server web:{web_port.rsplit(':', 1)[1]};" in site
    for directive in (
        "proxy_request_buffering on;",
        "proxy_buffering on;",
        "client_body_timeout",
        "client_header_timeout",
    ):
        assert directive in site
