"""Tour booking for inquiries (issue 22, Messages): tour slots, the tour calendar, booking from an
inquiry with a confirmation from a template, cancelling and outcomes, and the API.

Worked example (checked by hand): Program X, 12 Oak Ave, Riverbend, publishes a tour next week on
Tuesday at 10:00 for 45 minutes and 2 families. Hub staff open Maya Santos's inquiry (no first
contact yet), "Book a tour", choose that tour and the template "Tour confirmation" ("Dear {recipient},
your tour of {program} is on {tour_day} at {tour_time}, {tour_address}."). Maya receives "Dear Maya,
your tour of Program X is on <Tue, date> at 10:00–10:45, 12 Oak Ave, Riverbend."; the inquiry's first
contact is now recorded (by email), and the calendar of that week shows the tour "1 of 2 booked"
with 1 free. A second family fills it (2 of 2); a third is refused: "This tour is full (2 of 2 booked)".
"""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from alliance.dates import alliance_today
from alliance.formatting import weekday_day
from alliance.models import AuditEvent
from alliance.tenancy import alliance_scope
from outreach.models import ContactMethod, Inquiry, Message, MessageTemplate, TourBooking, TourSlot
from outreach.tours import (
    Confirmation,
    tour_booking_cancel,
    tour_booking_create,
    tour_booking_record_outcome,
    tour_slot_cancel,
    tour_slot_create,
)
from tests.outreach.conftest import submit_inquiry

CONFIRMATION = "Dear {recipient}, your tour of {program} is on {tour_day} at {tour_time}, {tour_address}."
TEN = datetime.time(10, 0)


def next_tuesday(world) -> datetime.date:  # type: ignore[no-untyped-def]
    today = alliance_today(world.a)
    return today + datetime.timedelta(days=7 - today.weekday() + 1)


@pytest.fixture
def tour(world):  # type: ignore[no-untyped-def]
    """Program X at 12 Oak Ave, Riverbend; a 45-minute tour for 2 families next Tuesday at 10:00."""
    with alliance_scope(world.a.pk):
        x = world.x
        x.street, x.city, x.region, x.postal_code = "12 Oak Ave", "Riverbend", "", ""
        x.save()
        return tour_slot_create(
            actor=world.users.staff_a, program=x, day=next_tuesday(world), starts_at=TEN, minutes=45, capacity=2
        )


def family(world, first: str, last: str) -> Inquiry:  # type: ignore[no-untyped-def]
    today = alliance_today(world.a)
    return submit_inquiry(
        world.a,
        today,
        guardian_first_name=first,
        guardian_last_name=last,
        email=f"{first.lower()}@{last.lower()}.example",
    )


def page(world, path: str) -> str:  # type: ignore[no-untyped-def]
    return f"/a/{world.a.slug}/{path}"


def api(world, path: str) -> str:  # type: ignore[no-untyped-def]
    return f"/api/a/{world.a.slug}/{path}"


# --- Services ---------------------------------------------------------------------------------------
def test_a_full_tour_refuses_the_next_family_with_its_reason(world, tour):
    with alliance_scope(world.a.pk):
        for first, last in [("Maya", "Santos"), ("Omar", "Haddad")]:
            tour_booking_create(actor=world.users.staff_a, slot=tour, inquiry=family(world, first, last))
        third = family(world, "Lena", "Berg")
        with pytest.raises(ValidationError) as refused:
            tour_booking_create(actor=world.users.staff_a, slot=tour, inquiry=third)
        assert refused.value.message_dict == {"slot": ["This tour is full (2 of 2 booked): choose another time."]}
        assert TourBooking.objects.filter(inquiry=third).count() == 0
        # A cancelled booking gives its place back.
        tour_booking_cancel(actor=world.users.staff_a, booking=TourBooking.objects.order_by("pk").first())
        tour_booking_create(actor=world.users.staff_a, slot=tour, inquiry=third)
        assert TourBooking.objects.filter(slot=tour, status="booked").count() == 2


