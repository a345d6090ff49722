"""API of shared services, scoped like the pages: the base viewset resolves the
alliance and narrows providers to their program; funders get 403.

Serializers validate types; writes go through sharedservices.services, whose
ValidationErrors come back as 400 with field errors (a refusal such as a
double-booking names its reason). Nothing is deleted through the API.
"""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django import forms
from django.db import models
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from alliance.api_base import AllianceModelViewSet, AllianceReadOnlyViewSet, AllianceViewSetMixin
from alliance.views_base import HUB_AND_PROVIDER, HUB_ONLY
from enrollment.services import alliance_today
from members.api import VisibleRelatedField, through_service
from members.models import AgeGroup, Classroom, MemberProgram
from sharedservices import services
from sharedservices.matching import cover_candidates
from sharedservices.models import (
    CatalogueItem,
    CoachingGoal,
    CoachVisit,
    CoverReason,
    CoverRequest,
    CredentialType,
    MemberOrder,
    MemberOrderLine,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchasingCycle,
    Substitute,
    SubstituteAvailability,
    SubstituteClearance,
    SubstituteCredential,
    Vendor,
)
from sharedservices.quality import members_at_risk, quality_calendar
from sharedservices.selectors import cover_fill_rates

READ_AND_POST = ["get", "post", "head", "options"]
NO_DELETE = ["get", "post", "put", "patch", "head", "options"]


class StrictBooleanField(forms.Field):
    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        if value in ("true", "false"):
            return value == "true"
        raise forms.ValidationError("Use true or false.")


class StrictBooleanFilter(django_filters.BooleanFilter):
    """`true` or `false`; anything else is a field error (a plain BooleanFilter ignores `null`)."""

    field_class = StrictBooleanField


class IdFilter(django_filters.NumberFilter):
    """A row's id: `1.5` is a field error, not quietly 1."""

    field_class = forms.IntegerField


