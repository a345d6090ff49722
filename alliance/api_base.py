"""The base of every API endpoint under /api/a/<alliance_slug>/.

Scoping lives in `initial()` and `get_queryset()`, so an endpoint cannot
forget it: the alliance comes from the URL and the caller's membership (404
otherwise), the role must be allowed (403), the scope is open for the whole
request, and querysets are narrowed for providers and funders.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from typing import Any, ClassVar

from django.db import models
from rest_framework import serializers, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from alliance.access import membership_for_request, visible_to
from alliance.dates import alliance_zone_pinned
from alliance.localization import alliance_local
from alliance.observability import note_alliance
from alliance.tenancy import TenantModel, alliance_scope
from alliance.views_base import HUB_ONLY

# Nothing is deleted through the API (rows end, are withdrawn or reversed), so no endpoint takes DELETE.
NO_DELETE = ["get", "post", "put", "patch", "head", "options"]
# Rows made only by a create or by actions: no update either.
READ_AND_POST = ["get", "post", "head", "options"]


class StrictInput:
    """Every writable serializer of the API (HubModelSerializer and HubSerializer build on it):
    a body naming a field the serializer does not take is a 400 naming that field, like any
    other bad input, not a 200 that quietly ignored it (`PATCH {"program": 3}` on a coaching
    goal, a typo such as `"ammount"`). A read-only field (an id, a status set by actions, a
    field fixed after create) may be repeated with its current value, so a PUT of what a GET
    answered works; any other value is refused."""

    UNKNOWN = "Not a field of this request."
    READ_ONLY = "Read-only: it cannot be set or changed here."

    fields: Any
    instance: Any

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            errors: dict[str, list[str]] = {}
            for name in data:
                field = self.fields.get(name)
                if field is None:
                    errors[str(name)] = [self.UNKNOWN]
                elif field.read_only and not self._unchanged(field, data[name]):
                    errors[str(name)] = [self.READ_ONLY]
            if errors:
                raise ValidationError(errors)
        return super().to_internal_value(data)  # type: ignore[misc]

    def _unchanged(self, field: Any, value: Any) -> bool:
        instance = self.instance
        if instance is None or isinstance(instance, list | models.QuerySet):
            return False
        try:
            attribute = field.get_attribute(instance)
            current = None if attribute is None else field.to_representation(attribute)
        except Exception:  # noqa: BLE001 - a field that cannot be read from the row is not "unchanged"
            return False
        return bool(current == value)


class AllianceViewSetMixin:
    allowed_roles: ClassVar[frozenset[str]] = HUB_ONLY
    write_roles: ClassVar[frozenset[str]] = HUB_ONLY
    # Tenant managers raise outside a scope, so viewsets name their model
    # rather than a class-level queryset.
    model: ClassVar[type[TenantModel]]

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        with ExitStack() as stack:
            self._scope_stack = stack
            response = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            return response

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        self.alliance, self.membership = membership_for_request(request.user, kwargs["alliance_slug"], request._request)
        if self.alliance.is_suspended:
            from alliance.suspension import AllianceSuspended

            raise AllianceSuspended(self.alliance)
        note_alliance(self.alliance)
        roles = self.allowed_roles
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            roles = roles & self.write_roles
        if not self.membership.may(roles):
            raise PermissionDenied("Your role in this alliance does not allow this.")
        self._scope_stack.enter_context(alliance_scope(self.alliance.pk, user_id=request.user.pk, for_request=True))
        # The alliance's time zone, as pages have it: "today" and "this month" are the alliance's own.
        self._scope_stack.enter_context(alliance_local(self.alliance))
        # ...and alliance_today() without an argument (services, rules) reads it from the row in
        # hand rather than querying it again each time (issue 21).
        self._scope_stack.enter_context(alliance_zone_pinned(self.alliance))

    def require(self, roles: frozenset[str]) -> None:
        """An action open to fewer roles than the endpoint's `write_roles` (403 for the others)."""
        if not self.membership.may(roles):
            raise PermissionDenied("Your role in this alliance does not allow this.")

    def stored(self, serializer: serializers.BaseSerializer[Any]) -> Any:
        """The row an update changes (DRF sets it before perform_update)."""
        return serializer.instance

    def get_queryset(self) -> models.QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.unscoped().none()
        queryset = self.base_queryset()
        return visible_to(self.membership, queryset)

    def base_queryset(self) -> models.QuerySet:
        return self.model.objects.all()


class AllianceReadOnlyViewSet(AllianceViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class AllianceModelViewSet(AllianceViewSetMixin, viewsets.ModelViewSet):
    pass
