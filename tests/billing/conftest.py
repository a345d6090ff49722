"""Fixtures of the billing tests on top of `world` and `clients`.

Alliance A: program X has a preschool room, the Lopez family (two children) and
an account; program Y has a room and the Young family. Alliance B: program Z
and the Zimmer family, so strangers have real rows to try.
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest

from tests.billing.factories import ChildFactory, FamilyFactory, account_of, room_of


@pytest.fixture
def homes(world):
    lopez = FamilyFactory(alliance=world.a, name="Lopez family")
    young = FamilyFactory(alliance=world.a, name="Young family")
    zimmer = FamilyFactory(alliance=world.b, name="Zimmer family")
    return SimpleNamespace(
        lopez=lopez,
        young=young,
        zimmer=zimmer,
        ana=ChildFactory(family=lopez, first_name="Ana", date_of_birth=datetime.date(2022, 1, 5)),
        ben=ChildFactory(family=lopez, first_name="Ben", date_of_birth=datetime.date(2021, 6, 9)),
        yuri=ChildFactory(family=young, first_name="Yuri"),
        zoe=ChildFactory(family=zimmer, first_name="Zoe"),
        room_x=room_of(world.x),
        room_y=room_of(world.y),
        room_z=room_of(world.z),
        lopez_x=account_of(lopez, world.x),
        young_y=account_of(young, world.y),
        zimmer_z=account_of(zimmer, world.z),
    )
