"""Staff roster, credentials and the list of credentials about to expire."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.views.generic import ListView, TemplateView

from alliance.dates import alliance_today
from alliance.views_base import HUB_AND_PROVIDER, AllianceMixin
from members import services
from members.forms import CredentialForm, StaffForm
from members.models import Credential, MemberProgram, StaffMember
from members.pages import OPERATIONS_EDITORS, ProgramFormPage, ProgramPage
from members.selectors import (
    EXPIRY_WARNING_DAYS,
    credentials_expiring,
    personnel_cost_from_roster,
    staff_active_on,
    staff_monthly_cost_full,
    to_cents,
)


class ProgramStaffView(ProgramPage, TemplateView):
    template_name = "members/program_staff.html"
    tab = "staff"
    title = "Staff"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        today = alliance_today(self.alliance)
        show_former = self.request.GET.get("show") == "all"
        staff = StaffMember.objects.filter(program=self.program).select_related("site")
        staff = staff.prefetch_related(
            Prefetch("credentials", queryset=Credential.objects.order_by("expires_on", "name"))
        )
        roster = staff if show_former else staff_active_on(staff, today)
        warn_until = today + datetime.timedelta(days=EXPIRY_WARNING_DAYS)
        rows = [
            {
                "member": member,
                "monthly_cost": to_cents(staff_monthly_cost_full(member)),
                "active": member.is_active_on(today),
                "expiring": [c for c in member.credentials.all() if c.expires_on and c.expires_on <= warn_until],
            }
            for member in roster
        ]
        page = Paginator(rows, 100).get_page(self.request.GET.get("page"))
        context.update(
            rows=list(page),
            page_obj=page,
            paginator=page.paginator,
            is_paginated=page.has_other_pages(),
            query_string="show=all" if show_former else "",
            show_former=show_former,
            today=today,
            personnel=personnel_cost_from_roster(self.program, today),
            former_count=staff.count() - staff_active_on(staff, today).count(),
            warning_days=EXPIRY_WARNING_DAYS,
        )
        return context


class StaffMixin:
    def get_staff(self) -> StaffMember:
        if not hasattr(self, "staff"):
            self.staff = self.get_for_member(  # type: ignore[attr-defined]
                StaffMember.objects.filter(program=self.program).select_related("site"),  # type: ignore[attr-defined]
                pk=self.kwargs["pk"],  # type: ignore[attr-defined]
            )
        return self.staff


class StaffCreateView(ProgramFormPage):
    allowed_roles = OPERATIONS_EDITORS
    form_class = StaffForm
    title = "Add a staff member"

    def get_initial(self) -> dict[str, Any]:
        setting_up = not StaffMember.objects.filter(program=self.program).exists()
        return {"started_on": self.default_from(setting_up=setting_up), "fte": "1.00", "benefits_annual": "0.00"}

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "program": self.program}

    def perform(self, form: StaffForm) -> StaffMember:
        return services.staff_create(actor=self.request.user, program=self.program, **form.cleaned_data)

    def success_message(self, obj: StaffMember) -> str:
        return f"{obj} saved."

    def success_url_for(self, obj: StaffMember | None) -> str:
        if obj is None:
            return self.program_url("members:program_staff")
        return self.program_url("members:staff_detail", obj.pk)


class StaffEditView(StaffMixin, StaffCreateView):
    title = "Edit staff member"

    def get_initial(self) -> dict[str, Any]:
        return {}

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "instance": self.get_staff()}

    def perform(self, form: StaffForm) -> StaffMember:
        return services.staff_update(actor=self.request.user, staff=self.get_staff(), data=form.cleaned_data)

    def cancel_url(self) -> str:
        return self.success_url_for(self.get_staff())


class StaffDetailView(StaffMixin, ProgramPage, TemplateView):
    template_name = "members/staff_detail.html"
    tab = "staff"

    def get_title(self) -> str:
        return self.get_staff().full_name

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        crumbs = super().get_breadcrumbs()
        crumbs.insert(-1, ("Staff", self.program_url("members:program_staff")))
        return crumbs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        member = self.get_staff()
        today = alliance_today(self.alliance)
        context.update(
            member=member,
            today=today,
            warn_until=today + datetime.timedelta(days=EXPIRY_WARNING_DAYS),
            credentials=Credential.objects.filter(staff=member).order_by("expires_on", "name"),
            monthly_cost=to_cents(staff_monthly_cost_full(member)),
        )
        return context


class CredentialCreateView(StaffMixin, ProgramFormPage):
    allowed_roles = OPERATIONS_EDITORS
    form_class = CredentialForm
    title = "Add a credential"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "instance": Credential(staff=self.get_staff())}

    def perform(self, form: CredentialForm) -> Credential:
        return services.credential_create(actor=self.request.user, staff=self.get_staff(), **form.cleaned_data)

    def success_message(self, obj: Credential) -> str:
        return f"{obj} saved for {self.get_staff()}."

    def success_url_for(self, obj: Any) -> str:
        return self.program_url("members:staff_detail", self.get_staff().pk)


class CredentialEditView(CredentialCreateView):
    title = "Edit credential"

    def get_form_kwargs(self) -> dict[str, Any]:
        self.credential = self.get_for_member(
            Credential.objects.filter(staff=self.get_staff()), pk=self.kwargs["credential_pk"]
        )
        return {**ProgramFormPage.get_form_kwargs(self), "instance": self.credential}

    def perform(self, form: CredentialForm) -> Credential:
        return services.credential_update(actor=self.request.user, credential=self.credential, data=form.cleaned_data)


class ExpiringCredentialsView(AllianceMixin, ListView):
    """Credentials of current staff expired or expiring within 60 days: the Hub sees
    every program's, a provider their own."""

    allowed_roles = HUB_AND_PROVIDER
    template_name = "members/credentials_expiring.html"
    context_object_name = "credentials"
    paginate_by = 100
    title = f"Credentials expiring within {EXPIRY_WARNING_DAYS} days"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        credentials = self.visible(Credential.objects.all())
        self.program = None
        program_id = self.request.GET.get("program", "")
        if program_id:
            self.program = self.get_for_member(MemberProgram.objects.all(), pk=program_id)
            credentials = credentials.filter(staff__program=self.program)
        return credentials_expiring(credentials)

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        crumbs: list[tuple[str, str | None]] = [(self.alliance.name, self.alliance_url("alliance:home"))]
        if self.membership.is_hub:
            crumbs.append(("Member programs", self.alliance_url("members:program_list")))
        else:
            crumbs.append(("My program", self.alliance_url("members:program_detail", self.membership.program_id)))
        crumbs.append((self.title, None))
        return crumbs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        today = alliance_today(self.alliance)
        context.update(
            today=today,
            warning_days=EXPIRY_WARNING_DAYS,
            program=self.program,
            until=today + datetime.timedelta(days=EXPIRY_WARNING_DAYS),
        )
        return context
