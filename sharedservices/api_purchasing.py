"""Joint purchasing through the API, as sharedservices/views_purchasing.py has it."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import models
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from alliance.api_base import READ_AND_POST
from alliance.api_fields import DateField, HubModelSerializer, HubSerializer, VisibleRelatedField
from alliance.views_base import HUB_AND_PROVIDER, HUB_ONLY
from members.models import MemberProgram
from sharedservices import services
from sharedservices.api import AllianceWideViewSet, IdFilter, SharedReadOnlyViewSet, SharedViewSet, StrictBooleanFilter
from sharedservices.models import (
    CatalogueItem,
    MemberOrder,
    MemberOrderLine,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchasingCycle,
    Vendor,
)


class VendorSerializer(HubModelSerializer):
    class Meta:
        model = Vendor
        fields = ["id", "name", "contact_name", "email", "phone", "is_active", "notes"]
        validators: list[Any] = []


class VendorFilter(django_filters.FilterSet):
    is_active = StrictBooleanFilter()

    class Meta:
        model = Vendor
        fields = ["is_active"]


class VendorViewSet(SharedViewSet):
    model = Vendor
    serializer_class = VendorSerializer
    filterset_class = VendorFilter

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = services.vendor_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = services.vendor_update(
            actor=self.request.user, vendor=self.stored(serializer), data=serializer.validated_data
        )


class CatalogueItemSerializer(HubModelSerializer):
    vendor_name = serializers.CharField(source="vendor.name", read_only=True)
    unit_saving = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)

    class Meta:
        model = CatalogueItem
        fields = [
            "id",
            "vendor",
            "vendor_name",
            "name",
            "sku",
            "unit",
            "alliance_price",
            "list_price",
            "unit_saving",
            "is_active",
        ]
        validators: list[Any] = []

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["vendor"] = VisibleRelatedField(Vendor, read_only=self.instance is not None)
        return fields


class CatalogueItemFilter(django_filters.FilterSet):
    vendor = IdFilter(field_name="vendor_id")
    is_active = StrictBooleanFilter()

    class Meta:
        model = CatalogueItem
        fields = ["vendor", "is_active"]


class CatalogueItemViewSet(AllianceWideViewSet):
    """The vendor catalogue: every member reads it; the Hub keeps it."""

    model = CatalogueItem
    serializer_class = CatalogueItemSerializer
    allowed_roles = HUB_AND_PROVIDER
    write_roles = HUB_ONLY
    filterset_class = CatalogueItemFilter

    def base_queryset(self) -> models.QuerySet:
        return CatalogueItem.objects.select_related("vendor").order_by("vendor__name", "name")

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = services.catalogue_item_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = {k: v for k, v in serializer.validated_data.items() if k != "vendor"}
        serializer.instance = services.catalogue_item_update(
            actor=self.request.user, item=self.stored(serializer), data=data
        )


class PurchasingCycleSerializer(HubModelSerializer):
    class Meta:
        model = PurchasingCycle
        fields = ["id", "name", "closes_on", "delivery_on", "status", "ordered_at"]
        read_only_fields = ["status", "ordered_at"]
        validators: list[Any] = []


class PurchaseOrderLineSerializer(HubModelSerializer):
    item_name = serializers.CharField(source="item.name", read_only=True)

    class Meta:
        model = PurchaseOrderLine
        fields = ["item", "item_name", "quantity", "unit_price", "amount", "members"]
        read_only_fields = fields


class PurchaseOrderSerializer(HubModelSerializer):
    vendor_name = serializers.CharField(source="vendor.name", read_only=True)
    savings = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    lines = PurchaseOrderLineSerializer(many=True, read_only=True)

    class Meta:
        model = PurchaseOrder
        fields = [
            "id",
            "number",
            "cycle",
            "vendor",
            "vendor_name",
            "total",
            "list_total",
            "savings",
            "created_at",
            "lines",
        ]
        read_only_fields = fields


class PurchasingCycleViewSet(AllianceWideViewSet):
    """Purchasing cycles: every member reads them; the Hub opens one and
    `place-orders` (one purchase order per vendor, closing the cycle)."""

    model = PurchasingCycle
    serializer_class = PurchasingCycleSerializer
    allowed_roles = HUB_AND_PROVIDER
    write_roles = HUB_ONLY
    http_method_names = READ_AND_POST
    filterset_fields = ["status"]

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = services.purchasing_cycle_create(actor=self.request.user, **serializer.validated_data)

    @extend_schema(request=None, responses=PurchaseOrderSerializer(many=True))
    @action(detail=True, methods=["post"], url_path="place-orders")
    def place_orders(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        cycle = self.get_object()
        orders = services.purchasing_cycle_place_orders(actor=request.user, cycle=cycle)
        return Response(PurchaseOrderSerializer(orders, many=True).data)


class MemberOrderLineSerializer(HubModelSerializer):
    item_name = serializers.CharField(source="item.name", read_only=True)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    expected_savings = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)

    class Meta:
        model = MemberOrderLine
        fields = [
            "id",
            "item",
            "item_name",
            "quantity",
            "alliance_price",
            "list_price",
            "amount",
            "expected_savings",
            "purchase_order",
            "delivered_quantity",
            "delivered_on",
            "savings",
        ]
        read_only_fields = fields


class MemberOrderSerializer(HubModelSerializer):
    lines = MemberOrderLineSerializer(many=True, read_only=True)

    class Meta:
        model = MemberOrder
        fields = ["id", "cycle", "program", "created_at", "updated_at", "lines"]
        read_only_fields = fields


class OrderLineSetSerializer(HubSerializer):
    cycle = serializers.PrimaryKeyRelatedField(queryset=PurchasingCycle.objects.all())
    program = VisibleRelatedField(MemberProgram)
    item = serializers.PrimaryKeyRelatedField(queryset=CatalogueItem.objects.all())
    quantity = serializers.IntegerField(min_value=0, help_text="0 removes the item from the order.")


class MemberOrderViewSet(SharedReadOnlyViewSet):
    """Members' orders (providers see their own). `set-line` orders a quantity of an
    item for a program in an open cycle (0 removes it)."""

    model = MemberOrder
    serializer_class = MemberOrderSerializer
    allowed_roles = HUB_AND_PROVIDER
    write_roles = HUB_AND_PROVIDER
    filterset_fields = ["cycle", "program"]

    def base_queryset(self) -> models.QuerySet:
        return MemberOrder.objects.prefetch_related("lines", "lines__item").order_by("-cycle_id", "program_id")

    @extend_schema(request=OrderLineSetSerializer, responses=MemberOrderSerializer)
    @action(detail=False, methods=["post"], url_path="set-line")
    def set_line(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(OrderLineSetSerializer, request)
        services.member_order_line_set(actor=request.user, **data)
        order = self.get_queryset().filter(cycle=data["cycle"], program=data["program"]).first()
        return Response(
            MemberOrderSerializer(order).data
            if order
            else {"cycle": data["cycle"].pk, "program": data["program"].pk, "lines": []}
        )


class DeliveryLineSerializer(HubSerializer):
    line = serializers.IntegerField()
    quantity = serializers.IntegerField(min_value=0)


class DeliveryInputSerializer(HubSerializer):
    program = VisibleRelatedField(MemberProgram)
    delivered_on = DateField()
    quantities = DeliveryLineSerializer(
        many=True, required=False, help_text="Lines delivered short; others as ordered."
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class DeliverySerializer(HubSerializer):
    id = serializers.IntegerField()
    purchase_order = serializers.IntegerField(source="purchase_order_id")
    program = serializers.IntegerField(source="program_id")
    delivered_on = DateField()
    savings = serializers.DecimalField(max_digits=12, decimal_places=2)
    note = serializers.CharField()


class PurchaseOrderViewSet(SharedReadOnlyViewSet):
    """The Hub's purchase orders, one per vendor per cycle; `deliveries` records one member's delivery."""

    model = PurchaseOrder
    serializer_class = PurchaseOrderSerializer
    filterset_fields = ["cycle", "vendor"]

    def base_queryset(self) -> models.QuerySet:
        return PurchaseOrder.objects.select_related("vendor").prefetch_related("lines", "lines__item")

    @extend_schema(request=DeliveryInputSerializer, responses={201: DeliverySerializer})
    @action(detail=True, methods=["post"])
    def deliveries(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        purchase_order, data = self.get_object(), self.input(DeliveryInputSerializer, request)
        quantities = {q["line"]: q["quantity"] for q in data.get("quantities", [])}
        delivery = services.delivery_record(
            actor=request.user,
            purchase_order=purchase_order,
            program=data["program"],
            delivered_on=data["delivered_on"],
            quantities=quantities,
            note=data.get("note", ""),
        )
        return Response(DeliverySerializer(delivery).data, status=201)
