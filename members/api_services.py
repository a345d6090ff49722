"""The Hub's service catalogue and members' fee agreements through the API, as members/views_services.py has them."""

from __future__ import annotations

from typing import Any

from django.db import models
from rest_framework import serializers

from alliance.api_fields import CharField, DecimalField, HubModelSerializer, SetOnCreate, VisibleRelatedField
from alliance.views_base import ADMIN_ONLY, HUB_AND_PROVIDER, HUB_ONLY
from members import services
from members.api import MembersViewSet, ProgramScopedFilter
from members.models import HubService, MemberProgram, ServiceSubscription
from members.pages import AGREEMENT_EDITORS
from members.selectors import subscription_monthly_fee


class HubServiceSerializer(HubModelSerializer):
    class Meta:
        model = HubService
        fields = ["id", "name", "description", "pricing_model", "rate", "is_active"]
        validators: list[Any] = []


class HubServiceViewSet(MembersViewSet):
    """The Hub's catalogue: hub roles read it, the hub administrator changes it."""

    model = HubService
    serializer_class = HubServiceSerializer
    allowed_roles = HUB_ONLY
    write_roles = ADMIN_ONLY
    filterset_fields = ["pricing_model", "is_active"]

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = services.hub_service_create(actor=self.actor(), **serializer.validated_data)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = services.hub_service_update(
            actor=self.actor(), service=self.stored(serializer), data=serializer.validated_data
        )


class SubscriptionSerializer(SetOnCreate, HubModelSerializer):
    set_on_create = ("program", "service")
    service_name = CharField(source="service.name", read_only=True)
    monthly_fee = serializers.SerializerMethodField(
        help_text="Flat and per-slot agreements; null for a percentage of tuition."
    )
    rate = DecimalField(max_digits=10, decimal_places=2, required=False)
    pricing_model = CharField(read_only=True)

    class Meta:
        model = ServiceSubscription
        fields = [
            "id",
            "program",
            "service",
            "service_name",
            "pricing_model",
            "rate",
            "monthly_fee",
            "starts_on",
            "ends_on",
            "note",
        ]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["program"] = VisibleRelatedField(MemberProgram)
        fields["service"] = VisibleRelatedField(HubService)
        return fields

    def get_monthly_fee(self, obj: ServiceSubscription) -> str | None:
        fee = subscription_monthly_fee(obj)
        return None if fee is None else str(fee)


class SubscriptionFilter(ProgramScopedFilter):
    class Meta:
        model = ServiceSubscription
        fields = ["service"]


class SubscriptionViewSet(MembersViewSet):
    """Members' fee agreements: providers see their own, only the hub administrator
    changes them."""

    model = ServiceSubscription
    serializer_class = SubscriptionSerializer
    allowed_roles = HUB_AND_PROVIDER
    write_roles = AGREEMENT_EDITORS
    filterset_class = SubscriptionFilter

    def base_queryset(self) -> models.QuerySet:
        return ServiceSubscription.objects.select_related("service", "program")

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = services.subscription_create(actor=self.actor(), **serializer.validated_data)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = services.subscription_update(
            actor=self.actor(), subscription=self.stored(serializer), data=serializer.validated_data
        )
