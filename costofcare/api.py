"""API of the cost of care: the same figures as the pages (costofcare/selectors.py).

`cost-of-care/` lists every member's cost per child by age group (Hub roles); `cost-of-care/<program>/`
gives one program's figures, the assumptions as used and their defaults (Hub roles and that program's
provider); `cost-of-care/<program>/assumptions/` reads (GET) and changes (PUT: every field, a missing
one becomes blank; PATCH: the fields given) the typed assumptions. Blank (null) takes the default.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from alliance.api_base import AllianceReadOnlyViewSet
from alliance.api_fields import HubModelSerializer, HubSerializer, MoneyField
from alliance.views_base import HUB_AND_PROVIDER
from costofcare.calc import AGE_GROUPS
from costofcare.models import ASSUMPTION_FIELDS, CostOfCareAssumptions
from costofcare.selectors import ProgramCostOfCare, program_cost_of_care, programs_cost_of_care
from costofcare.services import cost_of_care_assumptions_set
from members.models import MemberProgram, ProgramStatus


class AssumptionsSerializer(HubModelSerializer):
    """The typed assumptions; null is blank and takes the default (see `defaults` of the program)."""

    class Meta:
        model = CostOfCareAssumptions
        fields = list(ASSUMPTION_FIELDS)
        extra_kwargs = {name: {"required": False, "allow_null": True} for name in ASSUMPTION_FIELDS}


class DefaultSerializer(HubSerializer):
    value = serializers.CharField(allow_null=True, help_text="The default's value (a decimal or whole number).")
    source = serializers.CharField(help_text="Where the default comes from.")


class GroupCostSerializer(HubSerializer):
    age_group = serializers.ChoiceField(choices=AGE_GROUPS)
    label = serializers.CharField()
    children = serializers.IntegerField(help_text="Children of the age group served; shares are split over all.")
    children_per_staff = serializers.IntegerField()
    group_size = serializers.IntegerField()
    staff_per_group = serializers.IntegerField(help_text="⌈group size ÷ children per staff⌉.")
    classroom = MoneyField(help_text="Classroom personnel per child a month.")
    occupancy = MoneyField(help_text="Rent and occupancy per child a month.")
    other = MoneyField(help_text="Food, supplies, insurance and other per child a month.")
    admin = MoneyField(help_text="Administration personnel per child a month.")
    non_personnel = MoneyField(help_text="occupancy + other.")
    total = MoneyField(help_text="Cost per child a month: classroom + occupancy + other + admin.")
    rate = MoneyField(allow_null=True, help_text="Rate charged a month (full time).")
    subsidy = MoneyField(allow_null=True, help_text="Subsidy paid a month (full time).")
    gap_at_rate = MoneyField(allow_null=True, help_text="rate − total; negative: a loss on every child.")
    gap_at_subsidy = MoneyField(allow_null=True, help_text="subsidy − total.")


class CostOfCareSerializer(HubSerializer):
    program = serializers.IntegerField(source="program.pk")
    name = serializers.CharField(source="program.name")
    groups = serializers.SerializerMethodField(help_text="Cost per child a month by age group (empty without a wage).")
    losses = serializers.SerializerMethodField(help_text="A sentence for each age group that loses money per child.")
    missing = serializers.ListField(
        child=serializers.CharField(), help_text="Assumptions to type before anything can be worked out."
    )

    @extend_schema(responses=GroupCostSerializer(many=True))  # type: ignore[misc]
    def get_groups(self, figures: ProgramCostOfCare) -> list[dict[str, Any]]:
        if figures.result is None:
            return []
        return list(GroupCostSerializer(figures.result.groups, many=True).data)

    def get_losses(self, figures: ProgramCostOfCare) -> list[str]:
        return figures.result.losses(subject=f"{figures.program.name} loses") if figures.result else []


class CostOfCareDetailSerializer(CostOfCareSerializer):
    days_a_month = serializers.DecimalField(
        source="result.days_a_month",
        max_digits=5,
        decimal_places=2,
        allow_null=True,
        help_text="Days open a year ÷ 12.",
    )
    assumptions_used = AssumptionsSerializer(source="values", help_text="Each assumption as used: typed, else default.")
    typed = AssumptionsSerializer(source="assumptions", allow_null=True, help_text="The typed assumptions, or null.")
    defaults = serializers.SerializerMethodField(help_text="The default of every assumption and its source.")

    @extend_schema(responses=DefaultSerializer(many=True))  # type: ignore[misc]
    def get_defaults(self, figures: ProgramCostOfCare) -> dict[str, dict[str, Any]]:
        return {
            name: {"value": None if d.value is None else str(d.value), "source": d.source}
            for name, d in figures.defaults.items()
        }


class CostOfCareViewSet(AllianceReadOnlyViewSet):
    model = MemberProgram
    serializer_class = CostOfCareSerializer
    allowed_roles = HUB_AND_PROVIDER
    write_roles = HUB_AND_PROVIDER
    pagination_class = None
    filter_backends: list[Any] = []

    def base_queryset(self) -> models.QuerySet:
        return MemberProgram.objects.exclude(status=ProgramStatus.APPLICANT).order_by("name")

    @extend_schema(responses=CostOfCareSerializer(many=True))
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not self.membership.is_hub:
            raise PermissionDenied("Every member's figures are the Hub's; open your own program's.")
        return Response(CostOfCareSerializer(programs_cost_of_care(self.get_queryset()), many=True).data)

    @extend_schema(responses=CostOfCareDetailSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(CostOfCareDetailSerializer(program_cost_of_care(self.get_object())).data)

    @extend_schema(request=AssumptionsSerializer, responses=AssumptionsSerializer)
    @action(detail=True, methods=["get", "put", "patch"], url_path="assumptions")
    def assumptions(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        program = self.get_object()
        stored = CostOfCareAssumptions.objects.filter(program=program).first()
        if request.method == "GET":
            if stored is None:
                return Response({name: None for name in ASSUMPTION_FIELDS})
            return Response(AssumptionsSerializer(stored).data)
        partial = request.method == "PATCH"
        serializer = AssumptionsSerializer(stored, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        given = serializer.validated_data
        values = dict(given) if partial else {name: given.get(name) for name in ASSUMPTION_FIELDS}
        saved = cost_of_care_assumptions_set(actor=request.user, program=program, values=values)
        return Response(AssumptionsSerializer(saved).data)
