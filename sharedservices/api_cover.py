"""Cover requests and fill rates through the API, as sharedservices/views_cover.py has them."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django.db import models
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from alliance.api_base import READ_AND_POST
from alliance.api_fields import DateField, HubModelSerializer, HubSerializer, VisibleRelatedField
from alliance.api_params import date_param
from alliance.dates import add_days, alliance_today
from alliance.views_base import HUB_AND_PROVIDER, HUB_ONLY
from members.models import AgeGroup, Classroom, MemberProgram
from sharedservices import services
from sharedservices.api import IdFilter, SharedViewSet
from sharedservices.matching import cover_candidates
from sharedservices.models import CoverReason, CoverRequest, CredentialType, Substitute
from sharedservices.selectors import cover_fill_rates


class CoverRequestSerializer(HubModelSerializer):
    hours = serializers.DecimalField(max_digits=5, decimal_places=2, read_only=True)
    substitute_name = serializers.CharField(
        source="substitute.full_name", read_only=True, default=None, allow_null=True, help_text="null until filled."
    )

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


class CoverRequestCreateSerializer(HubSerializer):
    program = VisibleRelatedField(MemberProgram)
    classroom = VisibleRelatedField(Classroom)
    day = DateField()
    starts_at = serializers.TimeField()
    ends_at = serializers.TimeField()
    age_group = serializers.ChoiceField(
        choices=AgeGroup.choices, required=False, help_text="Default: the classroom's age group."
    )
    required_credential = serializers.ChoiceField(choices=CredentialType.choices, required=False)
    reason = serializers.ChoiceField(choices=CoverReason.choices, required=False)
    notes = serializers.CharField(required=False, allow_blank=True)


class FillSerializer(HubSerializer):
    substitute = VisibleRelatedField(Substitute)


class ReasonSerializer(HubSerializer):
    reason = serializers.CharField(max_length=300)


class HoursSerializer(HubSerializer):
    hours = serializers.DecimalField(max_digits=5, decimal_places=2)


class CandidateSerializer(HubSerializer):
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


class FillRateSerializer(HubSerializer):
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


class FillRatesSerializer(HubSerializer):
    start = DateField()
    end = DateField()
    programs = FillRateSerializer(many=True)
    total = FillRateSerializer()


class CoverRequestFilter(django_filters.FilterSet):
    program = IdFilter(field_name="program_id")
    day_from = django_filters.DateFilter(field_name="day", lookup_expr="gte")
    day_to = django_filters.DateFilter(field_name="day", lookup_expr="lte")

    class Meta:
        model = CoverRequest
        fields = ["status"]


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
        return self._answer(services.cover_request_create(actor=request.user, **data), 201)

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
        return self._answer(services.cover_request_fill(actor=request.user, cover=cover, substitute=data["substitute"]))

    def _with_reason(self, request: Request, service: Any) -> Response:
        cover, data = self.get_object(), self.input(ReasonSerializer, request)
        return self._answer(service(actor=request.user, cover=cover, reason=data["reason"]))

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
        return self._answer(services.cover_request_record_hours(actor=request.user, cover=cover, hours=data["hours"]))

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
        end = date_param(request, "to", today)
        start = date_param(request, "from", add_days(end, -90))
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
