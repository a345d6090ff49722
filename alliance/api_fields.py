"""Strict JSON input for the API: a value of the wrong JSON type is a field error.

DRF coerces by default: 5 becomes "5", 1 and "yes" become True, 12 becomes Decimal("12"), "3"
becomes the row with id 3. The OpenAPI schema promises strings, booleans, integers and money as
decimal strings, and the API holds clients to it: money never travels as a JSON number (which may
already have lost its cents), and a script sending the wrong type learns it at once instead of
storing "5". The API takes JSON only (REST_FRAMEWORK's parsers), so no form text needs parsing.

API serializers build on `HubModelSerializer` and declare their fields from this module.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from django.db import models
from rest_framework import serializers
from rest_framework.exceptions import ValidationError as DRFValidationError

from alliance.access import visible_to
from alliance.api_base import StrictInput
from alliance.dates import BUSINESS_DATE, DateKind, DateOutOfRange, date_kind_for

__all__ = [
    "BooleanField",
    "CharField",
    "ChoiceField",
    "DateField",
    "DecimalField",
    "EmailField",
    "HubModelSerializer",
    "IntegerField",
    "MoneyField",
    "PrimaryKeyRelatedField",
    "RatioField",
]


def _is_int(data: Any) -> bool:
    return isinstance(data, int) and not isinstance(data, bool)


class CharField(serializers.CharField):
    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class EmailField(serializers.EmailField):
    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class IntegerField(serializers.IntegerField):
    def to_internal_value(self, data: Any) -> int:
        if not _is_int(data):
            self.fail("invalid")
        return super().to_internal_value(data)


class DateField(serializers.DateField):  # noqa: TID251 - the one bounded date field wraps DRF's
    """A date as YYYY-MM-DD within the plausible range of its kind (alliance.dates: business dates
    by default, birth dates, payment dates, record dates such as a hire): year 1 or 9999 is a field
    error, not a row that breaks every report after it."""

    def __init__(self, *, kind: DateKind = BUSINESS_DATE, **kwargs: Any) -> None:
        self.kind = kind
        super().__init__(**kwargs)

    def to_internal_value(self, value: Any) -> Any:
        if not isinstance(value, str):
            self.fail("invalid", format="YYYY-MM-DD")
        parsed = super().to_internal_value(value)
        try:
            return self.kind.check(parsed)
        except DateOutOfRange as exc:
            raise DRFValidationError(str(exc)) from exc


class DecimalField(serializers.DecimalField):
    default_error_messages = {"not_a_string": 'A decimal number as a string, e.g. "12.50".'}

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class MoneyField(DecimalField):
    """Money as a decimal string with two places; 14 digits hold any sum of an alliance's ledger."""

    def __init__(self, *, max_digits: int = 14, decimal_places: int = 2, **kwargs: Any) -> None:
        super().__init__(max_digits=max_digits, decimal_places=decimal_places, **kwargs)


class RatioField(DecimalField):
    """A ratio (0.85 = 85%) as a decimal string with four places; 7 digits leave room above 1."""

    def __init__(self, *, max_digits: int = 7, decimal_places: int = 4, **kwargs: Any) -> None:
        super().__init__(max_digits=max_digits, decimal_places=decimal_places, **kwargs)


class BooleanField(serializers.BooleanField):
    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class ChoiceField(serializers.ChoiceField):
    """One of the choices, of the choices' own type ("3" is not the choice 3)."""

    def to_internal_value(self, data: Any) -> Any:
        if data == "" and self.allow_blank:
            return ""
        if not any(type(data) is type(choice) for choice in self.choices):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class PrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    def run_validation(self, data: Any = serializers.empty) -> Any:
        if data == "":  # DRF reads "" as null for relations; the schema says an id or null
            self.fail("incorrect_type", data_type="str")
        return super().run_validation(data)

    def to_internal_value(self, data: Any) -> Any:
        if not _is_int(data):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


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


class WeekdaysField(serializers.ListField):
    child = IntegerField(min_value=0, max_value=6)

    def to_representation(self, data: list[int]) -> list[int]:
        return sorted(data)


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


class HubSerializer(StrictInput, serializers.Serializer):
    """The base of the API's plain (input and report) serializers: unknown and read-only fields
    in a body are refused (alliance.api_base.StrictInput)."""


class HubModelSerializer(StrictInput, serializers.ModelSerializer):
    """A ModelSerializer whose generated fields take only their own JSON type, whose dates are
    bounded by their kind, and which refuses fields it does not take (StrictInput)."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: CharField,
        models.TextField: CharField,
        models.EmailField: EmailField,
        models.IntegerField: IntegerField,
        models.SmallIntegerField: IntegerField,
        models.BigIntegerField: IntegerField,
        models.PositiveIntegerField: IntegerField,
        models.PositiveSmallIntegerField: IntegerField,
        models.PositiveBigIntegerField: IntegerField,
        models.DecimalField: DecimalField,
        models.BooleanField: BooleanField,
        models.DateField: DateField,
    }
    serializer_related_field = PrimaryKeyRelatedField
    serializer_choice_field = ChoiceField

    def build_standard_field(self, field_name: str, model_field: models.Field) -> tuple[type, dict[str, Any]]:
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if field_class is DateField:
            kwargs["kind"] = date_kind_for(field_name)
        return field_class, kwargs

    def include_extra_kwargs(
        self, kwargs: MutableMapping[str, Any], extra_kwargs: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        """A read-only field still answers "" where the model allows blank (an enrollment's
        `end_reason` while it runs), so the schema must say so: DRF drops `allow_blank` there."""
        allow_blank = kwargs.get("allow_blank", False)
        kwargs = super().include_extra_kwargs(kwargs, extra_kwargs)
        if allow_blank and kwargs.get("read_only"):
            kwargs["allow_blank"] = True
        return kwargs
