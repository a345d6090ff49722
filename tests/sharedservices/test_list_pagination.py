"""Long lists of the shared services pages come in pages of 50, with working page links."""

from __future__ import annotations

from alliance.tenancy import alliance_scope
from sharedservices.models import Vendor


def test_the_vendor_list_is_paginated(world, clients, link):
    with alliance_scope(world.a.pk):
        Vendor.objects.bulk_create([Vendor(alliance_id=world.a.pk, name=f"Vendor {n:02d}") for n in range(55)])
    first = clients.staff_a.get(link("vendor_list")).content.decode()
    assert "Page 1 of 2" in first
    assert "Vendor 00" in first
    assert "Vendor 54" not in first
    assert 'href="?page=2"' in first
    second = clients.staff_a.get(link("vendor_list") + "?page=2").content.decode()
    assert "Page 2 of 2" in second
    assert "Vendor 54" in second
    assert "Vendor 00" not in second
    assert 'class="sortable"' in second
