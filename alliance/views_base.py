"""The base of every page under /a/<alliance_slug>/.

`AllianceMixin.dispatch` resolves the alliance from the URL and the user's
membership in it (404 otherwise), refuses roles the page is not for (403),
opens the alliance scope (contextvar and `SET LOCAL app.alliance_id`) and
renders the response inside it, so lazy querysets in templates stay scoped.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse

from alliance.access import get_object_or_404_for, membership_for_request, visible_to
from alliance.models import HUB_ROLES, Role
from alliance.tenancy import alliance_scope

ALL_ROLES = frozenset(Role.values)
HUB_ONLY = frozenset(HUB_ROLES)
HUB_AND_PROVIDER = frozenset({Role.HUB_ADMIN, Role.HUB_STAFF, Role.PROVIDER})
HUB_AND_FUNDER = frozenset({Role.HUB_ADMIN, Role.HUB_STAFF, Role.FUNDER})
ADMIN_ONLY = frozenset({Role.HUB_ADMIN})


class AllianceMixin(LoginRequiredMixin):
    allowed_roles: ClassVar[frozenset[str]] = HUB_ONLY
    title: ClassVar[str] = ""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.alliance, self.membership = membership_for_request(
            request.user, kwargs["alliance_slug"]
        )
        if self.membership.role not in self.allowed_roles:
            raise PermissionDenied("Your role in this alliance does not give access to this page.")
        request.alliance = self.alliance  # type: ignore[attr-defined]
        request.membership = self.membership  # type: ignore[attr-defined]
        with alliance_scope(self.alliance.pk, user_id=request.user.pk):
            response = super().dispatch(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            return response

    # --- helpers every page uses ------------------------------------------
    def visible(self, queryset: models.QuerySet) -> models.QuerySet:
        return visible_to(self.membership, queryset)

    def get_for_member(self, queryset: models.QuerySet, **lookup: Any) -> Any:
        return get_object_or_404_for(self.membership, queryset, **lookup)

    def alliance_url(self, name: str, *args: Any) -> str:
        return reverse(name, args=[self.alliance.slug, *args])

    def get_title(self) -> str:
        return self.title

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return [(self.alliance.name, self.alliance_url("alliance:home")), (self.get_title(), None)]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        context.update(
            alliance=self.alliance,
            membership=self.membership,
            page_title=self.get_title(),
            breadcrumbs=self.get_breadcrumbs(),
        )
        return context
