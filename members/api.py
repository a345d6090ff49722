"""API of member data, scoped exactly like the pages: the base viewset resolves
the alliance and narrows providers to their program; funders get 403.

Serializers validate types; writes go through members.services, whose
ValidationErrors come back as 400 with field errors. Nothing is deleted
through the API (programs leave, staff end, agreements end), so no endpoint
accepts DELETE.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, TypeVar

import django_filters
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from alliance.access import visible_to
from alliance.api_base import AllianceModelViewSet
from alliance.api_fields import (
    BooleanField,
    CharField,
    ChoiceField,
    DecimalField,
    HubModelSerializer,
    IntegerField,
    PrimaryKeyRelatedField,
)
from alliance.api_params import date_param, int_param
from alliance.filters import IntegerFilter
from alliance.views_base import ADMIN_ONLY, HUB_AND_PROVIDER, HUB_ONLY
from members import services
from members.models import (
    Classroom,
    ClassroomCapacity,
    CostCategory,
    Credential,
    HubService,
    LicensingInspection,
    MemberProgram,
    MonthlyCost,
    ProgramStatus,
    ServiceSubscription,
    Site,
    StaffMember,
)
from members.pages import AGREEMENT_EDITORS, OPERATIONS_EDITORS, PROFILE_EDITORS
from members.selectors import (
    classrooms_with_capacity_on,
    credentials_expiring,
    months_back,
    program_monthly_costs,
    subscription_monthly_fee,
)

T = TypeVar("T")
NO_DELETE = ["get", "post", "put", "patch", "head", "options"]


def through_service(call: Callable[[], T]) -> T:
    """Run a service; its ValidationError becomes a 400 with field errors."""
    try:
        return call()
    except DjangoValidationError as exc:
        raise DRFValidationError(field_errors(exc)) from None


def field_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    """A service's ValidationError as the API's field errors (`__all__` is `non_field_errors`)."""
    if not hasattr(exc, "error_dict"):
        return {"non_field_errors": exc.messages}
    return {
        ("non_field_errors" if key == NON_FIELD_ERRORS else key): messages for key, messages in exc.message_dict.items()
    }


class VisibleRelatedField(PrimaryKeyRelatedField):
    """A reference to a row the caller may see: another program's id is 'does not exist'."""

    def __init__(self, model: type[models.Model], **kwargs: Any) -> None:
        self.model = model
        if not kwargs.get("read_only"):
            # Never queried (get_queryset narrows per request); it tells the schema
            # generator which model the id belongs to.
            kwargs.setdefault("queryset", model.objects.none())  # type: ignore[attr-defined]
        super().__init__(**kwargs)

    def get_queryset(self) -> models.QuerySet:
        view = self.context["view"]
        return visible_to(view.membership, self.model.objects.all())  # type: ignore[attr-defined]


class SetOnCreate:
    """Fields saying whose a row is (its program, staff member, family…) are set once, on create.
    An update may repeat them unchanged (a PUT of the whole row); another value is a field error,
    not quietly ignored: the schema documents them as input, and the API holds to it."""

    set_on_create: tuple[str, ...] = ()
    instance: Any

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)  # type: ignore[misc]
        if self.instance is not None:
            for name in self.set_on_create:
                if name in attrs and attrs.pop(name) != getattr(self.instance, name):
                    raise DRFValidationError({name: ["Set when the record was added; it cannot change."]})
        return attrs


class MembersViewSet(AllianceModelViewSet):
    http_method_names = NO_DELETE

    def actor(self) -> Any:
        return self.request.user

    def stored(self, serializer: serializers.BaseSerializer[Any]) -> Any:
        """The row an update changes (DRF sets it before perform_update)."""
        return serializer.instance

    def require(self, roles: frozenset[str]) -> None:
        if self.membership.role not in roles:
            raise PermissionDenied("Your role in this alliance does not allow this.")


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


