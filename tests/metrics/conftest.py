"""The worked example every metrics test starts from: one week of January 2026.

Alliance A (world.a), Monday 5 to Friday 9 January 2026:

Program X
  Room R1: licensed 10, desired 8, Mon–Fri.
    Ada   1.00 FTE Mon–Fri, from 1 Jan, open.   Present Mon Tue Thu Fri, sick Wed.
    Ben   0.60 FTE Mon Wed Fri, 5–7 Jan.        Present Mon Wed.
    Cleo  0.50 FTE Mon–Fri (part day), from 8 Jan. Present Thu, sick Fri.
  Room R2: licensed 5 from 1 Jan, 6 from Wed 7 Jan, Mon–Fri.
    Dev   1.00 FTE Mon–Fri, from 1 Dec 2025.    Present every day.
Program Y
  Room R3: licensed 4, Mon–Fri.
    Eli   1.00 FTE Mon–Fri, from 1 Jan.         No attendance recorded.
Alliance B (world.b), program Z: room licensed 3, Zed 1.00 FTE — never in A's figures.
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest

from tests.metrics.factories import attend, capacity, enroll, room

MON, TUE, WED, THU, FRI = (datetime.date(2026, 1, d) for d in range(5, 10))
WEEK_DAYS = [MON, TUE, WED, THU, FRI]
CHILD_NAMES = ["Ada", "Ben", "Cleo", "Dev", "Eli", "Zed"]
FAMILY_NAMES = [f"{name}son family" for name in CHILD_NAMES]


@pytest.fixture
def week(world):
    r1 = room(world.x, licensed=10, desired=8)
    r2 = room(world.x, licensed=5)
    capacity(r2, WED, licensed=6)
    r3 = room(world.y, licensed=4)
    rz = room(world.z, licensed=3)
    ada = enroll(r1, first_name="Ada", start=datetime.date(2026, 1, 1))
    ben = enroll(r1, first_name="Ben", start=MON, end=WED, fte="0.60", weekdays=[0, 2, 4])
    cleo = enroll(r1, first_name="Cleo", start=THU, fte="0.50")
    dev = enroll(r2, first_name="Dev", start=datetime.date(2025, 12, 1))
    enroll(r3, first_name="Eli", start=datetime.date(2026, 1, 1))
    zed = enroll(rz, first_name="Zed", start=datetime.date(2026, 1, 1))
    attend(ada, MON, TUE, THU, FRI, absent=(WED,))
    attend(ben, MON, WED)
    attend(cleo, THU, absent=(FRI,))
    attend(dev, *WEEK_DAYS)
    attend(zed, *WEEK_DAYS)
    return SimpleNamespace(world=world, r1=r1, r2=r2, r3=r3, rz=rz, ada=ada, ben=ben, cleo=cleo, dev=dev)
