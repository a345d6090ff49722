"""Worked examples through the pages (issue 20, point 7): Playwright in Debian's chromium.

The browser fixtures (chromium by path, viewport, the event-loop note, console errors) are the
e2e journeys' own, imported rather than copied. Each case gets a fresh alliance with one hub
admin who signs in with TOTP; everything else of the case is entered through the pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from tests.e2e.conftest import (  # noqa: F401 — fixtures shared with the browser journeys
    _django_beside_playwrights_event_loop,
    browser_context_args,
    browser_type_launch_args,
    console_errors,
)

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def live(django_db_setup, django_db_blocker) -> Iterator[SimpleNamespace]:  # type: ignore[no-untyped-def]
    """One live server for the module's cases, flushed once at the end (as tests/e2e's journeys).

    The cases write through the live server, which commits; the test thread touches the database
    only inside `live.db()` (setting up an alliance and its sign-ins, running the nightly task)."""
    from django.core.management import call_command
    from django.db import connections
    from django.test.utils import override_settings
    from pytest_django.live_server_helper import LiveServer

    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        server = LiveServer("localhost")
        try:
            yield SimpleNamespace(base=server.url, db=django_db_blocker.unblock)
        finally:
            server.stop()
            with django_db_blocker.unblock():
                call_command("flush", verbosity=0, interactive=False)
                connections.close_all()


@pytest.fixture
def hub(live: SimpleNamespace, request: Any) -> SimpleNamespace:
    """A fresh alliance (US locale, Chicago time) and its hub admin with TOTP: the only rows a case
    does not enter through the pages."""
    from alliance.dates import alliance_today
    from alliance.models import Role
    from tests.factories import PASSWORD, AllianceFactory, member

    slug = "accept-" + request.node.name.removeprefix("test_")[:30].replace("_", "-").strip("-")
    with live.db():
        alliance = AllianceFactory(name=f"Acceptance {slug}", slug=slug, timezone="America/Chicago")
        admin = member(alliance, Role.HUB_ADMIN, email=f"director@{slug}.test")
        today = alliance_today(alliance)

    def person(role: str, program_id: int | None = None):  # type: ignore[no-untyped-def]
        """A sign-in for a provider of a program entered through the pages, or a funder (accounts come
        from invitations by email; the sign-in itself is what the cases may set up directly)."""
        from alliance.tenancy import alliance_scope
        from members.models import MemberProgram

        with live.db(), alliance_scope(alliance.pk):
            program = MemberProgram.objects.get(pk=program_id) if program_id else None
            return member(alliance, role, program=program, email=f"{role}{program_id or ''}@{slug}.test")

    return SimpleNamespace(
        person=person,
        alliance=alliance,
        admin=admin,
        password=PASSWORD,
        today=today,
        base=live.base,
        a=f"{live.base}/a/{slug}",
        api=f"{live.base}/api/a/{slug}",
        db=live.db,
    )
