"""Joint purchasing: the Hub's vendor catalogue, members' orders in a cycle, one
purchase order per vendor per cycle, and delivery to each member with the
savings against list price recorded.

Prices are copied onto each order line when it is written, so a later change
of the catalogue does not rewrite what a member ordered; savings are recorded
on the line when it is delivered: (list price − alliance price) × quantity
delivered, exact to the cent (whole quantities of two-place prices).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from alliance.fields import MoneyField
from members.models import MemberProgram
from sharedservices.models.base import ZERO, SharedRecord


class Vendor(SharedRecord):
    name = models.CharField(max_length=200)
    contact_name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    is_active = models.BooleanField("buying from them", default=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["alliance", "name"], name="vendor_name_unique")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.name = self.name.strip()
        if self.name and self._taken(name__iexact=self.name):
            raise ValidationError({"name": "Another vendor has this name."})


class CatalogueItem(SharedRecord):
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="items")
    name = models.CharField(max_length=200)
    sku = models.CharField("vendor's item code", max_length=50, blank=True)
    unit = models.CharField(max_length=50, help_text="What one of these is, e.g. 'case of 12 boxes'.")
    alliance_price = MoneyField(help_text="The price the Hub negotiated, per unit.")
    list_price = MoneyField(help_text="The vendor's public price, per unit.")
    is_active = models.BooleanField("offered", default=True)

    class Meta:
        ordering = ["vendor__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "vendor", "name"], name="catalogueitem_name_unique"),
            models.CheckConstraint(
                condition=models.Q(alliance_price__gt=0) & models.Q(alliance_price__lte=models.F("list_price")),
                name="catalogueitem_price_within_list",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})"

    @property
    def unit_saving(self) -> Decimal:
        return self.list_price - self.alliance_price

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.name = self.name.strip()
        if self.name and self.vendor_id and self._taken(vendor_id=self.vendor_id, name__iexact=self.name):
            errors["name"] = "This vendor already has an item with this name."
        if self.alliance_price is not None and self.alliance_price <= 0:
            errors["alliance_price"] = "The alliance price must be more than zero."
        elif self.alliance_price is not None and self.list_price is not None and self.alliance_price > self.list_price:
            errors["alliance_price"] = "The alliance price cannot be above the list price."
        if errors:
            raise ValidationError(errors)


class CycleStatus(models.TextChoices):
    OPEN = "open", "Taking orders"
    ORDERED = "ordered", "Ordered from vendors"


class PurchasingCycle(SharedRecord):
    """A round of joint buying: members order until the deadline, then the Hub
    places one purchase order per vendor."""

    name = models.CharField(max_length=100, help_text="E.g. 'Spring 2026 supplies'.")
    closes_on = models.DateField("orders close on")
    delivery_on = models.DateField("expected delivery", null=True, blank=True)
    status = models.CharField(max_length=10, choices=CycleStatus.choices, default=CycleStatus.OPEN)
    ordered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-closes_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["alliance", "name"], name="purchasingcycle_name_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status == CycleStatus.OPEN

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.name = self.name.strip()
        if self.name and self._taken(name__iexact=self.name):
            errors["name"] = "Another purchasing cycle has this name."
        if self.closes_on and self.delivery_on and self.delivery_on < self.closes_on:
            errors["delivery_on"] = "Delivery cannot be before orders close."
        if errors:
            raise ValidationError(errors)


class MemberOrder(SharedRecord):
    """One member program's order in one cycle (its lines say what)."""

    cycle = models.ForeignKey(PurchasingCycle, on_delete=models.PROTECT, related_name="orders")
    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    program_field = "program"

    class Meta:
        ordering = ["cycle", "program__name"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "cycle", "program"], name="memberorder_one_per_cycle")
        ]

    def __str__(self) -> str:
        return f"{self.program} order in {self.cycle}"


class PurchaseOrder(SharedRecord):
    """The Hub's one order to one vendor for one cycle: every member's lines added up."""

    cycle = models.ForeignKey(PurchasingCycle, on_delete=models.PROTECT, related_name="purchase_orders")
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="purchase_orders")
    number = models.CharField(max_length=30)
    total = MoneyField()
    list_total = MoneyField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cycle", "vendor__name"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "cycle", "vendor"], name="purchaseorder_one_per_vendor"),
            models.UniqueConstraint(fields=["alliance", "number"], name="purchaseorder_number_unique"),
        ]

    def __str__(self) -> str:
        return f"Purchase order {self.number}"

    @property
    def savings(self) -> Decimal:
        return self.list_total - self.total


class PurchaseOrderLine(SharedRecord):
    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, related_name="lines")
    item = models.ForeignKey(CatalogueItem, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    unit_price = MoneyField()
    amount = MoneyField()
    members = models.PositiveIntegerField(help_text="Member programs whose orders this line adds up.")

    class Meta:
        ordering = ["item__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "purchase_order", "item"], name="purchaseorderline_one_per_item"
            )
        ]


class MemberOrderLine(SharedRecord):
    order = models.ForeignKey(MemberOrder, on_delete=models.PROTECT, related_name="lines")
    item = models.ForeignKey(CatalogueItem, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    alliance_price = MoneyField()
    list_price = MoneyField()
    purchase_order = models.ForeignKey(
        PurchaseOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="member_lines"
    )
    delivered_quantity = models.PositiveIntegerField(null=True, blank=True)
    delivered_on = models.DateField(null=True, blank=True)
    savings = MoneyField(
        null=True, blank=True, help_text="(list − alliance price) × quantity delivered, recorded on delivery."
    )

    program_field = "order__program"

    class Meta:
        ordering = ["item__vendor__name", "item__name"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "order", "item"], name="memberorderline_one_per_item"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="memberorderline_quantity_positive"),
        ]
        indexes = [models.Index(fields=["alliance", "delivered_on"])]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.item}"

    @property
    def amount(self) -> Decimal:
        return self.alliance_price * self.quantity

    @property
    def list_amount(self) -> Decimal:
        return self.list_price * self.quantity

    @property
    def expected_savings(self) -> Decimal:
        return (self.list_price - self.alliance_price) * self.quantity


class Delivery(SharedRecord):
    """A purchase order's goods arrived at one member program."""

    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, related_name="deliveries")
    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="+")
    delivered_on = models.DateField()
    note = models.CharField(max_length=300, blank=True)
    savings = MoneyField(default=ZERO)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    program_field = "program"

    class Meta:
        ordering = ["-delivered_on", "-id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["alliance", "purchase_order", "program"], name="delivery_once_per_member")
        ]
        indexes = [models.Index(fields=["alliance", "program", "delivered_on"])]

    def __str__(self) -> str:
        return f"Delivery of {self.purchase_order} to {self.program}"
