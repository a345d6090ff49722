"""Entered monthly costs through the API, as members/views_costs.py has them."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.exceptions import ValidationError as DRFValidationError

from alliance.api_fields import DateField, HubModelSerializer, SetOnCreate, VisibleRelatedField
from alliance.dates import BUSINESS_MONTH
from alliance.views_base import HUB_AND_PROVIDER
from members import services
from members.api import MembersViewSet, ProgramScopedFilter
from members.models import MemberProgram, MonthlyCost
from members.pages import OPERATIONS_EDITORS


class MonthlyCostSerializer(SetOnCreate, HubModelSerializer):
    set_on_create = ("program", "month", "category")
    month = DateField(kind=BUSINESS_MONTH, help_text="Any day of the month; stored as its first day.")

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