def test_an_inquiry_holds_one_booked_tour_per_program(world, tour):
    with alliance_scope(world.a.pk):
        maya = family(world, "Maya", "Santos")
        later = tour_slot_create(
            actor=world.users.staff_a, program=world.x, day=tour.day, starts_at=datetime.time(15, 0), minutes=30
        )
        at_y = tour_slot_create(actor=world.users.staff_a, program=world.y, day=tour.day, starts_at=TEN, minutes=30)
        tour_booking_create(actor=world.users.staff_a, slot=tour, inquiry=maya)
        with pytest.raises(ValidationError) as refused:
            tour_booking_create(actor=world.users.staff_a, slot=later, inquiry=maya)
        assert "already booked on a tour of Program X" in refused.value.message_dict["slot"][0]
        tour_booking_create(actor=world.users.staff_a, slot=at_y, inquiry=maya)  # another program: fine
        assert TourBooking.objects.filter(inquiry=maya, status="booked").count() == 2


def test_a_slot_is_ahead_of_the_alliance_clock_and_within_its_limits(world):
    today = alliance_today(world.a)
    with alliance_scope(world.a.pk):
        with pytest.raises(ValidationError) as past:
            tour_slot_create(
                actor=world.users.staff_a, program=world.x, day=today - datetime.timedelta(days=1), starts_at=TEN,
                minutes=30,
            )  # fmt: skip
        assert past.value.message_dict == {"day": ["A tour is published for a time still ahead."]}
        with pytest.raises(ValidationError) as limits:
            tour_slot_create(
                actor=world.users.staff_a, program=world.x, day=next_tuesday(world), starts_at=TEN, minutes=10,
                capacity=21,
            )  # fmt: skip
        assert limits.value.message_dict == {
            "minutes": ["A tour lasts 15 to 240 minutes."],
            "capacity": ["A tour takes 1 to 20 families."],
        }
        assert TourSlot.objects.count() == 0


def test_cancelling_a_tour_cancels_its_bookings_and_writes_to_each_family(
    world, tour, django_capture_on_commit_callbacks
):
    with alliance_scope(world.a.pk):
        maya, omar = family(world, "Maya", "Santos"), family(world, "Omar", "Haddad")
        for inquiry in (maya, omar):
            tour_booking_create(actor=world.users.staff_a, slot=tour, inquiry=inquiry)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            tour_slot_cancel(actor=world.users.provider_x, slot=tour, reason="The director is ill")
        assert set(TourBooking.objects.values_list("status", flat=True)) == {"cancelled"}
        assert TourBooking.objects.first().status_note == "Tour cancelled: The director is ill"
        assert sorted(m.to[0] for m in mail.outbox) == ["maya@santos.example", "omar@haddad.example"]
        body = next(m.body for m in mail.outbox if m.to == ["maya@santos.example"])
        assert f"the tour of Program X on {weekday_day(tour.day)} at 10:00–10:45 is cancelled" in body
        assert "(The director is ill)" in body
        assert Message.objects.filter(about="inquiry", about_id=maya.pk).count() == 1
        assert AuditEvent.objects.filter(action="tour_booking.cancelled").count() == 2
        with pytest.raises(ValidationError):
            tour_booking_create(actor=world.users.staff_a, slot=tour, inquiry=family(world, "Lena", "Berg"))


def test_attended_and_no_show_are_recorded_once_the_tour_has_started(world, tour):
    with alliance_scope(world.a.pk):
        booking = tour_booking_create(actor=world.users.staff_a, slot=tour, inquiry=family(world, "Maya", "Santos"))
        with pytest.raises(ValidationError) as early:
            tour_booking_record_outcome(actor=world.users.provider_x, booking=booking, status="attended")
        assert "once it has started" in early.value.messages[0]
        TourSlot.objects.filter(pk=tour.pk).update(day=alliance_today(world.a) - datetime.timedelta(days=1))
        tour_booking_record_outcome(actor=world.users.provider_x, booking=booking, status="attended")
        booking.refresh_from_db()
        assert booking.status == "attended"
        event = AuditEvent.objects.get(action="tour_booking.outcome")
        assert (event.before, event.program_id) == ({"status": "booked"}, world.x.pk)
        with pytest.raises(ValidationError):
            tour_booking_cancel(actor=world.users.staff_a, booking=booking)


