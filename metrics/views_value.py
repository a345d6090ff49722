"""Value of membership pages: every member's fee against its measured savings and
gains (Hub), and one member's figures with the records behind them (Hub and
that member's provider). The figures come from metrics/value.py."""

from __future__ import annotations

import datetime
from typing import Any

from django.views.generic import TemplateView

from alliance.dates import alliance_today, month_or_none
from alliance.views_base import HUB_AND_PROVIDER, HUB_ONLY, AllianceMixin
from members.models import MemberProgram, ProgramStatus
from metrics.baselines import BASELINE_MONTHS
from metrics.value import ZERO, default_value_period, member_value, members_value


class ValuePeriodMixin(AllianceMixin):
    """The months ?from=YYYY-MM&to=YYYY-MM (default: the three ending with the last complete month)."""

    def period(self) -> tuple[datetime.date, datetime.date]:
        today = alliance_today(self.alliance)
        default_start, default_end = default_value_period(today)
        start = month_or_none(self.request.GET.get("from")) or default_start
        end = month_or_none(self.request.GET.get("to")) or default_end
        return (end, start) if end < start else (start, end)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        start, end = self.period()
        context.update(
            start=start, end=end, baseline_months=BASELINE_MONTHS, query=f"from={start:%Y-%m}&to={end:%Y-%m}"
        )
        return context


class ValueListView(ValuePeriodMixin, TemplateView):
    allowed_roles = HUB_ONLY
    template_name = "metrics/value_list.html"
    title = "Value of membership"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        start, end = self.period()
        programs = list(MemberProgram.objects.exclude(status=ProgramStatus.APPLICANT).order_by("name"))
        values = members_value(programs, start=start, end=end)
        context.update(
            values=values,
            totals={
                name: sum((getattr(v, name) or ZERO for v in values), ZERO)
                for name in (
                    "fee_charged",
                    "purchasing_savings",
                    "cover_hours",
                    "bad_debt_avoided",
                    "revenue_from_occupancy",
                    "measured_value",
                    "net",
                )
            },
        )
        return context


class ValueProgramView(ValuePeriodMixin, TemplateView):
    allowed_roles = HUB_AND_PROVIDER
    template_name = "metrics/value_program.html"

    def get_program(self) -> MemberProgram:
        if not hasattr(self, "program"):
            self.program = self.get_for_member(MemberProgram.objects.all(), pk=self.kwargs["pk"])
        return self.program

    def get_title(self) -> str:
        return f"{self.get_program().name}: value of membership"

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        crumbs: list[tuple[str, str | None]] = [(self.alliance.name, self.alliance_url("alliance:home"))]
        if self.membership.is_hub:
            crumbs.append(("Value of membership", self.alliance_url("metrics:value_list")))
        return crumbs + [(self.get_title(), None)]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        start, end = self.period()
        context.update(
            value=member_value(self.get_program(), start=start, end=end, viewer_is_hub=self.membership.is_hub),
            program=self.get_program(),
            is_hub=self.membership.is_hub,
        )
        return context
