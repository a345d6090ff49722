"""The Hub dashboard, a member's drill-down, the provider's view, CSV downloads, targets.

Pages read snapshots only (metrics/selectors.py); charts and their tables come
from metrics/tables.py, so a page, its CSV and the report agree.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any, ClassVar
from urllib.parse import urlencode

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.views.generic import FormView, TemplateView, View

from alliance.dates import alliance_today, month_or_none
from alliance.disclosure import MIN_MEMBERS
from alliance.formatting import money, pct
from alliance.models import Role
from alliance.views_base import ADMIN_ONLY, HUB_AND_FUNDER, HUB_ONLY, AllianceMixin
from members.models import MemberProgram
from metrics.cache import PAGE_SECONDS, cached_figures, page_key
from metrics.charts import sparkline
from metrics.forms import HubMoneyForm, TargetsForm
from metrics.models import HubMoney
from metrics.pdf import impact_report_pdf
from metrics.reports import ImpactReport, default_period, impact_report
from metrics.selectors import (
    Period,
    ProgramFigures,
    alliance_figures,
    period_of,
    program_benchmark,
    targets_of_alliance,
)
from metrics.services import hub_money_record, targets_update
from metrics.tables import Chart, alliance_charts, benchmark_charts, find_chart, members_chart_rows

PROVIDER_ONLY = frozenset({Role.PROVIDER})
COMPARISON = [
    ("occupancy", "Occupancy", pct),
    ("attendance", "Attendance", pct),
    ("collection_rate", "Collection rate", pct),
    ("bad_debt_rate", "Bad debt (of billed)", pct),
    ("cost_per_child", "Cost per enrolled child", money),
    ("revenue_per_child", "Revenue per enrolled child", money),
    ("gap_per_child", "Revenue − cost per child", money),
    ("admin_share", "Administration share", pct),
]


def _last(value: Any) -> tuple[int, Any]:
    """Sort key that puts unknown figures last."""
    return (1, 0) if value is None else (0, value)


MEMBER_FIGURES = [
    "occupancy",
    "to_target",
    "attendance",
    "open_slots",
    "collection_rate",
    "bad_debt_rate",
    "gap_per_child",
]


def _member_value(program: ProgramFigures, figure: str) -> Any:
    return program.to_target if figure == "to_target" else program.latest_figure(figure)


MEMBER_SORTS: dict[str, Any] = {
    "name": lambda p: (0, p.name.lower()),
    "flags": lambda p: (0, -len(p.flags)),
    **{figure: (lambda p, f=figure: _last(_member_value(p, f))) for figure in MEMBER_FIGURES},
}


def csv_response(chart: Chart, filename: str) -> HttpResponse:
    response = HttpResponse(chart.csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


class PeriodMixin(AllianceMixin):
    """Pages of figures show the month the URL names (`?month=2026-03`), alone or with the 11 before it
    (`?period=t12`); by default the last complete rolled-up month (metrics/selectors.py `period_of`)."""

    def period(self) -> Period:
        if not hasattr(self, "_period"):
            self._period = period_of(
                month=self.request.GET.get("month"),
                period=self.request.GET.get("period"),
                today=alliance_today(self.alliance),
            )
        return self._period

    def period_key(self) -> tuple[str, str] | None:
        """The period's part of a cache key, from the URL alone (no query); None when the month asked for
        is not a month, so that its message, which quotes it, is not cached."""
        text, period = self.request.GET.get("month", ""), self.request.GET.get("period", "")
        month = month_or_none(text)
        if text and month is None:
            return None
        return (f"{month:%Y-%m}" if month else "", period[:8] if period in ("", "month", "t12") else "other")


class DashboardView(PeriodMixin, TemplateView):
    """The Hub's view of the whole alliance: the three corners and every member."""

    allowed_roles = HUB_ONLY
    template_name = "metrics/dashboard.html"

    def get_title(self) -> str:
        return "Alliance dashboard"

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return [(self.alliance.name, None)]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        sort = self.request.GET.get("sort", "name")
        if sort.lstrip("-") not in MEMBER_SORTS:
            sort = "name"
        can_edit = self.membership.may(ADMIN_ONLY)
        # The figures change only when a rollup runs: the rendered body is cached under the snapshots' version
        # (and under the month asked for, the alliance's locale and time zone, which change how it is written).
        period_key = self.period_key()
        key = page_key(
            self.alliance.pk,
            "dashboard",
            sort,
            int(can_edit),
            self.alliance.locale,
            self.alliance.timezone,
            *period_key or (),
        )
        body = cache.get(key) if period_key is not None else None
        if body is None:
            body = render_to_string("metrics/_dashboard_body.html", self.body_context(sort, can_edit))
            if period_key is not None:
                cache.set(key, body, PAGE_SECONDS)
        context["body"] = mark_safe(body)  # noqa: S308 — rendered by our own template, escaped there
        return context

    def body_context(self, sort: str, can_edit: bool) -> dict[str, Any]:
        period = self.period()
        figures = alliance_figures(period=period)
        members = sorted(figures.programs, key=MEMBER_SORTS[sort.lstrip("-")], reverse=sort.startswith("-"))
        return {
            "alliance": self.alliance,
            "period": period,
            "period_params": urlencode(period.params),
            "figures": figures,
            "targets": figures.targets,
            "latest": figures.current,
            "charts": alliance_charts(figures),
            "members": [
                {"program": p, "spark": self._sparkline(p, figures), **{f: _member_value(p, f) for f in MEMBER_FIGURES}}
                for p in members
            ],
            "sort": sort,
            "picker_sort": "" if sort == "name" else sort,
            "sort_columns": [
                ("name", "Program"),
                ("occupancy", "Occupancy"),
                ("to_target", "To target"),
                ("attendance", "Attendance"),
                ("open_slots", "Open slots"),
                ("collection_rate", "Collection"),
                ("bad_debt_rate", "Bad debt"),
                ("gap_per_child", "Revenue − cost per child"),
                ("flags", "Flags"),
            ],
            "can_edit_targets": can_edit,
            "hub": figures.current_hub,
        }

    def _sparkline(self, program: ProgramFigures, figures: Any) -> Any:
        return sparkline(
            program.series(figures.months),
            reference=figures.targets.budget_occupancy,
            label=f"Occupancy of {program.name}, 12 months",
        )


