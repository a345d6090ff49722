"""Bases of the member pages: one program from the URL, its tabs, its forms.

Who may change what (DESIGN.md): hub staff edit a member's operational data,
the hub administrator also its membership status and fee agreements, and a
provider their own roster, classrooms and costs.
"""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

from django.http import HttpRequest, HttpResponseBase
from django.views.generic import FormView

from alliance.dates import alliance_today, month_start
from alliance.views_base import ADMIN_ONLY, HUB_AND_PROVIDER, HUB_ONLY, AllianceMixin, ServiceFormMixin
from members.models import MemberProgram

PROFILE_EDITORS = HUB_ONLY
OPERATIONS_EDITORS = HUB_AND_PROVIDER  # roster, classrooms, costs
AGREEMENT_EDITORS = ADMIN_ONLY  # membership status, catalogue, fee agreements

PROGRAM_TABS = [
    ("overview", "Profile", "members:program_detail"),
    ("start", "Getting started", "today:program_start"),
    ("sites", "Sites & classrooms", "members:program_sites"),
    ("staff", "Staff", "members:program_staff"),
    ("costs", "Costs", "members:program_costs"),
    ("cost_of_care", "Cost of care", "costofcare:program"),
    ("budget", "Budget", "budgets:budget_current"),  # a later app, named by URL only
    ("quality", "Quality & licensing", "members:program_quality"),
    ("services", "Hub services", "members:program_services"),
    ("kiosk", "Door kiosk", "outreach:kiosk_devices"),
]


class _ProgramFromURL:
    """Runs inside the alliance scope (after AllianceMixin.dispatch opened it)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.program = self.get_for_member(  # type: ignore[attr-defined]
            MemberProgram.objects.all(), pk=kwargs["program_pk"]
        )
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class ProgramPage(AllianceMixin, _ProgramFromURL):
    """A page of one member program. 404 unless the member may see the program."""

    allowed_roles = HUB_AND_PROVIDER
    tab: ClassVar[str] = ""
    program: MemberProgram

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        crumbs: list[tuple[str, str | None]] = [(self.alliance.name, self.alliance_url("alliance:home"))]
        if self.membership.is_hub:
            crumbs.append(("Member programs", self.alliance_url("members:program_list")))
        title = self.get_title()
        if title and title != self.program.name:
            crumbs.append((self.program.name, self.program_url("members:program_detail")))
            crumbs.append((title, None))
        else:
            crumbs.append((self.program.name, None))
        return crumbs

    def get_title(self) -> str:
        return self.title or self.program.name

    def program_url(self, name: str, *args: Any) -> str:
        return self.alliance_url(name, self.program.pk, *args)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            program=self.program,
            tab=self.tab,
            tabs=[(key, label, self.program_url(url)) for key, label, url in PROGRAM_TABS],
            can_edit_profile=self.membership.may(PROFILE_EDITORS),
            can_edit_operations=self.membership.may(OPERATIONS_EDITORS),
            can_manage_agreements=self.membership.may(AGREEMENT_EDITORS),
        )
        return context


class ProgramFormPage(ServiceFormMixin, ProgramPage, FormView):
    """A form about one program. `perform` calls a service; its ValidationErrors
    land on the form, and nothing is saved."""

    template_name = "members/form.html"
    intro: ClassVar[str] = ""

    def success_url_for(self, obj: Any) -> str:
        return self.program_url("members:program_detail")

    def cancel_url(self) -> str:
        return self.success_url_for(None)

    def default_from(self, *, setting_up: bool) -> datetime.date:
        """The date a new room's capacity or a new staff member's start is offered from: the
        program's join date while it is being set up (nothing of the kind yet, so its past
        months can be entered), else the first of the current month. Always shown, never hidden."""
        first = month_start(alliance_today(self.alliance))
        joined = self.program.joined_on
        return joined if setting_up and joined is not None and joined < first else first

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(submit_label=self.submit_label, cancel_url=self.cancel_url(), intro=self.intro)
        return context