def test_a_booking_without_a_confirmation_records_first_contact_as_a_tour(world, tour):
    with alliance_scope(world.a.pk):
        maya = family(world, "Maya", "Santos")
        tour_booking_create(actor=world.users.staff_a, slot=tour, inquiry=maya)
        maya.refresh_from_db()
        assert maya.first_contact_method == ContactMethod.TOUR
        assert maya.first_contact_note == f"Tour of Program X booked for {weekday_day(tour.day)}, 10:00–10:45."


def test_a_confirmation_that_cannot_be_sent_leaves_no_booking(world, tour):
    with alliance_scope(world.a.pk):
        maya = family(world, "Maya", "Santos")
        with pytest.raises(ValidationError):
            tour_booking_create(
                actor=world.users.staff_a, slot=tour, inquiry=maya,
                confirmation=Confirmation(f"guardian:{maya.guardian_id}", "text", "", "Hello {recipient}"),
            )  # fmt: skip
        assert TourBooking.objects.count() == 0
        maya.refresh_from_db()
        assert maya.first_contact_at is None


# --- Pages ------------------------------------------------------------------------------------------
def test_hub_staff_book_a_tour_from_an_inquiry_with_a_template_and_the_calendar_counts_it(
    world, clients, tour, django_capture_on_commit_callbacks
):
    maya = family(world, "Maya", "Santos")
    with alliance_scope(world.a.pk):
        template = MessageTemplate.objects.create(
            name="Tour confirmation", channel="email", subject="Your tour of {program}", body=CONFIRMATION
        )
    detail = clients.staff_a.get(page(world, f"inquiries/{maya.pk}/")).content.decode()
    assert page(world, f"inquiries/{maya.pk}/tour/") in detail
    form = clients.staff_a.get(page(world, f"inquiries/{maya.pk}/tour/")).content.decode()
    assert f"Program X — {weekday_day(tour.day)}, 10:00–10:45 (2 of 2 free)" in form
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = clients.staff_a.post(
            page(world, f"inquiries/{maya.pk}/tour/"),
            {"slot": str(tour.pk), "template": str(template.pk), "recipient": f"guardian:{maya.guardian_id}"},
        )
    assert response.status_code == 302
    assert response["Location"] == page(world, f"inquiries/{maya.pk}/")
    (sent,) = mail.outbox
    assert sent.to == ["maya@santos.example"]
    assert sent.body == (
        f"Dear Maya, your tour of Program X is on {weekday_day(tour.day)} at 10:00–10:45, 12 Oak Ave, Riverbend."
    )
    detail = clients.staff_a.get(page(world, f"inquiries/{maya.pk}/")).content.decode()
    assert "Your tour of Program X" in detail  # the message, on the inquiry's timeline
    assert f"{weekday_day(tour.day)}, 10:00–10:45" in detail
    assert "Email on" in detail  # first contact recorded by the confirmation
    household = clients.staff_a.get(page(world, f"families/{maya.family_id}/")).content.decode()
    assert f"Program X, {tour.day:%a %b} {tour.day.day}, {tour.day.year} at 10:00" in household  # the family's page
    assert "Your tour of Program X" in household
    week = f"tours/?program={world.x.pk}&week={tour.day.isoformat()}"
    calendar = clients.staff_a.get(page(world, week)).content.decode()
    assert "1 of 2 booked" in calendar
    assert "1 free" in calendar
    # The provider of X sees the same count; Y's provider does not see X's tour.
    assert "1 of 2 booked" in clients.provider_x.get(page(world, f"tours/?week={tour.day}")).content.decode()
    assert "1 of 2 booked" not in clients.provider_y.get(page(world, f"tours/?week={tour.day}")).content.decode()
    assert clients.provider_y.get(page(world, f"tour-slots/{tour.pk}/")).status_code == 404
    assert clients.staff_b.get(page(world, f"tour-slots/{tour.pk}/")).status_code == 404


