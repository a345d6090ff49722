"""Waitlist entries and offers through the API, as enrollment/views_waitlist.py has them."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import models
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from alliance.api_base import READ_AND_POST
from alliance.api_fields import (
    BooleanField,
    CharField,
    ChoiceField,
    DateField,
    HubModelSerializer,
    HubSerializer,
    IntegerField,
    PrimaryKeyRelatedField,
    SetOnCreate,
    VisibleRelatedField,
    WeekdaysField,
)
from alliance.filters import IntegerFilter, TenantFilterSet
from alliance.views_base import HUB_ONLY
from enrollment import services
from enrollment.api import EnrollmentViewSetBase
from enrollment.models import Child, FundingSource, Offer, WaitlistEntry
from enrollment.rules import DayLength
from members.models import Classroom, MemberProgram


class WaitlistEntrySerializer(SetOnCreate, HubModelSerializer):
    set_on_create = ("child", "program")

    child = VisibleRelatedField(Child)
    program = VisibleRelatedField(MemberProgram, required=False, allow_null=True)
    acceptable_programs: Any = PrimaryKeyRelatedField(many=True, read_only=True)
    acceptable_program_ids = serializers.ListField(child=IntegerField(), write_only=True, required=False, default=list)
    weekdays = WeekdaysField()

    class Meta:
        model = WaitlistEntry
        fields = [
            "id",
            "child",
            "program",
            "acceptable_programs",
            "acceptable_program_ids",
            "area",
            "any_program",
            "desired_start",
            "weekdays",
            "day_length",
            "fte",
            "age_group_at_start",
            "sibling_enrolled",
            "subsidy_eligible",
            "added_on",
            "status",
            "status_note",
            "notes",
            "created_at",
        ]
        read_only_fields = ["fte", "age_group_at_start", "status", "status_note", "created_at"]
        extra_kwargs = {"added_on": {"required": False}}


class WithdrawSerializer(HubSerializer):
    reason = CharField()


class WaitlistFilter(TenantFilterSet):
    program = IntegerFilter(field_name="program_id")
    shared = django_filters.BooleanFilter(field_name="program", lookup_expr="isnull")
    child = IntegerFilter(field_name="child_id")

    class Meta:
        model = WaitlistEntry
        fields = ["status", "age_group_at_start"]


class WaitlistEntryViewSet(EnrollmentViewSetBase):
    """Waitlist entries: a program's (`program` set) or the shared waitlist (`program`
    null; Hub staff only). Providers' entries go on their own program's list."""

    model = WaitlistEntry
    serializer_class = WaitlistEntrySerializer
    filterset_class = WaitlistFilter

    def base_queryset(self) -> models.QuerySet:
        return WaitlistEntry.objects.prefetch_related("acceptable_programs").order_by("added_on", "id")

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return WithdrawSerializer if self.action == "withdraw" else WaitlistEntrySerializer

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        program = data.pop("program", None)
        if not self.membership.is_hub and (program is None or program.pk != self.membership.program_id):
            raise PermissionDenied("A provider adds children to their own program's waitlist.")
        child = data.pop("child")
        serializer.instance = services.waitlist_entry_create(
            actor=self.request.user, child=child, program=program, **data
        )

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = {k: v for k, v in serializer.validated_data.items() if k not in ("child", "program")}
        serializer.instance = services.waitlist_entry_update(
            actor=self.request.user, entry=self.stored(serializer), data=data
        )

    @extend_schema(request=WithdrawSerializer, responses=WaitlistEntrySerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        entry = self.get_object()
        serializer = WithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = services.waitlist_entry_withdraw(
            actor=request.user, entry=entry, reason=serializer.validated_data["reason"]
        )
        return Response(WaitlistEntrySerializer(entry, context=self.get_serializer_context()).data)


class OfferSerializer(HubModelSerializer):
    weekdays = WeekdaysField(read_only=True)

    class Meta:
        model = Offer
        fields = [
            "id",
            "entry",
            "classroom",
            "program",
            "start_date",
            "weekdays",
            "day_length",
            "fte",
            "respond_by",
            "status",
            "note",
            "response_note",
            "enrollment",
            "made_at",
            "responded_at",
        ]
        read_only_fields = fields


class OfferCreateSerializer(HubSerializer):
    entry = VisibleRelatedField(WaitlistEntry)
    classroom = VisibleRelatedField(Classroom)
    start_date = DateField()
    respond_by = DateField(required=False, allow_null=True, default=None)
    weekdays = WeekdaysField(required=False, allow_null=True, default=None)
    day_length = ChoiceField(choices=DayLength.CHOICES, required=False, allow_null=True, default=None)
    note = CharField(required=False, allow_blank=True, default="")


class AcceptSerializer(HubSerializer):
    funding_source = ChoiceField(choices=FundingSource.choices, default=FundingSource.PRIVATE_PAY)
    rate_plan_ref = CharField(max_length=60, required=False, allow_blank=True, default="")
    override_reason = CharField(required=False, allow_blank=True, default="")


class DeclineSerializer(HubSerializer):
    note = CharField(required=False, allow_blank=True, default="")
    keep_waiting = BooleanField(default=True)


class OfferWithdrawSerializer(HubSerializer):
    note = CharField()


class OfferViewSet(EnrollmentViewSetBase):
    """Offers of places. Hub staff make and withdraw them; the family's answer
    (`accept`, which enrolls the child, or `decline`) may be recorded by the Hub
    or the program."""

    model = Offer
    serializer_class = OfferSerializer
    filterset_fields = ["status", "classroom", "entry"]
    http_method_names = READ_AND_POST

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return {
            "create": OfferCreateSerializer,
            "accept": AcceptSerializer,
            "decline": DeclineSerializer,
            "withdraw": OfferWithdrawSerializer,
        }.get(self.action, OfferSerializer)

    def _input(self, request: Request) -> dict[str, Any]:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(request=OfferCreateSerializer, responses={201: OfferSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.require(HUB_ONLY)
        data = self._input(request)
        offer = services.offer_create(actor=request.user, **data)
        return Response(OfferSerializer(offer).data, status=201)

    @extend_schema(request=AcceptSerializer, responses=OfferSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        offer, data = self.get_object(), self._input(request)
        services.offer_accept(actor=request.user, offer=offer, **data)
        offer.refresh_from_db()
        return Response(OfferSerializer(offer).data)

    @extend_schema(request=DeclineSerializer, responses=OfferSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        offer, data = self.get_object(), self._input(request)
        offer = services.offer_decline(actor=request.user, offer=offer, **data)
        return Response(OfferSerializer(offer).data)

    @extend_schema(request=OfferWithdrawSerializer, responses=OfferSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.require(HUB_ONLY)
        offer, data = self.get_object(), self._input(request)
        offer = services.offer_withdraw(actor=request.user, offer=offer, **data)
        return Response(OfferSerializer(offer).data)
