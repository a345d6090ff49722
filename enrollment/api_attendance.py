"""Attendance through the API, as enrollment/views_attendance.py has it."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import models
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from alliance.api_base import AllianceReadOnlyViewSet
from alliance.api_fields import CharField, ChoiceField, HubModelSerializer, IntegerField, VisibleRelatedField
from alliance.dates import alliance_time, alliance_today
from alliance.filters import IntegerFilter, TenantFilterSet
from alliance.views_base import HUB_AND_PROVIDER
from enrollment import services
from enrollment.imports import attendance_import
from enrollment.models import AbsenceReason, AttendanceRecord, Enrollment


class AttendanceSerializer(HubModelSerializer):
    child = IntegerField(source="enrollment.child_id", read_only=True)
    classroom = IntegerField(source="enrollment.classroom_id", read_only=True)

    class Meta:
        model = AttendanceRecord
        fields = [
            "id",
            "enrollment",
            "child",
            "classroom",
            "day",
            "check_in",
            "check_out",
            "absence_reason",
            "note",
            "source",
            "state",
            "updated_at",
        ]
        read_only_fields = fields


class AttendanceMarkSerializer(serializers.Serializer):
    enrollment = VisibleRelatedField(Enrollment)
    day = serializers.DateField()
    at = serializers.TimeField(required=False, help_text="Local time; now when left out.")
    reason = ChoiceField(choices=AbsenceReason.choices, required=False)


class AttendanceUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class UploadErrorSerializer(serializers.Serializer):
    line = IntegerField()
    column = CharField()
    message = CharField()


# Inline, as a serializer class cannot declare a field named `errors` (Serializer.errors is the validation result).
UploadResultSerializer = inline_serializer(
    name="UploadResult",
    fields={
        "imported": IntegerField(),
        "present": IntegerField(required=False),
        "absent": IntegerField(required=False),
        "errors": UploadErrorSerializer(
            many=True, required=False, help_text="On 400: every problem; nothing imported."
        ),
    },
)


class AttendanceFilter(TenantFilterSet):
    classroom = IntegerFilter(field_name="enrollment__classroom_id")
    program = IntegerFilter(field_name="enrollment__program_id")
    enrollment = IntegerFilter(field_name="enrollment_id")
    child = IntegerFilter(field_name="enrollment__child_id")
    since = django_filters.DateFilter(field_name="day", lookup_expr="gte")
    until = django_filters.DateFilter(field_name="day", lookup_expr="lte")

    class Meta:
        model = AttendanceRecord
        fields = ["day"]


class AttendanceViewSet(AllianceReadOnlyViewSet):
    """Daily attendance. Record with `check-in`, `check-out`, `absent`; undo with
    `clear`; import a whole CSV with `upload` (all rows or none)."""

    model = AttendanceRecord
    serializer_class = AttendanceSerializer
    filterset_class = AttendanceFilter
    allowed_roles = HUB_AND_PROVIDER
    write_roles = HUB_AND_PROVIDER

    def base_queryset(self) -> models.QuerySet:
        return AttendanceRecord.objects.select_related("enrollment").order_by("-day", "enrollment_id")

    def get_serializer_class(self) -> type[serializers.Serializer]:
        if self.action in ("check_in", "check_out", "absent"):
            return AttendanceMarkSerializer
        if self.action == "upload":
            return AttendanceUploadSerializer
        return AttendanceSerializer

    def _mark(self, request: Request, call: Any) -> Response:
        serializer = AttendanceMarkSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        record = call(serializer.validated_data)
        return Response(AttendanceSerializer(record).data, status=201)

    @extend_schema(request=AttendanceMarkSerializer, responses={201: AttendanceSerializer})
    @action(detail=False, methods=["post"], url_path="check-in")
    def check_in(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._mark(
            request,
            lambda d: services.attendance_check_in(
                actor=request.user,
                enrollment=d["enrollment"],
                day=d["day"],
                at=d.get("at") or alliance_time(self.alliance),
                source="api",
            ),
        )

    @extend_schema(request=AttendanceMarkSerializer, responses={201: AttendanceSerializer})
    @action(detail=False, methods=["post"], url_path="check-out")
    def check_out(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._mark(
            request,
            lambda d: services.attendance_check_out(
                actor=request.user,
                enrollment=d["enrollment"],
                day=d["day"],
                at=d.get("at") or alliance_time(self.alliance),
            ),
        )

    @extend_schema(request=AttendanceMarkSerializer, responses={201: AttendanceSerializer})
    @action(detail=False, methods=["post"])
    def absent(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._mark(
            request,
            lambda d: services.attendance_mark_absent(
                actor=request.user,
                enrollment=d["enrollment"],
                day=d["day"],
                reason=d.get("reason") or AbsenceReason.UNKNOWN,
            ),
        )

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def clear(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        record = self.get_object()
        services.attendance_clear(actor=request.user, record=record, reason=str(dict(request.data).get("reason", "")))
        return Response(status=204)

    @extend_schema(request={"multipart/form-data": AttendanceUploadSerializer}, responses={201: UploadResultSerializer})
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser])
    def upload(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = AttendanceUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        program_ids = None if self.membership.is_hub else [self.membership.program_id or 0]
        result = attendance_import(
            actor=request.user,
            content=upload.read(),
            filename=upload.name,
            today=alliance_today(),
            program_ids=program_ids,
        )
        if not result.ok:
            return Response(
                {
                    "imported": 0,
                    "errors": [{"line": e.line, "column": e.column, "message": e.message} for e in result.errors],
                },
                status=400,
            )
        return Response(
            {
                "imported": result.rows,
                "present": result.present,
                "absent": result.absent,
                "from": result.first_day,
                "to": result.last_day,
            },
            status=201,
        )