def test_a_provider_publishes_a_tour_and_bad_input_stays_on_the_form(world, clients):
    url = page(world, "tours/new/")
    bad = clients.provider_x.post(
        url, {"program": str(world.x.pk), "day": "2001-01-01", "starts_at": "10:00", "minutes": "5", "capacity": "1"}
    )
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "Ensure this value is greater than or equal to 15." in html
    day = next_tuesday(world)
    ok = clients.provider_x.post(
        url,
        {"program": str(world.x.pk), "day": day.isoformat(), "starts_at": "09:30", "minutes": "60", "capacity": "3"},
    )
    assert ok.status_code == 302
    with alliance_scope(world.a.pk):
        slot = TourSlot.objects.get()
        assert (slot.program_id, slot.capacity, slot.minutes) == (world.x.pk, 3, 60)
    foreign = clients.provider_y.post(
        url,
        {"program": str(world.x.pk), "day": day.isoformat(), "starts_at": "09:30", "minutes": "60", "capacity": "3"},
    )
    assert foreign.status_code == 400  # X is not among Y's choices
    assert clients.funder_a.get(url).status_code == 403
    assert clients.provider_x.get(page(world, "inquiries/1/tour/")).status_code == 403


def test_the_week_is_bounded_and_moves_by_seven_days(world, clients, tour):
    html = clients.staff_a.get(page(world, "tours/?week=9999-01-01")).content.decode()
    assert "A date from" in html
    monday = tour.day - datetime.timedelta(days=1)
    html = clients.staff_a.get(page(world, f"tours/?week={tour.day}")).content.decode()
    assert f"week={(monday - datetime.timedelta(days=7)).isoformat()}" in html
    assert f"week={(monday + datetime.timedelta(days=7)).isoformat()}" in html


