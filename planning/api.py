"""The scenario planner through the API: a member's saved scenarios and each one's projection.

`scenarios/` lists, creates, retrieves and updates scenarios (Hub roles, and a provider for its own
program; funders have none); `scenarios/<id>/projection/` recomputes the scenario from the member's last
12 measured months and answers the year's figures beside the baseline and every month's (planning/report.py,
the same figures as the page, the CSV and the PDF). Changes are percentages as on the page (92 = 92 %).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from alliance.api_base import NO_DELETE, AllianceModelViewSet
from alliance.api_fields import DateField, HubModelSerializer, HubSerializer, SetOnCreate, VisibleRelatedField
from alliance.views_base import HUB_AND_PROVIDER
from members.models import MemberProgram
from planning import services
from planning.models import CHANGE_FIELDS, Scenario
from planning.report import FIGURES, RATIO, figure, scenario_result

RATIO_PLACES = Decimal("0.0001")


class ScenarioSerializer(SetOnCreate, HubModelSerializer):
    set_on_create = ("program",)
    created_by = serializers.EmailField(source="created_by.email", read_only=True, allow_null=True)

    class Meta:
        model = Scenario
        fields = ["id", "program", "name", *CHANGE_FIELDS, "created_by", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        validators: list[Any] = []

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["program"] = VisibleRelatedField(MemberProgram, help_text="The member program the scenario is of.")
        return fields


class FigureSerializer(HubSerializer):
    key = serializers.CharField(help_text="The figure's name: " + ", ".join(k for k, _, _ in FIGURES) + ".")
    label = serializers.CharField(help_text="The figure as the page names it.")  # type: ignore[assignment]
    kind = serializers.ChoiceField(
        choices=["money", "ratio", "number"],
        help_text="money: a decimal string with two places; ratio: a fraction (0.85 = 85 %); number: one place.",
    )
    baseline = serializers.CharField(allow_null=True, help_text="The measured figure (null: no denominator).")
    projected = serializers.CharField(allow_null=True, help_text="The figure under the scenario's changes.")


class MonthSerializer(HubSerializer):
    month = DateField(help_text="First day of the measured month.")
    figures = FigureSerializer(many=True)


class ScenarioProjectionSerializer(HubSerializer):
    scenario = serializers.IntegerField()
    months = serializers.IntegerField(help_text="How many measured months the baseline holds (at most 12).")
    year = FigureSerializer(many=True, help_text="The baseline year and the projected year, added up.")
    by_month = MonthSerializer(many=True, help_text="Each measured month, baseline and projected.")


def _text(value: Decimal | None, kind: str) -> str | None:
    """Money as shown (two places), a ratio to four places, a number to one."""
    if value is None:
        return None
    return str(value.quantize(RATIO_PLACES)) if kind == RATIO else str(value)


def _figures(base: Any, new: Any, months: int) -> list[dict[str, Any]]:
    return [
        {
            "key": key,
            "label": label,
            "kind": kind,
            "baseline": _text(figure(base, key, months), kind),
            "projected": _text(figure(new, key, months), kind),
        }
        for key, label, kind in FIGURES
    ]


class ScenarioViewSet(AllianceModelViewSet):
    """A member's what-if scenarios. Deleting is on the page only."""

    model = Scenario
    serializer_class = ScenarioSerializer
    allowed_roles = HUB_AND_PROVIDER
    write_roles = HUB_AND_PROVIDER
    http_method_names = NO_DELETE

    def base_queryset(self) -> Any:
        return Scenario.objects.select_related("program", "created_by").order_by("program_id", "name", "pk")

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        program = data.pop("program")
        serializer.instance = services.scenario_create(program=program, actor=self.request.user, data=data)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        data.pop("program", None)
        serializer.instance = services.scenario_update(
            scenario=self.stored(serializer), actor=self.request.user, data=data
        )

    @extend_schema(request=None, responses=ScenarioProjectionSerializer)
    @action(detail=True, methods=["get"])
    def projection(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The scenario recomputed from its member's last 12 measured months, beside the baseline."""
        scenario = self.get_object()
        result = scenario_result(scenario)
        if result is None:
            raise NotFound("The member has no measured months yet, so there is nothing to project.")
        projection = result.projection
        return Response(
            ScenarioProjectionSerializer(
                {
                    "scenario": scenario.pk,
                    "months": result.months,
                    "year": _figures(projection.baseline, projection.projected, result.months),
                    "by_month": [
                        {"month": m.month, "figures": _figures(m.baseline, m.projected, 1)} for m in projection.months
                    ],
                }
            ).data
        )
