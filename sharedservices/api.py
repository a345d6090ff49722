"""API of shared services, scoped like the pages: the base viewset resolves the
alliance and narrows providers to their program; funders get 403.

Serializers validate types; writes go through sharedservices.services, whose
ValidationErrors come back as 400 with field errors (a refusal such as a
double-booking names its reason). Nothing is deleted through the API.

The endpoints live by subdomain beside the views (api_substitutes, api_cover,
api_purchasing, api_coaching); this module holds what they share.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db import models
from rest_framework import serializers
from rest_framework.request import Request

from alliance.api_base import NO_DELETE, AllianceModelViewSet, AllianceReadOnlyViewSet
from alliance.filters import IntegerFilter


class StrictBooleanField(forms.Field):
    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        if value in ("true", "false"):
            return value == "true"
        raise forms.ValidationError("Use true or false.")


class StrictBooleanFilter(django_filters.BooleanFilter):
    """`true` or `false`; anything else is a field error (a plain BooleanFilter ignores `null`)."""

    field_class = StrictBooleanField


class IdFilter(IntegerFilter):
    """A row's id: `1.5` is a field error, not quietly 1 (alliance.filters.IntegerFilter)."""


class SharedMixin:
    membership: Any

    def input(self, serializer_class: type[serializers.BaseSerializer], request: Request) -> dict[str, Any]:
        serializer = serializer_class(data=request.data, context=self.get_serializer_context())  # type: ignore[attr-defined]
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class SharedViewSet(SharedMixin, AllianceModelViewSet):
    http_method_names = NO_DELETE


class SharedReadOnlyViewSet(SharedMixin, AllianceReadOnlyViewSet):
    """Rows made by actions, not by a create: list, retrieve and the actions' POSTs."""


class AllianceWideViewSet(SharedViewSet):
    """Rows that belong to the alliance rather than a program (the catalogue, cycles):
    every member of the alliance may read them; the open scope still limits them to it."""

    def get_queryset(self) -> models.QuerySet:
        if getattr(self, "swagger_fake_view", False) or self.membership.is_hub:
            return super().get_queryset()
        return self.base_queryset()
