"""Scenario planner pages: a member's saved what-ifs (Hub staff and the member's own provider) and
"what membership does for you" (Hub staff). Figures come from planning/report.py."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.views.generic import FormView, TemplateView, View

from alliance.listing import csv_response
from alliance.pdf import render_pdf
from alliance.views_base import HUB_AND_PROVIDER, HUB_ONLY, AllianceMixin, add_errors
from members.models import MemberProgram
from metrics.pdf import svg_data_uri
from planning import services
from planning.forms import CompareForm, ScenarioForm
from planning.models import CHANGE_FIELDS, Scenario
from planning.report import Result, csv_rows, scenario_result

EMPTY_BASELINE = (
    "{name} has no measured months yet: the planner starts from a member's last 12 months with money billed "
    "and licensed places in the nightly figures."
)


class ScenarioMixin(AllianceMixin):
    allowed_roles = HUB_AND_PROVIDER

    def scenarios(self) -> models.QuerySet[Scenario]:
        return self.visible(Scenario.objects.select_related("program", "created_by")).order_by("program__name", "name")

    def get_scenario(self) -> Scenario:
        if not hasattr(self, "scenario"):
            self.scenario = self.get_for_member(Scenario.objects.select_related("program"), pk=self.kwargs["pk"])
        return self.scenario

    def list_crumb(self) -> list[tuple[str, str | None]]:
        return [
            (self.alliance.name, self.alliance_url("alliance:home")),
            ("Scenario planner", self.alliance_url("planning:scenario_list")),
        ]


def changes_described(scenario: Scenario) -> list[tuple[str, str]]:
    """The scenario's changes as (label, value) for the pages and the PDF: only those that change something."""
    shown = []
    for name in CHANGE_FIELDS:
        value = getattr(scenario, name)
        if value is None or (name not in ("occupancy", "collection_rate", "bad_debt_rate", "hub_fee") and not value):
            continue
        field = cast(models.Field, Scenario._meta.get_field(name))
        shown.append((str(field.verbose_name), value))
    return shown


class ScenarioListView(ScenarioMixin, TemplateView):
    template_name = "planning/scenario_list.html"
    title = "Scenario planner"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        scenarios = self.scenarios()
        context.update(
            scenarios=scenarios,
            compare_form=CompareForm(scenarios=scenarios),
            can_compare=len(scenarios) >= 2,
        )
        return context


class ScenarioFormView(ScenarioMixin, FormView):
    template_name = "planning/scenario_form.html"
    form_class = ScenarioForm

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        if "pk" in self.kwargs:
            kwargs["instance"] = self.get_scenario()
        elif self.is_hub:
            kwargs["programs"] = MemberProgram.objects.all()
            if self.request.GET.get("program", "").isdigit():
                kwargs.setdefault("initial", {})["program"] = int(self.request.GET["program"])
        return kwargs

    def get_title(self) -> str:
        return f"Change “{self.get_scenario().name}”" if "pk" in self.kwargs else "New scenario"

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return [*self.list_crumb(), (self.get_title(), None)]

    def form_valid(self, form: ScenarioForm) -> HttpResponse:
        data = {name: form.cleaned_data[name] for name in ["name", *CHANGE_FIELDS]}
        try:
            if "pk" in self.kwargs:
                scenario = services.scenario_update(scenario=self.get_scenario(), actor=self.request.user, data=data)
            else:
                program = form.cleaned_data.get("program") if self.is_hub else self.membership.program
                if program is None:
                    raise Http404
                scenario = services.scenario_create(program=program, actor=self.request.user, data=data)
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Scenario “{scenario.name}” saved.")
        return redirect(self.alliance_url("planning:scenario_detail", scenario.pk))


