"""API of member data, scoped exactly like the pages: the base viewset resolves
the alliance and narrows providers to their program; funders get 403.

Serializers validate types; writes go through members.services, whose
ValidationErrors come back as 400 with field errors. Nothing is deleted
through the API (programs leave, staff end, agreements end), so no endpoint
accepts DELETE.

The endpoints live by subdomain beside the views (api_programs, api_sites, api_staff,
api_costs, api_services); this module holds what they share.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import django_filters
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as DRFValidationError

from alliance.access import visible_to
from alliance.api_base import AllianceModelViewSet
from alliance.api_fields import IntegerField, PrimaryKeyRelatedField
from alliance.filters import IntegerFilter

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


class ProgramScopedFilter(django_filters.FilterSet):
    """Filter by program id without validating it against the alliance's programs."""

    program = IntegerFilter(field_name="program_id")


class WeekdaysField(serializers.ListField):
    child = IntegerField(min_value=0, max_value=6)

    def to_representation(self, data: list[int]) -> list[int]:
        return sorted(data)
