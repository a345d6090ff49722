"""Sites, classrooms and their dated capacity through the API, as members/views_sites.py has them."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django.db import models
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.exceptions import ValidationError as DRFValidationError

from alliance.api_fields import (
    DateField,
    HubModelSerializer,
    IntegerField,
    SetOnCreate,
    VisibleRelatedField,
    WeekdaysField,
)
from alliance.api_params import date_param
from alliance.dates import alliance_today
from alliance.filters import IntegerFilter
from alliance.views_base import HUB_AND_PROVIDER
from members import services
from members.api import MembersViewSet, ProgramScopedFilter
from members.models import Classroom, ClassroomCapacity, MemberProgram, Site
from members.pages import OPERATIONS_EDITORS, PROFILE_EDITORS
from members.selectors import classrooms_with_capacity_on


class SiteSerializer(SetOnCreate, HubModelSerializer):
    set_on_create = ("program",)

    class Meta:
        model = Site
        fields = ["id", "program", "name", "street", "city", "region", "postal_code", "opened_on", "closed_on"]
        validators: list[Any] = []

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["program"] = VisibleRelatedField(MemberProgram)
        return fields


class SiteFilter(ProgramScopedFilter):
    class Meta:
        model = Site
        fields: list[str] = []


class SiteViewSet(MembersViewSet):
    model = Site
    serializer_class = SiteSerializer
    allowed_roles = HUB_AND_PROVIDER
    write_roles = PROFILE_EDITORS
    filterset_class = SiteFilter

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = services.site_create(actor=self.actor(), **serializer.validated_data)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = {k: v for k, v in serializer.validated_data.items() if k != "program"}
        serializer.instance = services.site_update(actor=self.actor(), site=self.stored(serializer), data=data)


class ClassroomSerializer(HubModelSerializer):
    program = IntegerField(source="site.program_id", read_only=True)
    operating_days = WeekdaysField(help_text="Weekdays open, Monday = 0.")
    licensed_capacity = serializers.SerializerMethodField()
    desired_capacity = serializers.SerializerMethodField()
    # Only when creating: the first capacity of the new classroom.
    initial_licensed_capacity = IntegerField(write_only=True, min_value=0, max_value=500, required=False)
    initial_desired_capacity = IntegerField(
        write_only=True, min_value=0, max_value=500, required=False, allow_null=True
    )
    effective_from = DateField(write_only=True, required=False)

    class Meta:
        model = Classroom
        fields = [
            "id",
            "program",
            "site",
            "name",
            "age_group",
            "children_per_staff",
            "operating_days",
            "opens_at",
            "closes_at",
            "closed_on",
            "licensed_capacity",
            "desired_capacity",
            "initial_licensed_capacity",
            "initial_desired_capacity",
            "effective_from",
        ]
        validators: list[Any] = []

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["site"] = VisibleRelatedField(Site)
        return fields

    def get_licensed_capacity(self, obj: Classroom) -> int | None:
        return getattr(obj, "licensed_capacity_on", None)

    def get_desired_capacity(self, obj: Classroom) -> int | None:
        return getattr(obj, "desired_capacity_on", None)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None and attrs.get("initial_licensed_capacity") is None:
            raise DRFValidationError({"initial_licensed_capacity": ["Give the licensed capacity."]})
        if self.instance is None and attrs.pop("closed_on", None) is not None:
            raise DRFValidationError({"closed_on": ["A new classroom is open; close it later with PATCH."]})
        if self.instance is not None:
            extra = {"initial_licensed_capacity", "initial_desired_capacity", "effective_from"} & set(attrs)
            if extra:
                raise DRFValidationError({f: ["Change capacity through classroom-capacities."] for f in extra})
        return attrs


class ClassroomFilter(django_filters.FilterSet):
    program = IntegerFilter(field_name="site__program_id")
    site = IntegerFilter(field_name="site_id")

    class Meta:
        model = Classroom
        fields = ["age_group"]


@extend_schema_view(
    **{
        action: extend_schema(
            parameters=[
                OpenApiParameter("on", datetime.date, description="The day whose capacity to show (default today).")
            ]
        )
        for action in ("list", "retrieve")
    }
)
class ClassroomViewSet(MembersViewSet):
    """Classrooms with the capacity in force today, or on `?on=YYYY-MM-DD`."""

    model = Classroom
    serializer_class = ClassroomSerializer
    allowed_roles = HUB_AND_PROVIDER
    write_roles = OPERATIONS_EDITORS
    filterset_class = ClassroomFilter

    def base_queryset(self) -> models.QuerySet:
        return classrooms_with_capacity_on(
            Classroom.objects.select_related("site"), date_param(self.request, "on", alliance_today(self.alliance))
        ).order_by("site__name", "name")

    def _with_capacity(self, classroom: Classroom) -> Classroom:
        return self.base_queryset().get(pk=classroom.pk)

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        classroom = services.classroom_create(
            actor=self.actor(),
            site=data.pop("site"),
            licensed_capacity=data.pop("initial_licensed_capacity"),
            desired_capacity=data.pop("initial_desired_capacity", None),
            **data,
        )
        serializer.instance = self._with_capacity(classroom)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        classroom = services.classroom_update(
            actor=self.actor(), classroom=self.stored(serializer), data=serializer.validated_data
        )
        serializer.instance = self._with_capacity(classroom)


class ClassroomCapacitySerializer(HubModelSerializer):
    class Meta:
        model = ClassroomCapacity
        fields = ["id", "classroom", "effective_from", "licensed_capacity", "desired_capacity", "reason", "created_at"]
        read_only_fields = ["created_at"]
        validators: list[Any] = []

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["classroom"] = VisibleRelatedField(Classroom)
        return fields


class ClassroomCapacityFilter(django_filters.FilterSet):
    classroom = IntegerFilter(field_name="classroom_id")

    class Meta:
        model = ClassroomCapacity
        fields: list[str] = []


class ClassroomCapacityViewSet(MembersViewSet):
    """A classroom's dated capacity. POST records a change from a date; a second POST
    for the same classroom and date corrects it. History is never edited otherwise."""

    model = ClassroomCapacity
    serializer_class = ClassroomCapacitySerializer
    allowed_roles = HUB_AND_PROVIDER
    write_roles = OPERATIONS_EDITORS
    http_method_names = ["get", "post", "head", "options"]
    filterset_class = ClassroomCapacityFilter

    def base_queryset(self) -> models.QuerySet:
        return ClassroomCapacity.objects.order_by("classroom_id", "-effective_from")

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = services.classroom_capacity_set(actor=self.actor(), **serializer.validated_data)
