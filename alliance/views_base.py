"""The base of every page under /a/<alliance_slug>/.

`AllianceMixin.dispatch` resolves the alliance from the URL and the user's
membership in it (404 otherwise), refuses roles the page is not for (403),
opens the alliance scope (contextvar and `SET LOCAL app.alliance_id`) and
renders the response inside it, so lazy querysets in templates stay scoped.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse

from alliance.access import get_object_or_404_for, membership_for_request, visible_to
from alliance.dates import alliance_zone_pinned
from alliance.localization import alliance_local
from alliance.models import HUB_ROLES, Role
from alliance.observability import note_alliance
from alliance.tenancy import alliance_scope

ALL_ROLES = frozenset(Role.values)
HUB_ONLY = frozenset(HUB_ROLES)
HUB_AND_PROVIDER = frozenset({Role.HUB_ADMIN, Role.HUB_STAFF, Role.PROVIDER})
HUB_AND_FUNDER = frozenset({Role.HUB_ADMIN, Role.HUB_STAFF, Role.FUNDER})
ADMIN_ONLY = frozenset({Role.HUB_ADMIN})


class AllianceMixin(LoginRequiredMixin):
    allowed_roles: ClassVar[frozenset[str]] = HUB_ONLY
    title: ClassVar[str] = ""
    # Set by Django's View, which every page combines this mixin with.
    request: HttpRequest
    args: Any
    kwargs: Any

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.alliance, self.membership = membership_for_request(request.user, kwargs["alliance_slug"], request)
        if self.alliance.is_suspended:
            from alliance.suspension import suspended_response

            return suspended_response(request, self.alliance)
        if not self.membership.may(self.roles_allowed()):
            raise PermissionDenied("Your role in this alliance does not give access to this page.")
        request.alliance = self.alliance  # type: ignore[attr-defined]
        note_alliance(self.alliance)
        request.membership = self.membership  # type: ignore[attr-defined]
        # Times on the alliance's pages are shown in its own time zone, dates and numbers in its locale.
        with (
            alliance_scope(self.alliance.pk, user_id=request.user.pk, for_request=True),
            alliance_local(self.alliance),
            # "Today" and "this month" from the alliance row in hand, not a query each time (as the API).
            alliance_zone_pinned(self.alliance),
        ):
            response = super().dispatch(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            return response

    @property
    def is_hub(self) -> bool:
        return self.membership.is_hub

    def roles_allowed(self) -> frozenset[str]:
        """The roles that may open this page: `allowed_roles`, unless a page decides per request."""
        return self.allowed_roles

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


def add_errors(form: BaseForm, exc: ValidationError, *, prefix: str = "") -> None:
    """Put a service's ValidationError on a form: by field where the form has it
    (keys may carry a `<prefix>_` from services that validate nested parts),
    else on top of the form."""
    if hasattr(exc, "error_dict"):
        for key, errors in exc.message_dict.items():
            field = key[len(prefix) + 1 :] if prefix and key.startswith(prefix + "_") else key
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class ServiceFormMixin:
    """A FormView whose `perform(form)` calls a service. The service's
    ValidationErrors land on the form (input kept) and nothing is saved;
    success shows a message and redirects."""

    submit_label: ClassVar[str] = "Save"

    def perform(self, form: Any) -> Any:
        raise NotImplementedError

    def success_message(self, obj: Any) -> str:
        return "Saved."

    def success_url_for(self, obj: Any) -> str:
        raise NotImplementedError

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            obj = self.perform(form)
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)  # type: ignore[attr-defined]
        messages.success(self.request, self.success_message(obj))  # type: ignore[attr-defined]
        return redirect(self.success_url_for(obj))