class DashboardCSVView(PeriodMixin, View):
    allowed_roles = HUB_ONLY

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        figures = alliance_figures(period=self.period())
        chart = find_chart([*alliance_charts(figures), members_chart_rows(figures)], kwargs["chart"])
        if chart is None:
            raise Http404("No such chart.")
        return csv_response(chart, f"{self.alliance.slug}-{chart.slug}")


class ProgramMetricsMixin(PeriodMixin):
    """One member's figures beside the alliance's median and quartiles."""

    template_name: str | None = "metrics/program.html"
    csv_url_name: ClassVar[str] = ""  # the page's CSV downloads

    def csv_args(self) -> list[Any]:
        return [self.get_program().pk]

    def program_pk(self) -> Any:
        return self.kwargs["pk"]

    def get_program(self) -> MemberProgram:
        if not hasattr(self, "program"):
            self.program = self.get_for_member(MemberProgram.objects.all(), pk=self.program_pk())
        return self.program

    def charts(self) -> tuple[Any, list[Chart]]:
        self.get_program()
        viewer_is_hub = self.membership.is_hub
        period_key = self.period_key()
        own_label = self.program.name

        def compute() -> tuple[Any, list[Chart]]:
            benchmark = program_benchmark(self.program.pk, viewer_is_hub=viewer_is_hub, period=self.period())
            return benchmark, benchmark_charts(benchmark, own_label=own_label)

        if period_key is None:  # not a month: its message is not cached
            return compute()
        # The charts are kept with the benchmark they draw (drawing five took a few ms a request): under
        # the program's name and the language they are written in too, so a renamed program or another
        # locale's money and percents never come from another's entry.
        return cached_figures(
            self.alliance.pk,
            "benchmark-charts",
            self.program.pk,
            int(viewer_is_hub),
            alliance_today(self.alliance).isoformat(),
            *period_key,
            hashlib.sha256(own_label.encode()).hexdigest()[:16],
            get_language(),
            compute=compute,
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        benchmark, charts = self.charts()
        latest = benchmark.current
        comparison = [
            (
                label,
                fmt(latest.figure(figure) if latest else None),
                *(fmt(getattr(benchmark.current_spread(figure), part, None)) for part in ("q1", "median", "q3")),
                getattr(benchmark.current_spread(figure), "withheld", None),
            )
            for figure, label, fmt in COMPARISON
        ]
        period = self.period()
        context.update(
            program=self.program,
            period=period,
            benchmark=benchmark,
            charts=charts,
            latest=latest,
            comparison=comparison,
            targets=benchmark.targets,
            csv_url_name=self.csv_url_name,
            csv_args=self.csv_args(),
        )
        return context

    def get_title(self) -> str:
        return f"{self.get_program().name}: Iron Triangle"


class ProgramMetricsView(ProgramMetricsMixin, TemplateView):
    allowed_roles = HUB_ONLY
    csv_url_name = "metrics:program_csv"

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        dashboard = self.alliance_url("metrics:dashboard") + self.period().query
        return [(self.alliance.name, dashboard), (self.get_title(), None)]


class ProgramCSVView(ProgramMetricsMixin, View):
    allowed_roles = HUB_ONLY

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _benchmark, charts = self.charts()
        chart = find_chart(charts, kwargs["chart"])
        if chart is None:
            raise Http404("No such chart.")
        return csv_response(chart, f"program-{self.program.pk}-{chart.slug}")


class ProviderProgramMixin(ProgramMetricsMixin):
    """A provider's own program: the same figures, the alliance's median and
    quartiles, and no other member named."""

    allowed_roles = PROVIDER_ONLY

    def program_pk(self) -> Any:
        return self.membership.program_id


class ProviderMetricsView(ProviderProgramMixin, TemplateView):
    csv_url_name = "metrics:my_program_csv"

    def csv_args(self) -> list[Any]:
        return []

    def get_title(self) -> str:
        return "Your Iron Triangle"


class ProviderCSVView(ProviderProgramMixin, View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _benchmark, charts = self.charts()
        chart = find_chart(charts, kwargs["chart"])
        if chart is None:
            raise Http404("No such chart.")
        return csv_response(chart, f"my-program-{chart.slug}")


class TargetsView(AllianceMixin, FormView):
    allowed_roles = ADMIN_ONLY
    template_name = "metrics/targets.html"
    form_class = TargetsForm
    title = "Iron Triangle targets"

    def get_initial(self) -> dict[str, Any]:
        targets = targets_of_alliance()
        # Fractions of four places are percents of two: 0.8500 shows as 85.00, which the form takes back.
        return {name: (getattr(targets, name) * 100).quantize(Decimal("0.01")) for name in TargetsForm.FIELDS}

    def form_valid(self, form: TargetsForm) -> HttpResponse:
        targets_update(actor=self.request.user, values=form.fractions())  # type: ignore[arg-type]
        messages.success(self.request, "Targets saved. The dashboard's flags use them from now on.")
        return redirect("metrics:dashboard", self.alliance.slug)


class HubMoneyView(AllianceMixin, FormView):
    """The Hub's own costs, grants and contracts, month by month (for Hub sustainability)."""

    allowed_roles = ADMIN_ONLY
    template_name = "metrics/hub_money.html"
    form_class = HubMoneyForm
    title = "Hub costs, grants and contracts"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["entries"] = HubMoney.objects.order_by("-month", "kind", "id")[:60]
        return context

    def form_valid(self, form: HubMoneyForm) -> HttpResponse:
        data = form.cleaned_data
        hub_money_record(
            actor=self.request.user,
            month=data["month"],
            kind=data["kind"],  # type: ignore[arg-type]
            amount=data["amount"],
            description=data["description"],
        )
        messages.success(self.request, "Recorded. The next nightly rollup adds it to Hub sustainability.")
        return redirect("metrics:hub_money", self.alliance.slug)


class ImpactReportMixin(AllianceMixin):
    """The funder impact report for the months ?from=YYYY-MM&to=YYYY-MM (default: the last 12)."""

    allowed_roles = HUB_AND_FUNDER

    def report(self) -> ImpactReport | None:
        default = default_period(alliance_today(self.alliance))
        start = month_or_none(self.request.GET.get("from")) or (default[0] if default else None)
        end = month_or_none(self.request.GET.get("to")) or (default[1] if default else None)
        if start is None or end is None:
            return None
        if end < start:
            start, end = end, start
        return cached_figures(
            self.alliance.pk,
            "impact",
            f"{start:%Y-%m}",
            f"{end:%Y-%m}",
            compute=lambda: impact_report(start=start, end=end),
        )


class ReportListView(ImpactReportMixin, TemplateView):
    """Funders' entry point: choose a period; the report opens as a page or a PDF."""

    template_name = "metrics/reports.html"
    title = "Impact reports"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["period"] = default_period(alliance_today(self.alliance))
        return context


class ImpactReportView(ImpactReportMixin, TemplateView):
    template_name = "metrics/impact_report.html"
    title = "Impact report"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(report=self.report(), query=self.request.GET.urlencode(), min_group=MIN_MEMBERS)
        return context

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return [(self.alliance.name, self.alliance_url("metrics:reports")), (self.get_title(), None)]


class ImpactReportPDFView(ImpactReportMixin, View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        report = self.report()
        if report is None:
            raise Http404("No figures to report yet.")
        pdf = impact_report_pdf(report, alliance=self.alliance)
        response = HttpResponse(pdf, content_type="application/pdf")
        name = f"{self.alliance.slug}-impact-{report.start:%Y-%m}-to-{report.end:%Y-%m}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
