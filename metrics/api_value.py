"""API of the value of membership: the same figures as the pages (metrics/value.py).

`value-of-membership/` lists every member's figures (Hub roles); `value-of-membership/<program>/`
gives one member's with the ids of the records behind them (Hub roles and that member's provider).
Months: ?from=YYYY-MM&to=YYYY-MM, by default the three ending with the last complete month.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from alliance.api_base import AllianceReadOnlyViewSet
from alliance.api_fields import DateField, HubSerializer, MoneyField, RatioField
from alliance.api_params import MONTH_SCHEMA, month_param
from alliance.dates import alliance_today
from alliance.views_base import HUB_AND_PROVIDER
from members.models import MemberProgram, ProgramStatus
from metrics.value import MemberValue, default_value_period, member_value, members_value

PERIOD = [
    OpenApiParameter("from", MONTH_SCHEMA, description="First month, YYYY-MM."),
    OpenApiParameter("to", MONTH_SCHEMA, description="Last month, YYYY-MM."),
]


class SumsSerializer(HubSerializer):
    months = serializers.ListField(child=DateField())
    billed = MoneyField(allow_null=True)
    written_off = MoneyField(allow_null=True)
    bad_debt_rate = RatioField(allow_null=True)
    occupancy = RatioField(allow_null=True)
    vacancy = RatioField(allow_null=True)


class MemberValueSerializer(HubSerializer):
    program = serializers.IntegerField(source="program.pk")
    name = serializers.CharField(source="program.name")
    start = DateField()
    end = DateField()
    fee_charged = MoneyField(allow_null=True)
    fee_paid = MoneyField(allow_null=True)
    purchasing_savings = MoneyField(allow_null=True)
    covers = serializers.IntegerField()
    cover_hours = serializers.DecimalField(max_digits=10, decimal_places=2)
    bad_debt_avoided = MoneyField(allow_null=True)
    revenue_from_occupancy = MoneyField(allow_null=True)
    measured_value = MoneyField(allow_null=True)
    net = MoneyField(allow_null=True)
    baseline = SumsSerializer(allow_null=True)
    now = SumsSerializer(allow_null=True)
    baseline_note = serializers.CharField(
        help_text="Why there is no baseline (no figures of before the member joined), or blank."
    )


class MeasuredEffectsSerializer(HubSerializer):
    members = serializers.IntegerField(help_text="Members with a baseline of before they joined, added up.")
    baseline = SumsSerializer(allow_null=True)
    now = SumsSerializer(allow_null=True)
    suppressed_reason = serializers.CharField(source="withheld", allow_null=True)


class MemberValueDetailSerializer(MemberValueSerializer):
    effects = MeasuredEffectsSerializer(
        allow_null=True,
        help_text="Without a baseline of its own: what the members that have one measured since joining.",
    )
    fee_entries = serializers.SerializerMethodField(help_text="Ledger entries of the Hub fees charged.")
    invoices = serializers.SerializerMethodField(help_text="Invoices those entries are on.")
    order_lines = serializers.SerializerMethodField(help_text="Delivered order lines with savings.")
    cover_requests = serializers.SerializerMethodField(help_text="Delivered cover requests.")

    def get_fee_entries(self, value: MemberValue) -> list[int]:
        return [e.pk for e in value.fee_lines]

    def get_invoices(self, value: MemberValue) -> list[int]:
        return sorted({e.invoice_id for e in value.fee_lines if e.invoice_id})

    def get_order_lines(self, value: MemberValue) -> list[int]:
        return [line.pk for line in value.purchase_lines]

    def get_cover_requests(self, value: MemberValue) -> list[int]:
        return [c.pk for c in value.cover_rows]


class ValueOfMembershipViewSet(AllianceReadOnlyViewSet):
    model = MemberProgram
    serializer_class = MemberValueSerializer
    allowed_roles = HUB_AND_PROVIDER
    pagination_class = None
    filter_backends: list[Any] = []

    def base_queryset(self) -> models.QuerySet:
        return MemberProgram.objects.exclude(status=ProgramStatus.APPLICANT).order_by("name")

    def period(self) -> tuple[datetime.date, datetime.date]:
        today = alliance_today(self.alliance)
        default_start, default_end = default_value_period(today)
        start = month_param(self.request, "from") or default_start
        end = month_param(self.request, "to") or default_end
        return (end, start) if end < start else (start, end)

    @extend_schema(parameters=PERIOD, responses=MemberValueSerializer(many=True))
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not self.membership.is_hub:
            raise PermissionDenied("Every member's figures are the Hub's; open your own program's.")
        start, end = self.period()
        return Response(
            MemberValueSerializer(members_value(list(self.get_queryset()), start=start, end=end), many=True).data
        )

    @extend_schema(parameters=PERIOD, responses=MemberValueDetailSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        start, end = self.period()
        value = member_value(self.get_object(), start=start, end=end, viewer_is_hub=self.membership.is_hub)
        return Response(MemberValueDetailSerializer(value).data)
