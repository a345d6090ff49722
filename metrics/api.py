"""Read-only API of the snapshot figures: per alliance and per program, by month.

Sums come as stored; ratios and per-child figures are computed by metrics/figures.py from the
same month (metrics/selectors.py `months_of_finance_rows`, the pages' `Month`), so the API and the
pages agree to the cent. Every field says its unit in the schema (FIELD_HELP). Hub roles see
everything; a provider sees its own program's months only; a funder sees the alliance's months
(aggregates), never a program's. Filter with ?month=YYYY-MM, or ?from=YYYY-MM&to=YYYY-MM, and, for
program months, ?program=<id>.

A funder's alliance month made of fewer than three members' figures comes with
every figure null and the reason in `suppressed_reason` (alliance/disclosure.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import models
from django.utils.functional import cached_property
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers

from alliance.api_base import AllianceReadOnlyViewSet
from alliance.api_fields import DecimalField, HubModelSerializer, MoneyField, RatioField
from alliance.api_params import MONTH_SCHEMA, int_param, month_param
from alliance.api_rows import SharedSourcesRepresentation
from alliance.disclosure import withheld
from alliance.models import Role
from alliance.pagination import HubPagination
from alliance.views_base import HUB_AND_FUNDER, HUB_AND_PROVIDER
from metrics.models import AllianceFinanceMonth, AllianceMonth, ProgramFinanceMonth, ProgramMonth
from metrics.selectors import members_with_figures_by_month, months_of_finance_rows

CURRENCY = "money in the alliance's currency, a decimal string with two places"
FRACTION = "a fraction as a decimal string with four places (0.8512 = 85.12%)"
# Each field of the metrics endpoints with its meaning and unit (the schema's description).
FIELD_HELP = {
    "id": "The row's id.",
    "month": "The month, as its first day (2026-03-01 is March 2026).",
    "program": "The member program's id.",
    "operating_days": "Days in the month on which the program (for the alliance: any member) was open: days.",
    "licensed_capacity": "Licensed places summed over the operating days: capacity-days (a 10-place room open "
    "20 days is 200). Divide by operating_days for places on an average day.",
    "target_capacity": "Desired capacity where set, else licensed, summed over the operating days: capacity-days.",
    "enrolled_fte": "Enrolled full-time equivalents summed over the operating days: FTE-days (a full-time child "
    "enrolled 20 days is 20.00).",
    "enrolled_children": "Children enrolled, whatever their schedule, summed over the operating days: child-days "
    "(8 children enrolled 22 days is 176).",
    "scheduled_child_days": "Children expected by their schedules, summed over the operating days: child-days.",
    "attended_child_days": "Children checked in, summed over the operating days: child-days.",
    "occupancy": f"enrolled_fte ÷ licensed_capacity: {FRACTION}; null without capacity.",
    "occupancy_of_target": f"enrolled_fte ÷ target_capacity (occupancy of desired capacity): {FRACTION}.",
    "vacancy": f"1 − occupancy: the share of licensed capacity-days not filled, {FRACTION} "
    "(negative when over-enrolled).",
    "attendance": f"attended_child_days ÷ scheduled_child_days: {FRACTION}.",
    "average_open_slots": "(licensed_capacity − enrolled_fte) ÷ operating_days: licensed places not filled on an "
    "average operating day, places with one decimal.",
    "billed": f"Billed to families and third parties in the month, net of discounts and credits: {CURRENCY}.",
    "collected_family": f"Received from families in the month, less refunds: {CURRENCY}.",
    "collected_third_party": f"Received from third parties (subsidy payers) in the month: {CURRENCY}.",
    "written_off": f"Written off as bad debt and counted in this month by the rollup: {CURRENCY}.",
    "aging_current": f"Open family balances at the month's end, not yet due: {CURRENCY}.",
    "aging_1_30": f"Open family balances at the month's end, 1–30 days past due: {CURRENCY}.",
    "aging_31_60": f"Open family balances at the month's end, 31–60 days past due: {CURRENCY}.",
    "aging_61_90": f"Open family balances at the month's end, 61–90 days past due: {CURRENCY}.",
    "aging_over_90": f"Open family balances at the month's end, more than 90 days past due: {CURRENCY}.",
    "cost": f"Program cost of the month (the members' costs, personnel included): {CURRENCY}.",
    "personnel_admin": f"Personnel cost of administration in the month: {CURRENCY}.",
    "personnel_classroom": f"Personnel cost of classroom staff in the month: {CURRENCY}.",
    "member_fees": f"Fees members owe the Hub under their agreements for the month: {CURRENCY}.",
    "hub_cost": f"The Hub's own operating cost of the month: {CURRENCY}.",
    "grants": f"Grants the Hub received for the month: {CURRENCY}.",
    "contracts": f"Contract income of the Hub for the month: {CURRENCY}.",
    "collection_rate": f"(collected_family + collected_third_party) ÷ billed: {FRACTION}; null when nothing was "
    "billed.",
    "family_collection_rate": f"collected_family ÷ billed: {FRACTION}.",
    "third_party_collection_rate": f"collected_third_party ÷ billed: {FRACTION}.",
    "bad_debt_rate": f"written_off ÷ billed: {FRACTION}.",
    "admin_share": f"personnel_admin ÷ (personnel_admin + personnel_classroom): {FRACTION}.",
    "average_enrolled_fte": "enrolled_fte ÷ operating_days of the month's occupancy: children (FTE) enrolled on "
    "an average operating day, the 'enrolled child' of every per-child figure; two decimals.",
    "cost_per_child": f"cost ÷ average_enrolled_fte: cost per enrolled child in the month, {CURRENCY}; null "
    "without cost or enrollment.",
    "revenue_per_child": f"billed ÷ average_enrolled_fte: revenue per enrolled child in the month on the billed "
    f"basis, {CURRENCY}.",
    "collected_revenue_per_child": "(collected_family + collected_third_party) ÷ average_enrolled_fte: revenue "
    f"per enrolled child in the month on the collected basis, {CURRENCY}.",
    "gap_per_child": f"revenue_per_child − cost_per_child (billed basis): {CURRENCY} per enrolled child; negative "
    "when revenue does not cover cost.",
    "collected_gap_per_child": f"collected_revenue_per_child − cost_per_child: {CURRENCY} per enrolled child.",
    "break_even_occupancy": "The occupancy at which revenue (billed, growing with enrollment) would cover cost: "
    f"occupancy × cost ÷ billed, {FRACTION}.",
    "staffing_cost_per_child": f"(personnel_admin + personnel_classroom) ÷ average_enrolled_fte: {CURRENCY} per "
    "enrolled child.",
    "suppressed_reason": "Why this month's figures are null: too few members to show them to someone other than "
    "the Hub (alliance/disclosure.py); null when they are shown.",
}


class DescribedSerializer(SharedSourcesRepresentation, HubModelSerializer):
    """Every field described with its unit (FIELD_HELP); a field without one fails the schema test."""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for name, field in fields.items():
            if name in FIELD_HELP:
                field.help_text = FIELD_HELP[name]
        return fields


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


class OccupancyFiguresMixin(DescribedSerializer):
    occupancy = RatioField(source="figures.occupancy", read_only=True, allow_null=True)
    occupancy_of_target = RatioField(source="figures.occupancy_of_target", read_only=True, allow_null=True)
    vacancy = RatioField(source="figures.vacancy", read_only=True, allow_null=True)
    attendance = RatioField(source="figures.attendance", read_only=True, allow_null=True)
    average_open_slots = DecimalField(
        source="figures.open_slots", max_digits=9, decimal_places=1, read_only=True, allow_null=True
    )


def _per_child(name: str) -> MoneyField:
    """A per-child figure of the month's Month (occupancy beside money), as the pages compute it."""
    return MoneyField(source=f"month_figures.finance.{name}", read_only=True, allow_null=True)


