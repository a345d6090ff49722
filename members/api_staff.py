"""Staff and their credentials through the API, as members/views_staff.py has them."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django.db import models
from rest_framework import serializers

from alliance.api_fields import HubModelSerializer, SetOnCreate, VisibleRelatedField
from alliance.filters import IntegerFilter
from alliance.views_base import HUB_AND_PROVIDER
from members import services
from members.api import MembersViewSet, ProgramScopedFilter
from members.models import Credential, MemberProgram, Site, StaffMember
from members.pages import OPERATIONS_EDITORS
from members.selectors import credentials_expiring


class StaffMemberSerializer(SetOnCreate, HubModelSerializer):
    set_on_create = ("program",)

    class Meta:
        model = StaffMember
        fields = [
            "id",
            "program",
            "site",
            "first_name",
            "last_name",
            "email",
            "position",
            "category",
            "fte",
            "pay_basis",
            "hourly_wage",
            "annual_salary",
            "benefits_annual",
            "started_on",
            "ended_on",
        ]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["program"] = VisibleRelatedField(MemberProgram)
        fields["site"] = VisibleRelatedField(Site, required=False, allow_null=True)
        return fields


class StaffFilter(ProgramScopedFilter):
    active_on = django_filters.DateFilter(method="filter_active_on")

    class Meta:
        model = StaffMember
        fields = ["category"]

    def filter_active_on(self, queryset: models.QuerySet, name: str, value: datetime.date) -> models.QuerySet:
        return queryset.filter(started_on__lte=value).filter(
            models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=value)
        )


class StaffMemberViewSet(MembersViewSet):
    model = StaffMember
    serializer_class = StaffMemberSerializer
    allowed_roles = HUB_AND_PROVIDER
    write_roles = OPERATIONS_EDITORS
    filterset_class = StaffFilter

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = services.staff_create(actor=self.actor(), **serializer.validated_data)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = {k: v for k, v in serializer.validated_data.items() if k != "program"}
        serializer.instance = services.staff_update(actor=self.actor(), staff=self.stored(serializer), data=data)


class CredentialSerializer(SetOnCreate, HubModelSerializer):
    set_on_create = ("staff",)

    class Meta:
        model = Credential
        fields = ["id", "staff", "name", "identifier", "issued_on", "expires_on"]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["staff"] = VisibleRelatedField(StaffMember)
        return fields


class CredentialFilter(django_filters.FilterSet):
    staff = IntegerFilter(field_name="staff_id")
    program = IntegerFilter(field_name="staff__program_id")
    expiring = django_filters.BooleanFilter(
        method="filter_expiring", label="Only those of current staff expired or expiring within 60 days."
    )

    def filter_expiring(self, queryset: models.QuerySet, name: str, value: bool) -> models.QuerySet:
        return credentials_expiring(queryset) if value else queryset

    class Meta:
        model = Credential
        fields: list[str] = []


class CredentialViewSet(MembersViewSet):
    """Credentials of staff; `?expiring=true` lists those of current staff expired
    or expiring within 60 days."""

    model = Credential
    serializer_class = CredentialSerializer
    allowed_roles = HUB_AND_PROVIDER
    write_roles = OPERATIONS_EDITORS

    filterset_class = CredentialFilter

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().order_by("expires_on", "name")

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = services.credential_create(actor=self.actor(), **serializer.validated_data)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = {k: v for k, v in serializer.validated_data.items() if k != "staff"}
        serializer.instance = services.credential_update(
            actor=self.actor(), credential=self.stored(serializer), data=data
        )
