from __future__ import annotations

from typing import Any

from django.views.generic import DetailView

from alliance.models import AuditEvent, Membership
from alliance.views_base import HUB_AND_PROVIDER, AllianceMixin
from members.models import MemberProgram


class ProgramDetailView(AllianceMixin, DetailView):
    """A member program's page: the Hub's view of it and the provider's portal."""

    allowed_roles = HUB_AND_PROVIDER
    template_name = "members/program_detail.html"
    context_object_name = "program"

    def get_object(self, queryset=None) -> MemberProgram:  # type: ignore[no-untyped-def]
        return self.get_for_member(MemberProgram.objects.all(), pk=self.kwargs["pk"])

    def get_title(self) -> str:
        return self.object.name

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        crumbs: list[tuple[str, str | None]] = [(self.alliance.name, self.alliance_url("alliance:home"))]
        if self.membership.is_hub:
            crumbs.append(("Member programs", self.alliance_url("metrics:dashboard")))
        crumbs.append((self.object.name, None))
        return crumbs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["providers"] = Membership.objects.filter(
            program=self.object, is_active=True
        ).select_related("user")
        context["recent_events"] = AuditEvent.objects.filter(program=self.object)[:10]
        return context
