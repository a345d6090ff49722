"""Coaching and quality support: visits, goals, and the quality calendar with the at-risk list."""

from __future__ import annotations

from typing import Any

from django.views.generic import TemplateView

from alliance.dates import alliance_today
from alliance.views_base import HUB_AND_PROVIDER
from members.models import MemberProgram
from sharedservices import services
from sharedservices.forms import CoachVisitForm, GoalForm, GoalUpdateForm
from sharedservices.models import OPEN_GOAL_STATUSES, CoachingGoal, CoachVisit, GoalStatus
from sharedservices.pages import SharedFormPage, SharedPage
from sharedservices.quality import (
    AT_RISK_DAYS,
    CALENDAR_DAYS,
    LICENSE_TERM_MONTHS,
    PREP_LOOKBACK_DAYS,
    QRIS_TERM_MONTHS,
    members_at_risk,
    quality_calendar,
    upcoming_for_program,
)

RECENT_VISITS = 50


class CoachingHomeView(SharedPage, TemplateView):
    allowed_roles = HUB_AND_PROVIDER
    template_name = "sharedservices/coaching_home.html"
    section = "coaching"
    title = "Coaching and quality support"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        today = alliance_today(self.alliance)
        program = None if self.is_hub else self.membership.program
        goals = list(self.visible(CoachingGoal.objects.select_related("program")).order_by("due_on", "id"))
        context.update(
            visits=self.visible(CoachVisit.objects.select_related("program"))[:RECENT_VISITS],
            open_goals=[g for g in goals if g.status in OPEN_GOAL_STATUSES],
            closed_goals=[g for g in goals if g.status not in OPEN_GOAL_STATUSES][-20:],
            upcoming=upcoming_for_program(program, today=today) if program else [],
        )
        return context


class VisitCreateView(SharedFormPage):
    form_class = CoachVisitForm
    section = "coaching"
    title = "Log a coaching visit"

    def get_initial(self) -> dict[str, Any]:
        return {"visited_on": alliance_today(self.alliance), "program": self.request.GET.get("program")}

    def perform(self, form: CoachVisitForm) -> CoachVisit:
        return services.coach_visit_create(actor=self.request.user, **form.cleaned_data)

    def success_message(self, obj: CoachVisit) -> str:
        return f"Visit to {obj.program} logged."

    def success_url_for(self, obj: CoachVisit) -> str:
        return self.alliance_url("sharedservices:visit_detail", obj.pk)


class VisitDetailView(SharedPage, TemplateView):
    allowed_roles = HUB_AND_PROVIDER
    template_name = "sharedservices/visit_detail.html"
    section = "coaching"

    def get_visit(self) -> CoachVisit:
        if not hasattr(self, "visit"):
            self.visit = self.get_for_member(CoachVisit.objects.select_related("program"), pk=self.kwargs["pk"])
        return self.visit

    def get_title(self) -> str:
        visit = self.get_visit()
        return f"{visit.program}: {visit.get_focus_display().lower()} visit on {visit.visited_on}"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(visit=self.get_visit(), goals=CoachingGoal.objects.filter(visit=self.get_visit()))
        return context


class GoalCreateView(SharedFormPage):
    form_class = GoalForm
    section = "coaching"
    title = "Set a coaching goal"

    def get_initial(self) -> dict[str, Any]:
        visit = self.request.GET.get("visit", "")
        if visit.isdigit():
            found = CoachVisit.objects.filter(pk=int(visit)).first()
            if found:
                return {"visit": found.pk, "program": found.program_id, "focus": found.focus}
        return {}

    def perform(self, form: GoalForm) -> CoachingGoal:
        return services.coaching_goal_create(actor=self.request.user, **form.cleaned_data)

    def success_message(self, obj: CoachingGoal) -> str:
        return f"Goal set for {obj.program}: {obj.title}, due {obj.due_on}."

    def success_url_for(self, obj: CoachingGoal) -> str:
        return self.alliance_url("sharedservices:coaching_home")


class GoalEditView(SharedFormPage):
    form_class = GoalUpdateForm
    section = "coaching"
    title = "Update a goal"

    def get_goal(self) -> CoachingGoal:
        if not hasattr(self, "goal"):
            self.goal = self.get_for_member(CoachingGoal.objects.select_related("program"), pk=self.kwargs["pk"])
        return self.goal

    def get_title(self) -> str:
        return f"{self.get_goal().program}: {self.get_goal().title}"

    def get_initial(self) -> dict[str, Any]:
        g = self.get_goal()
        return {"title": g.title, "due_on": g.due_on, "status": g.status, "notes": g.notes}

    def perform(self, form: GoalUpdateForm) -> CoachingGoal:
        return services.coaching_goal_update(actor=self.request.user, goal=self.get_goal(), data=form.cleaned_data)

    def success_message(self, obj: CoachingGoal) -> str:
        return f"Goal updated: {obj.get_status_display().lower()}."

    def success_url_for(self, obj: Any) -> str:
        return self.alliance_url("sharedservices:coaching_home")


class QualityCalendarView(SharedPage, TemplateView):
    template_name = "sharedservices/quality_calendar.html"
    section = "coaching"
    title = "Licensing and QRIS calendar"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        today = alliance_today(self.alliance)
        programs = MemberProgram.objects.all()
        context.update(
            calendar=quality_calendar(programs, today=today),
            at_risk=members_at_risk(programs, today=today),
            calendar_days=CALENDAR_DAYS,
            at_risk_days=AT_RISK_DAYS,
            prep_days=PREP_LOOKBACK_DAYS,
            license_months=LICENSE_TERM_MONTHS,
            qris_months=QRIS_TERM_MONTHS,
            goal_statuses=GoalStatus,
        )
        return context