class ScenarioDetailView(ScenarioMixin, TemplateView):
    template_name = "planning/scenario_detail.html"

    def get_title(self) -> str:
        scenario = self.get_scenario()
        return f"{scenario.program.name}: {scenario.name}"

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return [*self.list_crumb(), (self.get_scenario().name, None)]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        scenario = self.get_scenario()
        result = scenario_result(scenario)
        context.update(
            scenario=scenario,
            changes=changes_described(scenario),
            result=result,
            chart=result.chart(scenario.name) if result else None,
            empty=EMPTY_BASELINE.format(name=scenario.program.name),
            others=self.scenarios().exclude(pk=scenario.pk),
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Delete the scenario (the page's delete button)."""
        scenario = self.get_scenario()
        services.scenario_delete(scenario=scenario, actor=request.user)
        messages.success(request, f"Scenario “{scenario.name}” deleted.")
        return redirect(self.alliance_url("planning:scenario_list"))


class ScenarioCSVView(ScenarioMixin, View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        scenario = self.get_scenario()
        result = scenario_result(scenario)
        if result is None:
            raise Http404("No measured months to project yet.")
        return csv_response(csv_rows(scenario, result), f"scenario-{scenario.pk}-projection")


def scenario_pdf(*, scenario: Scenario, result: Result, alliance: Any) -> bytes:
    html = render_to_string(
        "planning/scenario_pdf.html",
        {
            "scenario": scenario,
            "alliance": alliance,
            "result": result,
            "changes": changes_described(scenario),
            "chart_uri": svg_data_uri(str(result.chart(scenario.name))),
        },
    )
    return render_pdf(html)


class ScenarioPDFView(ScenarioMixin, View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        scenario = self.get_scenario()
        result = scenario_result(scenario)
        if result is None:
            raise Http404("No measured months to project yet.")
        response = HttpResponse(scenario_pdf(scenario=scenario, result=result, alliance=self.alliance))
        response["Content-Type"] = "application/pdf"
        response["Content-Disposition"] = f'attachment; filename="scenario-{scenario.pk}.pdf"'
        return response


class ScenarioCompareView(ScenarioMixin, TemplateView):
    template_name = "planning/scenario_compare.html"
    title = "Compare scenarios"

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return [*self.list_crumb(), (self.title, None)]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        scenarios = self.scenarios()
        form = CompareForm(self.request.GET or None, scenarios=scenarios)
        context["form"] = form
        if self.request.GET and "a" in self.request.GET and "b" in self.request.GET:
            # A scenario the viewer may not see is 404, as on its own page.
            for key in ("a", "b"):
                value = self.request.GET[key]
                if value.isdigit():
                    self.get_for_member(Scenario.objects.all(), pk=int(value))
        if form.is_bound and form.is_valid():
            a, b = form.cleaned_data["a"], form.cleaned_data["b"]
            ra, rb = scenario_result(a), scenario_result(b)
            rows = []
            if ra and rb:
                for row_a, row_b in zip(ra.rows(), rb.rows(), strict=True):
                    rows.append((row_a, row_b))
            context.update(a=a, b=b, result_a=ra, result_b=rb, rows=rows)
        return context


class MembershipEffectView(AllianceMixin, TemplateView):
    """What membership does for you (Hub staff): a member's own before and after since joining, or a
    prospective member's figures with the alliance's measured effects applied."""

    allowed_roles = HUB_ONLY
    template_name = "planning/membership.html"
    title = "What membership does for you"

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return [
            (self.alliance.name, self.alliance_url("alliance:home")),
            ("Scenario planner", self.alliance_url("planning:scenario_list")),
            (self.title, None),
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from alliance.dates import alliance_today
        from metrics.baselines import BASELINE_MONTHS
        from planning.forms import MemberChoiceForm, ProspectForm
        from planning.membership import Prospect, measured_alliance_effects, prospect_result
        from planning.projection import Changes, project
        from planning.report import FIGURES, figure
        from planning.selectors import before_and_after

        context = super().get_context_data(**kwargs)
        params = self.request.GET
        member_form = MemberChoiceForm(params if "program" in params else None, programs=MemberProgram.objects.all())
        prospect_form = ProspectForm(params if "licensed_places" in params else None)
        context.update(member_form=member_form, prospect_form=prospect_form, baseline_months=BASELINE_MONTHS)
        if member_form.is_bound and member_form.is_valid():
            own = before_and_after(member_form.cleaned_data["program"])
            rows = []
            if own.before and own.since:
                before = project(own.before, Changes()).baseline
                since = project(own.since, Changes()).baseline
                nb, ns = len(own.before), len(own.since)
                rows = [
                    (label, kind, figure(before, key, nb, per_month=True), figure(since, key, ns, per_month=True))
                    for key, label, kind in FIGURES
                ]
            context.update(own=own, own_rows=rows)
        if prospect_form.is_bound and prospect_form.is_valid():
            data = prospect_form.cleaned_data
            prospect = Prospect(
                licensed_places=data["licensed_places"],
                enrolled=data["enrolled"],
                billed=data["billed"],
                collection_rate=data["collection_rate"] / 100,
                bad_debt_rate=data["bad_debt_rate"] / 100,
                personnel=data["personnel"],
                food_supplies=data["food_supplies"],
                other_cost=data["other_cost"],
                hub_fee=data["hub_fee"],
            )
            effects = measured_alliance_effects()
            result = prospect_result(prospect, effects, on=alliance_today(self.alliance).replace(day=1))
            context.update(effects=effects, prospect_result=result, prospect_name=data["name"])
        return context
