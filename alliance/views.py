from __future__ import annotations

from contextlib import nullcontext
from typing import Any

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.generic import FormView, ListView, TemplateView, View

from alliance.access import forget_memberships, memberships_of
from alliance.filters import AuditEventFilter
from alliance.forms import AcceptInvitationForm, AllianceSettingsForm, InvitationForm
from alliance.localization import alliance_local
from alliance.models import Alliance, AuditEvent, Invitation, Membership, Role
from alliance.outbox import task_enqueue
from alliance.services import (
    ALLIANCE_SETTINGS,
    alliance_settings_update,
    invitation_accept,
    invitation_create,
    invitation_for_token,
    invitation_revoke,
)
from alliance.tasks import send_invitation_email
from alliance.tenancy import alliance_scope
from alliance.views_base import ADMIN_ONLY, ALL_ROLES, HUB_ONLY, AllianceMixin, ServiceFormMixin, add_errors


def landing_url(membership: Membership) -> str:
    slug = membership.alliance.slug
    if membership.role == Role.FUNDER:
        return reverse("metrics:reports", args=[slug])
    # Hub users and providers start the day on what needs doing (today/).
    return reverse("today:today", args=[slug])


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """After sign-in: straight to the one alliance, or a choice among several."""
    from alliance.operator import is_operator

    memberships = memberships_of(request.user, request)
    operator = is_operator(request.user)
    if operator and not memberships:
        return redirect("operator:home")
    if len(memberships) == 1 and not operator:
        return redirect(landing_url(memberships[0]))
    return render(
        request,
        "alliance/choose_alliance.html",
        {
            "choices": [(m, landing_url(m)) for m in memberships],
            "operator": operator,
            "page_title": "Your alliances",
        },
    )


class AllianceHomeView(AllianceMixin, TemplateView):
    allowed_roles = ALL_ROLES

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.membership.alliance = self.alliance
        return redirect(landing_url(self.membership))


class AuditEventListView(AllianceMixin, ListView):
    allowed_roles = HUB_ONLY
    template_name = "alliance/audit_list.html"
    paginate_by = 50
    title = "Audit history"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        self.filterset = AuditEventFilter(
            self.request.GET or None, queryset=AuditEvent.objects.select_related("program")
        )
        if self.filterset.is_bound and not self.filterset.is_valid():
            return AuditEvent.objects.none()
        return self.filterset.qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_string"] = query.urlencode()
        return context