class ProgramStatusSerializer(serializers.Serializer):
    status = ChoiceField(choices=ProgramStatus.choices)
    effective_on = serializers.DateField()
    reason = CharField(required=False, allow_blank=True, default="")


class MonthTotalsSerializer(serializers.Serializer):
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

    def get_serializer_class(self) -> type[serializers.Serializer]:
        if self.action == "create":
            return MemberProgramCreateSerializer
        if self.action == "set_status":
            return ProgramStatusSerializer
        return MemberProgramSerializer

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        self.require(AGREEMENT_EDITORS)
        data = dict(serializer.validated_data)
        serializer.instance = through_service(
            lambda: services.program_create(
                actor=self.actor(), name=data.pop("name"), kind=data.pop("kind"), status=data.pop("status"), **data
            )
        )

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = through_service(
            lambda: services.program_update(
                actor=self.actor(), program=self.stored(serializer), data=serializer.validated_data
            )
        )

    @extend_schema(request=ProgramStatusSerializer, responses=MemberProgramSerializer)
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change the membership status (hub administrator only)."""
        self.require(AGREEMENT_EDITORS)
        program = self.get_object()
        serializer = ProgramStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        program = through_service(
            lambda: services.program_status_change(actor=self.actor(), program=program, **serializer.validated_data)
        )
        return Response(MemberProgramSerializer(program).data)

    @extend_schema(
        responses=MonthTotalsSerializer(many=True),
        parameters=[OpenApiParameter("months", int, description="How many months back, 1 to 60 (default 12).")],
    )
    @action(detail=True, methods=["get"], url_path="monthly-costs", filter_backends=[], pagination_class=None)
    def monthly_costs(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Operating costs month by month (default: the last 12), with personnel
        from the roster where none was entered."""
        program = self.get_object()
        count = int_param(request, "months", 12, minimum=1, maximum=60)
        rows = program_monthly_costs(program, months_back(count))
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


# --- Sites, classrooms, capacity --------------------------------------------
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


class ProgramScopedFilter(django_filters.FilterSet):
    """Filter by program id without validating it against the alliance's programs."""

    program = IntegerFilter(field_name="program_id")


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
        serializer.instance = through_service(
            lambda: services.site_create(actor=self.actor(), **serializer.validated_data)
        )

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = {k: v for k, v in serializer.validated_data.items() if k != "program"}
        serializer.instance = through_service(
            lambda: services.site_update(actor=self.actor(), site=self.stored(serializer), data=data)
        )


