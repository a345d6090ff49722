"""API of outreach, scoped like the pages: public listings (the Hub and each
provider for their own program) and the Hub's inquiry inbox (hub roles only).

Writes go through outreach.services; a service's ValidationError is a 400.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from alliance.api_base import AllianceModelViewSet, AllianceReadOnlyViewSet
from alliance.api_fields import HubModelSerializer, HubSerializer, VisibleRelatedField, WeekdaysField
from alliance.api_params import choice_param, text_param
from alliance.views_base import HUB_AND_PROVIDER
from enrollment.models import Guardian
from enrollment.rules import DayLength
from members.models import MemberProgram
from outreach.models import PUBLIC_FIELDS, CloseReason, ContactMethod, Inquiry, InquiryStatus, PublicListing
from outreach.selectors import hours_between, inquiries_filtered, inquiry_status
from outreach.services import inquiry_close, inquiry_record_first_contact, listing_save

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
    method = serializers.ChoiceField(choices=ContactMethod.choices)
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
