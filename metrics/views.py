from __future__ import annotations

from typing import Any

from django.views.generic import TemplateView

from alliance.views_base import HUB_AND_FUNDER, HUB_ONLY, AllianceMixin
from members.selectors import program_counts, programs_with_provider_counts


class DashboardView(AllianceMixin, TemplateView):
    """The Hub's view of the whole alliance. Iron Triangle figures arrive with the
    metrics rollups; until then it shows only counts that exist."""

    allowed_roles = HUB_ONLY
    template_name = "metrics/dashboard.html"

    def get_title(self) -> str:
        return "Alliance dashboard"

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return [(self.alliance.name, None)]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["counts"] = program_counts()
        context["programs"] = programs_with_provider_counts()
        return context


class ReportListView(AllianceMixin, TemplateView):
    """Funders' entry point: the alliance's impact reports."""

    allowed_roles = HUB_AND_FUNDER
    template_name = "metrics/reports.html"
    title = "Impact reports"
