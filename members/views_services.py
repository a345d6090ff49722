"""The Hub's service catalogue and each member's fee agreements.

Providers see their own agreements and nothing they can change; the hub
administrator sets the catalogue and the agreements.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.generic import FormView, ListView, TemplateView

from alliance.dates import alliance_today
from alliance.views_base import HUB_ONLY, AllianceMixin, add_errors
from members import services
from members.forms import HubServiceForm, SubscriptionCreateForm, SubscriptionEditForm
from members.models import ZERO, HubService, ServiceSubscription
from members.pages import AGREEMENT_EDITORS, ProgramFormPage, ProgramPage
from members.selectors import subscription_monthly_fee, subscriptions_of

STATE_ORDER = {"current": 0, "upcoming": 1, "ended": 2}


@dataclass(frozen=True)
class AgreementRow:
    subscription: ServiceSubscription
    state: str
    monthly_fee: Decimal | None


class ProgramServicesView(ProgramPage, TemplateView):
    template_name = "members/program_services.html"
    tab = "services"
    title = "Hub services"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        today = alliance_today(self.alliance)
        rows = sorted(
            (AgreementRow(s, s.state_on(today), subscription_monthly_fee(s)) for s in subscriptions_of(self.program)),
            key=lambda row: STATE_ORDER[row.state],
        )
        context.update(
            rows=rows,
            today=today,
            current_fixed_total=sum(
                (r.monthly_fee for r in rows if r.state == "current" and r.monthly_fee is not None), ZERO
            ),
        )
        return context


class SubscriptionCreateView(ProgramFormPage):
    allowed_roles = AGREEMENT_EDITORS
    form_class = SubscriptionCreateForm
    title = "Add a fee agreement"

    def get_initial(self) -> dict[str, Any]:
        return {"starts_on": alliance_today(self.alliance).replace(day=1)}

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "program": self.program}

    def perform(self, form: SubscriptionCreateForm) -> ServiceSubscription:
        return services.subscription_create(actor=self.request.user, program=self.program, **form.cleaned_data)

    def success_message(self, obj: ServiceSubscription) -> str:
        return f"{obj.service} agreement saved."

    def success_url_for(self, obj: Any) -> str:
        return self.program_url("members:program_services")


class SubscriptionEditView(SubscriptionCreateView):
    form_class = SubscriptionEditForm  # type: ignore[assignment]
    title = "Edit fee agreement"
    intro = "To end an agreement, give its last day. Agreements are never deleted."

    def get_subscription(self) -> ServiceSubscription:
        if not hasattr(self, "subscription"):
            self.subscription = self.get_for_member(
                ServiceSubscription.objects.filter(program=self.program).select_related("service"),
                pk=self.kwargs["pk"],
            )
        return self.subscription

    def get_title(self) -> str:
        return f"Edit {self.get_subscription().service} agreement"

    def get_initial(self) -> dict[str, Any]:
        return {}

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**ProgramFormPage.get_form_kwargs(self), "instance": self.get_subscription()}

    def perform(self, form: SubscriptionEditForm) -> ServiceSubscription:  # type: ignore[override]
        return services.subscription_update(
            actor=self.request.user, subscription=self.get_subscription(), data=form.cleaned_data
        )


class CatalogueMixin(AllianceMixin):
    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        crumbs: list[tuple[str, str | None]] = [
            (self.alliance.name, self.alliance_url("alliance:home")),
            ("Member programs", self.alliance_url("members:program_list")),
        ]
        if self.get_title() != ServiceCatalogueView.title:
            crumbs.append((ServiceCatalogueView.title, self.alliance_url("members:service_list")))
        crumbs.append((self.get_title(), None))
        return crumbs


class ServiceCatalogueView(CatalogueMixin, ListView):
    allowed_roles = HUB_ONLY
    template_name = "members/service_list.html"
    context_object_name = "services"
    title = "Hub service catalogue"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        today = alliance_today(self.alliance)
        current = Q(subscriptions__starts_on__lte=today) & (
            Q(subscriptions__ends_on__isnull=True) | Q(subscriptions__ends_on__gte=today)
        )
        return HubService.objects.annotate(
            member_count=Count("subscriptions__program", filter=current, distinct=True)
        ).order_by("-is_active", "name")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_manage_agreements"] = self.membership.may(AGREEMENT_EDITORS)
        return context


class HubServiceCreateView(CatalogueMixin, FormView):
    allowed_roles = AGREEMENT_EDITORS
    template_name = "members/form.html"
    form_class = HubServiceForm
    title = "Add a service"

    def get_form_kwargs(self) -> dict[str, Any]:
        return super().get_form_kwargs()

    def save(self, form: HubServiceForm) -> HubService:
        return services.hub_service_create(actor=self.request.user, **form.cleaned_data)

    def form_valid(self, form: HubServiceForm) -> HttpResponse:
        try:
            service = self.save(form)
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{service} saved.")
        return redirect(self.alliance_url("members:service_list"))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            submit_label="Save",
            cancel_url=self.alliance_url("members:service_list"),
            intro="Existing agreements keep the terms they were made on.",
        )
        return context


class HubServiceEditView(HubServiceCreateView):
    title = "Edit service"

    def get_service(self) -> HubService:
        if not hasattr(self, "service"):
            self.service = self.get_for_member(HubService.objects.all(), pk=self.kwargs["pk"])
        return self.service

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "instance": self.get_service()}

    def save(self, form: HubServiceForm) -> HubService:
        return services.hub_service_update(actor=self.request.user, service=self.get_service(), data=form.cleaned_data)