class FinanceFiguresMixin(DescribedSerializer):
    """Rates of the month's money; per-child figures and break-even need the month's occupancy too, which the
    viewset puts beside each row (`month_figures`)."""

    average_enrolled_fte = DecimalField(
        source="month_figures.finance.enrolled_fte",
        max_digits=12,
        decimal_places=2,
        rounding=ROUND_HALF_UP,
        read_only=True,
        allow_null=True,
    )
    cost_per_child = _per_child("cost_per_child")
    revenue_per_child = _per_child("revenue_per_child")
    collected_revenue_per_child = _per_child("collected_revenue_per_child")
    gap_per_child = _per_child("gap_per_child")
    collected_gap_per_child = _per_child("collected_gap_per_child")
    break_even_occupancy = RatioField(
        source="month_figures.finance.break_even_occupancy", read_only=True, allow_null=True
    )
    staffing_cost_per_child = _per_child("staffing_cost_per_child")
    collection_rate = RatioField(source="figures.collection_rate", read_only=True, allow_null=True)
    family_collection_rate = RatioField(source="figures.family_collection_rate", read_only=True, allow_null=True)
    third_party_collection_rate = RatioField(
        source="figures.third_party_collection_rate", read_only=True, allow_null=True
    )
    bad_debt_rate = RatioField(source="figures.bad_debt_rate", read_only=True, allow_null=True)
    admin_share = RatioField(source="figures.admin_share", read_only=True, allow_null=True)


SHOWN_ALWAYS = ("id", "month")  # a suppressed month still says which it is


class DisclosedMonthMixin(DescribedSerializer):
    """An alliance month as someone other than the Hub may read it: a month with figures of too few
    members (the viewset's context counts them) has every figure null and says why."""

    suppressed_reason = serializers.SerializerMethodField(help_text=FIELD_HELP["suppressed_reason"])

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for name, field in fields.items():
            if name not in SHOWN_ALWAYS:
                field.allow_null = True
        return fields

    def get_suppressed_reason(self, row: Any) -> str | None:
        members = self.context.get("members_by_month")  # absent for the Hub, which sees every month
        return None if members is None else withheld(members=members.get(row.month, 0))

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        if data["suppressed_reason"]:
            data.update({name: None for name in data if name not in (*SHOWN_ALWAYS, "suppressed_reason")})
        return data