# --- API --------------------------------------------------------------------------------------------
def test_tours_through_the_api(world, clients, tour):
    maya = family(world, "Maya", "Santos")
    created = clients.provider_x.post(
        api(world, "tour-slots/"),
        {"program": world.x.pk, "day": tour.day.isoformat(), "starts_at": "14:00", "minutes": 300},
        content_type="application/json",
    )
    assert created.status_code == 400
    assert "minutes" in created.json()
    created = clients.provider_x.post(
        api(world, "tour-slots/"),
        {"program": world.x.pk, "day": tour.day.isoformat(), "starts_at": "14:00", "minutes": 30, "capacity": 1},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    slot_id = created.json()["id"]
    assert created.json()["free"] == 1
    assert clients.provider_y.get(api(world, f"tour-slots/{slot_id}/")).status_code == 404
    assert clients.funder_a.get(api(world, "tour-slots/")).status_code == 403
    assert (
        clients.provider_x.post(
            api(world, "tour-bookings/"), {"slot": slot_id, "inquiry": maya.pk}, content_type="application/json"
        ).status_code
        == 403
    )
    booked = clients.staff_a.post(
        api(world, "tour-bookings/"), {"slot": slot_id, "inquiry": maya.pk}, content_type="application/json"
    )
    assert booked.status_code == 201, booked.content
    other = family(world, "Omar", "Haddad")
    full = clients.staff_a.post(
        api(world, "tour-bookings/"), {"slot": slot_id, "inquiry": other.pk}, content_type="application/json"
    )
    assert full.status_code == 400
    assert full.json() == {"slot": ["This tour is full (1 of 1 booked): choose another time."]}
    listed = clients.provider_x.get(api(world, f"tour-bookings/?slot={slot_id}")).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [r["status"] for r in rows] == ["booked"]
    cancelled = clients.provider_x.post(
        api(world, f"tour-slots/{slot_id}/cancel/"), {"reason": "Inspection"}, content_type="application/json"
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["cancelled_reason"] == "Inspection"
    assert clients.staff_a.get(api(world, f"tour-bookings/{booked.json()['id']}/")).json()["status"] == "cancelled"


def test_cancel_and_outcomes_from_the_pages(world, clients, tour, django_capture_on_commit_callbacks):
    maya, omar = family(world, "Maya", "Santos"), family(world, "Omar", "Haddad")
    with alliance_scope(world.a.pk):
        first = tour_booking_create(actor=world.users.staff_a, slot=tour, inquiry=maya)
        second = tour_booking_create(actor=world.users.staff_a, slot=tour, inquiry=omar)
    # Hub staff cancel Maya's booking from her inquiry's page: back there, the place is free again.
    response = clients.staff_a.post(
        page(world, f"tour-bookings/{first.pk}/"), {"status": "cancelled", "back": "inquiry"}
    )
    assert response["Location"] == page(world, f"inquiries/{maya.pk}/")
    assert "1 of 2 booked" in clients.provider_x.get(page(world, f"tour-slots/{tour.pk}/")).content.decode()
    # Marking attended before the tour is refused with the reason, on the slot's page.
    early = clients.provider_x.post(
        page(world, f"tour-bookings/{second.pk}/"), {"status": "attended", "back": "slot"}, follow=True
    )
    assert "once it has started" in early.content.decode()
    assert clients.provider_y.post(page(world, f"tour-bookings/{first.pk}/"), {"status": "attended"}).status_code == 404
    # The provider cancels the tour: Omar's booking is cancelled and he is written to.
    mail.outbox.clear()
    bad = clients.provider_x.post(page(world, f"tour-slots/{tour.pk}/cancel/"), {"reason": ""})
    assert bad.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        done = clients.provider_x.post(
            page(world, f"tour-slots/{tour.pk}/cancel/"), {"reason": "Burst pipe"}, follow=True
        )
    assert "Tour cancelled. 1 family was booked and told." in done.content.decode()
    assert [m.to for m in mail.outbox] == [["omar@haddad.example"]]


def test_cancelling_one_booking_can_tell_the_family(world, clients, tour, django_capture_on_commit_callbacks):
    """Maya asked to cancel: staff cancel her booking with "Tell the family" ticked and she gets an
    email naming the tour and the reason; Omar's booking is cancelled through the API the same way.
    Without the box nobody is written to."""
    maya, omar = family(world, "Maya", "Santos"), family(world, "Omar", "Haddad")
    lena = family(world, "Lena", "Berg")
    with alliance_scope(world.a.pk):
        first = tour_booking_create(actor=world.users.staff_a, slot=tour, inquiry=maya)
        second = tour_booking_create(actor=world.users.staff_a, slot=tour, inquiry=omar)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = clients.staff_a.post(
            page(world, f"tour-bookings/{first.pk}/"),
            {"status": "cancelled", "back": "inquiry", "tell_family": "1", "note": "Sick child"},
            follow=True,
        )
    assert "The family is written to" in done.content.decode()
    assert [m.to for m in mail.outbox] == [["maya@santos.example"]]
    sent = mail.outbox[0]
    assert sent.subject == f"Your tour of {world.x.name} is cancelled"
    assert "is cancelled (Sick child). Reply to this message" in sent.body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        by_api = clients.provider_x.post(
            api(world, f"tour-bookings/{second.pk}/cancel/"),
            {"tell_family": True},
            content_type="application/json",
        )
    assert by_api.status_code == 200, by_api.content
    assert by_api.json()["status"] == "cancelled"
    assert [m.to for m in mail.outbox] == [["omar@haddad.example"]]
    # Without the box: cancelled, nobody written to.
    with alliance_scope(world.a.pk):
        third = tour_booking_create(actor=world.users.staff_a, slot=tour, inquiry=lena)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        clients.staff_a.post(page(world, f"tour-bookings/{third.pk}/"), {"status": "cancelled"})
    assert mail.outbox == []
    with alliance_scope(world.a.pk):
        assert TourBooking.objects.get(pk=third.pk).status == "cancelled"
