"""Read-only API of the snapshot figures: per alliance and per program, by month.

Sums come as stored; ratios are computed by metrics/figures.py, as on the
pages. Hub roles see everything; a provider sees its own program's months
only; a funder sees the alliance's months (aggregates), never a program's.
Filter with ?from=YYYY-MM&to=YYYY-MM and, for program months, ?program=<id>.

A funder's alliance month made of fewer than three members' figures comes with
every figure null and the reason in `suppressed_reason` (alliance/disclosure.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers

from alliance.api_base import AllianceReadOnlyViewSet
from alliance.api_fields import DecimalField, HubModelSerializer, RatioField
from alliance.api_params import int_param, month_param
from alliance.disclosure import withheld
from alliance.models import Role
from alliance.views_base import HUB_AND_FUNDER, HUB_AND_PROVIDER
from metrics.models import AllianceFinanceMonth, AllianceMonth, ProgramFinanceMonth, ProgramMonth
from metrics.selectors import members_with_figures_by_month

SUMS = [
    "month",
    "operating_days",
    "licensed_capacity",
    "target_capacity",
    "enrolled_fte",
    "enrolled_children",
    "scheduled_child_days",
    "attended_child_days",
]
MONEY_SUMS = [
    "month",
    "billed",
    "collected_family",
    "collected_third_party",
    "written_off",
    "aging_current",
    "aging_1_30",
    "aging_31_60",
    "aging_61_90",
    "aging_over_90",
    "cost",
    "personnel_admin",
    "personnel_classroom",
]


class OccupancyFiguresMixin(HubModelSerializer):
    occupancy = RatioField(source="figures.occupancy", read_only=True, allow_null=True)
    occupancy_of_target = RatioField(source="figures.occupancy_of_target", read_only=True, allow_null=True)
    attendance = RatioField(source="figures.attendance", read_only=True, allow_null=True)
    average_open_slots = DecimalField(
        source="figures.open_slots", max_digits=9, decimal_places=1, read_only=True, allow_null=True
    )


class FinanceFiguresMixin(HubModelSerializer):
    collection_rate = RatioField(source="figures.collection_rate", read_only=True, allow_null=True)
    family_collection_rate = RatioField(source="figures.family_collection_rate", read_only=True, allow_null=True)
    third_party_collection_rate = RatioField(
        source="figures.third_party_collection_rate", read_only=True, allow_null=True
    )
    bad_debt_rate = RatioField(source="figures.bad_debt_rate", read_only=True, allow_null=True)
    admin_share = RatioField(source="figures.admin_share", read_only=True, allow_null=True)


class DisclosedMonthMixin(HubModelSerializer):
    """An alliance month as someone other than the Hub may read it: a month with figures of too few
    members (the viewset's context counts them) has every figure null and says why."""

    suppressed_reason = serializers.SerializerMethodField(
        help_text="Why this month's figures are null: too few members to show them to a funder (else null)."
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for name, field in fields.items():
            if name != "month":
                field.allow_null = True
        return fields

    def get_suppressed_reason(self, row: Any) -> str | None:
        members = self.context.get("members_by_month")  # absent for the Hub, which sees every month
        return None if members is None else withheld(members=members.get(row.month, 0))

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        if data["suppressed_reason"]:
            data.update({name: None for name in data if name not in ("month", "suppressed_reason")})
        return data


class AllianceMonthSerializer(DisclosedMonthMixin, OccupancyFiguresMixin):
    class Meta:
        model = AllianceMonth
        fields = [
            *SUMS,
            "occupancy",
            "occupancy_of_target",
            "attendance",
            "average_open_slots",
            "suppressed_reason",
        ]


class ProgramMonthSerializer(OccupancyFiguresMixin):
    class Meta:
        model = ProgramMonth
        fields = ["program", *SUMS, "occupancy", "occupancy_of_target", "attendance", "average_open_slots"]


FINANCE_FIGURES = [
    "collection_rate",
    "family_collection_rate",
    "third_party_collection_rate",
    "bad_debt_rate",
    "admin_share",
]


class AllianceFinanceMonthSerializer(DisclosedMonthMixin, FinanceFiguresMixin):
    class Meta:
        model = AllianceFinanceMonth
        fields = [*MONEY_SUMS, "member_fees", "hub_cost", "grants", "contracts", *FINANCE_FIGURES, "suppressed_reason"]


class ProgramFinanceMonthSerializer(FinanceFiguresMixin):
    class Meta:
        model = ProgramFinanceMonth
        fields = ["program", *MONEY_SUMS, *FINANCE_FIGURES]


MONTH = {"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$", "example": "2026-01"}
MONTH_PARAMS = [
    OpenApiParameter("from", MONTH, description="First month, YYYY-MM."),
    OpenApiParameter("to", MONTH, description="Last month, YYYY-MM."),
]
PROGRAM_PARAMS = [*MONTH_PARAMS, OpenApiParameter("program", int, description="One program's months.")]


class SnapshotViewSet(AllianceReadOnlyViewSet):
    def base_queryset(self) -> models.QuerySet:
        queryset = self.model.objects.order_by("month", *(["program_id"] if self.by_program else []))
        if start := month_param(self.request, "from"):
            queryset = queryset.filter(month__gte=start)
        if end := month_param(self.request, "to"):
            queryset = queryset.filter(month__lte=end)
        if self.by_program and (program := int_param(self.request, "program", None)) is not None:
            queryset = queryset.filter(program_id=program)
        return queryset

    by_program = False


class AllianceSnapshotViewSet(SnapshotViewSet):
    """Alliance months: aggregates, so funders see them too, but only months made of enough members."""

    allowed_roles = HUB_AND_FUNDER
    finance = False

    def get_serializer_context(self) -> Mapping[str, Any]:
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False) or self.membership.is_hub:
            return context
        members = members_with_figures_by_month(
            finance=self.finance, start=month_param(self.request, "from"), end=month_param(self.request, "to")
        )
        return {**context, "members_by_month": members}

    def get_queryset(self) -> models.QuerySet:
        if getattr(self, "swagger_fake_view", False) or self.membership.role != Role.FUNDER:
            return super().get_queryset()
        return self.base_queryset()  # the alliance's own totals: no program's row


@extend_schema_view(list=extend_schema(parameters=MONTH_PARAMS))
class AllianceMonthViewSet(AllianceSnapshotViewSet):
    """Occupancy of the whole alliance, month by month."""

    model = AllianceMonth
    serializer_class = AllianceMonthSerializer


@extend_schema_view(list=extend_schema(parameters=MONTH_PARAMS))
class AllianceFinanceMonthViewSet(AllianceSnapshotViewSet):
    """Fee collection, bad debt, aging, cost and the Hub's own money, month by month."""

    model = AllianceFinanceMonth
    serializer_class = AllianceFinanceMonthSerializer
    finance = True


@extend_schema_view(list=extend_schema(parameters=PROGRAM_PARAMS))
class ProgramMonthViewSet(SnapshotViewSet):
    """Occupancy per member program and month; a provider sees its own program only."""

    model = ProgramMonth
    serializer_class = ProgramMonthSerializer
    allowed_roles = HUB_AND_PROVIDER
    by_program = True


@extend_schema_view(list=extend_schema(parameters=PROGRAM_PARAMS))
class ProgramFinanceMonthViewSet(SnapshotViewSet):
    """Money per member program and month; a provider sees its own program only."""

    model = ProgramFinanceMonth
    serializer_class = ProgramFinanceMonthSerializer
    allowed_roles = HUB_AND_PROVIDER
    by_program = True
