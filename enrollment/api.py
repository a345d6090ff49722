"""API of enrollment data, scoped like the pages: the base viewset resolves the
alliance and narrows providers to their program; funders get 403.

Serializers check types; every write goes through enrollment.services (the
capacity and age refusals, overrides and audit events are the same as on the
pages), and a service's ValidationError comes back as 400. Nothing is deleted
through the API: enrollments end, entries are withdrawn, offers are declined.
"""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from alliance.api_base import AllianceModelViewSet, AllianceReadOnlyViewSet
from alliance.api_fields import (
    BooleanField,
    CharField,
    ChoiceField,
    DecimalField,
    HubModelSerializer,
    IntegerField,
    PrimaryKeyRelatedField,
)
from alliance.api_params import choice_param, date_param, int_param, text_param
from alliance.filters import IntegerFilter, TenantFilterSet
from alliance.schema import ReportSchema
from alliance.views_base import HUB_AND_PROVIDER, HUB_ONLY
from enrollment import services
from enrollment.imports import attendance_import
from enrollment.models import (
    AbsenceReason,
    AttendanceRecord,
    Child,
    EndReason,
    Enrollment,
    Family,
    FundingSource,
    Guardian,
    Offer,
    WaitlistEntry,
)
from enrollment.rules import DayLength
from enrollment.selectors import classroom_open_from, vacancy_report, waitlist_matches
from enrollment.services import alliance_today
from enrollment.vacancy import ClassroomVacancy, Vacancy, room_days, vacancy_of_days
from members.api import SetOnCreate, VisibleRelatedField, WeekdaysField, field_errors, through_service
from members.models import AgeGroup, Classroom, MemberProgram

NO_DELETE = ["get", "post", "put", "patch", "head", "options"]
READ_AND_POST = ["get", "post", "head", "options"]
MAX_DAYS = 366


class EnrollmentViewSetBase(AllianceModelViewSet):
    allowed_roles = HUB_AND_PROVIDER
    write_roles = HUB_AND_PROVIDER
    http_method_names = NO_DELETE

    def stored(self, serializer: serializers.BaseSerializer[Any]) -> Any:
        """The row an update changes (DRF sets it before perform_update)."""
        return serializer.instance

    def require_hub(self) -> None:
        if not self.membership.is_hub:
            raise PermissionDenied("Only Hub staff can do this.")


# --- Families, guardians, children ------------------------------------------
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


class FamilyViewSet(EnrollmentViewSetBase):
    """Households with their guardians. Providers see families with a child enrolled in
    their program; only Hub staff add a family (providers enroll through `enrollments/intake`)."""

    model = Family
    serializer_class = FamilySerializer
    filterset_class = FamilyFilter

    def base_queryset(self) -> models.QuerySet:
        return Family.objects.prefetch_related("guardians").order_by("name", "id")

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        self.require_hub()
        serializer.instance = through_service(
            lambda: services.family_create(actor=self.request.user, **serializer.validated_data)
        )

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = through_service(
            lambda: services.family_update(
                actor=self.request.user, family=self.stored(serializer), data=serializer.validated_data
            )
        )


class GuardianViewSet(EnrollmentViewSetBase):
    model = Guardian
    serializer_class = GuardianSerializer
    filterset_fields = ["family"]

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = through_service(lambda: services.guardian_create(actor=self.request.user, **data))

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = {k: v for k, v in serializer.validated_data.items() if k != "family"}
        serializer.instance = through_service(
            lambda: services.guardian_update(actor=self.request.user, guardian=self.stored(serializer), data=data)
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


class ChildViewSet(EnrollmentViewSetBase):
    """Children; a provider sees those ever enrolled in their program."""

    model = Child
    serializer_class = ChildSerializer
    filterset_fields = ["family"]

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        self.require_hub()
        data = dict(serializer.validated_data)
        serializer.instance = through_service(lambda: services.child_create(actor=self.request.user, **data))

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = {k: v for k, v in serializer.validated_data.items() if k != "family"}
        serializer.instance = through_service(
            lambda: services.child_update(actor=self.request.user, child=self.stored(serializer), data=data)
        )


# --- Enrollments ------------------------------------------------------------
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


class EnrollmentCreateSerializer(serializers.Serializer):
    child = VisibleRelatedField(Child)
    classroom = VisibleRelatedField(Classroom)
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True, default=None)
    weekdays = WeekdaysField()
    day_length = ChoiceField(choices=DayLength.CHOICES, default=DayLength.FULL)
    funding_source = ChoiceField(choices=FundingSource.choices, default=FundingSource.PRIVATE_PAY)
    rate_plan_ref = CharField(max_length=60, required=False, allow_blank=True, default="")
    override_reason = CharField(required=False, allow_blank=True, default="")


