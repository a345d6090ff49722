"""The base of every API endpoint under /api/a/<alliance_slug>/.

Scoping lives in `initial()` and `get_queryset()`, so an endpoint cannot
forget it: the alliance comes from the URL and the caller's membership (404
otherwise), the role must be allowed (403), the scope is open for the whole
request, and querysets are narrowed for providers and funders.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any, ClassVar

from django.db import models
from rest_framework import serializers, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from alliance.access import membership_for_request, visible_to
from alliance.localization import alliance_local
from alliance.observability import note_alliance
from alliance.tenancy import TenantModel, alliance_scope
from alliance.views_base import HUB_ONLY

# Nothing is deleted through the API (rows end, are withdrawn or reversed), so no endpoint takes DELETE.
NO_DELETE = ["get", "post", "put", "patch", "head", "options"]
# Rows made only by a create or by actions: no update either.
READ_AND_POST = ["get", "post", "head", "options"]


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
        note_alliance(self.alliance)
        roles = self.allowed_roles
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            roles = roles & self.write_roles
        if not self.membership.may(roles):
            raise PermissionDenied("Your role in this alliance does not allow this.")
        self._scope_stack.enter_context(alliance_scope(self.alliance.pk, user_id=request.user.pk))
        # The alliance's time zone, as pages have it: "today" and "this month" are the alliance's own.
        self._scope_stack.enter_context(alliance_local(self.alliance))

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
