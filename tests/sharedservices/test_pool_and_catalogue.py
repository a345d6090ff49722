"""The Hub's pages for the substitute pool and the vendor catalogue: forms keep input
on errors, writes are audited, providers get 403 and strangers 404."""

from __future__ import annotations

import datetime

from alliance.models import AuditEvent
from alliance.tenancy import alliance_scope
from sharedservices.models import (
    CatalogueItem,
    CoverStatus,
    PurchasingCycle,
    Substitute,
    SubstituteAvailability,
    Vendor,
)
from tests.sharedservices.factories import cover


def test_the_pool_pages(world, clients, rooms, soon, link):
    assert clients.provider_x.get(link("substitute_list")).status_code == 403
    shared_without_employer = clients.staff_a.post(
        link("substitute_create"),
        {
            "first_name": "Rosa",
            "last_name": "Delgado",
            "employment": "shared",
            "age_groups": ["infant"],
            "is_active": "on",
        },
    )
    assert "A shared substitute is employed by a member: choose which." in shared_without_employer.content.decode()
    created = clients.staff_a.post(
        link("substitute_create"),
        {
            "first_name": "Rosa",
            "last_name": "Delgado",
            "email": "Rosa@Example.org",
            "employment": "hub",
            "age_groups": ["infant", "preschool"],
            "is_active": "on",
        },
    )
    assert created.status_code == 302
    with alliance_scope(world.a.pk):
        rosa = Substitute.objects.get()
        assert (rosa.email, rosa.age_groups) == ("rosa@example.org", ["infant", "preschool"])
    detail = link("substitute_detail", rosa.pk)
    assert clients.staff_b.get(f"/a/{world.a.slug}/substitutes/{rosa.pk}/").status_code == 404
    assert (
        clients.staff_a.post(
            link("substitute_credential_create", rosa.pk),
            {"kind": "cpr_first_aid", "issued_on": "2026-01-10", "expires_on": "2025-01-10"},
        ).status_code
        == 200
    )
    assert (
        clients.staff_a.post(
            link("substitute_credential_create", rosa.pk),
            {"kind": "cpr_first_aid", "issued_on": "2025-01-10", "expires_on": "2027-01-10"},
        ).status_code
        == 302
    )
    assert (
        clients.staff_a.post(
            link("substitute_clearance_create", rosa.pk), {"program": world.x.pk, "cleared_on": "2025-06-01"}
        ).status_code
        == 302
    )
    again = clients.staff_a.post(
        link("substitute_clearance_create", rosa.pk), {"program": world.x.pk, "cleared_on": "2025-06-01"}
    )
    assert "already cleared for this program" in again.content.decode()
    assert (
        clients.staff_a.post(
            link("substitute_clearance_create", rosa.pk), {"program": world.z.pk, "cleared_on": "2025-06-01"}
        ).status_code
        == 200
    )  # another alliance's: no such choice
    week = {
        "first_day": soon.mon.isoformat(),
        "last_day": soon.sun.isoformat(),
        "weekdays": ["0", "1", "2"],
        "starts_at": "07:00",
        "ends_at": "18:00",
    }
    assert clients.staff_a.post(link("substitute_availability", rosa.pk), week).status_code == 302
    with alliance_scope(world.a.pk):
        assert sorted(SubstituteAvailability.objects.values_list("day", flat=True)) == [soon.mon, soon.tue, soon.wed]
    # Booked 07:00–15:00 on Tuesday: narrowing Tuesday to 09:00–15:00 would strand it.
    cover(rooms.x, soon.tue, "07:00", "15:00", status=CoverStatus.FILLED, substitute=rosa)
    narrowed = clients.staff_a.post(link("substitute_availability", rosa.pk), {**week, "starts_at": "09:00"})
    assert "is booked 07:00–15:00" in narrowed.content.decode()
    body = clients.staff_a.get(detail).content.decode()
    assert "Pediatric CPR &amp; First Aid" in body
    assert "Program X" in body
    assert (
        clients.staff_a.post(
            link("substitute_edit", rosa.pk),
            {"first_name": "Rosa", "last_name": "Delgado-Ruiz", "employment": "hub", "age_groups": ["infant"]},
        ).status_code
        == 302
    )
    with alliance_scope(world.a.pk):
        rosa.refresh_from_db()
        assert (rosa.last_name, rosa.is_active) == ("Delgado-Ruiz", False)
        assert AuditEvent.objects.filter(action="substitute.updated", object_id=str(rosa.pk)).exists()
    assert "left the pool" in clients.staff_a.get(link("substitute_list")).content.decode()


def test_the_catalogue_pages(world, clients, today, link):
    assert clients.provider_x.get(link("vendor_list")).status_code == 403
    assert clients.staff_a.post(link("vendor_create"), {"name": "Lakeside", "is_active": "on"}).status_code == 302
    with alliance_scope(world.a.pk):
        vendor = Vendor.objects.get()
    assert (
        "Another vendor has this name."
        in clients.staff_a.post(link("vendor_create"), {"name": "lakeside"}).content.decode()
    )
    dear = clients.staff_a.post(
        link("item_create", vendor.pk),
        {"name": "Milk", "unit": "case of 4", "alliance_price": "16.00", "list_price": "15.60", "is_active": "on"},
    )
    assert "The alliance price cannot be above the list price." in dear.content.decode()
    assert 'value="case of 4"' in dear.content.decode()  # input kept
    assert (
        clients.staff_a.post(
            link("item_create", vendor.pk),
            {"name": "Milk", "unit": "case of 4", "alliance_price": "13.20", "list_price": "15.60", "is_active": "on"},
        ).status_code
        == 302
    )
    with alliance_scope(world.a.pk):
        item = CatalogueItem.objects.get()
    assert (
        clients.staff_a.post(
            link("item_edit", item.pk),
            {"name": "Milk", "unit": "case of 4", "alliance_price": "12.90", "list_price": "15.60", "is_active": "on"},
        ).status_code
        == 302
    )
    assert "$2.70" in clients.staff_a.get(link("vendor_detail", vendor.pk)).content.decode()
    assert clients.staff_b.get(f"/a/{world.a.slug}/purchasing/items/{item.pk}/edit/").status_code == 404
    past = clients.staff_a.post(link("cycle_create"), {"name": "Old", "closes_on": "2020-01-01"})
    assert "Orders must close today or later." in past.content.decode()
    assert (
        clients.staff_a.post(
            link("cycle_create"), {"name": "Spring", "closes_on": (today + datetime.timedelta(days=7)).isoformat()}
        ).status_code
        == 302
    )
    with alliance_scope(world.a.pk):
        assert PurchasingCycle.objects.get().name == "Spring"
    assert clients.provider_x.get(link("cycle_create")).status_code == 403
