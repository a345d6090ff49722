"""Fixtures of the shared-services tests, on top of tests/conftest.py's `world` and `clients`.

Program X (alliance A) has a preschool room, Butterflies; Y has one too; Z (alliance B)
has its own. `soon` is next week's Monday to Sunday in the alliance's time zone, so
every request in the tests is ahead of today and on a day the rooms are open.
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.urls import reverse

from tests.members.factories import SiteFactory, classroom


@pytest.fixture
def soon(today):
    monday = today + datetime.timedelta(days=7 - today.weekday())
    return SimpleNamespace(
        **{
            name: monday + datetime.timedelta(days=n)
            for n, name in enumerate(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
        }
    )


@pytest.fixture
def rooms(world):
    return SimpleNamespace(
        x=classroom(SiteFactory(program=world.x, name="X site"), name="Butterflies"),
        y=classroom(SiteFactory(program=world.y, name="Y site"), name="Owls"),
        z=classroom(SiteFactory(program=world.z, name="Z site"), name="Z room"),
    )


@pytest.fixture
def link(world):
    def build(name: str, *args: object) -> str:
        return reverse(f"sharedservices:{name}", args=[world.a.slug, *args])

    return build


@pytest.fixture
def api(world):
    def build(path: str, slug: str | None = None) -> str:
        return f"/api/a/{slug or world.a.slug}/{path}"

    return build
