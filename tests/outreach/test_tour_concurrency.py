"""Two bookings of the last place on a tour at once, on two real database connections: the slot row is
locked, so one family is booked and the other is refused with the reason (never 2 of 1 booked)."""

from __future__ import annotations

import datetime
import threading

from django.core.exceptions import ValidationError
from django.db import connection

from alliance.dates import alliance_today
from alliance.tenancy import alliance_scope
from outreach.models import TourBooking
from outreach.tours import tour_booking_create, tour_slot_create
from tests.outreach.conftest import submit_inquiry


def test_two_bookings_of_the_last_place_at_once_book_one_family(transactional_db, world):
    today = alliance_today(world.a)
    inquiries = [
        submit_inquiry(world.a, today, guardian_first_name=first, email=f"{first.lower()}@tours.example")
        for first in ("Maya", "Omar")
    ]
    with alliance_scope(world.a.pk):
        slot = tour_slot_create(
            actor=world.users.staff_a, program=world.x, day=today + datetime.timedelta(days=6),
            starts_at=datetime.time(10, 0), minutes=30, capacity=1,
        )  # fmt: skip
    barrier = threading.Barrier(2)
    refusals: list[str] = []
    errors: list[BaseException] = []

    def book(inquiry) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait(timeout=10)
            with alliance_scope(world.a.pk):
                tour_booking_create(actor=world.users.staff_a, slot=slot, inquiry=inquiry)
        except ValidationError as exc:
            refusals.extend(exc.messages)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(inquiry,)) for inquiry in inquiries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert refusals == ["This tour is full (1 of 1 booked): choose another time."]
    with alliance_scope(world.a.pk):
        assert TourBooking.objects.filter(slot=slot).count() == 1