class SharedMixin:
    membership: Any

    def require(self, roles: frozenset[str]) -> None:
        if self.membership.role not in roles:
            raise PermissionDenied("Your role in this alliance does not allow this.")

    def input(self, serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
        serializer = serializer_class(data=request.data, context=self.get_serializer_context())  # type: ignore[attr-defined]
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class SharedViewSet(SharedMixin, AllianceModelViewSet):
    http_method_names = NO_DELETE


class SharedReadOnlyViewSet(SharedMixin, AllianceReadOnlyViewSet):
    """Rows made by actions, not by a create: list, retrieve and the actions' POSTs."""


class AllianceWideViewSet(SharedViewSet):
    """Rows that belong to the alliance rather than a program (the catalogue, cycles):
    every member of the alliance may read them; the open scope still limits them to it."""

    def get_queryset(self) -> models.QuerySet:
        if getattr(self, "swagger_fake_view", False) or self.membership.is_hub:
            return super().get_queryset()
        return self.base_queryset()


# --- Substitutes -----------------------------------------------------------------
class SubstituteCredentialSerializer(serializers.ModelSerializer):
    class Meta:
        model = SubstituteCredential
        fields = ["id", "kind", "identifier", "issued_on", "expires_on"]


class SubstituteSerializer(serializers.ModelSerializer):
    age_groups = serializers.ListField(child=serializers.ChoiceField(choices=AgeGroup.choices), allow_empty=False)
    home_program = VisibleRelatedField(MemberProgram, required=False, allow_null=True)
    credentials = SubstituteCredentialSerializer(many=True, read_only=True)
    cleared_programs = serializers.SerializerMethodField()

    class Meta:
        model = Substitute
        fields = [
            "id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "employment",
            "home_program",
            "age_groups",
            "is_active",
            "notes",
            "credentials",
            "cleared_programs",
        ]

    def get_cleared_programs(self, obj: Substitute) -> list[int]:
        return sorted(c.program_id for c in obj.clearances.all())


class ClearanceSerializer(serializers.ModelSerializer):
    program = VisibleRelatedField(MemberProgram)

    class Meta:
        model = SubstituteClearance
        fields = ["id", "program", "cleared_on", "note"]


class AvailabilitySetSerializer(serializers.Serializer):
    first_day = serializers.DateField()
    last_day = serializers.DateField()
    weekdays = serializers.ListField(child=serializers.IntegerField(min_value=0, max_value=6), allow_empty=False)
    starts_at = serializers.TimeField()
    ends_at = serializers.TimeField()


class AvailabilitySerializer(serializers.ModelSerializer):
    class Meta:
        model = SubstituteAvailability
        fields = ["id", "day", "starts_at", "ends_at"]


class SubstituteFilter(django_filters.FilterSet):
    is_active = StrictBooleanFilter()

    class Meta:
        model = Substitute
        fields = ["is_active", "employment"]


class SubstituteViewSet(SharedViewSet):
    """The Hub's substitute pool (Hub roles only). `credentials`, `clearances` and
    `availability` add to a substitute."""

    model = Substitute
    serializer_class = SubstituteSerializer
    filterset_class = SubstituteFilter

    def base_queryset(self) -> models.QuerySet:
        return Substitute.objects.prefetch_related("credentials", "clearances").order_by("last_name", "first_name")

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = through_service(
            lambda: services.substitute_create(actor=self.request.user, **serializer.validated_data)
        )

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = through_service(
            lambda: services.substitute_update(
                actor=self.request.user, substitute=serializer.instance, data=serializer.validated_data
            )
        )

    @extend_schema(request=SubstituteCredentialSerializer, responses={201: SubstituteCredentialSerializer})
    @action(detail=True, methods=["post"])
    def credentials(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        substitute, data = self.get_object(), self.input(SubstituteCredentialSerializer, request)
        credential = through_service(
            lambda: services.substitute_credential_add(actor=request.user, substitute=substitute, **data)
        )
        return Response(SubstituteCredentialSerializer(credential).data, status=201)

    @extend_schema(request=ClearanceSerializer, responses={201: ClearanceSerializer})
    @action(detail=True, methods=["post"])
    def clearances(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        substitute, data = self.get_object(), self.input(ClearanceSerializer, request)
        clearance = through_service(
            lambda: services.substitute_clearance_add(actor=request.user, substitute=substitute, **data)
        )
        return Response(ClearanceSerializer(clearance, context=self.get_serializer_context()).data, status=201)

    @extend_schema(request=AvailabilitySetSerializer, responses={201: AvailabilitySerializer(many=True)})
    @action(detail=True, methods=["post"])
    def availability(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        substitute, data = self.get_object(), self.input(AvailabilitySetSerializer, request)
        rows = through_service(
            lambda: services.substitute_availability_set(actor=request.user, substitute=substitute, **data)
        )
        return Response(AvailabilitySerializer(rows, many=True).data, status=201)


# --- Cover requests --------------------------------------------------------------
class CoverRequestSerializer(serializers.ModelSerializer):
    hours = serializers.DecimalField(max_digits=5, decimal_places=2, read_only=True)
    substitute_name = serializers.CharField(source="substitute.full_name", read_only=True, default=None)

    class Meta:
        model = CoverRequest
        fields = [
            "id",
            "program",
            "classroom",
            "day",
            "starts_at",
            "ends_at",
            "hours",
            "age_group",
            "required_credential",
            "reason",
            "notes",
            "status",
            "created_at",
            "substitute",
            "substitute_name",
            "filled_at",
            "hours_delivered",
            "closed_reason",
            "charged_invoice_number",
            "charged_rate",
        ]
        read_only_fields = fields


class CoverRequestCreateSerializer(serializers.Serializer):
    program = VisibleRelatedField(MemberProgram)
    classroom = VisibleRelatedField(Classroom)
    day = serializers.DateField()
    starts_at = serializers.TimeField()
    ends_at = serializers.TimeField()
    age_group = serializers.ChoiceField(
        choices=AgeGroup.choices, required=False, help_text="Default: the classroom's age group."
    )
    required_credential = serializers.ChoiceField(choices=CredentialType.choices, required=False)
    reason = serializers.ChoiceField(choices=CoverReason.choices, required=False)
    notes = serializers.CharField(required=False, allow_blank=True)


class FillSerializer(serializers.Serializer):
    substitute = VisibleRelatedField(Substitute)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class HoursSerializer(serializers.Serializer):
    hours = serializers.DecimalField(max_digits=5, decimal_places=2)


class CandidateSerializer(serializers.Serializer):
    substitute = serializers.IntegerField()
    name = serializers.CharField()
    qualifies = serializers.BooleanField()
    prior_covers = serializers.IntegerField(help_text="Covers already delivered at this program.")
    week_hours = serializers.DecimalField(
        max_digits=6, decimal_places=2, help_text="Hours already booked in the request's Monday–Sunday week."
    )
    score = serializers.DecimalField(
        max_digits=7,
        decimal_places=2,
        allow_null=True,
        help_text="10 × min(prior covers, 5) − hours booked that week; null when the substitute does not qualify.",
    )
    refusals = serializers.ListField(child=serializers.CharField())


class FillRateSerializer(serializers.Serializer):
    program = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    requested = serializers.IntegerField()
    filled = serializers.IntegerField()
    unfilled = serializers.IntegerField()
    pending = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    fill_rate = serializers.DecimalField(max_digits=5, decimal_places=4, allow_null=True)
    median_hours_to_fill = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)
    average_hours_to_fill = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)
    hours_delivered = serializers.DecimalField(max_digits=10, decimal_places=2)


class FillRatesSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    programs = FillRateSerializer(many=True)
    total = FillRateSerializer()


class CoverRequestFilter(django_filters.FilterSet):
    program = IdFilter(field_name="program_id")
    day_from = django_filters.DateFilter(field_name="day", lookup_expr="gte")
    day_to = django_filters.DateFilter(field_name="day", lookup_expr="lte")

    class Meta:
        model = CoverRequest
        fields = ["status"]


def _date_param(request: Request, name: str, default: datetime.date) -> datetime.date:
    value = request.query_params.get(name)
    if not value:
        return default
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise DRFValidationError({name: ["A date, YYYY-MM-DD."]}) from None


class CoverRequestViewSet(SharedViewSet):
    """Requests for a substitute. Providers ask (create) and `cancel` for their own
    program; the Hub reads `suggestions`, `fill`s, `release`s, marks `not-filled` and
    records `hours`. `fill-rates` gives fill rate and time to fill per program."""

    model = CoverRequest
    serializer_class = CoverRequestSerializer
    allowed_roles = HUB_AND_PROVIDER
    write_roles = HUB_AND_PROVIDER
    filterset_class = CoverRequestFilter
    http_method_names = READ_AND_POST

    def base_queryset(self) -> models.QuerySet:
        return CoverRequest.objects.select_related("substitute").order_by("-day", "-starts_at", "-id")

    def _answer(self, cover: CoverRequest, status: int = 200) -> Response:
        return Response(CoverRequestSerializer(cover).data, status=status)

    @extend_schema(request=CoverRequestCreateSerializer, responses={201: CoverRequestSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(CoverRequestCreateSerializer, request)
        return self._answer(through_service(lambda: services.cover_request_create(actor=request.user, **data)), 201)

    @extend_schema(responses=CandidateSerializer(many=True))
    @action(detail=True, methods=["get"])
    def suggestions(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.require(HUB_ONLY)
        cover = self.get_object()
        return Response(
            [
                {
                    "substitute": c.substitute.pk,
                    "name": c.substitute.full_name,
                    "qualifies": c.qualifies,
                    "prior_covers": c.prior_covers,
                    "week_hours": str(c.week_hours),
                    "score": str(c.score) if c.qualifies else None,
                    "refusals": c.refusals,
                }
                for c in cover_candidates(cover)
            ]
        )

    @extend_schema(request=FillSerializer, responses=CoverRequestSerializer)
    @action(detail=True, methods=["post"])
    def fill(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.require(HUB_ONLY)
        cover, data = self.get_object(), self.input(FillSerializer, request)
        return self._answer(
            through_service(
                lambda: services.cover_request_fill(actor=request.user, cover=cover, substitute=data["substitute"])
            )
        )

    def _with_reason(self, request: Request, service: Any) -> Response:
        cover, data = self.get_object(), self.input(ReasonSerializer, request)
        return self._answer(through_service(lambda: service(actor=request.user, cover=cover, reason=data["reason"])))

    @extend_schema(request=ReasonSerializer, responses=CoverRequestSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.require(HUB_ONLY)
        return self._with_reason(request, services.cover_request_release)

    @extend_schema(request=ReasonSerializer, responses=CoverRequestSerializer)
    @action(detail=True, methods=["post"], url_path="not-filled")
    def not_filled(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.require(HUB_ONLY)
        return self._with_reason(request, services.cover_request_mark_unfilled)

    @extend_schema(request=ReasonSerializer, responses=CoverRequestSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._with_reason(request, services.cover_request_cancel)

    @extend_schema(request=HoursSerializer, responses=CoverRequestSerializer)
    @action(detail=True, methods=["post"])
    def hours(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.require(HUB_ONLY)
        cover, data = self.get_object(), self.input(HoursSerializer, request)
        return self._answer(
            through_service(
                lambda: services.cover_request_record_hours(actor=request.user, cover=cover, hours=data["hours"])
            )
        )

    @extend_schema(
        responses=FillRatesSerializer,
        parameters=[
            OpenApiParameter("from", datetime.date, description="First day (default: 90 days ago)."),
            OpenApiParameter("to", datetime.date, description="Last day (default: today)."),
        ],
    )
    @action(detail=False, methods=["get"], url_path="fill-rates", filter_backends=[], pagination_class=None)
    def fill_rates(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        today = alliance_today()
        end = _date_param(request, "to", today)
        start = _date_param(request, "from", end - datetime.timedelta(days=90))
        rows, total = cover_fill_rates(self.get_queryset(), start=start, end=end, today=today)

        def row(r: Any) -> dict[str, Any]:
            return {
                "program": r.program_id,
                "name": r.program_name,
                "requested": r.requested,
                "filled": r.filled,
                "unfilled": r.unfilled,
                "pending": r.pending,
                "cancelled": r.cancelled,
                "fill_rate": r.fill_rate,
                "median_hours_to_fill": r.median_hours_to_fill,
                "average_hours_to_fill": r.average_hours_to_fill,
                "hours_delivered": r.hours_delivered,
            }

        return Response(
            FillRatesSerializer(
                {"start": start, "end": end, "programs": [row(r) for r in rows], "total": row(total)}
            ).data
        )


# --- Purchasing ------------------------------------------------------------------
class VendorSerializer(serializers.ModelSerializer):
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
        serializer.instance = through_service(
            lambda: services.vendor_create(actor=self.request.user, **serializer.validated_data)
        )

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = through_service(
            lambda: services.vendor_update(
                actor=self.request.user, vendor=serializer.instance, data=serializer.validated_data
            )
        )


class CatalogueItemSerializer(serializers.ModelSerializer):
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
        serializer.instance = through_service(
            lambda: services.catalogue_item_create(actor=self.request.user, **serializer.validated_data)
        )

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = {k: v for k, v in serializer.validated_data.items() if k != "vendor"}
        serializer.instance = through_service(
            lambda: services.catalogue_item_update(actor=self.request.user, item=serializer.instance, data=data)
        )


class PurchasingCycleSerializer(serializers.ModelSerializer):
    class Meta:
        model = PurchasingCycle
        fields = ["id", "name", "closes_on", "delivery_on", "status", "ordered_at"]
        read_only_fields = ["status", "ordered_at"]
        validators: list[Any] = []


class PurchaseOrderLineSerializer(serializers.ModelSerializer):
    item_name = serializers.CharField(source="item.name", read_only=True)

    class Meta:
        model = PurchaseOrderLine
        fields = ["item", "item_name", "quantity", "unit_price", "amount", "members"]
        read_only_fields = fields


class PurchaseOrderSerializer(serializers.ModelSerializer):
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
        serializer.instance = through_service(
            lambda: services.purchasing_cycle_create(actor=self.request.user, **serializer.validated_data)
        )

    @extend_schema(request=None, responses=PurchaseOrderSerializer(many=True))
    @action(detail=True, methods=["post"], url_path="place-orders")
    def place_orders(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        cycle = self.get_object()
        orders = through_service(lambda: services.purchasing_cycle_place_orders(actor=request.user, cycle=cycle))
        return Response(PurchaseOrderSerializer(orders, many=True).data)


class MemberOrderLineSerializer(serializers.ModelSerializer):
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


class MemberOrderSerializer(serializers.ModelSerializer):
    lines = MemberOrderLineSerializer(many=True, read_only=True)

    class Meta:
        model = MemberOrder
        fields = ["id", "cycle", "program", "created_at", "updated_at", "lines"]
        read_only_fields = fields


class OrderLineSetSerializer(serializers.Serializer):
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
        through_service(lambda: services.member_order_line_set(actor=request.user, **data))
        order = self.get_queryset().filter(cycle=data["cycle"], program=data["program"]).first()
        return Response(
            MemberOrderSerializer(order).data
            if order
            else {"cycle": data["cycle"].pk, "program": data["program"].pk, "lines": []}
        )


class DeliveryLineSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    quantity = serializers.IntegerField(min_value=0)


class DeliveryInputSerializer(serializers.Serializer):
    program = VisibleRelatedField(MemberProgram)
    delivered_on = serializers.DateField()
    quantities = DeliveryLineSerializer(
        many=True, required=False, help_text="Lines delivered short; others as ordered."
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class DeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    purchase_order = serializers.IntegerField(source="purchase_order_id")
    program = serializers.IntegerField(source="program_id")
    delivered_on = serializers.DateField()
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
        delivery = through_service(
            lambda: services.delivery_record(
                actor=request.user,
                purchase_order=purchase_order,
                program=data["program"],
                delivered_on=data["delivered_on"],
                quantities=quantities,
                note=data.get("note", ""),
            )
        )
        return Response(DeliverySerializer(delivery).data, status=201)


# --- Coaching --------------------------------------------------------------------
class CoachVisitSerializer(serializers.ModelSerializer):
    program = VisibleRelatedField(MemberProgram)

    class Meta:
        model = CoachVisit
        fields = ["id", "program", "coach_name", "visited_on", "focus", "hours", "summary", "next_steps"]
        read_only_fields = ["coach_name"]


class CoachVisitViewSet(SharedViewSet):
    """Coaching visits (providers see their own); a Hub coach logs their own visits."""

    model = CoachVisit
    serializer_class = CoachVisitSerializer
    allowed_roles = HUB_AND_PROVIDER
    http_method_names = READ_AND_POST
    filterset_fields = ["program", "focus"]

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = through_service(
            lambda: services.coach_visit_create(actor=self.request.user, **serializer.validated_data)
        )


class CoachingGoalSerializer(serializers.ModelSerializer):
    class Meta:
        model = CoachingGoal
        fields = ["id", "program", "visit", "title", "focus", "due_on", "status", "status_changed_on", "notes"]
        read_only_fields = ["status_changed_on"]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fixed = self.instance is not None
        fields["program"] = VisibleRelatedField(MemberProgram, read_only=fixed)
        fields["visit"] = VisibleRelatedField(CoachVisit, read_only=fixed, required=False, allow_null=True)
        return fields


class CoachingGoalViewSet(SharedViewSet):
    model = CoachingGoal
    serializer_class = CoachingGoalSerializer
    allowed_roles = HUB_AND_PROVIDER
    filterset_fields = ["program", "status", "focus"]

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = {k: v for k, v in serializer.validated_data.items() if k != "status"}
        serializer.instance = through_service(lambda: services.coaching_goal_create(actor=self.request.user, **data))

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = {k: v for k, v in serializer.validated_data.items() if k not in ("program", "visit")}
        serializer.instance = through_service(
            lambda: services.coaching_goal_update(actor=self.request.user, goal=serializer.instance, data=data)
        )


# --- Quality calendar ------------------------------------------------------------
class QualityEventSerializer(serializers.Serializer):
    program = serializers.IntegerField()
    program_name = serializers.CharField()
    kind = serializers.ChoiceField(
        choices=[
            ("license_renewal", "License renewal"),
            ("qris_rerating", "QRIS re-rating"),
            ("accreditation", "Accreditation expires"),
        ]
    )
    due_on = serializers.DateField(allow_null=True)
    basis = serializers.CharField()


class AtRiskSerializer(serializers.Serializer):
    program = serializers.IntegerField()
    program_name = serializers.CharField()
    event = QualityEventSerializer(allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField())


class QualityCalendarSerializer(serializers.Serializer):
    events = QualityEventSerializer(many=True)
    at_risk = AtRiskSerializer(many=True)


def _event(event: Any) -> dict[str, Any] | None:
    if event is None:
        return None
    return {
        "program": event.program.pk,
        "program_name": event.program.name,
        "kind": event.kind,
        "due_on": event.due_on,
        "basis": event.basis,
    }


class QualityCalendarView(AllianceViewSetMixin, generics.GenericAPIView):
    """Licensing renewals, QRIS re-ratings and accreditation expiries overdue or due in
    the next 180 days across members, and the members at risk (Hub roles)."""

    model = MemberProgram
    serializer_class = QualityCalendarSerializer
    pagination_class = None
    filter_backends: list[Any] = []

    @extend_schema(responses=QualityCalendarSerializer)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        today = alliance_today()
        programs = MemberProgram.objects.all()
        events = [e for _, group in quality_calendar(programs, today=today) for e in group]
        return Response(
            QualityCalendarSerializer(
                {
                    "events": [_event(e) for e in events],
                    "at_risk": [
                        {
                            "program": r.program.pk,
                            "program_name": r.program.name,
                            "event": _event(r.event),
                            "reasons": r.reasons,
                        }
                        for r in members_at_risk(programs, today=today)
                    ],
                }
            ).data
        )
