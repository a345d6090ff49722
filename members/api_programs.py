"""Member programs (and their licensing inspections) through the API, as members/views.py has them."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import models
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from alliance.api_fields import (
    BooleanField,
    CharField,
    ChoiceField,
    DateField,
    DecimalField,
    HubModelSerializer,
    HubSerializer,
    SetOnCreate,
    VisibleRelatedField,
)
from alliance.api_params import int_param, whole_number
from alliance.dates import alliance_today, months_back
from alliance.filters import IntegerFilter
from alliance.views_base import HUB_AND_PROVIDER
from members import services
from members.api import MembersViewSet, ProgramScopedFilter
from members.models import CostCategory, LicensingInspection, MemberProgram, ProgramStatus
from members.pages import AGREEMENT_EDITORS, PROFILE_EDITORS
from members.selectors import program_monthly_costs

# --- Programs ---------------------------------------------------------------
PROGRAM_FIELDS = [
    "id",
    "name",
    "legal_name",
    "kind",
    "status",
    "status_changed_on",
    "joined_on",
    "license_number",
    "licensed_capacity",
    "street",
    "city",
    "region",
    "postal_code",
    "phone",
    "director_name",
    "director_email",
    "director_phone",
    "qris_rating",
    "qris_rated_on",
    "accreditation",
    "accreditation_expires_on",
    "owner_monthly_wage",
    "notes",
    "created_at",
]


class MemberProgramSerializer(HubModelSerializer):
    class Meta:
        model = MemberProgram
        fields = PROGRAM_FIELDS
        read_only_fields = ["status", "status_changed_on", "created_at"]
        validators: list[Any] = []  # the model's clean() checks uniqueness, with field errors


class MemberProgramCreateSerializer(MemberProgramSerializer):
    status = ChoiceField(
        choices=ProgramStatus.choices,
        default=ProgramStatus.APPLICANT,
        help_text="A new member is an applicant or active.",
    )

    class Meta(MemberProgramSerializer.Meta):
        read_only_fields = ["status_changed_on", "created_at"]

    def validate_status(self, value: str) -> str:
        if value not in (ProgramStatus.APPLICANT, ProgramStatus.ACTIVE):
            raise DRFValidationError("A new member is an applicant or active.")
        return value


class ProgramStatusSerializer(HubSerializer):
    status = ChoiceField(choices=ProgramStatus.choices)
    effective_on = DateField()
    reason = CharField(required=False, allow_blank=True, default="")


class MonthTotalsSerializer(HubSerializer):
    """One month of a program's costs: each category's amount (null when not entered)."""

    month = CharField(help_text="YYYY-MM.")
    personnel = DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    occupancy = DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    food = DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    supplies = DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    insurance = DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    other = DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    personnel_from_roster = BooleanField(help_text="Personnel is the roster's cost: none was entered.")
    total = DecimalField(max_digits=14, decimal_places=2)


class ProgramFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search")
    qris_rating = IntegerFilter()

    class Meta:
        model = MemberProgram
        fields = ["kind", "status", "qris_rating"]

    def filter_search(self, queryset: models.QuerySet, name: str, value: str) -> models.QuerySet:
        return queryset.filter(
            models.Q(name__icontains=value)
            | models.Q(legal_name__icontains=value)
            | models.Q(license_number__icontains=value)
        )


class MemberProgramViewSet(MembersViewSet):
    """Member programs; a provider sees only their own. Hub roles edit profiles; the
    hub administrator adds programs and changes their membership status."""

    model = MemberProgram
    serializer_class = MemberProgramSerializer
    allowed_roles = HUB_AND_PROVIDER
    write_roles = PROFILE_EDITORS
    filterset_class = ProgramFilter

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "create":
            return MemberProgramCreateSerializer
        if self.action == "set_status":
            return ProgramStatusSerializer
        return MemberProgramSerializer

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        self.require(AGREEMENT_EDITORS)
        data = dict(serializer.validated_data)
        serializer.instance = services.program_create(
            actor=self.actor(), name=data.pop("name"), kind=data.pop("kind"), status=data.pop("status"), **data
        )

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = services.program_update(
            actor=self.actor(), program=self.stored(serializer), data=serializer.validated_data
        )

    @extend_schema(request=ProgramStatusSerializer, responses=MemberProgramSerializer)
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change the membership status (hub administrator only)."""
        self.require(AGREEMENT_EDITORS)
        program = self.get_object()
        serializer = ProgramStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        program = services.program_status_change(actor=self.actor(), program=program, **serializer.validated_data)
        return Response(MemberProgramSerializer(program).data)

    @extend_schema(
        responses=MonthTotalsSerializer(many=True),
        parameters=[
            OpenApiParameter("months", whole_number(1, 60), description="How many months back, 1 to 60 (default 12).")
        ],
    )
    @action(detail=True, methods=["get"], url_path="monthly-costs", filter_backends=[], pagination_class=None)
    def monthly_costs(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Operating costs month by month (default: the last 12), with personnel
        from the roster where none was entered."""
        program = self.get_object()
        count = int_param(request, "months", 12, minimum=1, maximum=60)
        rows = program_monthly_costs(program, months_back(count, until=alliance_today(self.alliance)))
        return Response(
            [
                {
                    "month": m.month.strftime("%Y-%m"),
                    **{c: (None if m.amount(c) is None else str(m.amount(c))) for c in CostCategory.values},
                    "personnel_from_roster": m.personnel_is_derived,
                    "total": str(m.total),
                }
                for m in rows
            ]
        )


# --- Licensing inspections ---------------------------------------------------
class InspectionSerializer(SetOnCreate, HubModelSerializer):
    set_on_create = ("program",)

    class Meta:
        model = LicensingInspection
        fields = [
            "id",
            "program",
            "inspected_on",
            "inspection_type",
            "outcome",
            "findings",
            "corrective_action_due",
            "corrected_on",
        ]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["program"] = VisibleRelatedField(MemberProgram)
        return fields


class InspectionFilter(ProgramScopedFilter):
    class Meta:
        model = LicensingInspection
        fields = ["outcome", "inspection_type"]


class InspectionViewSet(MembersViewSet):
    model = LicensingInspection
    serializer_class = InspectionSerializer
    allowed_roles = HUB_AND_PROVIDER
    write_roles = PROFILE_EDITORS
    filterset_class = InspectionFilter

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = services.inspection_create(actor=self.actor(), **serializer.validated_data)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = {k: v for k, v in serializer.validated_data.items() if k != "program"}
        serializer.instance = services.inspection_update(
            actor=self.actor(), inspection=self.stored(serializer), data=data
        )
