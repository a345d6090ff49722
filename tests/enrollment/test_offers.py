"""Offers: made to a waiting child, accepted (the child is enrolled), declined,
withdrawn, or lapsed after the respond-by date; every step audited."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from alliance.celery import app
from alliance.models import AuditEvent
from enrollment.models import Enrollment, Offer, OfferStatus, WaitlistStatus
from enrollment.services import offer_accept, offer_create, offer_decline, offer_withdraw
from enrollment.tasks import offers_expire, offers_expire_everywhere
from tests.enrollment.conftest import next_monday
from tests.enrollment.factories import ChildFactory, FamilyFactory, entry, fill, months_before


@pytest.fixture
def start(today):
    return next_monday(today, weeks=2)


@pytest.fixture
def waiting(world, today, start):
    child = ChildFactory(
        family=FamilyFactory(alliance=world.a), first_name="Maya", date_of_birth=months_before(start, 24)
    )
    return entry(child, program=world.x, added_on=today - datetime.timedelta(days=40), desired_start=start)


def make_offer(world, rooms, in_a, waiting, start, *, respond_by=None):  # type: ignore[no-untyped-def]
    with in_a():
        return offer_create(
            actor=world.users.staff_a,
            entry=waiting,
            classroom=rooms.toddlers,
            start_date=start,
            respond_by=respond_by or start - datetime.timedelta(days=3),
        )


def actions(in_a) -> list[str]:  # type: ignore[no-untyped-def]
    with in_a():
        return list(
            AuditEvent.objects.filter(action__startswith="offer.").order_by("id").values_list("action", flat=True)
        )


class TestMake:
    def test_an_offer_holds_the_entry_and_is_audited(self, world, rooms, in_a, waiting, start):
        offer = make_offer(world, rooms, in_a, waiting, start)
        with in_a():
            waiting.refresh_from_db()
        assert waiting.status == WaitlistStatus.OFFERED
        assert (offer.status, offer.program_id, str(offer.fte)) == (OfferStatus.OPEN, world.x.pk, "1.00")
        assert actions(in_a) == ["offer.made"]

    def test_open_offers_hold_their_places(self, world, rooms, in_a, waiting, start, today):
        fill(rooms.toddlers, 11, start, dob=months_before(start, 24))
        make_offer(world, rooms, in_a, waiting, start)
        other = entry(
            ChildFactory(family=FamilyFactory(alliance=world.a), date_of_birth=months_before(start, 24)),
            program=world.x,
            added_on=today,
            desired_start=start,
        )
        with in_a(), pytest.raises(ValidationError) as refused:
            offer_create(actor=world.users.staff_a, entry=other, classroom=rooms.toddlers, start_date=start)
        assert "11.0 enrolled" not in refused.value.messages[0]
        assert (
            "12.0 of 12 licensed places taken (FTE; 11 children enrolled, 1.0 held by open offers)"
            in refused.value.messages[0]
        )

    def test_only_waiting_children_of_the_right_age_are_offered_a_place(self, world, rooms, in_a, waiting, start):
        with in_a(), pytest.raises(ValidationError, match="Infant Room takes infants"):
            offer_create(actor=world.users.staff_a, entry=waiting, classroom=rooms.infants, start_date=start)
        make_offer(world, rooms, in_a, waiting, start)
        with in_a(), pytest.raises(ValidationError, match="only waiting children can be offered a place"):
            offer_create(actor=world.users.staff_a, entry=waiting, classroom=rooms.toddlers, start_date=start)

    def test_the_family_answers_by_the_start_date(self, world, rooms, in_a, waiting, start):
        with in_a(), pytest.raises(ValidationError) as refused:
            offer_create(
                actor=world.users.staff_a,
                entry=waiting,
                classroom=rooms.toddlers,
                start_date=start,
                respond_by=start + datetime.timedelta(days=1),
            )
        assert refused.value.message_dict == {"respond_by": ["The family must answer by the start date."]}

    def test_by_default_a_week_to_answer_but_never_past_the_start(self, world, rooms, in_a, waiting, start, today):
        with in_a():
            later = offer_create(actor=world.users.staff_a, entry=waiting, classroom=rooms.toddlers, start_date=start)
        assert later.respond_by == today + datetime.timedelta(days=7)  # the start is two weeks or more away
        soon = today + datetime.timedelta(days=3)
        other = entry(
            ChildFactory(family=FamilyFactory(alliance=world.a), date_of_birth=months_before(start, 24)),
            program=world.x,
            added_on=today,
            desired_start=soon,
        )
        with in_a():
            offer = offer_create(actor=world.users.staff_a, entry=other, classroom=rooms.toddlers, start_date=soon)
        assert offer.respond_by == soon  # a place starting in three days is answered by then


class TestAnswer:
    def test_accepting_enrolls_the_child_and_places_the_entry(self, world, rooms, in_a, waiting, start):
        offer = make_offer(world, rooms, in_a, waiting, start)
        with in_a():
            enrollment = offer_accept(actor=world.users.provider_x, offer=offer, funding_source="subsidy")
            offer.refresh_from_db()
            waiting.refresh_from_db()
            assert Enrollment.objects.get(child=waiting.child) == enrollment
        assert (enrollment.classroom_id, enrollment.start_date, enrollment.funding_source) == (
            rooms.toddlers.pk,
            start,
            "subsidy",
        )
        assert (offer.status, offer.enrollment_id, waiting.status) == (
            OfferStatus.ACCEPTED,
            enrollment.pk,
            WaitlistStatus.PLACED,
        )
        assert actions(in_a) == ["offer.made", "offer.accepted"]

    def test_accepting_checks_capacity_again(self, world, rooms, in_a, waiting, start):
        offer = make_offer(world, rooms, in_a, waiting, start)
        fill(rooms.toddlers, 12, start, dob=months_before(start, 24))  # filled directly meanwhile
        with in_a(), pytest.raises(ValidationError, match="Toddler Room is full on"):
            offer_accept(actor=world.users.staff_a, offer=offer)
        with in_a():
            offer.refresh_from_db()
        assert offer.status == OfferStatus.OPEN

    def test_declining_puts_the_child_back_on_the_waitlist(self, world, rooms, in_a, waiting, start):
        offer = make_offer(world, rooms, in_a, waiting, start)
        with in_a():
            offer_decline(actor=world.users.staff_a, offer=offer, note="Too far from work.")
            offer.refresh_from_db()
            waiting.refresh_from_db()
            with pytest.raises(ValidationError, match="already declined"):
                offer_accept(actor=world.users.staff_a, offer=offer)
        assert (offer.status, offer.response_note, waiting.status) == (
            OfferStatus.DECLINED,
            "Too far from work.",
            WaitlistStatus.WAITING,
        )

    def test_declining_and_leaving_withdraws_the_entry(self, world, rooms, in_a, waiting, start):
        offer = make_offer(world, rooms, in_a, waiting, start)
        with in_a():
            offer_decline(actor=world.users.staff_a, offer=offer, note="Found a nanny.", keep_waiting=False)
            waiting.refresh_from_db()
        assert (waiting.status, waiting.status_note) == (WaitlistStatus.WITHDRAWN, "Found a nanny.")
        assert actions(in_a) == ["offer.made", "offer.declined"]

    def test_the_hub_withdraws_an_offer_with_a_reason(self, world, rooms, in_a, waiting, start):
        offer = make_offer(world, rooms, in_a, waiting, start)
        with in_a():
            with pytest.raises(ValidationError):
                offer_withdraw(actor=world.users.staff_a, offer=offer, note=" ")
            offer_withdraw(actor=world.users.staff_a, offer=offer, note="Offered the wrong room.")
            waiting.refresh_from_db()
        assert waiting.status == WaitlistStatus.WAITING


class TestExpiry:
    def test_a_lapsed_offer_cannot_be_accepted(self, world, rooms, in_a, waiting, start, today):
        offer = make_offer(world, rooms, in_a, waiting, start)
        with in_a():
            Offer.objects.filter(pk=offer.pk).update(respond_by=today - datetime.timedelta(days=1))
            with pytest.raises(ValidationError, match="This offer expired: the family had to answer by"):
                offer_accept(actor=world.users.staff_a, offer=offer)

    def test_the_expiry_task_closes_due_offers_only(self, world, rooms, in_a, waiting, start, today):
        due = make_offer(world, rooms, in_a, waiting, start)
        other = entry(
            ChildFactory(family=FamilyFactory(alliance=world.a), date_of_birth=months_before(start, 24)),
            program=world.x,
            added_on=today,
            desired_start=start,
        )
        with in_a():
            Offer.objects.filter(pk=due.pk).update(respond_by=today - datetime.timedelta(days=1))
            current = offer_create(
                actor=world.users.staff_a, entry=other, classroom=rooms.toddlers, start_date=start, respond_by=today
            )
        result = offers_expire.delay(world.a.pk).get()
        assert result == {"alliance_id": world.a.pk, "expired": [due.pk]}
        with in_a():
            due.refresh_from_db()
            current.refresh_from_db()
            waiting.refresh_from_db()
            event = AuditEvent.objects.get(action="offer.expired")
        assert (due.status, current.status, waiting.status) == (
            OfferStatus.EXPIRED,
            OfferStatus.OPEN,
            WaitlistStatus.WAITING,
        )
        assert event.actor_label == "system"
        assert event.object_id == str(due.pk)
        assert offers_expire.delay(world.a.pk).get()["expired"] == []  # a rerun changes nothing

    def test_beat_runs_the_expiry_for_every_alliance_hourly(self, world):
        assert offers_expire_everywhere.delay().get() == sorted([world.a.pk, world.b.pk])
        entry_ = app.conf.beat_schedule["enrollment-expire-offers"]
        assert entry_["task"] == "enrollment.offers_expire_everywhere"
        assert str(entry_["schedule"].minute) == "{15}"
