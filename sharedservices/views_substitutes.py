"""The Hub's substitute pool: people, credentials, clearances, availability."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.views.generic import TemplateView

from alliance.dates import alliance_today
from sharedservices import services
from sharedservices.forms import AvailabilityForm, ClearanceForm, CredentialForm, SubstituteForm
from sharedservices.models import (
    BOOKED,
    CoverRequest,
    Substitute,
    SubstituteAvailability,
    SubstituteClearance,
    SubstituteCredential,
)
from sharedservices.pages import SharedFormPage, SharedPage

AVAILABILITY_DAYS_SHOWN = 28


class SubstituteListView(SharedPage, TemplateView):
    template_name = "sharedservices/substitute_list.html"
    section = "substitutes"
    title = "Substitute pool"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        today = alliance_today(self.alliance)
        fortnight = today + datetime.timedelta(days=13)
        substitutes = (
            Substitute.objects.select_related("home_program")
            .annotate(
                cleared=Count("clearances", distinct=True),
                days_available=Count(
                    "availability", filter=Q(availability__day__range=(today, fortnight)), distinct=True
                ),
                booked_ahead=Count(
                    "covers", filter=Q(covers__status__in=BOOKED, covers__day__gte=today), distinct=True
                ),
            )
            .order_by("-is_active", "last_name", "first_name")
        )
        valid: dict[int, list[str]] = {}
        for credential in SubstituteCredential.objects.filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=today)
        ).order_by("kind"):
            valid.setdefault(credential.substitute_id, []).append(credential.get_kind_display())
        page = Paginator(substitutes, 50).get_page(self.request.GET.get("page"))
        context.update(
            rows=[(s, valid.get(s.pk, [])) for s in page],
            page_obj=page,
            paginator=page.paginator,
            is_paginated=page.has_other_pages(),
        )
        return context


class SubstitutePage(SharedPage):
    section = "substitutes"

    def get_substitute(self) -> Substitute:
        if not hasattr(self, "substitute"):
            self.substitute = self.get_for_member(
                Substitute.objects.select_related("home_program"), pk=self.kwargs["pk"]
            )
        return self.substitute

    def substitute_url(self) -> str:
        return self.alliance_url("sharedservices:substitute_detail", self.get_substitute().pk)

    def extra_crumbs(self) -> list[tuple[str, str | None]]:
        if self.get_title() == str(self.get_substitute()):
            return []
        return [(str(self.get_substitute()), self.substitute_url())]


class SubstituteDetailView(SubstitutePage, TemplateView):
    template_name = "sharedservices/substitute_detail.html"

    def get_title(self) -> str:
        return str(self.get_substitute())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        substitute, today = self.get_substitute(), alliance_today(self.alliance)
        context.update(
            substitute=substitute,
            credentials=SubstituteCredential.objects.filter(substitute=substitute).order_by("kind", "-expires_on"),
            clearances=SubstituteClearance.objects.filter(substitute=substitute).select_related("program"),
            availability=SubstituteAvailability.objects.filter(
                substitute=substitute, day__range=(today, today + datetime.timedelta(days=AVAILABILITY_DAYS_SHOWN))
            ),
            bookings=CoverRequest.objects.filter(substitute=substitute, status__in=BOOKED)
            .select_related("program", "classroom")
            .order_by("-day", "-starts_at")[:30],
        )
        return context


class SubstituteCreateView(SharedFormPage):
    form_class = SubstituteForm
    section = "substitutes"
    title = "Add a substitute"

    def perform(self, form: SubstituteForm) -> Substitute:
        return services.substitute_create(actor=self.request.user, **form.cleaned_data)

    def success_message(self, obj: Substitute) -> str:
        return f"{obj} is in the pool. Add credentials, clearances and availability next."

    def success_url_for(self, obj: Substitute) -> str:
        return self.alliance_url("sharedservices:substitute_detail", obj.pk)


class SubstituteEditView(SubstitutePage, SharedFormPage):
    form_class = SubstituteForm
    title = "Edit substitute"

    def get_initial(self) -> dict[str, Any]:
        s = self.get_substitute()
        return {
            "first_name": s.first_name,
            "last_name": s.last_name,
            "email": s.email,
            "phone": s.phone,
            "employment": s.employment,
            "home_program": s.home_program_id,
            "age_groups": s.age_groups,
            "is_active": s.is_active,
            "notes": s.notes,
        }

    def perform(self, form: SubstituteForm) -> Substitute:
        return services.substitute_update(
            actor=self.request.user, substitute=self.get_substitute(), data=form.cleaned_data
        )

    def cancel_url(self) -> str:
        return self.substitute_url()

    def success_url_for(self, obj: Substitute) -> str:
        return self.substitute_url()


class CredentialCreateView(SubstitutePage, SharedFormPage):
    form_class = CredentialForm
    title = "Add a credential"

    def perform(self, form: CredentialForm) -> SubstituteCredential:
        return services.substitute_credential_add(
            actor=self.request.user, substitute=self.get_substitute(), **form.cleaned_data
        )

    def success_message(self, obj: SubstituteCredential) -> str:
        return f"{obj} added."

    def cancel_url(self) -> str:
        return self.substitute_url()

    def success_url_for(self, obj: Any) -> str:
        return self.substitute_url()


class ClearanceCreateView(CredentialCreateView):
    form_class = ClearanceForm  # type: ignore[assignment]
    title = "Clear for a member program"

    def get_initial(self) -> dict[str, Any]:
        return {"cleared_on": alliance_today(self.alliance)}

    def perform(self, form: ClearanceForm) -> SubstituteClearance:  # type: ignore[override]
        return services.substitute_clearance_add(
            actor=self.request.user, substitute=self.get_substitute(), **form.cleaned_data
        )

    def success_message(self, obj: SubstituteClearance) -> str:  # type: ignore[override]
        return f"{obj.substitute} may now cover at {obj.program}."


class AvailabilityView(CredentialCreateView):
    form_class = AvailabilityForm  # type: ignore[assignment]
    title = "Set availability"
    intro = "Replaces what was set for the chosen days. Days not chosen keep what they had."

    def get_initial(self) -> dict[str, Any]:
        today = alliance_today(self.alliance)
        return {
            "first_day": today,
            "last_day": today + datetime.timedelta(days=27),
            "starts_at": datetime.time(7, 0),
            "ends_at": datetime.time(18, 0),
        }

    def perform(self, form: AvailabilityForm) -> list[SubstituteAvailability]:  # type: ignore[override]
        return services.substitute_availability_set(
            actor=self.request.user, substitute=self.get_substitute(), **form.cleaned_data
        )

    def success_message(self, obj: list[SubstituteAvailability]) -> str:  # type: ignore[override]
        return f"Available on {len(obj)} day{'s' if len(obj) != 1 else ''}."