class ScheduleChangeSerializer(serializers.Serializer):
    effective_from = serializers.DateField()
    weekdays = WeekdaysField()
    day_length = ChoiceField(choices=DayLength.CHOICES)
    override_reason = CharField(required=False, allow_blank=True, default="")


class TransferSerializer(serializers.Serializer):
    classroom = VisibleRelatedField(Classroom)
    effective_from = serializers.DateField()
    weekdays = WeekdaysField(required=False)
    day_length = ChoiceField(choices=DayLength.CHOICES, required=False)
    override_reason = CharField(required=False, allow_blank=True, default="")


class EndSerializer(serializers.Serializer):
    end_date = serializers.DateField()
    reason = ChoiceField(
        choices=[(r.value, r.label) for r in (EndReason.GRADUATED, EndReason.MOVED, EndReason.COST, EndReason.OTHER)]
    )
    note = CharField(required=False, allow_blank=True, default="")


class TermsSerializer(serializers.Serializer):
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


class IntakeEnrollmentSerializer(serializers.Serializer):
    classroom = VisibleRelatedField(Classroom)
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True, default=None)
    weekdays = WeekdaysField()
    day_length = ChoiceField(choices=DayLength.CHOICES, default=DayLength.FULL)
    funding_source = ChoiceField(choices=FundingSource.choices, default=FundingSource.PRIVATE_PAY)
    rate_plan_ref = CharField(max_length=60, required=False, allow_blank=True, default="")
    override_reason = CharField(required=False, allow_blank=True, default="")


class IntakeSerializer(serializers.Serializer):
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


