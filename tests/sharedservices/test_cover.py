"""Cover requests through the pages: a provider asks, validation keeps the input,
the Hub fills, hours are recorded and charged through billing's member fees;
fill rate and time to fill; strangers get 404."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from alliance.models import AuditEvent
from alliance.tenancy import alliance_scope
from billing.member_fees import member_fees_invoice
from billing.models import Invoice, LedgerEntry
from members.models import PricingModel
from sharedservices.models import CoverRequest, CoverStatus
from sharedservices.selectors import cover_fill_rates
from tests.members.factories import HubServiceFactory, SubscriptionFactory
from tests.sharedservices.factories import SubstituteFactory, cover, qualified


def test_a_provider_requests_cover_for_their_own_program(world, clients, rooms, soon, link):
    form = clients.provider_x.get(link("cover_create"))
    assert form.status_code == 200
    assert "Butterflies" in form.content.decode()
    assert "Owls" not in form.content.decode()  # another program's classroom is not offered
    response = clients.provider_x.post(
        link("cover_create"),
        {
            "program": world.x.pk,
            "classroom": rooms.x.pk,
            "day": soon.tue.isoformat(),
            "starts_at": "07:30",
            "ends_at": "15:00",
            "reason": "illness",
            "required_credential": "cpr_first_aid",
        },
    )
    assert response.status_code == 302
    with alliance_scope(world.a.pk):
        request = CoverRequest.objects.get()
        assert (request.program_id, request.age_group, request.hours, request.status) == (
            world.x.pk,
            "preschool",
            Decimal("7.50"),
            CoverStatus.OPEN,
        )
        assert AuditEvent.objects.filter(action="cover.requested", object_id=str(request.pk)).exists()
    detail = link("cover_detail", request.pk)
    assert clients.provider_x.get(detail).status_code == 200
    assert clients.provider_y.get(detail).status_code == 404
    assert clients.staff_b.get(f"/a/{world.a.slug}/cover/{request.pk}/").status_code == 404
    assert clients.funder_a.get(detail).status_code == 403
    # The Hub's list shows it; the other program's provider's list does not.
    assert "Butterflies" in clients.staff_a.get(link("cover_list")).content.decode()
    assert "Butterflies" not in clients.provider_y.get(link("cover_list")).content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"day": "2020-01-06"}, "day", "Cover can be asked for today or a later day."),
        ({"starts_at": "07:10"}, "starts_at", "Use quarter hours"),
        ({"ends_at": "07:00"}, "ends_at", "The end must be after the start."),
    ],
)
def test_bad_requests_are_refused_with_the_input_kept(world, clients, rooms, soon, link, changes, field, message):
    data = {
        "program": world.x.pk,
        "classroom": rooms.x.pk,
        "day": soon.tue.isoformat(),
        "starts_at": "07:30",
        "ends_at": "15:00",
        "reason": "illness",
        "notes": "Kept after an error",
        **changes,
    }
    response = clients.provider_x.post(link("cover_create"), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert message in body
    assert "Kept after an error" in body
    with alliance_scope(world.a.pk):
        assert not CoverRequest.objects.exists()


def test_a_saturday_and_another_programs_room_are_refused(world, clients, rooms, soon, link):
    base = {"program": world.x.pk, "starts_at": "08:00", "ends_at": "12:00", "reason": "leave"}
    saturday = clients.provider_x.post(
        link("cover_create"), {**base, "classroom": rooms.x.pk, "day": soon.sat.isoformat()}
    )
    assert "Butterflies is not open on Saturdays." in saturday.content.decode()
    # Y's room is not among X's provider's choices: a forged id is refused by the form.
    forged = clients.provider_x.post(
        link("cover_create"), {**base, "classroom": rooms.y.pk, "day": soon.tue.isoformat()}
    )
    assert forged.status_code == 200
    assert "Select a valid choice" in forged.content.decode()


def test_hours_delivered_are_charged_once_at_the_agreed_rate(world, clients, rooms, today, link):
    """Worked example: 7.5 h + 4.25 h of cover at $28.00 an hour = 11.75 × 28.00 = $329.00."""
    service = HubServiceFactory(
        alliance=world.a,
        name="Substitute cover (hourly)",
        pricing_model=PricingModel.PER_SUBSTITUTE_HOUR,
        rate=Decimal("28.00"),
    )
    SubscriptionFactory(program=world.x, service=service, starts_on=today.replace(day=1) - datetime.timedelta(days=90))
    month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)  # last month
    ana = SubstituteFactory(alliance=world.a, first_name="Ana", last_name="Alvarez")
    first = cover(
        rooms.x, month + datetime.timedelta(days=2), "07:30", "15:30", status=CoverStatus.FILLED, substitute=ana
    )
    second = cover(
        rooms.x, month + datetime.timedelta(days=9), "12:00", "16:15", status=CoverStatus.FILLED, substitute=ana
    )
    hours = link("cover_hours", first.pk)
    assert clients.provider_x.post(hours, {"hours": "7.5"}).status_code == 403
    assert clients.staff_a.post(hours, {"hours": "7.1"}).status_code == 200  # not a quarter hour: refused
    assert clients.staff_a.post(hours, {"hours": "7.5"}).status_code == 302
    assert clients.staff_a.post(link("cover_hours", second.pk), {"hours": "4.25"}).status_code == 302

    with alliance_scope(world.a.pk):
        assert member_fees_invoice(month=month).invoices == 1
        line = LedgerEntry.objects.get(program=world.x, account__family__isnull=True)
        invoice = Invoice.objects.get(account__family__isnull=True)
        assert line.amount == Decimal("329.00")
        assert "11.75 h of cover x 28.00" in line.description
        first.refresh_from_db()
        assert (first.charged_invoice_number, first.charged_rate) == (invoice.number, Decimal("28.00"))
        # Next month's invoice does not charge the same hours again.
        next_month = (month + datetime.timedelta(days=32)).replace(day=1)
        member_fees_invoice(month=next_month)
        assert LedgerEntry.objects.filter(account__family__isnull=True).count() == 1
    # Charged hours cannot be changed any more: the page says where they were charged.
    refused = clients.staff_a.post(hours, {"hours": "6"})
    assert f"charged on member invoice {invoice.number}" in refused.content.decode()


def test_fill_rate_and_time_to_fill_worked_example(world, rooms, today):
    """X: three filled (2 h, 4 h and 9 h after asking), one not filled, one still open after
    its day, one cancelled, one open ahead. Fill rate 3 ÷ 5 = 60%; median 4 h; average 5 h."""
    ana = SubstituteFactory(alliance=world.a)
    past = today - datetime.timedelta(days=10)
    for hours_to_fill in (2, 4, 9):
        row = cover(rooms.x, past, status=CoverStatus.DELIVERED, substitute=ana, hours_delivered=Decimal("8.00"))
        with alliance_scope(world.a.pk):
            CoverRequest.objects.filter(pk=row.pk).update(
                filled_at=row.created_at + datetime.timedelta(hours=hours_to_fill)
            )
    cover(rooms.x, past, status=CoverStatus.UNFILLED)
    cover(rooms.x, past)  # open, its day passed: not filled
    cover(rooms.x, past, status=CoverStatus.CANCELLED)
    cover(rooms.x, today + datetime.timedelta(days=3))  # open ahead: not decided yet
    cover(rooms.y, past, status=CoverStatus.UNFILLED)
    with alliance_scope(world.a.pk):
        rows, total = cover_fill_rates(
            CoverRequest.objects.all(), start=past, end=today + datetime.timedelta(days=7), today=today
        )
    x = rows[0]
    assert (x.program_name, x.requested, x.filled, x.unfilled, x.pending, x.cancelled) == ("Program X", 6, 3, 2, 1, 1)
    assert (x.fill_rate, x.median_hours_to_fill, x.average_hours_to_fill) == (
        Decimal("0.6000"),
        Decimal("4.0"),
        Decimal("5.0"),
    )
    assert x.hours_delivered == Decimal("24.00")
    assert (total.filled, total.decided, total.fill_rate) == (3, 6, Decimal("0.5000"))


def test_fill_rate_page_is_the_hubs(world, clients, rooms, today, link):
    cover(rooms.x, today - datetime.timedelta(days=2), status=CoverStatus.UNFILLED)
    body = clients.staff_a.get(link("fill_rates")).content.decode()
    assert "Program X" in body
    assert "0.0%" in body
    assert clients.provider_x.get(link("fill_rates")).status_code == 403


def test_cancel_release_and_lapse(world, clients, rooms, soon, today, link):
    ana = qualified(SubstituteFactory(alliance=world.a), programs=[world.x], days=[soon.tue])
    booked = cover(rooms.x, soon.tue, status=CoverStatus.FILLED, substitute=ana)
    with alliance_scope(world.a.pk):
        CoverRequest.objects.filter(pk=booked.pk).update(filled_at=timezone.now())
    assert clients.provider_x.get(link("cover_release", booked.pk)).status_code == 403
    assert clients.staff_a.post(link("cover_release", booked.pk), {"reason": "no"}).status_code == 200  # too short
    assert clients.staff_a.post(link("cover_release", booked.pk), {"reason": "Ana is ill"}).status_code == 302
    assert clients.provider_y.post(link("cover_cancel", booked.pk), {"reason": "Not needed"}).status_code == 404
    assert clients.provider_x.post(link("cover_cancel", booked.pk), {"reason": "Not needed"}).status_code == 302
    stale = cover(rooms.x, today - datetime.timedelta(days=1))
    with alliance_scope(world.a.pk):
        from sharedservices.services import cover_requests_lapse

        assert cover_requests_lapse() == [stale.pk]
        booked.refresh_from_db()
        stale.refresh_from_db()
        assert (booked.status, booked.substitute_id, stale.status) == (
            CoverStatus.CANCELLED,
            None,
            CoverStatus.UNFILLED,
        )
        assert list(
            AuditEvent.objects.filter(object_id=str(booked.pk)).values_list("action", flat=True).order_by("pk")
        ) == ["cover.released", "cover.cancelled"]
