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
from alliance.api_fields import (
    CharField,
    ChoiceField,
    DateField,
    HubModelSerializer,
    HubSerializer,
    IntegerField,
    VisibleRelatedField,
)
from alliance.api_rows import RowsListMixin
from alliance.dates import alliance_time, alliance_today
from alliance.filters import IntegerFilter, TenantFilterSet
from alliance.views_base import HUB_AND_PROVIDER
from enrollment import services
from enrollment.imports import attendance_import
from enrollment.models import AbsenceReason, AttendanceRecord, Enrollment, attendance_state
from members.models import Classroom


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

    finish_fields = ("state",)
    finish_columns = ("absence_reason", "check_out")

    @staticmethod
    def finish_rows(rows: list[dict[str, Any]], answer: list[dict[str, Any]], context: dict[str, Any]) -> None:
        for row, out in zip(rows, answer, strict=True):
            out["state"] = attendance_state(row["absence_reason"], row["check_out"])


class MarkedEnrollmentField(VisibleRelatedField):
    """The enrollment a day is marked for, read with the child and room the day's checks name
    (check_attendance_day): one query where there were three."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().select_related("child", "classroom")


class AttendanceMarkSerializer(HubSerializer):
    enrollment = MarkedEnrollmentField(Enrollment)
    day = DateField()
    at = serializers.TimeField(required=False, help_text="Local time; now when left out.")
    reason = ChoiceField(choices=AbsenceReason.choices, required=False)


class BulkExceptionSerializer(HubSerializer):
    enrollment = IntegerField(help_text="An enrollment of the classroom on the day.")
    kind = ChoiceField(
        choices=[("skip", "Leave open"), ("absent", "Absent"), ("at", "A different time")],
        help_text="skip: not here yet (in) or staying on (out); absent: check-in only, with `reason`; at: with `at`.",
    )
    reason = ChoiceField(choices=AbsenceReason.choices, required=False)
    at = serializers.TimeField(required=False, help_text="Local time, with kind `at`.")


class BulkAttendanceSerializer(HubSerializer):
    classroom = VisibleRelatedField(Classroom)
    day = DateField()
    at = serializers.TimeField(
        required=False, help_text="Local time for everyone; now on today, the room's opening (closing) time before."
    )
    exceptions = BulkExceptionSerializer(many=True, required=False, max_length=500)  # type: ignore[call-arg]


class BulkResultSerializer(HubSerializer):
    done = serializers.ListField(child=CharField(), help_text="Children checked in (or out) by this call.")
    absent = serializers.ListField(child=CharField())
    left_open = serializers.ListField(child=CharField())
    already_recorded = serializers.ListField(child=CharField(), help_text="Recorded before this call; unchanged.")


class AttendanceCorrectSerializer(HubSerializer):
    check_in = serializers.TimeField()
    check_out = serializers.TimeField(required=False, allow_null=True)
    reason = CharField(max_length=200, help_text="Why the times change; kept in the audit log.")


class AttendanceUploadSerializer(HubSerializer):
    file = serializers.FileField()


class UploadErrorSerializer(HubSerializer):
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


class AttendanceViewSet(RowsListMixin, AllianceReadOnlyViewSet):
    """Daily attendance. Record with `check-in`, `check-out`, `absent`; undo with
    `clear`; import a whole CSV with `upload` (all rows or none)."""

    model = AttendanceRecord
    serializer_class = AttendanceSerializer
    filterset_class = AttendanceFilter
    allowed_roles = HUB_AND_PROVIDER
    write_roles = HUB_AND_PROVIDER

    def base_queryset(self) -> models.QuerySet:
        return AttendanceRecord.objects.select_related("enrollment").order_by("-day", "enrollment_id")

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action in ("check_in", "check_out", "absent"):
            return AttendanceMarkSerializer
        if self.action in ("bulk_check_in", "bulk_check_out"):
            return BulkAttendanceSerializer
        if self.action == "correct":
            return AttendanceCorrectSerializer
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

    def _bulk(self, request: Request, direction: str) -> Response:
        serializer = BulkAttendanceSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        room, day = data["classroom"], data["day"]
        today = alliance_today(self.alliance)
        default = room.opens_at if direction == "in" else room.closes_at
        at = data.get("at") or (alliance_time(self.alliance) if day == today else default)
        exceptions = {
            item["enrollment"]: services.ChildException(item["kind"], reason=item.get("reason", ""), at=item.get("at"))
            for item in data.get("exceptions", [])
        }
        call = services.attendance_bulk_check_in if direction == "in" else services.attendance_bulk_check_out
        result = call(actor=request.user, classroom=room, day=day, at=at, exceptions=exceptions)
        return Response(
            {
                "done": result.done,
                "absent": result.absent,
                "left_open": result.skipped,
                "already_recorded": result.unchanged,
            }
        )

    @extend_schema(request=BulkAttendanceSerializer, responses={200: BulkResultSerializer})
    @action(detail=False, methods=["post"], url_path="bulk-check-in")
    def bulk_check_in(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Everyone scheduled in the room that day without a record, at once; idempotent."""
        return self._bulk(request, "in")

    @extend_schema(request=BulkAttendanceSerializer, responses={200: BulkResultSerializer})
    @action(detail=False, methods=["post"], url_path="bulk-check-out")
    def bulk_check_out(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Everyone still checked in, at once; idempotent."""
        return self._bulk(request, "out")

    @extend_schema(request=AttendanceCorrectSerializer, responses={200: AttendanceSerializer})
    @action(detail=True, methods=["post"])
    def correct(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Correct a day's times, with the reason (audited: who, before and after)."""
        record = self.get_object()
        serializer = AttendanceCorrectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        record = services.attendance_times_correct(
            actor=request.user,
            record=record,
            check_in=data["check_in"],
            check_out=data.get("check_out"),
            reason=data["reason"],
        )
        return Response(AttendanceSerializer(record).data)

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
