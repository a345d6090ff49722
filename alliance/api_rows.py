"""API lists read as `.values()` rows, giving the same JSON as the serializer.

A list of fifty rows through a ModelSerializer builds fifty model instances and, per row and
field, walks DRF's get_attribute / to_representation machinery; a nested list adds Django's
per-instance prefetch querysets. That was most of the CPU of the API's list endpoints (issue 21).
Here the serializer's own fields are read once per serializer class into a plan: which column each
field comes from and how its value becomes JSON. Plain text, numbers, booleans, choices and ids are
taken as they come from the database (DRF's representation of them is the value itself); every
other field (dates, times, decimals, arrays) still goes through the field's own `to_representation`,
so formats, time zones and decimal places stay DRF's. A field the plan cannot read from one column
(a SerializerMethodField, a property) the serializer names in `finish_fields` and fills in its
`finish_rows(rows, answer, context)`, reading the `finish_columns` it asks for; a field that is
neither stops the list with ImproperlyConfigured rather than answering null.

The serializer class stays the API's declaration: the schema and the detail and write answers
still come from it; `tests/enrollment/test_api_rows.py` holds the lists equal to its output.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from django.core.exceptions import ImproperlyConfigured, ObjectDoesNotExist
from django.db import models
from rest_framework import relations, serializers
from rest_framework.fields import SkipField
from rest_framework.request import Request
from rest_framework.response import Response

from alliance.api_fields import HubModelSerializer

# Fields whose representation of a value read from the database is that value.
_AS_STORED = (
    serializers.CharField,  # str(value): the column is text already (EmailField is one)
    serializers.IntegerField,
    serializers.BooleanField,
    serializers.ChoiceField,  # the choice whose text is the value: the value itself
    relations.PrimaryKeyRelatedField,  # the related row's id, which is the column
)

Convert = Callable[[Any], Any] | None


@cache
def row_plan(serializer_class: type[HubModelSerializer]) -> tuple[tuple[str, str | None, Convert], ...]:
    """(field name, column or None when `finish_rows` fills it, conversion or None) in field order.

    Kept per process: the fields are built without a request, and what a field's conversion
    depends on at call time (the current time zone of a datetime) it reads when called."""
    model = serializer_class.Meta.model
    finished = getattr(serializer_class, "finish_fields", ())
    plan: list[tuple[str, str | None, Convert]] = []
    for field in serializer_class()._readable_fields:
        column = _column(model, field)
        name = str(field.field_name)
        if name in finished:
            plan.append((name, None, None))
        elif column is None:
            raise ImproperlyConfigured(
                f"{serializer_class.__name__}.{field.field_name} is not one column: list it in finish_fields"
            )
        elif isinstance(field, _AS_STORED) and not isinstance(field, serializers.DecimalField):
            plan.append((name, column, None))
        else:
            plan.append((name, column, field.to_representation))
    return tuple(plan)


def _column(model: type[models.Model], field: serializers.Field) -> str | None:
    """The `.values()` name of the column a field reads, or None when it is not one column."""
    if isinstance(field, serializers.SerializerMethodField) or field.source == "*":
        return None
    path = list(field.source_attrs)
    current: type[models.Model] = model
    for i, name in enumerate(path):
        try:
            model_field = current._meta.get_field(name)
        except Exception:  # noqa: BLE001 - a property or method: not a column
            return None
        if model_field.is_relation and (model_field.many_to_many or model_field.one_to_many):
            return None
        if model_field.is_relation and name == getattr(model_field, "attname", name) != model_field.name:
            return "__".join(path)  # `child_id`: the id column itself
        if model_field.is_relation and i < len(path) - 1:
            current = model_field.related_model  # type: ignore[assignment]
            continue
        if model_field.is_relation and not isinstance(field, relations.PrimaryKeyRelatedField):
            return None
    return "__".join(path)


def row_columns(serializer_class: type[HubModelSerializer]) -> list[str]:
    """The columns to read for the plan, and those `finish_rows` asks for."""
    columns = [column for _, column, _ in row_plan(serializer_class) if column is not None]
    extra = getattr(serializer_class, "finish_columns", ())
    return list(dict.fromkeys([*columns, *extra]))


def represent_rows(
    serializer_class: type[HubModelSerializer], rows: list[dict[str, Any]], context: dict[str, Any]
) -> list[dict[str, Any]]:
    """The serializer's representation of each row (dicts from `.values(*row_columns(...))`)."""
    plan = row_plan(serializer_class)
    answer = []
    for row in rows:
        out: dict[str, Any] = {}
        for name, column, convert in plan:
            if column is None:
                out[name] = None  # keeps the field's place; finish_rows sets it
                continue
            value = row[column]
            out[name] = value if convert is None or value is None else convert(value)
        answer.append(out)
    finish = getattr(serializer_class, "finish_rows", None)
    if finish is not None:
        finish(rows, answer, context)
    return answer


