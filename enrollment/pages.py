"""Bases of the enrollment pages.

Who may do what (DESIGN.md): hub staff see and change the whole alliance's
families, enrollments, attendance and waitlists, make offers and may override
a capacity or age refusal with a written reason; a provider does the same for
their own program (its classrooms, enrollments, attendance and waitlist) and
sees families once a child is enrolled with them; funders see none of it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.views.generic import FormView

from alliance.dates import alliance_today
from alliance.views_base import HUB_AND_PROVIDER, AllianceMixin, ServiceFormMixin
from enrollment.selectors import classrooms_for_enrollment
from members.models import Classroom, MemberProgram

SECTIONS = {
    "vacancies": ("Vacancies", "enrollment:vacancy_board"),
    "families": ("Families", "enrollment:family_list"),
    "enrollments": ("Enrollment", "enrollment:enrollment_list"),
    "attendance": ("Attendance", "enrollment:attendance_home"),
    "waitlist": ("Waitlist", "enrollment:waitlist"),
    "offers": ("Offers", "enrollment:offer_list"),
    "settings": ("Age groups", "enrollment:age_bands"),
}


class EnrollmentPage(AllianceMixin):
    allowed_roles = HUB_AND_PROVIDER
    section: ClassVar[str] = ""
    kwargs: dict[str, Any]

    def program_ids(self) -> list[int] | None:
        """None for hub users (every program); the provider's own program otherwise."""
        return None if self.is_hub else [self.membership.program_id or 0]

    @property
    def program_name(self) -> str:
        program = self.membership.program
        return program.name if program is not None else ""

    def visible_programs(self) -> models.QuerySet[MemberProgram]:
        return self.visible(MemberProgram.objects.order_by("name"))

    def visible_classrooms(self) -> models.QuerySet[Classroom]:
        return classrooms_for_enrollment(self.program_ids())

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        crumbs: list[tuple[str, str | None]] = [(self.alliance.name, self.alliance_url("alliance:home"))]
        if self.section:
            label, url_name = SECTIONS[self.section]
            if label != self.get_title():
                crumbs.append((label, self.alliance_url(url_name)))
        crumbs.extend(self.extra_crumbs())
        crumbs.append((self.get_title(), None))
        return crumbs

    def extra_crumbs(self) -> list[tuple[str, str | None]]:
        return []

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(is_hub=self.is_hub, today=alliance_today(self.alliance))
        return context


class EnrollmentFormPage(ServiceFormMixin, EnrollmentPage, FormView):
    """A form whose `perform` calls a service; its ValidationErrors land on the
    form and nothing is saved."""

    template_name = "enrollment/form.html"
    intro: ClassVar[str] = ""

    def cancel_url(self) -> str | None:
        return None

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(submit_label=self.submit_label, cancel_url=self.cancel_url(), intro=self.intro)
        return context
