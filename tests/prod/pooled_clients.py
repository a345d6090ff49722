"""Clients of different alliances through one PgBouncer server connection (transaction mode).

Not collected on its own (its name is not test_*.py): tests/prod/test_pgbouncer.py runs it, with
the tenancy suites, in a pytest session whose DATABASE_URL is a real PgBouncer with one server
connection per database (`default_pool_size = 1`) and DATABASE_POOLER=pgbouncer.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from alliance.tenancy import alliance_scope
from members.models import MemberProgram
from tests.factories import AllianceFactory, MemberProgramFactory

pytestmark = pytest.mark.django_db(transaction=True)


class PooledClient(threading.Thread):
    """One client process of the app: a thread with its own Django connection to PgBouncer.
    `step(fn)` runs fn there and answers its result, so the test interleaves two clients."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.work: queue.Queue[Callable[[], Any] | None] = queue.Queue()
        self.results: queue.Queue[tuple[bool, Any]] = queue.Queue()
        self.start()

    def run(self) -> None:
        while (fn := self.work.get()) is not None:
            try:
                self.results.put((True, fn()))
            except BaseException as exc:  # handed to the test, which raises it
                self.results.put((False, exc))
        connection.close()

    def step(self, fn: Callable[[], Any]) -> Any:
        self.work.put(fn)
        ok, value = self.results.get(timeout=60)
        if not ok:
            raise value
        return value

    def stop(self) -> None:
        self.work.put(None)
        self.join(timeout=30)


def _server() -> tuple[int, str, str | None]:
    """The server connection this statement ran on, the role it acts as, and the tenancy setting."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), current_user, current_setting('app.alliance_id', true)")
        return cursor.fetchone()


def _read(alliance_id: int) -> tuple[set[str], int, str]:
    with alliance_scope(alliance_id):
        names = set(MemberProgram.objects.values_list("name", flat=True))
        pid, user, _ = _server()
    return names, pid, user


def _unscoped() -> tuple[int, int, str, str | None]:
    """Outside any scope and any transaction (autocommit): RLS must show no tenant row at all."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM members_memberprogram")
        (rows,) = cursor.fetchone()
    pid, user, setting = _server()
    return rows, pid, user, setting


def test_the_session_runs_behind_pgbouncer_with_the_pooler_settings():
    assert settings.DATABASE_POOLER == "pgbouncer"
    assert connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert connection.settings_dict["OPTIONS"]["prepare_threshold"] is None


def test_two_interleaved_clients_of_different_alliances_never_see_each_others_rows():
    a, b = AllianceFactory(name="Alliance A", slug="alliance-a"), AllianceFactory(name="Alliance B", slug="alliance-b")
    MemberProgramFactory(alliance=a, name="Program X")
    MemberProgramFactory(alliance=b, name="Program Z")
    one, two = PooledClient(), PooledClient()
    try:
        pids = set()
        for _ in range(3):  # A, B, A unscoped, B unscoped, ... each on the one server connection
            names, pid, user = one.step(lambda: _read(a.pk))
            assert (names, user) == ({"Program X"}, settings.HUB_DB_APP_ROLE)
            pids.add(pid)
            names, pid, user = two.step(lambda: _read(b.pk))
            assert (names, user) == ({"Program Z"}, settings.HUB_DB_APP_ROLE)
            pids.add(pid)
            # Right after the other alliance's transaction on the same server connection: no
            # alliance setting left behind, still the app role, not one tenant row.
            for client in (one, two):
                rows, pid, user, setting = client.step(_unscoped)
                assert (rows, user, setting or "") == (0, settings.HUB_DB_APP_ROLE, "")
                pids.add(pid)
            # A write in one alliance's scope is invisible in the other's next transaction.
            one.step(lambda: _write(a.pk))
            names, pid, _ = two.step(lambda: _read(b.pk))
            assert names == {"Program Z"}
            pids.add(pid)
        assert len(pids) == 1, f"expected one pooled server connection, saw backends {pids}"
    finally:
        one.stop()
        two.stop()

    # Nothing was left on the server connection for the session: a client that sets no role of its
    # own is the login role there, with no alliance setting.
    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"],
        port=int(db["PORT"]),
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=connection.settings_dict["NAME"],
        autocommit=True,
        prepare_threshold=None,
    ) as raw:
        pid, user, setting = raw.execute(
            "SELECT pg_backend_pid(), current_user, current_setting('app.alliance_id', true)"
        ).fetchone()
    assert pid in pids
    assert (user, setting or "") == (db["USER"], "")


def _write(alliance_id: int) -> None:
    with alliance_scope(alliance_id):
        MemberProgramFactory(name=f"Program of {alliance_id}, pooled")
