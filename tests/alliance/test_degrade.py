"""Degrade, don't break (DESIGN.md, "Background work and failure"), in this process.

The cache pointed at a real dead address is an empty cache: pages, sign-in and the API answer
as usual, sign-in is still rate limited (in process memory), the failure is logged once per
interval, and a value changed during an outage is not read stale afterwards. An unreachable
database is told apart from an error about a statement. tests/prod/test_degrade.py does the same
against the real web process.
"""

from __future__ import annotations

import logging
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.core.cache import cache, caches
from django.db import OperationalError, connection, transaction
from django.test import Client

from alliance import cache as hub_cache
from alliance.cache import HubRedisCache
from alliance.errors import database_unreachable
from alliance.tokens import api_token_create
from tests.alliance.test_signin import PASSWORD


def dead_port() -> int:
    """A port nothing listens on (bound for a moment, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cache_at(port: int, prefix: str = "degrade") -> HubRedisCache:
    return HubRedisCache(
        f"redis://127.0.0.1:{port}/0",
        {"KEY_PREFIX": prefix, "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25}},
    )


def cache_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "hub.cache" and r.levelno == logging.WARNING]


# --- the cache backend at a dead address -------------------------------------------------


def test_a_dead_redis_is_an_empty_cache_and_the_failure_is_logged_once(caplog):
    dead = cache_at(dead_port())
    caplog.set_level(logging.WARNING, logger="hub.cache")
    for _ in range(50):
        dead.set("figure", "42", 60)
        assert dead.get("figure") is None
        assert dead.get("figure", "default") == "default"
        assert dead.get_many(["figure", "other"]) == {}
        assert dead.has_key("figure") is False
        assert dead.add("figure", "1") is True
        assert dead.get_or_set("figure", "computed") == "computed"
        dead.delete("figure")
        dead.delete_many(["figure"])
        assert dead.set_many({"figure": 1}) == []
        with pytest.raises(ValueError, match="not found"):
            dead.incr("figure")  # as for a missing key
    dead.clear()
    assert not dead.reachable()
    warnings = cache_warnings(caplog)
    assert len(warnings) == 1, warnings
    assert "cache unreachable (ConnectionError" in warnings[0]


def test_rate_limit_counters_live_in_process_memory_while_redis_is_down():
    dead = cache_at(dead_port())
    key = "outreach:rate:inquire:1:abc:0"
    assert dead.add(key, 0, 60) is True
    assert [dead.incr(key) for _ in range(3)] == [1, 2, 3]
    assert dead.get(key) == 3
    assert dead.add(key, 0, 60) is False  # a lock or counter that exists stays taken
    assert dead.get("allauth:rl:account:login:x") is None
    dead.set("allauth:rl:account:login:x", [1.0, 2.0], 60)
    assert dead.get("allauth:rl:account:login:x") == [1.0, 2.0]
    # Another address's cache keeps its own (a per-address circuit and memory).
    assert cache_at(dead_port()).get(key) is None


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[tuple[int, list[str]]]:
    """Our own Redis on a free port with a snapshot file, so it can stop and come back with its data."""
    port = dead_port()
    argv = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(tmp_path)]
    argv += ["--dbfilename", "dump.rdb", "--save", "", "--appendonly", "no"]
    started: list[subprocess.Popen[bytes]] = []

    def start() -> None:
        started.append(subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for _ in range(100):
            try:
                redis.Redis(port=port).ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    start()
    yield port, argv
    for process in started:
        process.terminate()
        process.wait(timeout=10)


def test_a_value_changed_during_an_outage_is_not_read_stale_afterwards(redis_server, monkeypatch, caplog):
    port, argv = redis_server
    caplog.set_level(logging.WARNING, logger="hub.cache")
    monkeypatch.setattr(hub_cache, "RETRY_SECONDS", 0.0)  # try Redis again at once instead of after 5 s
    version_cache = cache_at(port)
    version_cache.set("metrics:snapshots:1:version", "before", None)
    version_cache.set("untouched", "kept", None)
    redis.Redis(port=port).shutdown(save=True)  # Redis stops, its data saved to the snapshot file

    version_cache.set("metrics:snapshots:1:version", "during", None)  # a rollup's bump, lost
    assert version_cache.get("metrics:snapshots:1:version") is None

    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                redis.Redis(port=port).ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        # Back: the key the outage changed is gone rather than stale; the others are as they were.
        assert version_cache.get("untouched") == "kept"
        assert version_cache.get("metrics:snapshots:1:version") is None
        assert version_cache.reachable()
    finally:
        process.terminate()
        process.wait(timeout=10)
    warnings = cache_warnings(caplog)
    assert any(w.startswith("cache unreachable") for w in warnings)
    assert any(w.startswith("cache reachable again") and "1 key(s) changed meanwhile deleted" in w for w in warnings)


# --- requests while the cache is down ---------------------------------------------------


@pytest.fixture
def dead_cache(settings) -> Iterator[None]:
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "BACKEND": "alliance.cache.HubRedisCache",
            "LOCATION": f"redis://127.0.0.1:{dead_port()}/0",
        }
    }
    yield
    cache.clear()  # the process-memory counters of this dead address


def test_without_redis_pages_the_api_and_sign_in_work_and_sign_in_stays_limited(world, clients, dead_cache):
    assert not caches["default"].get("anything")
    slug = world.a.slug
    # The dashboard (its body is cached under the snapshots' version) and a provider's page.
    dashboard = clients.admin_a.get(f"/a/{slug}/dashboard/")
    assert dashboard.status_code == 200
    assert b"No Iron Triangle figures yet" in dashboard.content
    # The public page.
    assert Client().get(f"/care/{slug}/").status_code == 200
    # An API list.
    _row, token = api_token_create(user=world.users.staff_a, name="degrade")
    listing = Client().get(f"/api/a/{slug}/families/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert listing.status_code == 200
    assert "results" in listing.json()
    # Sign-in works...
    browser = Client()
    response = browser.post("/accounts/login/", {"login": world.users.provider_x.email, "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in browser.session
    # ... and still refuses after five wrong passwords for one account.
    attacker = Client()
    for _ in range(6):
        response = attacker.post("/accounts/login/", {"login": world.users.provider_y.email, "password": "wrong"})
    assert b"Too many failed login attempts" in response.content
    attacker.post("/accounts/login/", {"login": world.users.provider_y.email, "password": PASSWORD})
    assert "_auth_user_id" not in attacker.session


# --- which database errors mean "unreachable" --------------------------------------------


def test_an_unreachable_database_is_told_apart_from_an_error_about_a_statement(db):
    from django.db.backends.postgresql.base import DatabaseWrapper

    dead = DatabaseWrapper({**connection.settings_dict, "HOST": "127.0.0.1", "PORT": dead_port()}, alias="dead")
    with pytest.raises(OperationalError) as refused:
        dead.ensure_connection()
    assert database_unreachable(refused.value)
    # A statement the database refuses (a lock not granted: 55P03) is our error, not an outage.
    with pytest.raises(OperationalError) as refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '55P03', MESSAGE = 'lock not available'; END $$")
    assert not database_unreachable(refused.value)
