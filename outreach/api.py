"""API of outreach, scoped like the pages: public listings (the Hub and each
provider for their own program) and the Hub's inquiry inbox (hub roles only).

Writes go through outreach.services; a service's ValidationError is a 400.
"""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from alliance.api_base import READ_AND_POST, AllianceModelViewSet, AllianceReadOnlyViewSet
from alliance.api_fields import DateField, HubModelSerializer, HubSerializer, VisibleRelatedField, WeekdaysField
from alliance.api_params import choice_param, text_param
from alliance.views_base import HUB_AND_PROVIDER, HUB_ONLY
from enrollment.models import Guardian
from enrollment.rules import DayLength
from members.models import MemberProgram
from outreach.models import (
    PUBLIC_FIELDS,
    TOUR_CAPACITY,
    TOUR_MINUTES,
    CloseReason,
    ContactMethod,
    Inquiry,
    InquiryStatus,
    PublicListing,
    TourBooking,
    TourSlot,
)
from outreach.selectors import hours_between, inquiries_filtered, inquiry_status
from outreach.services import inquiry_close, inquiry_record_first_contact, listing_save
from outreach.tours import (
    OUTCOMES,
    slot_end_time,
    slots_with_counts,
    tour_booking_cancel,
    tour_booking_create,
    tour_booking_record_outcome,
    tour_slot_cancel,
    tour_slot_create,
    tour_slot_update,
)
from sharedservices.api import IdFilter, SharedReadOnlyViewSet, SharedViewSet

LISTING_WRITABLE = ["published", "description", "languages", "accepts_subsidy", *(n for n, _ in PUBLIC_FIELDS)]


class PublicListingSerializer(HubModelSerializer):
    program = VisibleRelatedField(MemberProgram, help_text="The member program; set once, on create.")

    class Meta:
        model = PublicListing
        fields = ["id", "program", *LISTING_WRITABLE, "updated_at"]
        read_only_fields = ["updated_at"]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        if self.instance is not None:
            fields["program"] = VisibleRelatedField(MemberProgram, read_only=True)
        return fields


class PublicListingViewSet(AllianceModelViewSet):
    """Each member's entry on the public page: published or not, and which facts show."""

    model = PublicListing
    serializer_class = PublicListingSerializer
    allowed_roles = HUB_AND_PROVIDER
    write_roles = HUB_AND_PROVIDER
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    filterset_fields = ["published"]

    def base_queryset(self) -> Any:
        return PublicListing.objects.select_related("program").order_by("program__name")

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        program = data.pop("program")
        serializer.instance = listing_save(actor=self.request.user, program=program, data=data)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        listing = serializer.instance
        assert listing is not None  # an update always has its row
        data = {k: v for k, v in serializer.validated_data.items() if k in LISTING_WRITABLE}
        serializer.instance = listing_save(actor=self.request.user, program=listing.program, data=data)


class InquiryGuardianSerializer(HubModelSerializer):
    class Meta:
        model = Guardian
        fields = ["id", "first_name", "last_name", "email", "phone"]


class InquirySerializer(HubModelSerializer):
    guardian = InquiryGuardianSerializer(read_only=True)
    weekdays = WeekdaysField(read_only=True)
    day_length = serializers.ChoiceField(choices=DayLength.CHOICES, read_only=True)
    status = serializers.SerializerMethodField()
    enrolled_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="First enrollment of a child of the family after the inquiry."
    )
    hours_to_first_contact = serializers.SerializerMethodField()

    class Meta:
        model = Inquiry
        fields = [
            "id",
            "number",
            "received_at",
            "family",
            "guardian",
            "desired_start",
            "weekdays",
            "day_length",
            "area",
            "any_program",
            "subsidy_status",
            "message",
            "status",
            "first_contact_at",
            "first_contact_method",
            "first_contact_note",
            "hours_to_first_contact",
            "enrolled_at",
            "closed_at",
            "closed_reason",
            "closed_note",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=InquiryStatus.CHOICES))
    def get_status(self, obj: Inquiry) -> str:
        return inquiry_status(obj)

    @extend_schema_field(serializers.DecimalField(max_digits=10, decimal_places=1, allow_null=True))
    def get_hours_to_first_contact(self, obj: Inquiry) -> str | None:
        hours = hours_between(obj.received_at, obj.first_contact_at)
        return None if hours is None else str(hours)


