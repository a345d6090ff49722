"""Joint purchasing: three members' orders become one purchase order per vendor,
deliveries record each member's savings against list price (worked example),
and the pages are scoped (providers order for their own program only)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from alliance.tenancy import alliance_scope
from sharedservices.models import CycleStatus, Delivery, MemberOrderLine, PurchaseOrder, PurchasingCycle
from sharedservices.services import (
    catalogue_item_update,
    delivery_record,
    member_order_line_set,
    purchasing_cycle_create,
    purchasing_cycle_place_orders,
)
from tests.factories import MemberProgramFactory
from tests.sharedservices.factories import ItemFactory, VendorFactory


@pytest.fixture
def shop(world, today):
    lakeside = VendorFactory(alliance=world.a, name="Lakeside Food")
    classroom = VendorFactory(alliance=world.a, name="Classroom Supply")
    w = MemberProgramFactory(alliance=world.a, name="Program W")
    wipes = ItemFactory(vendor=classroom, name="Wipes", alliance_price=Decimal("24.50"), list_price=Decimal("30.00"))
    paper = ItemFactory(vendor=classroom, name="Paper", alliance_price=Decimal("9.49"), list_price=Decimal("12.99"))
    milk = ItemFactory(vendor=lakeside, name="Milk", alliance_price=Decimal("13.20"), list_price=Decimal("15.60"))
    with alliance_scope(world.a.pk):
        cycle = purchasing_cycle_create(actor=None, name="Spring", closes_on=today + datetime.timedelta(days=5))
    return {
        "w": w,
        "wipes": wipes,
        "paper": paper,
        "milk": milk,
        "cycle": cycle,
        "lakeside": lakeside,
        "classroom": classroom,
    }


def order(world, shop, program, item, quantity):  # type: ignore[no-untyped-def]
    with alliance_scope(world.a.pk):
        return member_order_line_set(
            actor=None, cycle=shop["cycle"], program=program, item=shop[item], quantity=quantity
        )


def test_three_members_orders_become_one_purchase_order_per_vendor(world, shop):
    order(world, shop, world.x, "wipes", 10)
    order(world, shop, world.x, "milk", 2)
    order(world, shop, world.y, "wipes", 5)
    order(world, shop, world.y, "paper", 4)
    order(world, shop, shop["w"], "wipes", 1)
    order(world, shop, shop["w"], "paper", 3)
    order(world, shop, shop["w"], "milk", 0)  # nothing: no line
    with alliance_scope(world.a.pk):
        # The wipes' price drops before the Hub orders: every line is ordered at the new price.
        catalogue_item_update(actor=None, item=shop["wipes"], data={"alliance_price": Decimal("24.00")})
        orders = purchasing_cycle_place_orders(actor=None, cycle=shop["cycle"])
        assert [(po.vendor.name, po.number) for po in orders] == [
            ("Classroom Supply", f"PO-{shop['cycle'].pk:04d}-01"),
            ("Lakeside Food", f"PO-{shop['cycle'].pk:04d}-02"),
        ]
        supplies = orders[0]
        lines = {
            line.item.name: (line.quantity, line.unit_price, line.amount, line.members) for line in supplies.lines.all()
        }
        # Wipes 10 + 5 + 1 = 16 × 24.00 = 384.00 for 3 members; paper 4 + 3 = 7 × 9.49 = 66.43 for 2.
        assert lines == {
            "Wipes": (16, Decimal("24.00"), Decimal("384.00"), 3),
            "Paper": (7, Decimal("9.49"), Decimal("66.43"), 2),
        }
        assert (supplies.total, supplies.list_total, supplies.savings) == (
            Decimal("450.43"),
            Decimal("570.93"),
            Decimal("120.50"),
        )  # 16 × 30.00 + 7 × 12.99
        assert orders[1].total == Decimal("26.40")  # 2 × 13.20
        cycle = PurchasingCycle.objects.get()
        assert cycle.status == CycleStatus.ORDERED
        with pytest.raises(ValidationError, match="already ordered"):
            purchasing_cycle_place_orders(actor=None, cycle=cycle)
    with pytest.raises(ValidationError, match="can no longer change"):
        order(world, shop, world.x, "paper", 1)


def test_delivery_records_each_members_savings(world, shop, today):
    order(world, shop, world.x, "wipes", 10)
    order(world, shop, world.x, "paper", 4)
    order(world, shop, world.y, "wipes", 2)
    with alliance_scope(world.a.pk):
        supplies = purchasing_cycle_place_orders(actor=None, cycle=shop["cycle"])[0]
        wipes_x = MemberOrderLine.objects.get(order__program=world.x, item=shop["wipes"])
        with pytest.raises(ValidationError) as refused:
            delivery_record(
                actor=None, purchase_order=supplies, program=world.x, delivered_on=today, quantities={wipes_x.pk: 11}
            )
        assert refused.value.message_dict == {f"line_{wipes_x.pk}": ["Wipes: between 0 and the 10 ordered."]}
        # Nine of ten cases arrived: (30.00 − 24.50) × 9 = 49.50; paper (12.99 − 9.49) × 4 = 14.00.
        delivery = delivery_record(
            actor=None, purchase_order=supplies, program=world.x, delivered_on=today, quantities={wipes_x.pk: 9}
        )
        assert delivery.savings == Decimal("63.50")
        assert sorted(MemberOrderLine.objects.filter(order__program=world.x).values_list("savings", flat=True)) == [
            Decimal("14.00"),
            Decimal("49.50"),
        ]
        with pytest.raises(ValidationError, match="was recorded on"):
            delivery_record(actor=None, purchase_order=supplies, program=world.x, delivered_on=today)
        with pytest.raises(ValidationError, match="ordered nothing"):
            delivery_record(actor=None, purchase_order=supplies, program=shop["w"], delivered_on=today)
        assert Delivery.objects.count() == 1


def test_pages_providers_order_for_their_own_program(world, clients, shop, link):
    cycle = shop["cycle"]
    own = link("order", cycle.pk, world.x.pk)
    assert clients.provider_x.get(own).status_code == 200
    assert clients.provider_x.get(link("order", cycle.pk, world.y.pk)).status_code == 404
    assert (
        clients.staff_b.get(f"/a/{world.a.slug}/purchasing/cycles/{cycle.pk}/programs/{world.x.pk}/order/").status_code
        == 404
    )
    assert clients.funder_a.get(own).status_code == 403
    response = clients.provider_x.post(own, {"item": shop["wipes"].pk, "quantity": "6"}, follow=True)
    assert "Wipes: 6 ordered." in response.content.decode()
    bad = clients.provider_x.post(own, {"item": shop["wipes"].pk, "quantity": "-1"})
    assert bad.status_code == 200
    assert "greater than or equal to 0" in bad.content.decode()
    clients.provider_y.post(link("order", cycle.pk, world.y.pk), {"item": shop["paper"].pk, "quantity": "2"})
    # The Hub sees both orders on the cycle; a provider sees only its own.
    assert "Program Y" in clients.staff_a.get(link("cycle_detail", cycle.pk)).content.decode()
    provider_view = clients.provider_x.get(link("cycle_detail", cycle.pk)).content.decode()
    assert "Program X" in provider_view
    assert "Program Y" not in provider_view
    assert clients.provider_x.post(link("cycle_place_orders", cycle.pk)).status_code == 403
    home = clients.staff_a.get(link("purchasing_home")).content.decode()
    assert "Spring" in home
    assert "Taking orders" in home
    assert "Wipes" in home
    assert "Place an order" not in home
    assert "View or change" in clients.provider_x.get(link("purchasing_home")).content.decode()
    placed = clients.staff_a.post(link("cycle_place_orders", cycle.pk), follow=True).content.decode()
    assert "2 purchase orders placed" not in placed
    assert "1 purchase order placed" in placed
    with alliance_scope(world.a.pk):
        po, line = PurchaseOrder.objects.get(), MemberOrderLine.objects.get(order__program=world.x)
    assert clients.provider_x.get(link("purchase_order_detail", po.pk)).status_code == 403
    assert "Record delivery" in clients.staff_a.get(link("purchase_order_detail", po.pk)).content.decode()
    delivered = clients.staff_a.post(
        link("delivery_create", po.pk, world.x.pk), {"delivered_on": "2020-01-01", f"line_{line.pk}": "6"}
    )
    assert "was placed on" in delivered.content.decode()  # before the order: refused, nothing saved
    closed = clients.provider_x.post(own, {"item": shop["wipes"].pk, "quantity": "1"})
    assert "can no longer change" in closed.content.decode()