class EnrollmentViewSet(EnrollmentViewSetBase):
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

    def get_serializer_class(self) -> type[serializers.Serializer]:
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
        enrollment = through_service(lambda: services.enrollment_create(actor=request.user, **data))
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
        return self._answer(
            through_service(
                lambda: services.enrollment_change_schedule(actor=request.user, enrollment=enrollment, **data)
            )
        )

    @extend_schema(request=TransferSerializer, responses=EnrollmentSerializer)
    @action(detail=True, methods=["post"])
    def transfer(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        enrollment, data = self.get_object(), self._input(request)
        return self._answer(
            through_service(lambda: services.enrollment_transfer(actor=request.user, enrollment=enrollment, **data))
        )

    @extend_schema(request=EndSerializer, responses=EnrollmentSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        enrollment, data = self.get_object(), self._input(request)
        return self._answer(
            through_service(lambda: services.enrollment_end(actor=request.user, enrollment=enrollment, **data))
        )

    @extend_schema(request=TermsSerializer, responses=EnrollmentSerializer)
    @action(detail=True, methods=["post"])
    def terms(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        enrollment, data = self.get_object(), self._input(request)
        return self._answer(
            through_service(lambda: services.enrollment_update_terms(actor=request.user, enrollment=enrollment, **data))
        )


# --- Attendance -------------------------------------------------------------
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


class UploadResultSerializer(serializers.Serializer):
    imported = IntegerField()
    present = IntegerField(required=False)
    absent = IntegerField(required=False)
    errors = UploadErrorSerializer(many=True, required=False, help_text="On 400: every problem; nothing imported.")


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
        record = through_service(lambda: call(serializer.validated_data))
        return Response(AttendanceSerializer(record).data, status=201)

    def _now(self) -> datetime.time:
        from zoneinfo import ZoneInfo

        from django.utils import timezone

        return timezone.localtime(timezone=ZoneInfo(self.alliance.timezone)).time().replace(second=0, microsecond=0)

    @extend_schema(request=AttendanceMarkSerializer, responses={201: AttendanceSerializer})
    @action(detail=False, methods=["post"], url_path="check-in")
    def check_in(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._mark(
            request,
            lambda d: services.attendance_check_in(
                actor=request.user,
                enrollment=d["enrollment"],
                day=d["day"],
                at=d.get("at") or self._now(),
                source="api",
            ),
        )

    @extend_schema(request=AttendanceMarkSerializer, responses={201: AttendanceSerializer})
    @action(detail=False, methods=["post"], url_path="check-out")
    def check_out(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._mark(
            request,
            lambda d: services.attendance_check_out(
                actor=request.user, enrollment=d["enrollment"], day=d["day"], at=d.get("at") or self._now()
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
        through_service(
            lambda: services.attendance_clear(
                actor=request.user, record=record, reason=str(dict(request.data).get("reason", ""))
            )
        )
        return Response(status=204)

    @extend_schema(request={"multipart/form-data": AttendanceUploadSerializer}, responses={201: UploadResultSerializer})
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser])
    def upload(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = AttendanceUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        program_ids = None if self.membership.is_hub else [self.membership.program_id or 0]
        result = through_service(
            lambda: attendance_import(
                actor=request.user,
                content=upload.read(),
                filename=upload.name,
                today=alliance_today(),
                program_ids=program_ids,
            )
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


# --- Waitlist and offers ----------------------------------------------------
class WaitlistEntrySerializer(SetOnCreate, HubModelSerializer):
    set_on_create = ("child", "program")

    child = VisibleRelatedField(Child)
    program = VisibleRelatedField(MemberProgram, required=False, allow_null=True)
    acceptable_programs: Any = PrimaryKeyRelatedField(many=True, read_only=True)
    acceptable_program_ids = serializers.ListField(child=IntegerField(), write_only=True, required=False, default=list)
    weekdays = WeekdaysField()

    class Meta:
        model = WaitlistEntry
        fields = [
            "id",
            "child",
            "program",
            "acceptable_programs",
            "acceptable_program_ids",
            "area",
            "any_program",
            "desired_start",
            "weekdays",
            "day_length",
            "fte",
            "age_group_at_start",
            "sibling_enrolled",
            "subsidy_eligible",
            "added_on",
            "status",
            "status_note",
            "notes",
            "created_at",
        ]
        read_only_fields = ["fte", "age_group_at_start", "status", "status_note", "created_at"]
        extra_kwargs = {"added_on": {"required": False}}


class WithdrawSerializer(serializers.Serializer):
    reason = CharField()


class WaitlistFilter(TenantFilterSet):
    program = IntegerFilter(field_name="program_id")
    shared = django_filters.BooleanFilter(field_name="program", lookup_expr="isnull")
    child = IntegerFilter(field_name="child_id")

    class Meta:
        model = WaitlistEntry
        fields = ["status", "age_group_at_start"]


class WaitlistEntryViewSet(EnrollmentViewSetBase):
    """Waitlist entries: a program's (`program` set) or the shared waitlist (`program`
    null; Hub staff only). Providers' entries go on their own program's list."""

    model = WaitlistEntry
    serializer_class = WaitlistEntrySerializer
    filterset_class = WaitlistFilter

    def base_queryset(self) -> models.QuerySet:
        return WaitlistEntry.objects.prefetch_related("acceptable_programs").order_by("added_on", "id")

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return WithdrawSerializer if self.action == "withdraw" else WaitlistEntrySerializer

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        program = data.pop("program", None)
        if not self.membership.is_hub and (program is None or program.pk != self.membership.program_id):
            raise PermissionDenied("A provider adds children to their own program's waitlist.")
        child = data.pop("child")
        serializer.instance = through_service(
            lambda: services.waitlist_entry_create(actor=self.request.user, child=child, program=program, **data)
        )

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = {k: v for k, v in serializer.validated_data.items() if k not in ("child", "program")}
        serializer.instance = through_service(
            lambda: services.waitlist_entry_update(actor=self.request.user, entry=self.stored(serializer), data=data)
        )

    @extend_schema(request=WithdrawSerializer, responses=WaitlistEntrySerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        entry = self.get_object()
        serializer = WithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = through_service(
            lambda: services.waitlist_entry_withdraw(
                actor=request.user, entry=entry, reason=serializer.validated_data["reason"]
            )
        )
        return Response(WaitlistEntrySerializer(entry, context=self.get_serializer_context()).data)


class OfferSerializer(HubModelSerializer):
    weekdays = WeekdaysField(read_only=True)

    class Meta:
        model = Offer
        fields = [
            "id",
            "entry",
            "classroom",
            "program",
            "start_date",
            "weekdays",
            "day_length",
            "fte",
            "respond_by",
            "status",
            "note",
            "response_note",
            "enrollment",
            "made_at",
            "responded_at",
        ]
        read_only_fields = fields


class OfferCreateSerializer(serializers.Serializer):
    entry = VisibleRelatedField(WaitlistEntry)
    classroom = VisibleRelatedField(Classroom)
    start_date = serializers.DateField()
    respond_by = serializers.DateField(required=False, allow_null=True, default=None)
    weekdays = WeekdaysField(required=False, allow_null=True, default=None)
    day_length = ChoiceField(choices=DayLength.CHOICES, required=False, allow_null=True, default=None)
    note = CharField(required=False, allow_blank=True, default="")


class AcceptSerializer(serializers.Serializer):
    funding_source = ChoiceField(choices=FundingSource.choices, default=FundingSource.PRIVATE_PAY)
    rate_plan_ref = CharField(max_length=60, required=False, allow_blank=True, default="")
    override_reason = CharField(required=False, allow_blank=True, default="")


class DeclineSerializer(serializers.Serializer):
    note = CharField(required=False, allow_blank=True, default="")
    keep_waiting = BooleanField(default=True)


class OfferWithdrawSerializer(serializers.Serializer):
    note = CharField()


class OfferViewSet(EnrollmentViewSetBase):
    """Offers of places. Hub staff make and withdraw them; the family's answer
    (`accept`, which enrolls the child, or `decline`) may be recorded by the Hub
    or the program."""

    model = Offer
    serializer_class = OfferSerializer
    filterset_fields = ["status", "classroom", "entry"]
    http_method_names = READ_AND_POST

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return {
            "create": OfferCreateSerializer,
            "accept": AcceptSerializer,
            "decline": DeclineSerializer,
            "withdraw": OfferWithdrawSerializer,
        }.get(self.action, OfferSerializer)

    def _input(self, request: Request) -> dict[str, Any]:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(request=OfferCreateSerializer, responses={201: OfferSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.require_hub()
        data = self._input(request)
        offer = through_service(lambda: services.offer_create(actor=request.user, **data))
        return Response(OfferSerializer(offer).data, status=201)

    @extend_schema(request=AcceptSerializer, responses=OfferSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        offer, data = self.get_object(), self._input(request)
        through_service(lambda: services.offer_accept(actor=request.user, offer=offer, **data))
        offer.refresh_from_db()
        return Response(OfferSerializer(offer).data)

    @extend_schema(request=DeclineSerializer, responses=OfferSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        offer, data = self.get_object(), self._input(request)
        offer = through_service(lambda: services.offer_decline(actor=request.user, offer=offer, **data))
        return Response(OfferSerializer(offer).data)

    @extend_schema(request=OfferWithdrawSerializer, responses=OfferSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.require_hub()
        offer, data = self.get_object(), self._input(request)
        offer = through_service(lambda: services.offer_withdraw(actor=request.user, offer=offer, **data))
        return Response(OfferSerializer(offer).data)


# --- Vacancy ----------------------------------------------------------------
class VacancyFiguresSerializer(serializers.Serializer):
    """Figures over the range (FTE and open places as decimal strings)."""

    capacity_now = IntegerField(help_text="Licensed places on the first operating day.")
    desired_now = IntegerField()
    enrolled_fte_now = DecimalField(max_digits=8, decimal_places=2)
    children_now = IntegerField()
    open_now = DecimalField(max_digits=8, decimal_places=2)
    occupancy_now = DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    capacity_avg = DecimalField(max_digits=8, decimal_places=2)
    enrolled_fte_avg = DecimalField(max_digits=8, decimal_places=2)
    open_avg = DecimalField(max_digits=8, decimal_places=1)
    open_min = DecimalField(max_digits=8, decimal_places=2, help_text="Open on every day.")
    open_max = DecimalField(max_digits=8, decimal_places=2)
    occupancy = DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    occupancy_of_desired = DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    operating_days = IntegerField()


class VacancyClassroomSerializer(VacancyFiguresSerializer):
    classroom = IntegerField()
    name = CharField()
    program = IntegerField()
    program_name = CharField()
    age_group = CharField()
    area = CharField()


class VacancyProgramSerializer(VacancyFiguresSerializer):
    program = IntegerField()
    name = CharField()


class VacancyGroupSerializer(VacancyFiguresSerializer):
    age_group = CharField()
    area = CharField()


class VacancyReportSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    alliance = VacancyFiguresSerializer()
    programs = VacancyProgramSerializer(many=True)
    age_groups_and_areas = VacancyGroupSerializer(many=True)
    classrooms = VacancyClassroomSerializer(many=True)


class VacancyDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    licensed = IntegerField()
    desired = IntegerField(allow_null=True)
    enrolled_fte = DecimalField(max_digits=8, decimal_places=2)
    children = IntegerField()
    open = DecimalField(max_digits=8, decimal_places=2)


class VacancyClassroomDaysSerializer(VacancyClassroomSerializer):
    start = serializers.DateField()
    end = serializers.DateField()
    days = VacancyDaySerializer(many=True)


class MatchSerializer(serializers.Serializer):
    rank = IntegerField()
    entry = IntegerField()
    child = IntegerField()
    child_name = CharField()
    choice = CharField()
    priority = IntegerField()
    age_group = CharField()
    age_months = IntegerField()
    waited_days = IntegerField()
    fte = DecimalField(max_digits=3, decimal_places=2)
    added_on = serializers.DateField()


class MatchesSerializer(serializers.Serializer):
    classroom = IntegerField()
    start = serializers.DateField()
    open_fte = DecimalField(max_digits=8, decimal_places=2)
    matches = MatchSerializer(many=True)


def _figures(v: Vacancy) -> dict[str, Any]:
    return {
        "capacity_now": v.capacity_now,
        "desired_now": v.target_now,
        "enrolled_fte_now": str(v.enrolled_now),
        "children_now": v.children_now,
        "open_now": str(v.open_now),
        "occupancy_now": None if v.occupancy_now is None else str(v.occupancy_now),
        "capacity_avg": str(v.capacity_avg),
        "enrolled_fte_avg": str(v.enrolled_avg),
        "open_avg": str(v.open_avg),
        "open_min": str(v.open_min),
        "open_max": str(v.open_max),
        "occupancy": None if v.occupancy is None else str(v.occupancy),
        "occupancy_of_desired": None if v.occupancy_of_desired is None else str(v.occupancy_of_desired),
        "operating_days": v.days,
    }


def _classroom_row(c: ClassroomVacancy) -> dict[str, Any]:
    return {
        "classroom": c.classroom.pk,
        "name": c.classroom.name,
        "program": c.program.pk,
        "program_name": c.program.name,
        "age_group": c.classroom.age_group,
        "area": c.area,
        **_figures(c.figures),
    }


START_PARAM = OpenApiParameter("start", datetime.date, description="First day (default today).")
RANGE_PARAMS = [START_PARAM, OpenApiParameter("days", int, description=f"How many days, 1 to {MAX_DAYS} (default 90).")]


class VacancyViewSet(AllianceReadOnlyViewSet):
    """Vacancy over a date range (`start`, default today; `days`, default 90), by
    classroom, program, age group and area, and for the alliance; the same figures
    as the vacancy board. `vacancies/<classroom>/` gives the daily rows;
    `vacancies/<classroom>/matches/?start=` ranks waiting children (Hub staff)."""

    model = Classroom
    allowed_roles = HUB_AND_PROVIDER
    serializer_class = VacancyReportSerializer
    pagination_class = None
    filter_backends: list[Any] = []
    schema = ReportSchema()

    def _range(self, request: Request) -> tuple[datetime.date, datetime.date]:
        start = date_param(request, "start", alliance_today())
        days = int_param(request, "days", 90, minimum=1, maximum=MAX_DAYS)
        try:
            return start, start + datetime.timedelta(days=days - 1)
        except OverflowError:
            raise DRFValidationError({"start": ["A date before the year 9999."]}) from None

    @extend_schema(
        responses=VacancyReportSerializer,
        parameters=[
            *RANGE_PARAMS,
            OpenApiParameter("program", int, description="One program (Hub staff; a provider sees their own)."),
            OpenApiParameter("age_group", str, enum=AgeGroup.values),
            OpenApiParameter("area", str, description="Programs' city or area."),
        ],
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        start, end = self._range(request)
        program_ids = None if self.membership.is_hub else [self.membership.program_id or 0]
        program = int_param(request, "program", None)
        if self.membership.is_hub and program is not None:
            program_ids = [program]
        report = vacancy_report(
            start=start,
            end=end,
            program_ids=program_ids,
            age_group=choice_param(request, "age_group", AgeGroup.values),
            area=text_param(request, "area"),
        )
        return Response(
            {
                "start": start,
                "end": end,
                "alliance": _figures(report.total),
                "programs": [
                    {"program": p.program.pk, "name": p.program.name, **_figures(p.figures)} for p in report.programs
                ],
                "age_groups_and_areas": [
                    {"age_group": g.age_group, "area": g.area, **_figures(g.figures)} for g in report.groups
                ],
                "classrooms": [_classroom_row(c) for c in report.classrooms],
            }
        )

    @extend_schema(responses=VacancyClassroomDaysSerializer, parameters=RANGE_PARAMS)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        classroom = self.get_object()
        start, end = self._range(request)
        days = room_days(classroom_ids=[classroom.pk], start=start, end=end)
        room = ClassroomVacancy(classroom=classroom, figures=vacancy_of_days(days), days=days)
        return Response(
            {
                **_classroom_row(room),
                "start": start,
                "end": end,
                "days": [
                    {
                        "day": d.day,
                        "licensed": d.licensed,
                        "desired": d.desired,
                        "enrolled_fte": str(d.enrolled_fte),
                        "children": d.children,
                        "open": str(d.open_slots),
                    }
                    for d in days
                ],
            }
        )

    @extend_schema(responses=MatchesSerializer, parameters=[START_PARAM])
    @action(detail=True, methods=["get"])
    def matches(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if self.membership.role not in HUB_ONLY:
            raise PermissionDenied("Matching is the Hub's work.")
        classroom = self.get_object()
        start = max(date_param(request, "start", alliance_today()), alliance_today())
        open_fte = classroom_open_from(classroom, start)
        matches = waitlist_matches(classroom=classroom, start_date=start, open_fte=open_fte) if open_fte > 0 else []
        return Response(
            {
                "classroom": classroom.pk,
                "start": start,
                "open_fte": str(open_fte),
                "matches": [
                    {
                        "rank": i,
                        "entry": m.entry.pk,
                        "child": m.entry.child_id,
                        "child_name": m.entry.child.full_name,
                        "choice": m.choice_label,
                        "priority": m.priority,
                        "age_group": m.age_group,
                        "age_months": m.age_months,
                        "waited_days": m.waited_days,
                        "fte": str(m.entry.fte),
                        "added_on": m.entry.added_on,
                    }
                    for i, m in enumerate(matches, start=1)
                ],
            }
        )

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().select_related("site__program")
