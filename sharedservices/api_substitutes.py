"""The substitute pool through the API, as sharedservices/views_substitutes.py has it."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import models
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from alliance.api_fields import DateField, HubModelSerializer, HubSerializer, VisibleRelatedField
from members.models import AgeGroup, MemberProgram
from sharedservices import services
from sharedservices.api import SharedViewSet, StrictBooleanFilter
from sharedservices.models import Substitute, SubstituteAvailability, SubstituteClearance, SubstituteCredential


class SubstituteCredentialSerializer(HubModelSerializer):
    class Meta:
        model = SubstituteCredential
        fields = ["id", "kind", "identifier", "issued_on", "expires_on"]


class SubstituteSerializer(HubModelSerializer):
    age_groups = serializers.ListField(child=serializers.ChoiceField(choices=AgeGroup.choices), allow_empty=False)
    home_program = VisibleRelatedField(MemberProgram, required=False, allow_null=True)
    credentials = SubstituteCredentialSerializer(many=True, read_only=True)
    cleared_programs = serializers.SerializerMethodField()

    class Meta:
        model = Substitute
        fields = [
            "id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "employment",
            "home_program",
            "age_groups",
            "is_active",
            "notes",
            "credentials",
            "cleared_programs",
        ]

    def get_cleared_programs(self, obj: Substitute) -> list[int]:
        return sorted(c.program_id for c in obj.clearances.all())


class ClearanceSerializer(HubModelSerializer):
    program = VisibleRelatedField(MemberProgram)

    class Meta:
        model = SubstituteClearance
        fields = ["id", "program", "cleared_on", "note"]


class AvailabilitySetSerializer(HubSerializer):
    first_day = DateField()
    last_day = DateField()
    weekdays = serializers.ListField(child=serializers.IntegerField(min_value=0, max_value=6), allow_empty=False)
    starts_at = serializers.TimeField()
    ends_at = serializers.TimeField()


class AvailabilitySerializer(HubModelSerializer):
    class Meta:
        model = SubstituteAvailability
        fields = ["id", "day", "starts_at", "ends_at"]


class SubstituteFilter(django_filters.FilterSet):
    is_active = StrictBooleanFilter()

    class Meta:
        model = Substitute
        fields = ["is_active", "employment"]


class SubstituteViewSet(SharedViewSet):
    """The Hub's substitute pool (Hub roles only). `credentials`, `clearances` and
    `availability` add to a substitute."""

    model = Substitute
    serializer_class = SubstituteSerializer
    filterset_class = SubstituteFilter

    def base_queryset(self) -> models.QuerySet:
        return Substitute.objects.prefetch_related("credentials", "clearances").order_by("last_name", "first_name")

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = services.substitute_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = services.substitute_update(
            actor=self.request.user, substitute=self.stored(serializer), data=serializer.validated_data
        )

    @extend_schema(request=SubstituteCredentialSerializer, responses={201: SubstituteCredentialSerializer})
    @action(detail=True, methods=["post"])
    def credentials(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        substitute, data = self.get_object(), self.input(SubstituteCredentialSerializer, request)
        credential = services.substitute_credential_add(actor=request.user, substitute=substitute, **data)
        return Response(SubstituteCredentialSerializer(credential).data, status=201)

    @extend_schema(request=ClearanceSerializer, responses={201: ClearanceSerializer})
    @action(detail=True, methods=["post"])
    def clearances(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        substitute, data = self.get_object(), self.input(ClearanceSerializer, request)
        clearance = services.substitute_clearance_add(actor=request.user, substitute=substitute, **data)
        return Response(ClearanceSerializer(clearance, context=self.get_serializer_context()).data, status=201)

    @extend_schema(request=AvailabilitySetSerializer, responses={201: AvailabilitySerializer(many=True)})
    @action(detail=True, methods=["post"])
    def availability(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        substitute, data = self.get_object(), self.input(AvailabilitySetSerializer, request)
        rows = services.substitute_availability_set(actor=request.user, substitute=substitute, **data)
        return Response(AvailabilitySerializer(rows, many=True).data, status=201)