class FirstContactSerializer(HubSerializer):
    method = serializers.ChoiceField(choices=ContactMethod.manual_choices())
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    contacted_at = serializers.DateTimeField(required=False, allow_null=True, default=None, help_text="Blank for now.")


class CloseSerializer(HubSerializer):
    reason = serializers.ChoiceField(choices=CloseReason.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                enum=["open", *(c for c, _ in InquiryStatus.CHOICES)],
                description="Only inquiries in this state; every inquiry when absent",
            ),
            OpenApiParameter("q", OpenApiTypes.STR, description="Guardian name, email or phone contains"),
        ]
    )
)
class InquiryViewSet(AllianceReadOnlyViewSet):
    """The Hub's inquiry inbox: families who asked for care on the public page."""

    model = Inquiry
    serializer_class = InquirySerializer

    def base_queryset(self) -> Any:
        status = choice_param(self.request, "status", ["open", *(c for c, _ in InquiryStatus.CHOICES)])
        return inquiries_filtered(status=status, query=text_param(self.request, "q"))

    def _input(self, serializer_class: type[serializers.BaseSerializer], request: Request) -> dict[str, Any]:
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _fresh(self, inquiry: Inquiry) -> Response:
        return Response(InquirySerializer(self.get_queryset().get(pk=inquiry.pk)).data)

    @extend_schema(request=FirstContactSerializer, responses=InquirySerializer)
    @action(detail=True, methods=["post"], url_path="first-contact")
    def first_contact(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        inquiry, data = self.get_object(), self._input(FirstContactSerializer, request)
        inquiry_record_first_contact(actor=request.user, inquiry=inquiry, **data)
        return self._fresh(inquiry)

    @extend_schema(request=CloseSerializer, responses=InquirySerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        inquiry, data = self.get_object(), self._input(CloseSerializer, request)
        inquiry_close(actor=request.user, inquiry=inquiry, **data)
        return self._fresh(inquiry)


# --- Tours (outreach/tours.py) ---------------------------------------------------------------------
class TourSlotSerializer(HubModelSerializer):
    ends_at = serializers.SerializerMethodField()
    booked = serializers.IntegerField(read_only=True, help_text="Places taken (bookings not cancelled).")
    free = serializers.SerializerMethodField()

    class Meta:
        model = TourSlot
        fields = [
            "id", "program", "day", "starts_at", "ends_at", "minutes", "capacity", "booked", "free", "note",
            "created_at", "cancelled_at", "cancelled_reason",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.TimeField())
    def get_ends_at(self, obj: TourSlot) -> str:
        return slot_end_time(obj).strftime("%H:%M:%S")

    @extend_schema_field(serializers.IntegerField())
    def get_free(self, obj: TourSlot) -> int:
        return max(obj.capacity - getattr(obj, "booked", 0), 0)


class TourSlotTimeSerializer(HubSerializer):
    day = DateField(help_text="A day ahead, in the alliance's time zone.")
    starts_at = serializers.TimeField()
    minutes = serializers.IntegerField(min_value=TOUR_MINUTES[0], max_value=TOUR_MINUTES[1])
    capacity = serializers.IntegerField(
        min_value=TOUR_CAPACITY[0], max_value=TOUR_CAPACITY[1], default=1, help_text="Families per tour."
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class TourSlotCreateSerializer(TourSlotTimeSerializer):
    program = VisibleRelatedField(MemberProgram)


class TourCancelSerializer(HubSerializer):
    reason = serializers.CharField(max_length=300, help_text="Told to the families booked.")


class TourBookingSerializer(HubModelSerializer):
    class Meta:
        model = TourBooking
        fields = ["id", "slot", "program", "inquiry", "status", "status_note", "booked_at", "updated_at"]
        read_only_fields = fields


class TourBookingCreateSerializer(HubSerializer):
    slot = VisibleRelatedField(TourSlot)
    inquiry = VisibleRelatedField(Inquiry)


class TourBookingNoteSerializer(HubSerializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class TourBookingCancelSerializer(TourBookingNoteSerializer):
    tell_family = serializers.BooleanField(
        default=False, help_text="Write to the inquiry's guardian (email, else text) that the tour is cancelled."
    )


class TourOutcomeSerializer(TourBookingNoteSerializer):
    status = serializers.ChoiceField(choices=[(s.value, s.label) for s in OUTCOMES])


class TourSlotFilter(django_filters.FilterSet):
    program = IdFilter(field_name="program_id")
    day_from = django_filters.DateFilter(field_name="day", lookup_expr="gte")
    day_to = django_filters.DateFilter(field_name="day", lookup_expr="lte")

    class Meta:
        model = TourSlot
        fields: list[str] = []


class TourSlotViewSet(SharedViewSet):
    """Tour slots of each program: providers publish, change and cancel their own, the Hub any program's.
    A cancelled slot cancels its bookings and writes to each family."""

    model = TourSlot
    serializer_class = TourSlotSerializer
    allowed_roles = HUB_AND_PROVIDER
    write_roles = HUB_AND_PROVIDER
    filterset_class = TourSlotFilter
    http_method_names = ["get", "post", "put", "head", "options"]

    def base_queryset(self) -> Any:
        return slots_with_counts().order_by("day", "starts_at", "pk")

    def _answer(self, slot: TourSlot, status: int = 200) -> Response:
        return Response(TourSlotSerializer(self.get_queryset().get(pk=slot.pk)).data, status=status)

    @extend_schema(request=TourSlotCreateSerializer, responses={201: TourSlotSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(TourSlotCreateSerializer, request)
        return self._answer(tour_slot_create(actor=request.user, **data), 201)

    @extend_schema(request=TourSlotTimeSerializer, responses=TourSlotSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        slot, data = self.get_object(), self.input(TourSlotTimeSerializer, request)
        return self._answer(tour_slot_update(actor=request.user, slot=slot, **data))

    @extend_schema(request=TourCancelSerializer, responses=TourSlotSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        slot, data = self.get_object(), self.input(TourCancelSerializer, request)
        return self._answer(tour_slot_cancel(actor=request.user, slot=slot, reason=data["reason"]))


class TourBookingFilter(django_filters.FilterSet):
    program = IdFilter(field_name="program_id")
    slot = IdFilter(field_name="slot_id")
    inquiry = IdFilter(field_name="inquiry_id")

    class Meta:
        model = TourBooking
        fields = ["status"]


class TourBookingViewSet(SharedReadOnlyViewSet):
    """Families booked on tours. The Hub books (create) from an inquiry; the Hub and the program's
    provider `cancel` a booking before the tour and record its `outcome` (attended, no-show) after."""

    model = TourBooking
    serializer_class = TourBookingSerializer
    allowed_roles = HUB_AND_PROVIDER
    write_roles = HUB_AND_PROVIDER
    filterset_class = TourBookingFilter
    http_method_names = READ_AND_POST

    def base_queryset(self) -> Any:
        return TourBooking.objects.select_related("slot").order_by("slot__day", "slot__starts_at", "pk")

    @extend_schema(request=TourBookingCreateSerializer, responses={201: TourBookingSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.require(HUB_ONLY)
        data = self.input(TourBookingCreateSerializer, request)
        booking = tour_booking_create(actor=request.user, slot=data["slot"], inquiry=data["inquiry"])
        return Response(TourBookingSerializer(booking).data, status=201)

    @extend_schema(request=TourBookingCancelSerializer, responses=TourBookingSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        booking, data = self.get_object(), self.input(TourBookingCancelSerializer, request)
        return Response(TourBookingSerializer(tour_booking_cancel(actor=request.user, booking=booking, **data)).data)

    @extend_schema(request=TourOutcomeSerializer, responses=TourBookingSerializer)
    @action(detail=True, methods=["post"])
    def outcome(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        booking, data = self.get_object(), self.input(TourOutcomeSerializer, request)
        return Response(
            TourBookingSerializer(tour_booking_record_outcome(actor=request.user, booking=booking, **data)).data
        )
