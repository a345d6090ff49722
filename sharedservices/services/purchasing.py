"""Writes of joint purchasing: catalogue, members' order lines, the cycle's
purchase orders (one per vendor), and deliveries with the savings they bring."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alliance.audit import Actor, audit_event_record, model_create, model_update, user_of
from alliance.dates import alliance_date, alliance_today
from members.models import MemberProgram
from sharedservices.models import (
    CatalogueItem,
    CycleStatus,
    Delivery,
    MemberOrder,
    MemberOrderLine,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchasingCycle,
    Vendor,
)
from sharedservices.models.base import ZERO

VENDOR_FIELDS = frozenset({"name", "contact_name", "email", "phone", "is_active", "notes"})
ITEM_FIELDS = frozenset({"name", "sku", "unit", "alliance_price", "list_price", "is_active"})
MAX_QUANTITY = 10000


@transaction.atomic
def vendor_create(
    *,
    actor: Actor,
    name: str,
    contact_name: str = "",
    email: str = "",
    phone: str = "",
    notes: str = "",
    is_active: bool = True,
) -> Vendor:
    return model_create(
        Vendor(name=name, contact_name=contact_name, email=email, phone=phone, notes=notes, is_active=is_active),
        actor=actor,
        action="vendor.created",
    )


@transaction.atomic
def vendor_update(*, actor: Actor, vendor: Vendor, data: Mapping[str, Any]) -> Vendor:
    return model_update(vendor, data, allowed=VENDOR_FIELDS, actor=actor, action="vendor.updated")


@transaction.atomic
def catalogue_item_create(
    *,
    actor: Actor,
    vendor: Vendor,
    name: str,
    unit: str,
    alliance_price: Decimal,
    list_price: Decimal,
    sku: str = "",
    is_active: bool = True,
) -> CatalogueItem:
    return model_create(
        CatalogueItem(
            vendor=vendor,
            name=name,
            unit=unit,
            alliance_price=alliance_price,
            list_price=list_price,
            sku=sku,
            is_active=is_active,
        ),
        actor=actor,
        action="catalogue_item.created",
    )


@transaction.atomic
def catalogue_item_update(*, actor: Actor, item: CatalogueItem, data: Mapping[str, Any]) -> CatalogueItem:
    return model_update(item, data, allowed=ITEM_FIELDS, actor=actor, action="catalogue_item.updated")


@transaction.atomic
def purchasing_cycle_create(
    *, actor: Actor, name: str, closes_on: datetime.date, delivery_on: datetime.date | None = None
) -> PurchasingCycle:
    if closes_on < alliance_today():
        raise ValidationError({"closes_on": "Orders must close today or later."})
    return model_create(
        PurchasingCycle(name=name, closes_on=closes_on, delivery_on=delivery_on),
        actor=actor,
        action="purchasing_cycle.created",
    )


def _check_open(cycle: PurchasingCycle) -> None:
    if cycle.status != CycleStatus.OPEN:
        raise ValidationError(
            f"{cycle} was ordered from vendors on {cycle.ordered_at:%Y-%m-%d}; orders can no longer change."
        )
    if cycle.closes_on < alliance_today():
        raise ValidationError(f"Orders for {cycle} closed on {cycle.closes_on}.")


@transaction.atomic
def member_order_line_set(
    *, actor: Actor, cycle: PurchasingCycle, program: MemberProgram, item: CatalogueItem, quantity: int
) -> MemberOrderLine | None:
    """Order `quantity` of an item for a program in an open cycle; 0 removes the line."""
    cycle = PurchasingCycle.objects.select_for_update().get(pk=cycle.pk)
    _check_open(cycle)
    if quantity < 0 or quantity > MAX_QUANTITY:
        raise ValidationError({"quantity": f"Order between 0 and {MAX_QUANTITY:,}."})
    order = MemberOrder.objects.filter(cycle=cycle, program=program).first()
    line = MemberOrderLine.objects.filter(order=order, item=item).first() if order else None
    before = {"quantity": line.quantity if line else 0}
    if quantity == 0:
        if line:
            line.delete()
            audit_event_record(
                actor=actor,
                action="purchasing.order_line_removed",
                target=order,
                program_id=program.pk,
                before={**before, "item": item.pk},
                after={"quantity": 0},
            )
        return None
    if not (item.is_active and item.vendor.is_active):
        raise ValidationError({"item": f"{item.name} is no longer offered."})
    if order is None:
        order = model_create(
            MemberOrder(cycle=cycle, program=program, created_by=user_of(actor)),
            actor=actor,
            action="purchasing.order_created",
            program_id=program.pk,
        )
    line = line or MemberOrderLine(order=order, item=item, alliance_id=order.alliance_id)
    line.quantity, line.alliance_price, line.list_price = quantity, item.alliance_price, item.list_price
    line.save()
    MemberOrder.objects.filter(pk=order.pk).update(updated_at=timezone.now())
    audit_event_record(
        actor=actor,
        action="purchasing.order_line_set",
        target=order,
        program_id=program.pk,
        before={**before, "item": item.pk},
        after={"quantity": quantity, "item": item.pk, "alliance_price": item.alliance_price},
    )
    return line


@transaction.atomic
def purchasing_cycle_place_orders(*, actor: Actor, cycle: PurchasingCycle) -> list[PurchaseOrder]:
    """Close the cycle: every member's lines, at the catalogue's prices now, added up
    into one purchase order per vendor."""
    cycle = PurchasingCycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.status != CycleStatus.OPEN:
        raise ValidationError(f"{cycle} was already ordered from vendors.")
    lines = list(
        MemberOrderLine.objects.filter(order__cycle=cycle)
        .select_related("item", "item__vendor", "order")
        .order_by("item__vendor__name", "item__name", "order__program_id")
    )
    if not lines:
        raise ValidationError("No member has ordered anything in this cycle yet.")
    by_vendor: dict[int, list[MemberOrderLine]] = defaultdict(list)
    for line in lines:
        by_vendor[line.item.vendor_id].append(line)
    orders = []
    for index, vendor_id in enumerate(sorted(by_vendor, key=lambda v: by_vendor[v][0].item.vendor.name), start=1):
        vendor_lines = by_vendor[vendor_id]
        purchase_order = PurchaseOrder.objects.create(
            cycle=cycle,
            vendor_id=vendor_id,
            number=f"PO-{cycle.pk:04d}-{index:02d}",
            total=ZERO,
            list_total=ZERO,
            created_by=user_of(actor),
        )
        by_item: dict[int, list[MemberOrderLine]] = defaultdict(list)
        for line in vendor_lines:
            line.alliance_price, line.list_price = line.item.alliance_price, line.item.list_price
            line.purchase_order = purchase_order
            by_item[line.item_id].append(line)
        MemberOrderLine.objects.bulk_update(vendor_lines, ["alliance_price", "list_price", "purchase_order"])
        po_lines = [
            PurchaseOrderLine(
                alliance_id=cycle.alliance_id,
                purchase_order=purchase_order,
                item_id=item_id,
                quantity=sum(li.quantity for li in item_lines),
                unit_price=item_lines[0].alliance_price,
                amount=sum((li.amount for li in item_lines), ZERO),
                members=len({li.order.program_id for li in item_lines}),
            )
            for item_id, item_lines in by_item.items()
        ]
        PurchaseOrderLine.objects.bulk_create(po_lines)
        purchase_order.total = sum((li.amount for li in vendor_lines), ZERO)
        purchase_order.list_total = sum((li.list_amount for li in vendor_lines), ZERO)
        purchase_order.save(update_fields=["total", "list_total"])
        audit_event_record(
            actor=actor,
            action="purchase_order.created",
            target=purchase_order,
            after={
                "number": purchase_order.number,
                "vendor": vendor_id,
                "total": purchase_order.total,
                "members": len({li.order.program_id for li in vendor_lines}),
            },
        )
        orders.append(purchase_order)
    cycle.status, cycle.ordered_at = CycleStatus.ORDERED, timezone.now()
    cycle.save(update_fields=["status", "ordered_at"])
    return orders


@transaction.atomic
def delivery_record(
    *,
    actor: Actor,
    purchase_order: PurchaseOrder,
    program: MemberProgram,
    delivered_on: datetime.date,
    quantities: Mapping[int, int] | None = None,
    note: str = "",
) -> Delivery:
    """Goods of a purchase order arrived at one member: each line's delivered quantity
    (default: as ordered) and its savings, (list − alliance price) × quantity delivered."""
    purchase_order = PurchaseOrder.objects.select_for_update().get(pk=purchase_order.pk)
    done = Delivery.objects.filter(purchase_order=purchase_order, program=program).first()
    if done:
        raise ValidationError(f"Delivery of {purchase_order.number} to {program} was recorded on {done.delivered_on}.")
    lines = list(
        MemberOrderLine.objects.filter(purchase_order=purchase_order, order__program=program)
        .select_related("item")
        .order_by("pk")
    )
    if not lines:
        raise ValidationError(f"{program} ordered nothing on {purchase_order.number}.")
    errors: dict[str, str] = {}
    placed_on = alliance_date(purchase_order.created_at)
    if delivered_on > alliance_today():
        errors["delivered_on"] = "Record deliveries that have arrived (the date cannot be in the future)."
    elif delivered_on < placed_on:
        errors["delivered_on"] = f"{purchase_order.number} was placed on {placed_on:%Y-%m-%d}."
    quantities = dict(quantities or {})
    unknown = set(quantities) - {line.pk for line in lines}
    if unknown:
        errors["quantities"] = "Some lines are not this member's lines on this purchase order."
    for line in lines:
        got = quantities.get(line.pk, line.quantity)
        if got is None or got < 0 or got > line.quantity:
            errors[f"line_{line.pk}"] = f"{line.item.name}: between 0 and the {line.quantity} ordered."
    if errors:
        raise ValidationError(errors)
    for line in lines:
        line.delivered_quantity = quantities.get(line.pk, line.quantity)
        line.delivered_on = delivered_on
        line.savings = (line.list_price - line.alliance_price) * line.delivered_quantity
    MemberOrderLine.objects.bulk_update(lines, ["delivered_quantity", "delivered_on", "savings"])
    delivery = model_create(
        Delivery(
            purchase_order=purchase_order,
            program=program,
            delivered_on=delivered_on,
            note=note,
            savings=sum((li.savings for li in lines), ZERO),
            recorded_by=user_of(actor),
        ),
        actor=actor,
        action="purchasing.delivered",
        program_id=program.pk,
    )
    return delivery
