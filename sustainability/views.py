"""Pages of the Hub's sustainability plan.

Hub roles see and change the plan, its projection, the fee structures side by side (what each costs
every member), CSV and PDF. Funders see the aggregate view only (selectors.plan_funder_view, through
the disclosure rule). Providers get 404 on every page here: the plan is not theirs to know of.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.contrib import messages
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.views.generic import FormView, TemplateView, View

from alliance.dates import alliance_today
from alliance.disclosure import MIN_MEMBERS
from alliance.formatting import money
from alliance.listing import csv_response
from alliance.models import Role
from alliance.pdf import render_pdf
from alliance.views_base import HUB_AND_FUNDER, HUB_ONLY, AllianceMixin, ServiceFormMixin
from metrics.charts import Series, line_chart
from metrics.pdf import svg_data_uri
from sustainability.forms import ContractForm, GrantForm, PlanForm
from sustainability.models import Contract, Grant, Plan
from sustainability.projection import FeeStructure, Projection
from sustainability.selectors import (
    FunderView,
    measured_hub_year,
    plan_comparison,
    plan_contracts,
    plan_funder_view,
    plan_grants,
    plan_of_alliance,
    plan_projection,
)
from sustainability.services import funding_create, funding_delete, funding_update, plan_save


class PlanMixin(AllianceMixin):
    """Not for providers, who get 404 (the plan's pages do not exist for them); `page_roles` decides the rest."""

    page_roles: ClassVar[frozenset[str]] = HUB_ONLY

    def roles_allowed(self) -> frozenset[str]:
        if self.membership.role == Role.PROVIDER:
            raise Http404("No such page.")
        return self.page_roles

    def plan_or_404(self) -> Plan:
        plan = plan_of_alliance()
        if plan is None:
            raise Http404("The Hub has no sustainability plan yet.")
        return plan

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        crumbs = super().get_breadcrumbs()
        if self.membership.is_hub and self.title != PlanView.title:
            crumbs.insert(1, (PlanView.title, self.alliance_url("sustainability:plan")))
        return crumbs


def projection_chart(projection: Projection) -> Any:
    years = projection.years
    return line_chart(
        title="Hub cost, member fees and all income by year",
        labels=[str(y.year) for y in years],
        series=[
            Series("Hub cost", [y.cost for y in years]),
            Series("Member fees", [y.fees for y in years]),
            Series("Fees + contracts + grants", [y.income for y in years], dashed=True),
        ],
        fmt=money,
    )


class PlanView(PlanMixin, TemplateView):
    template_name = "sustainability/plan.html"
    title = "Hub sustainability plan"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        plan = plan_of_alliance()
        context.update(plan=plan, measured=measured_hub_year())
        if plan is not None:
            projection = plan_projection(plan)
            context.update(
                projection=projection,
                chart=projection_chart(projection),
                grants=plan_grants(plan),
                contracts=plan_contracts(plan),
                structure_label=FeeStructure.label(plan.fee_structure),
            )
        return context


class PlanEditView(PlanMixin, ServiceFormMixin, FormView):
    template_name = "members/form.html"
    form_class = PlanForm
    title = "Edit the sustainability plan"

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        plan = plan_of_alliance()
        if plan is None:
            measured = measured_hub_year()
            plan = Plan(start_year=alliance_today().year + 1, staff_cost=measured.hub_cost, overhead_cost=Decimal(0))
        kwargs["instance"] = plan
        return kwargs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        measured = measured_hub_year()
        intro = (
            "Year 1's cost starts from what the Hub measured; fees use each member's licensed slots and collections."
        )
        if measured.months:
            intro += (
                f" Measured over the last {measured.months} months: Hub cost {money(measured.hub_cost)}, "
                f"Hub fees invoiced to members {money(measured.member_fees)}."
            )
        context.update(intro=intro, cancel_url=self.alliance_url("sustainability:plan"))
        return context

    def perform(self, form: PlanForm) -> Plan:
        return plan_save(actor=self.request.user, data={k: form.cleaned_data[k] for k in PlanForm.Meta.fields})

    def success_message(self, obj: Any) -> str:
        return "Plan saved. The projection below uses it."

    def success_url_for(self, obj: Any) -> str:
        return self.alliance_url("sustainability:plan")


class FundingMixin(PlanMixin):
    model: ClassVar[type[Grant] | type[Contract]] = Grant

    @property
    def kind(self) -> str:
        return "grant" if self.model is Grant else "contract"

    def row_or_404(self) -> Grant | Contract:
        qs: models.QuerySet[Any] = self.model.objects.all()
        return self.get_for_member(qs, pk=self.kwargs["pk"])


class FundingEditView(FundingMixin, ServiceFormMixin, FormView):
    template_name = "members/form.html"

    def get_title(self) -> str:
        return f"Edit {self.kind}" if "pk" in self.kwargs else f"Add a {self.kind}"

    def get_form_class(self) -> Any:
        return GrantForm if self.model is Grant else ContractForm

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        self.plan = self.plan_or_404()
        if "pk" in self.kwargs:
            kwargs["instance"] = self.row_or_404()
        return kwargs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            intro=f"The amount is spread evenly over the months from its start to its end ({self.plan}).",
            cancel_url=self.alliance_url("sustainability:plan"),
        )
        return context

    def perform(self, form: Any) -> Any:
        data = {k: form.cleaned_data[k] for k in form.Meta.fields}
        if "pk" in self.kwargs:
            return funding_update(actor=self.request.user, row=self.row_or_404(), data=data)
        return funding_create(actor=self.request.user, plan=self.plan, model=self.model, data=data)

    def success_message(self, obj: Any) -> str:
        return f"{self.kind.capitalize()} {obj.name} saved."

    def success_url_for(self, obj: Any) -> str:
        return self.alliance_url("sustainability:plan")


