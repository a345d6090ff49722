"""Fixtures of the members tests, on top of tests/conftest.py's `world` and `clients`.

Program X (alliance A) has a site and a preschool classroom; program Y (also A)
and program Z (alliance B) have a site each, so strangers have real rows to try.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from types import SimpleNamespace

import pytest
from django.urls import reverse

from alliance.tenancy import alliance_scope
from tests.members.factories import SiteFactory, classroom


@pytest.fixture
def x(world):
    site = SiteFactory(program=world.x, name="Main building")
    room = classroom(site, name="Butterflies", licensed=20, desired=18)
    return SimpleNamespace(program=world.x, site=site, room=room)


@pytest.fixture
def y(world):
    site = SiteFactory(program=world.y, name="Y site")
    return SimpleNamespace(program=world.y, site=site, room=classroom(site, name="Y room"))


@pytest.fixture
def z(world):
    site = SiteFactory(program=world.z, name="Z site")
    return SimpleNamespace(program=world.z, site=site, room=classroom(site, name="Z room"))


@pytest.fixture
def in_a(world):
    def scope() -> AbstractContextManager[None]:
        return alliance_scope(world.a.pk)

    return scope


@pytest.fixture
def page(world):
    """URL of a members page of alliance A: page("program_sites", program_pk, ...)."""

    def build(name: str, *args: object) -> str:
        return reverse(f"members:{name}", args=[world.a.slug, *args])

    return build


@pytest.fixture
def api(world):
    def build(path: str) -> str:
        return f"/api/a/{world.a.slug}/{path}"

    return build