class AllianceMonthSerializer(DisclosedMonthMixin, OccupancyFiguresMixin):
    class Meta:
        model = AllianceMonth
        fields = [
            "id",
            *SUMS,
            "occupancy",
            "occupancy_of_target",
            "vacancy",
            "attendance",
            "average_open_slots",
            "suppressed_reason",
        ]


class ProgramMonthSerializer(OccupancyFiguresMixin):
    class Meta:
        model = ProgramMonth
        fields = [
            "id",
            "program",
            *SUMS,
            "occupancy",
            "occupancy_of_target",
            "vacancy",
            "attendance",
            "average_open_slots",
        ]


FINANCE_FIGURES = [
    "collection_rate",
    "family_collection_rate",
    "third_party_collection_rate",
    "bad_debt_rate",
    "admin_share",
    "average_enrolled_fte",
    "cost_per_child",
    "revenue_per_child",
    "collected_revenue_per_child",
    "gap_per_child",
    "collected_gap_per_child",
    "break_even_occupancy",
    "staffing_cost_per_child",
]


class AllianceFinanceMonthSerializer(DisclosedMonthMixin, FinanceFiguresMixin):
    class Meta:
        model = AllianceFinanceMonth
        fields = [
            "id",
            *MONEY_SUMS,
            "member_fees",
            "hub_cost",
            "grants",
            "contracts",
            *FINANCE_FIGURES,
            "suppressed_reason",
        ]


class ProgramFinanceMonthSerializer(FinanceFiguresMixin):
    class Meta:
        model = ProgramFinanceMonth
        fields = ["id", "program", *MONEY_SUMS, *FINANCE_FIGURES]


MONTH = MONTH_SCHEMA
MONTH_PARAMS = [
    OpenApiParameter("month", MONTH, description="One month, YYYY-MM."),
    OpenApiParameter("from", MONTH, description="First month, YYYY-MM."),
    OpenApiParameter("to", MONTH, description="Last month, YYYY-MM."),
]
PROGRAM_PARAMS = [*MONTH_PARAMS, OpenApiParameter("program", int, description="One program's months.")]


class ShortListPaginator(Paginator):
    """Page 1 read first: a list shorter than a page (an alliance's months: one a month) is counted by
    the rows it has, so it costs one query instead of a COUNT and then the rows. A longer list is
    counted as any other, and its first page is still the rows read."""

    _first_rows: list[Any] | None = None

    def page(self, number: Any) -> Page:
        if number == 1 and self._first_rows is None:
            self._first_rows = list(self.object_list[: self.per_page])
        number = self.validate_number(number)
        if number == 1 and self._first_rows is not None:
            return self._get_page(self._first_rows, number, self)  # type: ignore[attr-defined]
        return super().page(number)

    @cached_property
    def count(self) -> int:
        if self._first_rows is not None and len(self._first_rows) < self.per_page:
            return len(self._first_rows)
        return int(Paginator.count.func(self))  # type: ignore[attr-defined]


class SnapshotPagination(HubPagination):
    django_paginator_class = ShortListPaginator


class SnapshotViewSet(AllianceReadOnlyViewSet):
    pagination_class = SnapshotPagination
    by_program = False
    finance = False  # money rows: each gets its month's occupancy beside it for the per-child figures

    def base_queryset(self) -> models.QuerySet:
        queryset = self.model.objects.order_by("month", *(["program_id"] if self.by_program else []))
        if month := month_param(self.request, "month"):
            queryset = queryset.filter(month=month)
        if start := month_param(self.request, "from"):
            queryset = queryset.filter(month__gte=start)
        if end := month_param(self.request, "to"):
            queryset = queryset.filter(month__lte=end)
        if self.by_program and (program := int_param(self.request, "program", None)) is not None:
            queryset = queryset.filter(program_id=program)
        return queryset

    def with_month_figures(self, rows: list[Any]) -> list[Any]:
        if self.finance:
            for row, month in zip(rows, months_of_finance_rows(rows), strict=True):
                row.month_figures = month
        return rows

    def paginate_queryset(self, queryset: Any) -> list[Any] | None:
        page = super().paginate_queryset(queryset)
        return None if page is None else self.with_month_figures(list(page))

    def get_object(self) -> Any:
        return self.with_month_figures([super().get_object()])[0]


class AllianceSnapshotViewSet(SnapshotViewSet):
    """Alliance months: aggregates, so funders see them too, but only months made of enough members."""

    allowed_roles = HUB_AND_FUNDER

    def get_serializer_context(self) -> Mapping[str, Any]:
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False) or self.membership.is_hub:
            return context
        month = month_param(self.request, "month")
        members = members_with_figures_by_month(
            finance=self.finance,
            start=month or month_param(self.request, "from"),
            end=month or month_param(self.request, "to"),
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
    finance = True
