"""Cost of care pages: one program's table, chart, CSV and PDF (Hub and that program's provider),
its assumptions form, and the Hub's overview of every member. Figures: costofcare/selectors.py."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.generic import TemplateView, View

from alliance.listing import csv_response
from alliance.pdf import render_pdf
from alliance.views_base import HUB_ONLY, AllianceMixin
from costofcare import services
from costofcare.calc import AGE_GROUPS, LABELS
from costofcare.chart import cost_chart
from costofcare.forms import AssumptionsForm
from costofcare.selectors import (
    ProgramCostOfCare,
    assumption_defaults,
    assumptions_of,
    program_cost_of_care,
    programs_cost_of_care,
)
from members.models import MemberProgram, ProgramStatus
from members.pages import OPERATIONS_EDITORS, ProgramFormPage, ProgramPage

CSV_HEADER = [
    "Age group",
    "Children served",
    "Children per staff",
    "Group size",
    "Staff per group",
    "Classroom personnel per child a month",
    "Rent and occupancy per child a month",
    "Food, supplies and other per child a month",
    "Administration per child a month",
    "Cost per child a month",
    "Rate charged a month",
    "Subsidy paid a month",
    "Gap at the rate",
    "Gap at the subsidy",
]


def csv_rows(figures: ProgramCostOfCare) -> list[list[Any]]:
    rows: list[list[Any]] = [CSV_HEADER]
    if figures.result is None:
        return rows
    for g in figures.result.groups:
        rows.append(
            [
                g.label,
                g.children,
                g.children_per_staff,
                g.group_size,
                g.staff_per_group,
                g.classroom,
                g.occupancy,
                g.other,
                g.admin,
                g.total,
                "" if g.rate is None else g.rate,
                "" if g.subsidy is None else g.subsidy,
                "" if g.gap_at_rate is None else g.gap_at_rate,
                "" if g.gap_at_subsidy is None else g.gap_at_subsidy,
            ]
        )
    return rows


class CostOfCarePage(ProgramPage):
    tab = "cost_of_care"

    def figures(self) -> ProgramCostOfCare:
        if not hasattr(self, "_figures"):
            self._figures = program_cost_of_care(self.program)
        return self._figures

    def subject(self) -> str:
        return "You lose" if not self.membership.is_hub else f"{self.program.name} loses"


class CostOfCareView(CostOfCarePage, TemplateView):
    template_name = "costofcare/program.html"
    title = "Cost of care"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        figures = self.figures()
        context.update(
            figures=figures,
            result=figures.result,
            losses=figures.result.losses(subject=self.subject()) if figures.result else [],
            chart=cost_chart(figures.result) if figures.result else None,
            can_edit=self.membership.may(OPERATIONS_EDITORS),
        )
        return context


class CostOfCareCsvView(CostOfCarePage, View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return csv_response(csv_rows(self.figures()), f"cost-of-care-program-{self.program.pk}")


class CostOfCarePdfView(CostOfCarePage, View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        figures = self.figures()
        html = render_to_string(
            "costofcare/program_pdf.html",
            {
                "alliance": self.alliance,
                "program": self.program,
                "figures": figures,
                "result": figures.result,
                "losses": figures.result.losses(subject=self.subject()) if figures.result else [],
                "chart": cost_chart(figures.result) if figures.result else None,
            },
            request=request,
        )
        response = HttpResponse(render_pdf(html), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="cost-of-care-program-{self.program.pk}.pdf"'
        return response


class AssumptionsEditView(ProgramFormPage):
    allowed_roles = OPERATIONS_EDITORS
    form_class = AssumptionsForm
    title = "Cost of care assumptions"
    submit_label = "Save assumptions"
    intro = (
        "Leave a field blank to use the default shown under it, taken from the program's roster, rooms, "
        "measured costs and rate plans, or the licensing defaults."
    )

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs.update(defaults=assumption_defaults(self.program), instance=assumptions_of(self.program))
        return kwargs

    def perform(self, form: AssumptionsForm) -> Any:
        return services.cost_of_care_assumptions_set(
            actor=self.request.user, program=self.program, values=form.values()
        )

    def success_message(self, obj: Any) -> str:
        return "Cost of care assumptions saved."

    def success_url_for(self, obj: Any) -> str:
        return self.program_url("costofcare:program")


class OverviewView(AllianceMixin, TemplateView):
    """Every member's cost per child beside its rate, by age group (the Hub's)."""

    allowed_roles = HUB_ONLY
    template_name = "costofcare/overview.html"
    title = "Cost of care by member"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        programs = MemberProgram.objects.exclude(status=ProgramStatus.APPLICANT).order_by("name")
        rows = []
        for figures in programs_cost_of_care(programs):
            program = figures.program
            cells = [figures.result.group(g) if figures.result else None for g in AGE_GROUPS]
            losing = [c.label for c in cells if c is not None and c.gap_at_rate is not None and c.gap_at_rate < 0]
            rows.append({"program": program, "figures": figures, "cells": cells, "losing": losing})
        context.update(rows=rows, groups=[LABELS[g] for g in AGE_GROUPS])
        return context