class InvitationListView(AllianceMixin, FormView):
    allowed_roles = ADMIN_ONLY
    template_name = "alliance/invitations.html"
    form_class = InvitationForm
    title = "Invitations and people"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["invitations"] = Invitation.objects.select_related("program", "invited_by")[:100]
        context["members"] = Membership.objects.select_related("user", "program").order_by("role", "user__email")
        return context

    def form_valid(self, form: InvitationForm) -> HttpResponse:
        program = form.cleaned_data.get("program")
        try:
            invitation, token = invitation_create(
                invited_by=self.request.user,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                program_id=program.pk if program else None,
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        accept_url = self.request.build_absolute_uri(
            reverse("alliance:invitation_accept", args=[self.alliance.slug, token])
        )
        task_enqueue(
            send_invitation_email.si(self.alliance.pk, invitation.pk, accept_url),
            ref=f"invitation:{invitation.pk}",
            email=True,
        )
        messages.success(self.request, f"Invitation sent to {invitation.email}.")
        return redirect(self.alliance_url("alliance:invitations"))


class InvitationRevokeView(AllianceMixin, TemplateView):
    allowed_roles = ADMIN_ONLY
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        invitation = self.get_for_member(Invitation.objects.all(), pk=kwargs["pk"])
        try:
            invitation_revoke(invitation=invitation, actor=request.user)
            messages.success(request, f"Invitation to {invitation.email} revoked.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(self.alliance_url("alliance:invitations"))


def invitation_accept_view(request: HttpRequest, alliance_slug: str, token: str) -> HttpResponse:
    """Open to anyone holding the link: the token is the credential."""
    alliance = Alliance.objects.filter(slug=alliance_slug).first()
    if alliance is None:
        raise Http404("No such invitation.")
    if alliance.is_suspended:
        from alliance.suspension import suspended_response

        return suspended_response(request, alliance)
    user = request.user if request.user.is_authenticated else None
    with alliance_scope(alliance.pk, user_id=user.pk if user else None):
        invitation = invitation_for_token(token=token)
        if invitation is None:
            raise Http404("No such invitation.")
        form = AcceptInvitationForm(request.POST or None, email=invitation.email)
        error = None
        if request.method == "POST" and (user is not None or form.is_valid()):
            try:
                membership = invitation_accept(
                    invitation=invitation,
                    user=user,
                    password=None if user else form.cleaned_data["password1"],
                )
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                forget_memberships(request)
                if user is None:
                    from django.contrib.auth import login

                    login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, f"Welcome to {alliance.name}.")
                return redirect("home")
        return render(
            request,
            "alliance/invitation_accept.html",
            {
                "invitation": invitation,
                "alliance": alliance,
                "form": form,
                "error": error,
                "page_title": f"Join {alliance.name}",
            },
        )


def _creating_a_token(request: HttpRequest) -> bool:
    return request.method == "POST" and "revoke" not in request.POST


@login_required
@reauthentication_required(enabled=_creating_a_token)
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The signed-in person's API tokens: create (shown once) and revoke."""
    from alliance.models import ApiToken
    from alliance.tokens import api_token_create, api_token_revoke

    user = request.user
    if isinstance(user, AnonymousUser):  # login_required lets no anonymous visitor in
        raise Http404("Sign in first.")
    new_token = None
    error = None
    if request.method == "POST":
        if "revoke" in request.POST:
            token = ApiToken.objects.filter(user=user, pk=request.POST["revoke"]).first()
            if token is None:
                raise Http404("No such token.")
            api_token_revoke(token=token)
            messages.success(request, f"Token “{token.name}” revoked; programs using it are now refused.")
            return redirect("api_tokens")
        try:
            _row, new_token = api_token_create(user=user, name=request.POST.get("name", ""))
        except ValidationError as exc:
            error = " ".join(exc.messages)
    # The page belongs to no alliance: its times are shown in the zone (and locale) of the holder's
    # first alliance, with the zone named, so a Chicago clerk reads "9:14 am CST", not UTC.
    memberships = memberships_of(user, request)
    with alliance_local(memberships[0].alliance) if memberships else nullcontext():
        return render(
            request,
            "alliance/api_tokens.html",
            {
                "tokens": ApiToken.objects.filter(user=user),
                "new_token": new_token,
                "error": error,
                "name": request.POST.get("name", "") if error else "",
                "page_title": "API tokens",
                "token_days": settings.HUB_API_TOKEN_DAYS,
            },
        )


class DataExportView(AllianceMixin, TemplateView):
    """A hub_admin takes the alliance's data with it: every table, JSON and CSV."""

    allowed_roles = ADMIN_ONLY
    template_name = "alliance/data_export.html"
    title = "Export the alliance's data"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from alliance.models import DataExport

        context = super().get_context_data(**kwargs)
        context["exports"] = DataExport.objects.select_related("requested_by")[:20]
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from alliance.dataexport import data_export_request
        from alliance.tasks import export_alliance_data

        export = data_export_request(actor=request.user)
        task_enqueue(export_alliance_data.si(self.alliance.pk, export.pk), ref=f"dataexport:{export.pk}")
        messages.success(request, "Export started. This page shows its progress; download it when it is ready.")
        return redirect(self.alliance_url("alliance:data_export"))


class DataExportProgressView(AllianceMixin, TemplateView):
    """The progress row of one export, polled by htmx while it runs."""

    allowed_roles = ADMIN_ONLY
    template_name = "alliance/_data_export_row.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from alliance.models import DataExport

        context = super().get_context_data(**kwargs)
        context["export"] = self.get_for_member(DataExport.objects.all(), pk=self.kwargs["pk"])
        return context


class DataExportDownloadView(AllianceMixin, View):
    allowed_roles = ADMIN_ONLY

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> FileResponse:

        from alliance.audit import audit_event_record
        from alliance.dataexport import export_dir
        from alliance.models import DataExport

        export = self.get_for_member(DataExport.objects.all(), pk=kwargs["pk"])
        path = export_dir() / export.file_name
        if export.status != DataExport.Status.DONE or not export.file_name or not path.exists():
            raise Http404("This export is not ready.")
        audit_event_record(actor=request.user, action="data_export.downloaded", target=export)
        return FileResponse(path.open("rb"), as_attachment=True, filename=export.file_name)


class TaskFailureListView(AllianceMixin, ListView):
    """Background tasks of this alliance that failed (alliance/observability.py records them)."""

    allowed_roles = ADMIN_ONLY
    template_name = "alliance/task_failures.html"
    paginate_by = 50
    title = "Background task failures"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        from alliance.models import TaskFailure

        return TaskFailure.objects.all()


class AllianceSettingsView(AllianceMixin, ServiceFormMixin, FormView):
    """The alliance's name, region, time zone, date and number format, and fiscal year."""

    allowed_roles = ADMIN_ONLY
    template_name = "alliance/settings.html"
    form_class = AllianceSettingsForm
    title = "Alliance settings"

    def get_initial(self) -> dict[str, Any]:
        return {name: getattr(self.alliance, name) for name in ALLIANCE_SETTINGS}

    def perform(self, form: AllianceSettingsForm) -> Alliance:
        return alliance_settings_update(actor=self.request.user, values=form.cleaned_data)

    def success_message(self, obj: Alliance) -> str:
        return "Settings saved. Pages show dates, numbers and times the new way from now on."

    def success_url_for(self, obj: Alliance) -> str:
        return reverse("alliance:settings", args=[obj.slug])