class FundingDeleteView(FundingMixin, View):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        row = self.row_or_404()
        funding_delete(actor=request.user, row=row)
        messages.success(request, f"{self.kind.capitalize()} {row.name} removed from the plan.")
        return redirect("sustainability:plan", self.alliance.slug)


class CompareView(PlanMixin, TemplateView):
    template_name = "sustainability/compare.html"
    title = "Fee structures side by side"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        plan = self.plan_or_404()
        compared = plan_comparison(plan)
        rows = []
        for index, fee in enumerate(compared[0].projection.member_fees):
            rows.append((fee, [c.projection.member_fees[index].annual_fee for c in compared]))
        context.update(plan=plan, compared=compared, rows=rows)
        return context


def _plan_rows(projection: Projection) -> list[list[Any]]:
    rows: list[list[Any]] = [
        ["Period", "Members", "Staff", "Overhead", "Hub cost", "Member fees", "Contracts", "Grants", "Surplus"]
    ]
    for year in projection.years:
        for line in (*year.months, year):
            rows.append(
                [
                    line.label if line is not year else f"{year.year} total",
                    line.members,
                    *(
                        v
                        for v in (
                            line.staff,
                            line.overhead,
                            line.cost,
                            line.fees,
                            line.contracts,
                            line.grants,
                            line.surplus,
                        )
                    ),
                ]
            )
    coverage = projection.coverage_year
    rows.append(["Fees alone cover cost from", coverage if coverage else "Not within the plan"])
    return rows


class PlanCSVView(PlanMixin, View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return csv_response(_plan_rows(plan_projection(self.plan_or_404())), "sustainability-plan")


class CompareCSVView(PlanMixin, View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        compared = plan_comparison(self.plan_or_404())
        rows: list[list[Any]] = [
            ["Member", "Licensed slots", "Annual collections", "Joins in", *(c.label for c in compared)]
        ]
        for index, fee in enumerate(compared[0].projection.member_fees):
            rows.append(
                [
                    fee.name,
                    fee.licensed_slots,
                    fee.annual_collections,
                    fee.joins_in or "",
                    *(c.projection.member_fees[index].annual_fee for c in compared),
                ]
            )
        rows.append(
            [
                "Fees alone cover cost from",
                "",
                "",
                "",
                *(c.projection.coverage_year or "Not within the plan" for c in compared),
            ]
        )
        return csv_response(rows, "sustainability-fee-structures")


class PlanPDFView(PlanMixin, View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        plan = self.plan_or_404()
        projection = plan_projection(plan)
        html = render_to_string(
            "sustainability/plan_pdf.html",
            {
                "alliance": self.alliance,
                "plan": plan,
                "projection": projection,
                "chart_uri": svg_data_uri(str(projection_chart(projection))),
                "grants": plan_grants(plan),
                "contracts": plan_contracts(plan),
                "structure_label": FeeStructure.label(plan.fee_structure),
            },
        )
        response = HttpResponse(render_pdf(html), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{self.alliance.slug}-sustainability-plan.pdf"'
        return response


class FunderPlanView(PlanMixin, TemplateView):
    """The plan's aggregate view: totals a year and the coverage year, no member's figure."""

    page_roles = HUB_AND_FUNDER
    template_name = "sustainability/funder.html"
    title = "The Hub's road to sustainability"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        plan = plan_of_alliance()
        context.update(
            view=plan_funder_view(plan) if plan else None,
            min_group=MIN_MEMBERS,
        )
        return context


def funder_view_rows(view: FunderView) -> list[list[Any]]:
    """The funder's view as CSV rows: a year a row; a withheld figure is blank, its reason in `note`."""
    rows: list[list[Any]] = [["year", "members", "hub_cost", "member_fees", "contracts", "grants", "surplus", "note"]]
    for y in view.years:
        rows.append(
            [
                y.year,
                y.members,
                y.cost,
                "" if y.fees is None else y.fees,
                y.contracts,
                y.grants,
                "" if y.surplus is None else y.surplus,
                view.withheld or "",
            ]
        )
    coverage = "" if view.withheld else view.coverage_year or "not within the plan"
    rows.append(["fees alone cover cost from", "", "", "", "", "", coverage, view.withheld or ""])
    return rows


class FunderExportMixin(PlanMixin):
    """The funder's view as a file: the same selector, so the same disclosure, as the page."""

    page_roles = HUB_AND_FUNDER

    def funder_view(self) -> FunderView:
        return plan_funder_view(self.plan_or_404())


class FunderCSVView(FunderExportMixin, View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return csv_response(funder_view_rows(self.funder_view()), f"{self.alliance.slug}-road-to-sustainability")


class FunderPDFView(FunderExportMixin, View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        html = render_to_string(
            "sustainability/funder_pdf.html", {"alliance": self.alliance, "view": self.funder_view()}
        )
        response = HttpResponse(render_pdf(html), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{self.alliance.slug}-road-to-sustainability.pdf"'
        return response