class CountedRows:
    """A page's `.values()` rows, counted as the queryset they come from. The rows join what their
    columns need (an attendance day's enrollment, for its child and room), and PostgreSQL's COUNT
    kept the join: 67 ms instead of 29 ms over the load-test alliance's 137,000 days. The join never
    changes how many rows there are (each row has its one enrollment), so the count is the same."""

    def __init__(self, rows: models.QuerySet, *, counted: models.QuerySet) -> None:
        self.rows, self.counted = rows, counted

    @property
    def ordered(self) -> bool:
        return self.rows.ordered

    def count(self) -> int:
        return self.counted.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: Any) -> Any:
        return self.rows[index]

    def __iter__(self) -> Any:
        return iter(self.rows)


class RowsListMixin:
    """A viewset whose `list` answers through `represent_rows`: same filters, scope, order,
    pagination and JSON as DRF's list, without model instances."""

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        view: Any = self
        serializer_class = view.get_serializer_class()
        # No prefetching on rows: what a nested list needs, finish_rows reads.
        queryset = view.filter_queryset(view.get_queryset()).prefetch_related(None)
        rows = CountedRows(queryset.values(*row_columns(serializer_class)), counted=queryset)
        page = view.paginate_queryset(rows)
        data = represent_rows(serializer_class, list(rows if page is None else page), view.get_serializer_context())
        return Response(data) if page is None else view.get_paginated_response(data)


class _DRFPath(Exception):
    """A field this plan leaves to DRF's own get_attribute (an error or a callable on the way)."""


class SharedSourcesRepresentation:
    """A serializer of model instances whose fields read through one computed attribute (`figures.occupancy`,
    `figures.vacancy`… each recomputing `figures`): each row's first attribute of a source is read once and
    shared by its fields. What a field answers is DRF's: the same conversion, and anything out of the plain
    path (a method field, a relation, an error or a callable along the source) goes through DRF's own
    get_attribute. Kept per serializer instance, so method fields see this request's context."""

    _readable_fields: Any

    def to_representation(self, instance: Any) -> dict[str, Any]:
        plan = self.__dict__.get("_shared_plan")
        if plan is None:
            plan = self.__dict__["_shared_plan"] = [
                (str(field.field_name), field, _plain_source(field)) for field in self._readable_fields
            ]
        firsts: dict[str, Any] = {}
        answer: dict[str, Any] = {}
        for name, field, attrs in plan:
            try:
                if attrs is None:
                    raise _DRFPath
                first = attrs[0]
                value = firsts[first] if first in firsts else firsts.setdefault(first, getattr(instance, first))
                for attr in attrs[1:]:
                    if callable(value):
                        raise _DRFPath
                    value = getattr(value, attr)
                if callable(value):
                    raise _DRFPath
            except (_DRFPath, AttributeError, KeyError, ObjectDoesNotExist):
                try:
                    value = field.get_attribute(instance)
                except SkipField:
                    continue
                if isinstance(value, relations.PKOnlyObject):
                    answer[name] = None if value.pk is None else field.to_representation(value)
                    continue
            answer[name] = None if value is None else field.to_representation(value)
        return answer


def _plain_source(field: serializers.Field) -> tuple[str, ...] | None:
    """The attributes a field reads, when DRF's plain attribute walk is all it does."""
    if (
        field.source == "*"
        or isinstance(field, relations.RelatedField | relations.ManyRelatedField | serializers.BaseSerializer)
        or not field.source_attrs
    ):
        return None
    return tuple(field.source_attrs)
