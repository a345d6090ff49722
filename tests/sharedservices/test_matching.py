"""Matching a cover request to substitutes: a worked example of the ranking, and
double-booking refused with its reason (through the service and the page)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from alliance.tenancy import alliance_scope
from sharedservices.matching import cover_candidates
from sharedservices.models import CoverStatus, CredentialType
from sharedservices.services import cover_request_fill
from tests.sharedservices.factories import SubstituteFactory, cover, qualified


def sub(world, first, last, **fields):  # type: ignore[no-untyped-def]
    return SubstituteFactory(alliance=world.a, first_name=first, last_name=last, **fields)


@pytest.fixture
def example(world, rooms, soon, today):
    """Program X asks for cover in Butterflies (preschool) on next Wednesday, 08:00–16:00,
    with Pediatric CPR & First Aid. Eight people in the pool."""
    week = [soon.mon, soon.tue, soon.wed, soon.thu, soon.fri]
    ana = qualified(sub(world, "Ana", "Alvarez"), programs=[world.x, world.y], days=week)
    ben = qualified(sub(world, "Ben", "Brooks"), programs=[world.x, world.y], days=week)
    cara = qualified(sub(world, "Cara", "Chen"), programs=[world.x, world.y], days=week)
    dev = qualified(sub(world, "Dev", "Desai"), programs=[world.y], days=week)
    eve = qualified(sub(world, "Eve", "Evans"), programs=[world.x], days=week, expires_on=soon.tue)
    finn = qualified(
        sub(world, "Finn", "Fox"), programs=[world.x], days=week, starts=datetime.time(9, 0), ends=datetime.time(17, 0)
    )
    gus = qualified(sub(world, "Gus", "Green"), programs=[world.x, world.y], days=week)
    hal = qualified(sub(world, "Hal", "Hughes", age_groups=["infant"]), programs=[world.x], days=week)
    past = [today - datetime.timedelta(days=n) for n in range(3, 40, 4)]
    # Covers already delivered at X: Ana 2, Cara 7 (the score counts at most 5); Ben's 3 were at Y.
    for day in past[:2]:
        cover(rooms.x, day, status=CoverStatus.DELIVERED, substitute=ana, hours_delivered=Decimal("8.00"))
    for day in past[:7]:
        cover(rooms.x, day, status=CoverStatus.DELIVERED, substitute=cara, hours_delivered=Decimal("8.00"))
    for day in past[:3]:
        cover(rooms.y, day, status=CoverStatus.DELIVERED, substitute=ben, hours_delivered=Decimal("8.00"))
    # Hours already booked that week: Ana 6 (Monday at Y), Cara 4 × 7.5 = 30; Gus at Y 12:00–16:00 that Wednesday.
    cover(rooms.y, soon.mon, "09:00", "15:00", status=CoverStatus.FILLED, substitute=ana)
    for day in (soon.mon, soon.tue, soon.thu, soon.fri):
        cover(rooms.y, day, "08:00", "15:30", status=CoverStatus.FILLED, substitute=cara)
    cover(rooms.y, soon.wed, "12:00", "16:00", status=CoverStatus.FILLED, substitute=gus)
    request = cover(rooms.x, soon.wed, "08:00", "16:00", required_credential=CredentialType.CPR_FIRST_AID)
    return {
        "request": request,
        "ana": ana,
        "ben": ben,
        "cara": cara,
        "dev": dev,
        "eve": eve,
        "finn": finn,
        "gus": gus,
        "hal": hal,
    }


def test_ranking_worked_example(world, example, soon):
    with alliance_scope(world.a.pk):
        candidates = cover_candidates(example["request"])
    qualified_rows = [
        (c.substitute.first_name, c.prior_covers, c.week_hours, c.score) for c in candidates if c.qualifies
    ]
    # score = 10 × min(covers here, 5) − hours booked that week
    assert qualified_rows == [
        ("Cara", 7, Decimal("30.00"), Decimal("20.00")),  # 10 × 5 − 30
        ("Ana", 2, Decimal("6.00"), Decimal("14.00")),  # 10 × 2 − 6
        ("Ben", 0, Decimal("0.00"), Decimal("0.00")),  # covers at Y do not count at X
    ]
    refusals = {c.substitute.first_name: c.refusals for c in candidates if not c.qualifies}
    assert refusals == {
        "Dev": ["Not cleared to work at Program X."],
        "Eve": [f"Pediatric CPR & First Aid expired on {soon.tue}."],
        "Finn": ["Available only 09:00–17:00 that day."],
        "Gus": ["Already booked 12:00–16:00 at Program Y that day (double-booking)."],
        "Hal": ["Does not work with preschool groups (works with infant)."],
    }


def test_double_booking_is_refused_with_its_reason(world, example, rooms, soon):
    with alliance_scope(world.a.pk):
        with pytest.raises(ValidationError) as refused:
            cover_request_fill(actor=None, cover=example["request"], substitute=example["gus"])
        assert refused.value.message_dict["substitute"] == [
            "Gus Green cannot cover this request: Already booked 12:00–16:00 at Program Y that day (double-booking)."
        ]
        example["request"].refresh_from_db()
        assert example["request"].status == CoverStatus.OPEN  # nothing half-written

        filled = cover_request_fill(actor=None, cover=example["request"], substitute=example["ben"])
        assert (filled.status, filled.substitute_id) == (CoverStatus.FILLED, example["ben"].pk)
        # Ben is now booked 08:00–16:00 that Wednesday: an overlapping request at Y cannot have him.
        other = cover(rooms.y, soon.wed, "15:00", "17:00")
        candidates = {c.substitute.first_name: c for c in cover_candidates(other)}
        assert candidates["Ben"].refusals == ["Already booked 08:00–16:00 at Program X that day (double-booking)."]
        with pytest.raises(ValidationError, match="double-booking"):
            cover_request_fill(actor=None, cover=other, substitute=example["ben"])
        # A filled request cannot be filled twice.
        with pytest.raises(ValidationError, match="already filled"):
            cover_request_fill(actor=None, cover=example["request"], substitute=example["ana"])


def test_the_page_ranks_and_books_and_shows_a_refusal(world, clients, example, link):
    url = link("cover_detail", example["request"].pk)
    body = clients.staff_a.get(url).content.decode()
    assert body.index("Cara Chen") < body.index("Ana Alvarez") < body.index("Ben Brooks")
    assert "Not cleared to work at Program X." in body

    refused = clients.staff_a.post(
        link("cover_fill", example["request"].pk), {"substitute": example["gus"].pk}, follow=True
    )
    assert "double-booking" in refused.content.decode()
    booked = clients.staff_a.post(
        link("cover_fill", example["request"].pk), {"substitute": example["cara"].pk}, follow=True
    )
    assert "Cara Chen is booked for Program X" in booked.content.decode()
    # The provider sees who is coming; a provider of another program does not see the request at all.
    assert "Cara Chen" in clients.provider_x.get(url).content.decode()
    assert clients.provider_y.get(url).status_code == 404
    assert (
        clients.provider_x.post(
            link("cover_fill", example["request"].pk), {"substitute": example["ana"].pk}
        ).status_code
        == 403
    )
