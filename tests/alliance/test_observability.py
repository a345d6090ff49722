"""Structured logs with request id, alliance and user; /healthz; task failures for hub admins."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from alliance.celery import app
from alliance.models import TaskFailure
from alliance.observability import LogContextFilter
from alliance.tasks import send_invitation_email
from alliance.tenancy import alliance_scope
from tests.factories import AllianceFactory, member
from tests.worker import ROOT, celery_worker


@contextmanager
def captured_log_lines() -> Iterator[list[dict]]:
    """The JSON lines the configured console handler writes while the block runs."""
    handler = next(h for h in logging.getLogger().handlers if any(isinstance(f, LogContextFilter) for f in h.filters))
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    lines: list[dict] = []
    try:
        yield lines
    finally:
        handler.setStream(previous)
        lines.extend(json.loads(line) for line in buffer.getvalue().splitlines() if line.strip())


class TestRequestLog:
    def test_a_page_is_logged_as_json_with_request_id_alliance_and_user_never_the_query(self, world, clients):
        with captured_log_lines() as lines:
            response = clients.staff_a.get(f"/a/{world.a.slug}/audit/?q=Ana+Lopez", HTTP_X_REQUEST_ID="trace-42")
        assert response.status_code == 200
        assert response["X-Request-ID"] == "trace-42"
        (line,) = [li for li in lines if li["logger"] == "hub.request"]
        assert line["request_id"] == "trace-42"
        assert line["alliance_slug"] == world.a.slug
        assert line["alliance_id"] == world.a.pk
        assert line["user_id"] == world.users.staff_a.pk
        assert line["status"] == 200
        assert line["path"] == f"/a/{world.a.slug}/audit/"
        assert "Ana" not in json.dumps(lines)

    def test_a_request_without_an_id_gets_one_and_a_malformed_one_is_replaced(self, db, client):
        fresh = client.get("/accounts/login/")
        assert len(fresh["X-Request-ID"]) == 32
        forged = client.get("/accounts/login/", HTTP_X_REQUEST_ID="bad id\nInjected: yes")
        assert forged["X-Request-ID"] != "bad id\nInjected: yes"
        assert "\n" not in forged["X-Request-ID"]

    def test_an_api_call_names_its_alliance_and_user(self, world, clients):
        with captured_log_lines() as lines:
            response = clients.staff_a.get(f"/api/a/{world.a.slug}/audit-events/")
        assert response.status_code == 200
        (line,) = [li for li in lines if li["logger"] == "hub.request"]
        assert line["alliance_id"] == world.a.pk
        assert line["user_id"] == world.users.staff_a.pk
        assert len(line["request_id"]) == 32


class TestHealthz:
    def test_database_and_redis_answer(self, db, client):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"database": "ok", "redis": "ok"}
        assert response["Cache-Control"] == "no-store"

    def test_an_unreachable_redis_is_named_with_503(self, db, client, settings):
        settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json() == {"database": "ok", "redis": "failed: ConnectionError"}

    def test_an_unreachable_database_is_named_with_503(self):
        # A separate process whose DATABASE_URL points at a port nothing listens on.
        env = {**os.environ, "DATABASE_URL": "postgres://hub@127.0.0.1:1/none"}
        code = (
            "import django, json; django.setup(); from django.test import Client; "
            "r = Client().get('/healthz'); print(r.status_code, json.dumps(r.json()))"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )
        status, body = result.stdout.strip().splitlines()[-1].split(" ", 1)
        assert status == "503"
        assert json.loads(body) == {"database": "failed: OperationalError", "redis": "ok"}

    def test_it_needs_no_sign_in_and_shows_no_tenant_data(self, world, client):
        body = client.get("/healthz").content.decode()
        assert world.a.slug not in body
        assert world.a.name not in body


class TestTaskFailuresPage:
    def url(self, alliance) -> str:  # type: ignore[no-untyped-def]
        return f"/a/{alliance.slug}/task-failures/"

    def test_admin_sees_the_alliances_failures_only(self, world, clients):
        with alliance_scope(world.a.pk):
            TaskFailure.objects.create(
                task_name="billing.invoice_run_program",
                task_id="t-a",
                exception_type="IntegrityError",
                message="duplicate key",
            )
        with alliance_scope(world.b.pk):
            TaskFailure.objects.create(
                task_name="metrics.rollup_alliance",
                task_id="t-b",
                exception_type="ZeroDivisionError",
                message="division by zero",
            )
        page = clients.admin_a.get(self.url(world.a)).content.decode()
        assert "billing.invoice_run_program" in page
        assert "IntegrityError" in page
        assert "t-a" in page
        assert "ZeroDivisionError" not in page
        nav = clients.admin_a.get(f"/a/{world.a.slug}/audit/").content.decode()
        assert self.url(world.a) in nav

    def test_empty_state(self, world, clients):
        assert "No background task has failed" in clients.admin_a.get(self.url(world.a)).content.decode()

    def test_it_validates_ownership(self, world, clients):
        assert clients.admin_b.get(self.url(world.a)).status_code == 404
        assert clients.provider_z.get(self.url(world.a)).status_code == 404
        for other_role in ("staff_a", "provider_x", "funder_a"):
            assert getattr(clients, other_role).get(self.url(world.a)).status_code == 403
        assert self.url(world.a) not in clients.staff_a.get(f"/a/{world.a.slug}/audit/").content.decode()

    def test_a_task_failure_is_recorded_without_its_arguments(self, world):
        # throw=False runs the task as a worker would, through the failure handlers.
        result = send_invitation_email.apply(args=[world.a.pk, 987654, "https://hub/join/SECRET-TOKEN/"], throw=False)
        assert result.failed()
        with alliance_scope(world.a.pk):
            failure = TaskFailure.objects.get()
        assert failure.task_name == "alliance.send_invitation_email"
        assert failure.exception_type == "DoesNotExist"
        assert "SECRET-TOKEN" not in failure.message


@pytest.fixture
def not_eager():
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = True


@pytest.mark.worker
def test_a_task_failing_in_the_real_worker_shows_on_the_admins_page(transactional_db, not_eager):
    from tests.conftest import signed_in

    alliance = AllianceFactory(slug="failing-tasks")
    admin = member(alliance, "hub_admin")
    with celery_worker():
        result = send_invitation_email.delay(alliance.pk, 424242, "https://hub/join/SECRET-TOKEN/")
        with pytest.raises(Exception, match="does not exist"):
            result.get(timeout=60, propagate=True)
    page = signed_in(admin).get(f"/a/{alliance.slug}/task-failures/").content.decode()
    assert "alliance.send_invitation_email" in page
    assert "DoesNotExist" in page
    assert result.id in page
    assert "SECRET-TOKEN" not in page
