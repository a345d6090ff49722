"""Coaching visits, goals and the quality calendar through the API, as sharedservices/views_coaching.py has them."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from alliance.api_base import READ_AND_POST, AllianceViewSetMixin
from alliance.api_fields import DateField, HubModelSerializer, HubSerializer, VisibleRelatedField
from alliance.dates import alliance_today
from alliance.views_base import HUB_AND_PROVIDER
from members.models import MemberProgram
from sharedservices import services
from sharedservices.api import SharedViewSet
from sharedservices.models import CoachingGoal, CoachVisit
from sharedservices.quality import members_at_risk, quality_calendar


class CoachVisitSerializer(HubModelSerializer):
    program = VisibleRelatedField(MemberProgram)

    class Meta:
        model = CoachVisit
        fields = ["id", "program", "coach_name", "visited_on", "focus", "hours", "summary", "next_steps"]
        read_only_fields = ["coach_name"]


class CoachVisitViewSet(SharedViewSet):
    """Coaching visits (providers see their own); a Hub coach logs their own visits."""

    model = CoachVisit
    serializer_class = CoachVisitSerializer
    allowed_roles = HUB_AND_PROVIDER
    http_method_names = READ_AND_POST
    filterset_fields = ["program", "focus"]

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = services.coach_visit_create(actor=self.request.user, **serializer.validated_data)


class CoachingGoalSerializer(HubModelSerializer):
    class Meta:
        model = CoachingGoal
        fields = ["id", "program", "visit", "title", "focus", "due_on", "status", "status_changed_on", "notes"]
        read_only_fields = ["status_changed_on"]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fixed = self.instance is not None
        fields["program"] = VisibleRelatedField(MemberProgram, read_only=fixed)
        fields["visit"] = VisibleRelatedField(CoachVisit, read_only=fixed, required=False, allow_null=True)
        return fields


class CoachingGoalViewSet(SharedViewSet):
    model = CoachingGoal
    serializer_class = CoachingGoalSerializer
    allowed_roles = HUB_AND_PROVIDER
    filterset_fields = ["program", "status", "focus"]

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = {k: v for k, v in serializer.validated_data.items() if k != "status"}
        serializer.instance = services.coaching_goal_create(actor=self.request.user, **data)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = {k: v for k, v in serializer.validated_data.items() if k not in ("program", "visit")}
        serializer.instance = services.coaching_goal_update(
            actor=self.request.user, goal=self.stored(serializer), data=data
        )


# --- Quality calendar ------------------------------------------------------------
class QualityEventSerializer(HubSerializer):
    program = serializers.IntegerField()
    program_name = serializers.CharField()
    kind = serializers.ChoiceField(
        choices=[
            ("license_renewal", "License renewal"),
            ("qris_rerating", "QRIS re-rating"),
            ("accreditation", "Accreditation expires"),
        ]
    )
    due_on = DateField(allow_null=True)
    basis = serializers.CharField()


class AtRiskSerializer(HubSerializer):
    program = serializers.IntegerField()
    program_name = serializers.CharField()
    event = QualityEventSerializer(allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField())


class QualityCalendarSerializer(HubSerializer):
    events = QualityEventSerializer(many=True)
    at_risk = AtRiskSerializer(many=True)


def _event(event: Any) -> dict[str, Any] | None:
    if event is None:
        return None
    return {
        "program": event.program.pk,
        "program_name": event.program.name,
        "kind": event.kind,
        "due_on": event.due_on,
        "basis": event.basis,
    }


class QualityCalendarView(AllianceViewSetMixin, generics.GenericAPIView):
    """Licensing renewals, QRIS re-ratings and accreditation expiries overdue or due in
    the next 180 days across members, and the members at risk (Hub roles)."""

    model = MemberProgram
    serializer_class = QualityCalendarSerializer
    pagination_class = None
    filter_backends: list[Any] = []

    @extend_schema(responses=QualityCalendarSerializer)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        today = alliance_today()
        programs = MemberProgram.objects.all()
        events = [e for _, group in quality_calendar(programs, today=today) for e in group]
        return Response(
            QualityCalendarSerializer(
                {
                    "events": [_event(e) for e in events],
                    "at_risk": [
                        {
                            "program": r.program.pk,
                            "program_name": r.program.name,
                            "event": _event(r.event),
                            "reasons": r.reasons,
                        }
                        for r in members_at_risk(programs, today=today)
                    ],
                }
            ).data
        )
