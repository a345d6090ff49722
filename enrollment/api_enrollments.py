"""Enrollments (and the one-call intake) through the API, as enrollment/views_enrollments.py has them."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import Q
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from alliance.api_base import READ_AND_POST
from alliance.api_fields import (
    CharField,
    ChoiceField,
    DateField,
    HubModelSerializer,
    HubSerializer,
    VisibleRelatedField,
    WeekdaysField,
)
from alliance.api_rows import RowsListMixin
from alliance.dates import alliance_today
from alliance.errors import field_errors
from alliance.filters import IntegerFilter, TenantFilterSet
from enrollment import services
from enrollment.api import EnrollmentViewSetBase
from enrollment.models import Child, EndReason, Enrollment, Family, FundingSource, Guardian, enrollment_status_on
from enrollment.rules import DayLength
from members.models import Classroom


class EnrollmentSerializer(HubModelSerializer):
    child_name = CharField(source="child.full_name", read_only=True)
    weekdays = WeekdaysField()
    status = serializers.SerializerMethodField()

    class Meta:
        model = Enrollment
        fields = [
            "id",
            "child",
            "child_name",
            "classroom",
            "program",
            "start_date",
            "end_date",
            "weekdays",
            "day_length",
            "fte",
            "funding_source",
            "rate_plan_ref",
            "end_reason",
            "end_note",
            "override_reason",
            "previous",
            "status",
            "created_at",
        ]
        read_only_fields = fields

    def get_status(self, obj: Enrollment) -> str:
        return obj.status_on(self.context["today"])

    finish_fields = ("child_name", "status")
    finish_columns = ("child__first_name", "child__last_name", "start_date", "end_date")

    @staticmethod
    def finish_rows(rows: list[dict[str, Any]], answer: list[dict[str, Any]], context: dict[str, Any]) -> None:
        """`child_name` and `status` of rows, as `Child.full_name` and `Enrollment.status_on` give them."""
        today = context["today"]
        for row, out in zip(rows, answer, strict=True):
            out["child_name"] = f"{row['child__first_name']} {row['child__last_name']}"
            out["status"] = enrollment_status_on(row["start_date"], row["end_date"], today)


class EnrollmentCreateSerializer(HubSerializer):
    child = VisibleRelatedField(Child)
    classroom = VisibleRelatedField(Classroom)
    start_date = DateField()
    end_date = DateField(required=False, allow_null=True, default=None)
    weekdays = WeekdaysField()
    day_length = ChoiceField(choices=DayLength.CHOICES, default=DayLength.FULL)
    funding_source = ChoiceField(choices=FundingSource.choices, default=FundingSource.PRIVATE_PAY)
    rate_plan_ref = CharField(max_length=60, required=False, allow_blank=True, default="")
    override_reason = CharField(required=False, allow_blank=True, default="")


class ScheduleChangeSerializer(HubSerializer):
    effective_from = DateField()
    weekdays = WeekdaysField()
    day_length = ChoiceField(choices=DayLength.CHOICES)
    override_reason = CharField(required=False, allow_blank=True, default="")


class TransferSerializer(HubSerializer):
    classroom = VisibleRelatedField(Classroom)
    effective_from = DateField()
    weekdays = WeekdaysField(required=False)
    day_length = ChoiceField(choices=DayLength.CHOICES, required=False)
    override_reason = CharField(required=False, allow_blank=True, default="")


class EndSerializer(HubSerializer):
    end_date = DateField()
    reason = ChoiceField(
        choices=[(r.value, r.label) for r in (EndReason.GRADUATED, EndReason.MOVED, EndReason.COST, EndReason.OTHER)]
    )
    note = CharField(required=False, allow_blank=True, default="")


class TermsSerializer(HubSerializer):
    funding_source = ChoiceField(choices=FundingSource.choices)
    rate_plan_ref = CharField(max_length=60, allow_blank=True)


class IntakeFamilySerializer(HubModelSerializer):
    class Meta:
        model = Family
        fields = ["name", "street", "city", "postal_code", "home_language", "notes"]


class IntakeGuardianSerializer(HubModelSerializer):
    class Meta:
        model = Guardian
        fields = [
            "first_name",
            "last_name",
            "relationship",
            "email",
            "phone",
            "is_primary_contact",
            "can_pick_up",
            "consent_photos",
            "consent_field_trips",
            "consent_text_messages",
            "consent_share_with_programs",
        ]


class IntakeChildSerializer(HubModelSerializer):
    class Meta:
        model = Child
        fields = ["first_name", "last_name", "date_of_birth", "needs_notes", "has_individual_plan"]


class IntakeEnrollmentSerializer(HubSerializer):
    classroom = VisibleRelatedField(Classroom)
    start_date = DateField()
    end_date = DateField(required=False, allow_null=True, default=None)
    weekdays = WeekdaysField()
    day_length = ChoiceField(choices=DayLength.CHOICES, default=DayLength.FULL)
    funding_source = ChoiceField(choices=FundingSource.choices, default=FundingSource.PRIVATE_PAY)
    rate_plan_ref = CharField(max_length=60, required=False, allow_blank=True, default="")
    override_reason = CharField(required=False, allow_blank=True, default="")


class IntakeSerializer(HubSerializer):
    """A new child enrolled at once: `family` (an id you can see) or `family_data` +
    `guardian_data`; then `child` and `enrollment` objects."""

    family = VisibleRelatedField(Family, required=False, allow_null=True, default=None)
    family_data = IntakeFamilySerializer(required=False, default=None, allow_null=True)
    guardian_data = IntakeGuardianSerializer(required=False, default=None, allow_null=True)
    child = IntakeChildSerializer()
    enrollment = IntakeEnrollmentSerializer()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("family") is None and not (attrs.get("family_data") and attrs.get("guardian_data")):
            raise DRFValidationError({"family": ["Give a family id, or family_data and guardian_data."]})
        return attrs


# The intake service keys its errors `<part>_<field>` for the page's forms; the API nests them
# under the input's parts: {"child": {"date_of_birth": [...]}}.
INTAKE_PARTS = {"family": "family_data", "guardian": "guardian_data", "child": "child", "enrollment": "enrollment"}


def _intake_errors(exc: DjangoValidationError) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    for key, messages in field_errors(exc).items():
        part, _, field = key.partition("_")
        if part in INTAKE_PARTS and field:
            errors.setdefault(INTAKE_PARTS[part], {}).setdefault(field, []).extend(messages)
        else:
            errors.setdefault("non_field_errors", []).extend(messages)
    return errors


class EnrollmentFilter(TenantFilterSet):
    program = IntegerFilter(field_name="program_id")
    classroom = IntegerFilter(field_name="classroom_id")
    child = IntegerFilter(field_name="child_id")
    active_on = django_filters.DateFilter(method="filter_active_on", label="Enrolled on (YYYY-MM-DD)")

    class Meta:
        model = Enrollment
        fields = ["funding_source"]

    def filter_active_on(self, queryset: models.QuerySet, name: str, value: datetime.date) -> models.QuerySet:
        return queryset.filter(start_date__lte=value).filter(Q(end_date__isnull=True) | Q(end_date__gte=value))


class EnrollmentViewSet(RowsListMixin, EnrollmentViewSetBase):
    """Enrollments. Create one (capacity and age checks; Hub staff may override with
    `override_reason`), or a new child's with `intake`; change it with the
    `schedule`, `transfer`, `end` and `terms` actions."""

    model = Enrollment
    serializer_class = EnrollmentSerializer
    filterset_class = EnrollmentFilter
    http_method_names = READ_AND_POST

    def base_queryset(self) -> models.QuerySet:
        return Enrollment.objects.select_related("child").order_by("-start_date", "-id")

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        if hasattr(self, "alliance"):
            context["today"] = alliance_today()
        return context

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return {
            "create": EnrollmentCreateSerializer,
            "schedule": ScheduleChangeSerializer,
            "transfer": TransferSerializer,
            "end": EndSerializer,
            "terms": TermsSerializer,
            "intake": IntakeSerializer,
        }.get(self.action, EnrollmentSerializer)

    def _answer(self, enrollment: Enrollment, status: int = 200) -> Response:
        return Response(EnrollmentSerializer(enrollment, context=self.get_serializer_context()).data, status=status)

    def _input(self, request: Request) -> dict[str, Any]:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(request=EnrollmentCreateSerializer, responses={201: EnrollmentSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._input(request)
        enrollment = services.enrollment_create(actor=request.user, **data)
        return self._answer(enrollment, status=201)

    @extend_schema(request=IntakeSerializer, responses={201: EnrollmentSerializer})
    @action(detail=False, methods=["post"])
    def intake(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._input(request)
        try:
            enrollment = services.enrollment_intake_create(
                actor=request.user,
                family=data["family"],
                family_data=None if data["family"] else dict(data["family_data"]),
                guardian_data=None if data["family"] else dict(data["guardian_data"]),
                child=dict(data["child"]),
                enrollment=dict(data["enrollment"]),
            )
        except DjangoValidationError as exc:
            raise DRFValidationError(_intake_errors(exc)) from None
        return self._answer(enrollment, status=201)

    @extend_schema(request=ScheduleChangeSerializer, responses=EnrollmentSerializer)
    @action(detail=True, methods=["post"])
    def schedule(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        enrollment, data = self.get_object(), self._input(request)
        return self._answer(services.enrollment_change_schedule(actor=request.user, enrollment=enrollment, **data))

    @extend_schema(request=TransferSerializer, responses=EnrollmentSerializer)
    @action(detail=True, methods=["post"])
    def transfer(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        enrollment, data = self.get_object(), self._input(request)
        return self._answer(services.enrollment_transfer(actor=request.user, enrollment=enrollment, **data))

    @extend_schema(request=EndSerializer, responses=EnrollmentSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        enrollment, data = self.get_object(), self._input(request)
        return self._answer(services.enrollment_end(actor=request.user, enrollment=enrollment, **data))

    @extend_schema(request=TermsSerializer, responses=EnrollmentSerializer)
    @action(detail=True, methods=["post"])
    def terms(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        enrollment, data = self.get_object(), self._input(request)
        changed = services.enrollment_update_terms(actor=request.user, enrollment=enrollment, **data)
        changed.child = enrollment.child  # terms never change the child: the one get_object read
        return self._answer(changed)
