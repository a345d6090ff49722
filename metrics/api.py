"""Read-only API of the snapshot figures: per alliance and per program, by month.

Sums come as stored; ratios are computed by metrics/figures.py, as on the
pages. Hub roles see everything; a provider sees its own program's months
only; a funder sees the alliance's months (aggregates), never a program's.
Filter with ?from=YYYY-MM&to=YYYY-MM and, for program months, ?program=<id>.
"""

from __future__ import annotations

import datetime

from django.db import models
from rest_framework import serializers

from alliance.api_base import AllianceReadOnlyViewSet
from alliance.models import Role
from alliance.views_base import HUB_AND_FUNDER, HUB_AND_PROVIDER
from metrics.models import AllianceFinanceMonth, AllianceMonth, ProgramFinanceMonth, ProgramMonth

RATIO = {"max_digits": 7, "decimal_places": 4, "read_only": True, "allow_null": True}
SUMS = ["month", "operating_days", "licensed_capacity", "target_capacity", "enrolled_fte", "enrolled_children",
        "scheduled_child_days", "attended_child_days"]
MONEY_SUMS = ["month", "billed", "collected_family", "collected_third_party", "written_off", "aging_current",
              "aging_1_30", "aging_31_60", "aging_61_90", "aging_over_90", "cost", "personnel_admin",
              "personnel_classroom"]


class OccupancyFiguresMixin(serializers.ModelSerializer):
    occupancy = serializers.DecimalField(source="figures.occupancy", **RATIO)
    occupancy_of_target = serializers.DecimalField(source="figures.occupancy_of_target", **RATIO)
    attendance = serializers.DecimalField(source="figures.attendance", **RATIO)
    average_open_slots = serializers.DecimalField(source="figures.open_slots", max_digits=9, decimal_places=1,
                                                  read_only=True, allow_null=True)


class FinanceFiguresMixin(serializers.ModelSerializer):
    collection_rate = serializers.DecimalField(source="figures.collection_rate", **RATIO)
    family_collection_rate = serializers.DecimalField(source="figures.family_collection_rate", **RATIO)
    third_party_collection_rate = serializers.DecimalField(source="figures.third_party_collection_rate", **RATIO)
    bad_debt_rate = serializers.DecimalField(source="figures.bad_debt_rate", **RATIO)
    admin_share = serializers.DecimalField(source="figures.admin_share", **RATIO)


class AllianceMonthSerializer(OccupancyFiguresMixin):
    class Meta:
        model = AllianceMonth
        fields = [*SUMS, "occupancy", "occupancy_of_target", "attendance", "average_open_slots"]


class ProgramMonthSerializer(OccupancyFiguresMixin):
    class Meta:
        model = ProgramMonth
        fields = ["program", *SUMS, "occupancy", "occupancy_of_target", "attendance", "average_open_slots"]


FINANCE_FIGURES = ["collection_rate", "family_collection_rate", "third_party_collection_rate", "bad_debt_rate",
                   "admin_share"]


class AllianceFinanceMonthSerializer(FinanceFiguresMixin):
    class Meta:
        model = AllianceFinanceMonth
        fields = [*MONEY_SUMS, "member_fees", "hub_cost", "grants", "contracts", *FINANCE_FIGURES]


class ProgramFinanceMonthSerializer(FinanceFiguresMixin):
    class Meta:
        model = ProgramFinanceMonth
        fields = ["program", *MONEY_SUMS, *FINANCE_FIGURES]


def _month(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(f"{value}-01") if value else None
    except ValueError:
        return None


class SnapshotViewSet(AllianceReadOnlyViewSet):
    def base_queryset(self) -> models.QuerySet:
        queryset = self.model.objects.order_by("month", *(["program_id"] if self.by_program else []))
        params = self.request.query_params
        if start := _month(params.get("from")):
            queryset = queryset.filter(month__gte=start)
        if end := _month(params.get("to")):
            queryset = queryset.filter(month__lte=end)
        if self.by_program and (program := params.get("program", "")).isdigit():
            queryset = queryset.filter(program_id=int(program))
        return queryset

    by_program = False


class AllianceSnapshotViewSet(SnapshotViewSet):
    """Alliance months: aggregates, so funders see them too."""

    allowed_roles = HUB_AND_FUNDER

    def get_queryset(self) -> models.QuerySet:
        if getattr(self, "swagger_fake_view", False) or self.membership.role != Role.FUNDER:
            return super().get_queryset()
        return self.base_queryset()  # the alliance's own totals: no program's row



class AllianceMonthViewSet(AllianceSnapshotViewSet):
    """Occupancy of the whole alliance, month by month."""

    model = AllianceMonth
    serializer_class = AllianceMonthSerializer


class AllianceFinanceMonthViewSet(AllianceSnapshotViewSet):
    """Fee collection, bad debt, aging, cost and the Hub's own money, month by month."""

    model = AllianceFinanceMonth
    serializer_class = AllianceFinanceMonthSerializer


class ProgramMonthViewSet(SnapshotViewSet):
    """Occupancy per member program and month; a provider sees its own program only."""

    model = ProgramMonth
    serializer_class = ProgramMonthSerializer
    allowed_roles = HUB_AND_PROVIDER
    by_program = True


class ProgramFinanceMonthViewSet(SnapshotViewSet):
    """Money per member program and month; a provider sees its own program only."""

    model = ProgramFinanceMonth
    serializer_class = ProgramFinanceMonthSerializer
    allowed_roles = HUB_AND_PROVIDER
    by_program = True
