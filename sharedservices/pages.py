"""Bases of the shared-services pages.

Who may do what: the Hub (admin and staff) runs the substitute pool, fills
cover, keeps the vendor catalogue, places purchase orders, records deliveries
and logs coaching; a provider asks for cover for their own program, cancels it,
orders in an open purchasing cycle and sees their own coaching visits and
goals; funders see none of it (their report shows aggregates only).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.views.generic import FormView

from alliance.dates import alliance_today
from alliance.views_base import HUB_ONLY, AllianceMixin, ServiceFormMixin
from members.models import MemberProgram

SECTIONS = {
    "substitutes": ("Substitute pool", "sharedservices:substitute_list"),
    "cover": ("Cover requests", "sharedservices:cover_list"),
    "purchasing": ("Joint purchasing", "sharedservices:purchasing_home"),
    "coaching": ("Coaching", "sharedservices:coaching_home"),
}


class SharedPage(AllianceMixin):
    allowed_roles = HUB_ONLY
    section: ClassVar[str] = ""
    kwargs: dict[str, Any]

    def visible_programs(self) -> models.QuerySet[MemberProgram]:
        return self.visible(MemberProgram.objects.order_by("name"))

    def section_crumb(self) -> list[tuple[str, str | None]]:
        if not self.section:
            return []
        label, url = SECTIONS[self.section]
        return [(label, self.alliance_url(url))]

    def extra_crumbs(self) -> list[tuple[str, str | None]]:
        return []

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        crumbs: list[tuple[str, str | None]] = [(self.alliance.name, self.alliance_url("alliance:home"))]
        section = self.section_crumb()
        if section and section[0][0] != self.get_title():
            crumbs += section
        return crumbs + self.extra_crumbs() + [(self.get_title(), None)]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(is_hub=self.is_hub, today=alliance_today(self.alliance))
        return context


class SharedFormPage(ServiceFormMixin, SharedPage, FormView):
    """A form whose `perform` calls a service; its ValidationErrors land on the form."""

    template_name = "sharedservices/form.html"
    intro: ClassVar[str] = ""

    def cancel_url(self) -> str:
        return self.section_crumb()[0][1] or "" if self.section else ""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(submit_label=self.submit_label, cancel_url=self.cancel_url(), intro=self.intro)
        return context