class WeekdaysField(serializers.ListField):
    child = IntegerField(min_value=0, max_value=6)

    def to_representation(self, data: list[int]) -> list[int]:
        return sorted(data)


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
    effective_from = serializers.DateField(write_only=True, required=False)

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
            Classroom.objects.select_related("site"), date_param(self.request, "on", timezone.localdate())
        ).order_by("site__name", "name")

    def _with_capacity(self, classroom: Classroom) -> Classroom:
        return self.base_queryset().get(pk=classroom.pk)

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        classroom = through_service(
            lambda: services.classroom_create(
                actor=self.actor(),
                site=data.pop("site"),
                licensed_capacity=data.pop("initial_licensed_capacity"),
                desired_capacity=data.pop("initial_desired_capacity", None),
                **data,
            )
        )
        serializer.instance = self._with_capacity(classroom)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        classroom = through_service(
            lambda: services.classroom_update(
                actor=self.actor(), classroom=self.stored(serializer), data=serializer.validated_data
            )
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
        serializer.instance = through_service(
            lambda: services.classroom_capacity_set(actor=self.actor(), **serializer.validated_data)
        )


# --- Staff ------------------------------------------------------------------
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
        serializer.instance = through_service(
            lambda: services.staff_create(actor=self.actor(), **serializer.validated_data)
        )

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = {k: v for k, v in serializer.validated_data.items() if k != "program"}
        serializer.instance = through_service(
            lambda: services.staff_update(actor=self.actor(), staff=self.stored(serializer), data=data)
        )


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
        serializer.instance = through_service(
            lambda: services.credential_create(actor=self.actor(), **serializer.validated_data)
        )

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = {k: v for k, v in serializer.validated_data.items() if k != "staff"}
        serializer.instance = through_service(
            lambda: services.credential_update(actor=self.actor(), credential=self.stored(serializer), data=data)
        )


# --- Costs ------------------------------------------------------------------
class MonthlyCostSerializer(SetOnCreate, HubModelSerializer):
    set_on_create = ("program", "month", "category")
    month = serializers.DateField(help_text="Any day of the month; stored as its first day.")

    class Meta:
        model = MonthlyCost
        fields = ["id", "program", "month", "category", "amount", "note"]
        validators: list[Any] = []

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["program"] = VisibleRelatedField(MemberProgram)
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "month" in attrs:
            attrs["month"] = attrs["month"].replace(day=1)
        attrs = super().validate(attrs)
        if self.instance is None:
            month = attrs["month"].replace(day=1)
            if MonthlyCost.objects.filter(program=attrs["program"], month=month, category=attrs["category"]).exists():
                raise DRFValidationError(
                    {"category": [f"{attrs['category']} for {month:%Y-%m} is already recorded; change it with PATCH."]}
                )
        return attrs


class MonthlyCostFilter(ProgramScopedFilter):
    month_from = django_filters.DateFilter(field_name="month", lookup_expr="gte")
    month_to = django_filters.DateFilter(field_name="month", lookup_expr="lte")

    class Meta:
        model = MonthlyCost
        fields = ["category"]


class MonthlyCostViewSet(MembersViewSet):
    """Entered monthly costs, one row per program, month and category. For monthly
    totals with the roster's personnel cost, see programs/{id}/monthly-costs/."""

    model = MonthlyCost
    serializer_class = MonthlyCostSerializer
    allowed_roles = HUB_AND_PROVIDER
    write_roles = OPERATIONS_EDITORS
    filterset_class = MonthlyCostFilter

    def _set(
        self, program: MemberProgram, month: datetime.date, category: str, amount: Any, note: str | None
    ) -> MonthlyCost:
        try:
            rows = services.monthly_costs_set(
                actor=self.actor(),
                program=program,
                month=month,
                amounts={category: amount},
                notes={category: note} if note is not None else None,
            )
        except DjangoValidationError as exc:
            # The service names a month sheet's errors by category; here it is `amount`.
            raise DRFValidationError(
                {("amount" if key == category else key): messages for key, messages in exc.message_dict.items()}
            ) from None
        return rows[0]

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = serializer.validated_data
        serializer.instance = self._set(
            data["program"], data["month"], data["category"], data["amount"], data.get("note")
        )

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        row = self.stored(serializer)
        data = serializer.validated_data
        serializer.instance = self._set(
            row.program, row.month, row.category, data.get("amount", row.amount), data.get("note")
        )


# --- Hub services and fee agreements -----------------------------------------
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
        serializer.instance = through_service(
            lambda: services.hub_service_create(actor=self.actor(), **serializer.validated_data)
        )

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = through_service(
            lambda: services.hub_service_update(
                actor=self.actor(), service=self.stored(serializer), data=serializer.validated_data
            )
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
        serializer.instance = through_service(
            lambda: services.subscription_create(actor=self.actor(), **serializer.validated_data)
        )

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = through_service(
            lambda: services.subscription_update(
                actor=self.actor(), subscription=self.stored(serializer), data=serializer.validated_data
            )
        )


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
        serializer.instance = through_service(
            lambda: services.inspection_create(actor=self.actor(), **serializer.validated_data)
        )

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = {k: v for k, v in serializer.validated_data.items() if k != "program"}
        serializer.instance = through_service(
            lambda: services.inspection_update(actor=self.actor(), inspection=self.stored(serializer), data=data)
        )
