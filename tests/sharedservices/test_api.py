"""The shared-services API: role-scoped like the pages, 400 with field errors,
refusals with their reasons, and the same figures as the pages."""

from __future__ import annotations

import datetime
from decimal import Decimal

from alliance.tenancy import alliance_scope
from sharedservices.models import CoverRequest, CoverStatus
from tests.sharedservices.factories import ItemFactory, SubstituteFactory, VendorFactory, cover, qualified


def test_cover_requests_through_the_api(world, clients, rooms, soon, api):
    ana = qualified(
        SubstituteFactory(alliance=world.a, first_name="Ana", last_name="Alvarez"),
        programs=[world.x, world.y],
        days=[soon.wed],
    )
    bad = clients.provider_x.post(
        api("cover-requests/"),
        {
            "program": world.x.pk,
            "classroom": rooms.x.pk,
            "day": soon.sat.isoformat(),
            "starts_at": "08:00",
            "ends_at": "08:05",
        },
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json() == {
        "day": ["Butterflies is not open on Saturdays."],
        "ends_at": ["Use quarter hours (e.g. 15:30, 15:45)."],
    }
    foreign = clients.provider_x.post(
        api("cover-requests/"),
        {
            "program": world.y.pk,
            "classroom": rooms.y.pk,
            "day": soon.wed.isoformat(),
            "starts_at": "08:00",
            "ends_at": "12:00",
        },
        content_type="application/json",
    )
    assert foreign.status_code == 400
    assert "program" in foreign.json()
    created = clients.provider_x.post(
        api("cover-requests/"),
        {
            "program": world.x.pk,
            "classroom": rooms.x.pk,
            "day": soon.wed.isoformat(),
            "starts_at": "08:00",
            "ends_at": "12:00",
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    request_id = created.json()["id"]
    assert created.json()["hours"] == "4.00"
    assert created.json()["status"] == "open"
    assert clients.provider_y.get(api(f"cover-requests/{request_id}/")).status_code == 404
    assert clients.staff_b.get(api(f"cover-requests/{request_id}/")).status_code == 404
    assert clients.funder_a.get(api("cover-requests/")).status_code == 403
    assert clients.provider_x.get(api(f"cover-requests/{request_id}/suggestions/")).status_code == 403

    suggestions = clients.staff_a.get(api(f"cover-requests/{request_id}/suggestions/")).json()
    assert suggestions == [
        {
            "substitute": ana.pk,
            "name": "Ana Alvarez",
            "qualifies": True,
            "prior_covers": 0,
            "week_hours": "0.00",
            "score": "0.00",
            "refusals": [],
        }
    ]
    filled = clients.staff_a.post(
        api(f"cover-requests/{request_id}/fill/"), {"substitute": ana.pk}, content_type="application/json"
    )
    assert filled.status_code == 200
    assert filled.json()["substitute_name"] == "Ana Alvarez"
    # Ana is booked 08:00–12:00: a request at Y from 11:00 cannot have her.
    other = cover(rooms.y, soon.wed, "11:00", "13:00")
    refused = clients.staff_a.post(
        api(f"cover-requests/{other.pk}/fill/"), {"substitute": ana.pk}, content_type="application/json"
    )
    assert refused.status_code == 400
    assert refused.json() == {
        "substitute": [
            "Ana Alvarez cannot cover this request: Already booked 08:00–12:00 at Program X that day (double-booking)."
        ]
    }
    assert (
        clients.staff_b.post(
            api(f"cover-requests/{other.pk}/fill/", slug=world.b.slug),
            {"substitute": ana.pk},
            content_type="application/json",
        ).status_code
        == 404
    )
    cancelled = clients.provider_x.post(
        api(f"cover-requests/{request_id}/cancel/"), {"reason": "Teacher is back"}, content_type="application/json"
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    rates = clients.provider_x.get(api(f"cover-requests/fill-rates/?from={soon.mon}&to={soon.sun}")).json()
    assert [p["name"] for p in rates["programs"]] == ["Program X"]  # the provider's own program only
    assert rates["total"]["cancelled"] == 1


def test_purchasing_through_the_api(world, clients, today, api):
    vendor = VendorFactory(alliance=world.a, name="Lakeside")
    milk = ItemFactory(vendor=vendor, name="Milk", alliance_price=Decimal("13.20"), list_price=Decimal("15.60"))
    assert clients.provider_x.get(api("catalogue-items/")).json()["count"] == 1  # every member reads the catalogue
    assert clients.provider_x.get(api("catalogue-items/?is_active=false")).json()["count"] == 0
    refused = clients.provider_x.get(api("catalogue-items/?is_active=null"))
    assert refused.json() == {"is_active": ["Use true or false."]}
    assert clients.provider_x.post(api("catalogue-items/"), {}, content_type="application/json").status_code == 403
    dear = clients.staff_a.post(
        api("catalogue-items/"),
        {"vendor": vendor.pk, "name": "Cheese", "unit": "kg", "alliance_price": "9.00", "list_price": "8.00"},
        content_type="application/json",
    )
    assert dear.status_code == 400
    assert dear.json() == {"alliance_price": ["The alliance price cannot be above the list price."]}
    cycle = clients.staff_a.post(
        api("purchasing-cycles/"),
        {"name": "Spring", "closes_on": (today + datetime.timedelta(days=3)).isoformat()},
        content_type="application/json",
    ).json()
    for client, program in ((clients.provider_x, world.x), (clients.provider_y, world.y), (clients.staff_a, world.x)):
        answer = client.post(
            api("member-orders/set-line/"),
            {"cycle": cycle["id"], "program": program.pk, "item": milk.pk, "quantity": 3},
            content_type="application/json",
        )
        assert answer.status_code == 200, answer.content
    assert (
        clients.provider_x.post(
            api("member-orders/set-line/"),
            {"cycle": cycle["id"], "program": world.y.pk, "item": milk.pk, "quantity": 1},
            content_type="application/json",
        ).status_code
        == 400
    )  # not their program
    assert len(clients.provider_x.get(api("member-orders/")).json()["results"]) == 1
    placed = clients.staff_a.post(api(f"purchasing-cycles/{cycle['id']}/place-orders/"))
    assert placed.status_code == 200
    po = placed.json()[0]
    assert (po["total"], po["list_total"], po["savings"]) == ("79.20", "93.60", "14.40")  # 6 × 13.20, 6 × 15.60
    delivered = clients.staff_a.post(
        api(f"purchase-orders/{po['id']}/deliveries/"),
        {"program": world.x.pk, "delivered_on": today.isoformat()},
        content_type="application/json",
    )
    assert delivered.status_code == 201
    assert delivered.json()["savings"] == "7.20"
    assert clients.provider_x.get(api(f"purchase-orders/{po['id']}/")).status_code == 403
    assert clients.staff_b.get(api(f"purchase-orders/{po['id']}/")).status_code == 404


def test_coaching_and_the_quality_calendar_through_the_api(world, clients, today, api):
    visit = clients.staff_a.post(
        api("coach-visits/"),
        {
            "program": world.x.pk,
            "visited_on": today.isoformat(),
            "focus": "licensing_qris",
            "hours": "1.50",
            "summary": "Checklist walk-through",
        },
        content_type="application/json",
    )
    assert visit.status_code == 201
    assert clients.provider_x.post(api("coach-visits/"), {}, content_type="application/json").status_code == 403
    assert len(clients.provider_x.get(api("coach-visits/")).json()["results"]) == 1
    assert clients.provider_y.get(api(f"coach-visits/{visit.json()['id']}/")).status_code == 404
    goal = clients.staff_a.post(
        api("coaching-goals/"),
        {
            "program": world.x.pk,
            "title": "Evacuation drill log",
            "focus": "licensing_qris",
            "due_on": (today - datetime.timedelta(days=1)).isoformat(),
        },
        content_type="application/json",
    )
    assert goal.status_code == 400
    assert goal.json() == {"due_on": ["A new goal is due today or later."]}
    calendar = clients.staff_a.get(api("quality-calendar/")).json()
    assert {"events", "at_risk"} <= set(calendar)
    assert clients.provider_x.get(api("quality-calendar/")).status_code == 403


def test_the_lapse_of_open_requests_is_scoped(world, rooms, today):
    with alliance_scope(world.a.pk):
        from sharedservices.services import cover_requests_lapse

        row = cover(rooms.x, today - datetime.timedelta(days=2))
        assert cover_requests_lapse() == [row.pk]
        assert CoverRequest.objects.get(pk=row.pk).status == CoverStatus.UNFILLED
