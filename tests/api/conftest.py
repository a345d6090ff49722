"""The fuzzing's data (built once per module, rolled back at its end) and its run figures."""

from __future__ import annotations

import time
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from django.core import signals
from django.db import close_old_connections, transaction
from django.test import override_settings

from tests.api import ids
from tests.api.fuzz_data import build_fuzz_world


@pytest.fixture(scope="module")
def fuzz_world(django_db_setup, django_db_blocker) -> Iterator[SimpleNamespace]:
    """The compact alliance, in one transaction that is rolled back when the module ends.

    Requests go in-process through the WSGI handler, which would close the test's connection
    at every request's start and end (Django's test client disconnects the same receiver).
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        signals.request_started.disconnect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
        try:
            with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
                world = build_fuzz_world()
            ids.POOL.fill(alliance=world.alliance, stranger=world.stranger)
            yield world
        finally:
            ids.POOL.clear()
            signals.request_started.connect(close_old_connections)
            signals.request_finished.connect(close_old_connections)
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


# --- Figures of the run: operations, cases and requests (also across xdist workers) ---
_figures = {"operations": 0, "cases": 0, "requests": 0, "seconds": 0.0}
# Answers by role and kind (2xx, 4xx…): a role that only ever got 403 was not really fuzzed.
_by_role: dict[str, dict[str, int]] = {}


@pytest.fixture
def fuzz_tally(record_property) -> Iterator[SimpleNamespace]:
    tally = SimpleNamespace(cases=0, requests=0, by_role={})
    started = time.monotonic()
    yield tally
    record_property("fuzz_by_role", tally.by_role)
    record_property("fuzz_cases", tally.cases)
    record_property("fuzz_requests", tally.requests)
    record_property("fuzz_seconds", time.monotonic() - started)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "teardown":
        return
    properties = dict(report.user_properties)
    if "fuzz_cases" in properties:
        _figures["operations"] += 1
        _figures["cases"] += properties["fuzz_cases"]
        _figures["requests"] += properties["fuzz_requests"]
        _figures["seconds"] += properties["fuzz_seconds"]
        for key, count in properties.get("fuzz_by_role", {}).items():
            role, kind = key.split(" ")
            _by_role.setdefault(role, {}).setdefault(kind, 0)
            _by_role[role][kind] += count


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    if _figures["operations"] and not hasattr(terminalreporter.config, "workerinput"):
        terminalreporter.write_line(
            "schemathesis: {operations} operations, {cases} cases, {requests} requests in {seconds:.1f} s".format(
                **_figures
            )
        )
        for role, kinds in sorted(_by_role.items()):
            terminalreporter.write_line(
                f"schemathesis as {role}: " + ", ".join(f"{kinds[k]} {k}" for k in sorted(kinds))
            )
