"""Families, guardians and children through the API, as enrollment/views_families.py has them."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import models
from django.db.models import Q
from rest_framework import serializers

from alliance.api_fields import HubModelSerializer, SetOnCreate, VisibleRelatedField
from alliance.api_rows import RowsListMixin, represent_rows, row_columns
from alliance.filters import TenantFilterSet
from alliance.views_base import HUB_ONLY
from enrollment import services
from enrollment.api import EnrollmentViewSetBase
from enrollment.models import Child, Family, Guardian


class GuardianSerializer(SetOnCreate, HubModelSerializer):
    set_on_create = ("family",)

    class Meta:
        model = Guardian
        fields = [
            "id",
            "family",
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
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["family"] = VisibleRelatedField(Family)
        return fields


class FamilySerializer(HubModelSerializer):
    guardians = GuardianSerializer(many=True, read_only=True)

    class Meta:
        model = Family
        fields = ["id", "name", "street", "city", "postal_code", "home_language", "notes", "created_at", "guardians"]
        read_only_fields = ["created_at"]

    finish_fields = ("guardians",)
    finish_columns = ("id",)

    @staticmethod
    def finish_rows(rows: list[dict[str, Any]], answer: list[dict[str, Any]], context: dict[str, Any]) -> None:
        """Each family's guardians, read in one query in the order `prefetch_related` gave them."""
        guardians = Guardian.objects.filter(family_id__in=[row["id"] for row in rows]).values(
            *row_columns(GuardianSerializer)
        )
        by_family: dict[int, list[dict[str, Any]]] = {row["id"]: [] for row in rows}
        for guardian in represent_rows(GuardianSerializer, list(guardians), context):
            by_family[guardian["family"]].append(guardian)
        for row, out in zip(rows, answer, strict=True):
            out["guardians"] = by_family[row["id"]]


class FamilyFilter(TenantFilterSet):
    search = django_filters.CharFilter(method="filter_search")

    class Meta:
        model = Family
        fields = ["city"]

    def filter_search(self, queryset: models.QuerySet, name: str, value: str) -> models.QuerySet:
        ids = Family.objects.filter(
            Q(name__icontains=value)
            | Q(guardians__last_name__icontains=value)
            | Q(children__last_name__icontains=value)
        ).values("pk")
        return queryset.filter(pk__in=ids)


class FamilyViewSet(RowsListMixin, EnrollmentViewSetBase):
    """Households with their guardians. Providers see families with a child enrolled in
    their program; only Hub staff add a family (providers enroll through `enrollments/intake`)."""

    model = Family
    serializer_class = FamilySerializer
    filterset_class = FamilyFilter

    def base_queryset(self) -> models.QuerySet:
        return Family.objects.prefetch_related("guardians").order_by("name", "id")

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        self.require(HUB_ONLY)
        serializer.instance = services.family_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = services.family_update(
            actor=self.request.user, family=self.stored(serializer), data=serializer.validated_data
        )


class GuardianViewSet(EnrollmentViewSetBase):
    model = Guardian
    serializer_class = GuardianSerializer
    filterset_fields = ["family"]

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = services.guardian_create(actor=self.request.user, **data)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = {k: v for k, v in serializer.validated_data.items() if k != "family"}
        serializer.instance = services.guardian_update(
            actor=self.request.user, guardian=self.stored(serializer), data=data
        )


class ChildSerializer(SetOnCreate, HubModelSerializer):
    set_on_create = ("family",)

    class Meta:
        model = Child
        fields = [
            "id",
            "family",
            "first_name",
            "last_name",
            "date_of_birth",
            "needs_notes",
            "has_individual_plan",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["family"] = VisibleRelatedField(Family)
        return fields


class ChildViewSet(RowsListMixin, EnrollmentViewSetBase):
    """Children; a provider sees those ever enrolled in their program."""

    model = Child
    serializer_class = ChildSerializer
    filterset_fields = ["family"]

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        self.require(HUB_ONLY)
        data = dict(serializer.validated_data)
        serializer.instance = services.child_create(actor=self.request.user, **data)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = {k: v for k, v in serializer.validated_data.items() if k != "family"}
        serializer.instance = services.child_update(actor=self.request.user, child=self.stored(serializer), data=data)
