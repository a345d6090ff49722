"""The platform operator's console, /operator/: every alliance's overview, create an alliance, invite its
first hub administrator, suspend and reactivate it (services: alliance/operator.py).

Open to active platform operators only (`PlatformOperator`), with a session that passed TOTP
(alliance/middleware.py); anyone else signed in gets 404, as if the console did not exist, and visitors are
sent to sign in. The console shows counts only: an operator holds no membership, so every alliance page
showing families or children stays 404 to them (tests/alliance/test_access_matrix.py).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import FormView, TemplateView

from alliance.forms import AllianceCreateForm, OperatorInviteForm, SuspensionForm
from alliance.models import Alliance, Invitation
from alliance.operator import (
    alliance_create,
    alliance_invite_admin,
    alliance_overview,
    alliance_reactivate,
    alliance_suspend,
    invitation_email_queue,
    is_operator,
)
from alliance.tenancy import alliance_scope
from alliance.views_base import add_errors


class OperatorMixin(LoginRequiredMixin):
    title: ClassVar[str] = ""
    request: HttpRequest
    kwargs: Any

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not is_operator(request.user):
            raise Http404("No such page.")
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def get_title(self) -> str:
        return self.title

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return [("Operator console", reverse("operator:home")), (self.get_title(), None)]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        context.update(page_title=self.get_title(), breadcrumbs=self.get_breadcrumbs(), operator_console=True)
        return context


class OperatorHomeView(OperatorMixin, TemplateView):
    template_name = "operator/home.html"
    title = "Operator console"

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return [("Operator console", None)]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["overviews"] = [alliance_overview(alliance) for alliance in Alliance.objects.order_by("name")]
        return context


class AllianceCreateView(OperatorMixin, FormView):
    template_name = "operator/create.html"
    form_class = AllianceCreateForm
    title = "Create an alliance"

    def form_valid(self, form: AllianceCreateForm) -> HttpResponse:
        try:
            alliance = alliance_create(
                actor=self.request.user, values=form.settings_values(), targets=form.target_fractions()
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, f"{alliance.name} is created at /a/{alliance.slug}/. Invite its first hub administrator."
        )
        return redirect("operator:alliance", alliance.slug)


class OperatorAllianceView(OperatorMixin, TemplateView):
    """One alliance: its overview, its invitations' status, and the operator's actions on it."""

    template_name = "operator/alliance.html"

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.forms: dict[str, BaseForm] = {}

    @property
    def alliance(self) -> Alliance:
        if not hasattr(self, "_alliance"):
            self._alliance = get_object_or_404(Alliance, slug=self.kwargs["alliance_slug"])
        return self._alliance

    def get_title(self) -> str:
        return self.alliance.name

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        alliance = self.alliance
        with alliance_scope(alliance.pk):
            invitations = list(Invitation.objects.select_related("invited_by").order_by("-created_at")[:20])
        context.update(
            alliance_row=alliance,
            overview=alliance_overview(alliance, rows=True),
            invitations=invitations,
            invite_form=self.forms.get("invite") or OperatorInviteForm(),
            suspension_form=self.forms.get("suspension") or SuspensionForm(),
        )
        return context


class _OperatorActionView(OperatorAllianceView):
    """A POST of the alliance page: success redirects to it with a message; errors re-render it with them."""

    http_method_names = ["post"]
    form_key: ClassVar[str]
    form_class: ClassVar[type[BaseForm]]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                message = self.perform(form)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, message)
                return redirect("operator:alliance", self.alliance.slug)
        self.forms[self.form_key] = form
        return self.render_to_response(self.get_context_data())

    def perform(self, form: Any) -> str:
        raise NotImplementedError


class AllianceInviteAdminView(_OperatorActionView):
    form_key = "invite"
    form_class = OperatorInviteForm

    def perform(self, form: Any) -> str:
        alliance = self.alliance
        invitation, token = alliance_invite_admin(
            actor=self.request.user, alliance=alliance, email=form.cleaned_data["email"]
        )
        accept_url = self.request.build_absolute_uri(reverse("alliance:invitation_accept", args=[alliance.slug, token]))
        invitation_email_queue(alliance=alliance, invitation=invitation, accept_url=accept_url)
        return f"Invitation sent to {invitation.email}: they become {alliance.name}'s hub administrator on accepting."


class AllianceSuspendView(_OperatorActionView):
    form_key = "suspension"
    form_class = SuspensionForm

    def perform(self, form: Any) -> str:
        alliance = alliance_suspend(actor=self.request.user, alliance=self.alliance, reason=form.cleaned_data["reason"])
        return f"{alliance.name} is suspended: its users see the suspended page and its tasks stop. Nothing is deleted."


class AllianceReactivateView(_OperatorActionView):
    form_key = "suspension"
    form_class = SuspensionForm

    def perform(self, form: Any) -> str:
        alliance = alliance_reactivate(
            actor=self.request.user, alliance=self.alliance, reason=form.cleaned_data["reason"]
        )
        return f"{alliance.name} is active again: its pages, API and scheduled tasks work as before."
