"""The Today page (the landing page of hub users and providers) and a member's digest preference."""

from __future__ import annotations

from typing import Any

from django import forms
from django.views.generic import FormView, TemplateView

from alliance.dates import alliance_today
from alliance.views_base import ADMIN_ONLY, HUB_AND_PROVIDER, HUB_ONLY, AllianceMixin, ServiceFormMixin
from members.models import MemberProgram
from members.pages import ProgramPage
from today.selectors import TodayContext, today_groups
from today.services import membership_digest_set
from today.start import Checklist, alliance_checklist, members_progress, program_checklist

# The start page lists each member's progress; an alliance past this many is past getting started.
MEMBERS_LISTED = 60


class TodayView(AllianceMixin, TemplateView):
    allowed_roles = HUB_AND_PROVIDER
    template_name = "today/today.html"
    title = "Today"

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return [(self.alliance.name, None)]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        program = None
        programs = None
        if self.is_hub:
            programs = MemberProgram.objects.order_by("name").only("pk", "name")
            wanted = self.request.GET.get("program", "")
            if wanted:
                # Another alliance's program, or no number at all, is a 404 like any other lookup.
                program = self.get_for_member(MemberProgram.objects.all(), pk=wanted if wanted.isdigit() else 0)
        ctx = TodayContext(
            alliance=self.alliance, membership=self.membership, program_id=program.pk if program else None
        )
        groups = today_groups(ctx)
        context.update(start=self.start_checklist())
        context.update(
            groups=groups,
            total=sum(group.count for group in groups),
            program=program,
            programs=programs,
            today=alliance_today(self.alliance),
        )
        return context

    def start_checklist(self) -> Checklist | None:
        """The guided start while it is not complete: the alliance's for hub staff, their own
        program's for a provider."""
        if self.is_hub:
            checklist = alliance_checklist(self.alliance, is_admin=self.membership.may(ADMIN_ONLY))
        elif self.membership.program_id:
            checklist = program_checklist(self.alliance, self.membership.program, is_hub=False, is_admin=False)
        else:
            return None
        return None if checklist.complete else checklist


class DigestPreferenceForm(forms.Form):
    today_digest = forms.BooleanField(
        label="Email me the Today list every morning",
        required=False,
        help_text="One email a day at the alliance's morning, listing what needs doing with a link to each item.",
    )


class DigestPreferenceView(AllianceMixin, ServiceFormMixin, FormView):
    """The signed-in person's own settings in this alliance: the morning Today email."""

    allowed_roles = HUB_AND_PROVIDER
    template_name = "today/preferences.html"
    form_class = DigestPreferenceForm
    title = "Your settings"

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return [(self.alliance.name, self.alliance_url("alliance:home")), ("Today", self.alliance_url("today:today")),
                (self.title, None)]  # fmt: skip

    def get_initial(self) -> dict[str, Any]:
        return {"today_digest": self.membership.today_digest}

    def perform(self, form: DigestPreferenceForm) -> Any:
        return membership_digest_set(
            membership=self.membership, actor=self.request.user, on=form.cleaned_data["today_digest"]
        )

    def success_message(self, obj: Any) -> str:
        if obj.today_digest:
            return f"You will get the Today list by email every morning at {self.alliance.digest_hour:02d}:00."
        return "You will no longer get the Today list by email."

    def success_url_for(self, obj: Any) -> str:
        return self.alliance_url("today:preferences")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["digest_hour"] = f"{self.alliance.digest_hour:02d}:00"
        return context


class AllianceStartView(AllianceMixin, TemplateView):
    """The alliance's guided start (today/start.py): seven steps with progress, each linked to its page."""

    allowed_roles = HUB_ONLY
    template_name = "today/start.html"
    title = "Getting started"

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return [(self.alliance.name, self.alliance_url("today:today")), (self.title, None)]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["checklist"] = alliance_checklist(self.alliance, is_admin=self.membership.may(ADMIN_ONLY))
        context["members"] = members_progress(MEMBERS_LISTED)
        return context


class ProgramStartView(ProgramPage, TemplateView):
    """One member's guided start: the same steps narrowed to it, for hub staff and its provider."""

    template_name = "today/program_start.html"
    title = "Getting started"
    tab = "start"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["checklist"] = program_checklist(
            self.alliance, self.program, is_hub=self.is_hub, is_admin=self.membership.may(ADMIN_ONLY)
        )
        return context
