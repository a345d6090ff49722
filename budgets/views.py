"""A member program's budget: budget against actual (page, CSV, PDF), the edit grid and
"start from last year's actuals". Hub staff and the program's own provider; another program's
provider and other alliances get 404 (members.pages.ProgramPage), funders 403."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.views.generic import TemplateView, View

from alliance.dates import alliance_today, month_or_none
from alliance.listing import csv_response
from alliance.pdf import render_pdf
from alliance.views_base import HUB_AND_PROVIDER
from budgets import services
from budgets.cashflow import (
    HORIZON_DAYS,
    CashFlowForecast,
    cash_amount,
    cash_flow_csv_rows,
    cash_flow_forecast,
)
from budgets.models import COST_KINDS, FIRST_YEAR, INCOME_KINDS, LAST_YEAR, Budget
from budgets.selectors import (
    LINE_LABELS,
    MONTHS,
    VARIANCE_FLAG_PERCENT,
    budget_of,
    budget_plan,
    budget_vs_actual,
    budget_vs_actual_csv_rows,
    budgets_of,
    cell_key_line,
    cell_key_plan,
)
from members.pages import ProgramPage

BUDGET_EDITORS = HUB_AND_PROVIDER


class BudgetPage(ProgramPage):
    allowed_roles = HUB_AND_PROVIDER
    tab = "budget"

    def year(self) -> int:
        year = int(self.kwargs["year"])
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise Http404("No such year.")
        return year

    def budget(self) -> Budget | None:
        return budget_of(self.program, self.year())

    def budget_url(self, name: str = "budgets:budget") -> str:
        return self.program_url(name, self.year())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        year = self.year()
        context.update(
            year=year,
            previous_year=year - 1 if year > FIRST_YEAR else None,
            next_year=year + 1 if year < LAST_YEAR else None,
            can_edit_budget=self.membership.may(BUDGET_EDITORS),
            threshold=VARIANCE_FLAG_PERCENT,
        )
        return context


class BudgetCurrentView(BudgetPage, View):
    """programs/<id>/budget/ opens the alliance's current year."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return redirect(self.program_url("budgets:budget", alliance_today(self.alliance).year))

    def year(self) -> int:
        return alliance_today(self.alliance).year


class BudgetView(BudgetPage, TemplateView):
    template_name = "budgets/budget.html"

    def get_title(self) -> str:
        return f"Budget {self.year()}"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        budget = self.budget()
        report = budget_vs_actual(self.program, self.year(), budget=budget, today=alliance_today(self.alliance))
        chosen = month_or_none(self.request.GET.get("month"))
        detail = next((m for m in report.months if chosen and m.month == chosen), None) or report.ytd
        context.update(
            budget=budget,
            report=report,
            detail=detail,
            detail_is_ytd=detail is report.ytd,
            budgets=budgets_of(self.program),
            income_rows=report.plan.line_rows(INCOME_KINDS),
        )
        return context


class BudgetEditView(BudgetPage, TemplateView):
    """The grid: children per rate plan and month, income and costs per month. Saving replaces the
    grid; a bad cell shows its error beside the cell and in a summary, and nothing is saved."""

    template_name = "budgets/budget_edit.html"
    allowed_roles = BUDGET_EDITORS

    def get_title(self) -> str:
        return f"Edit the {self.year()} budget"

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        crumbs = super().get_breadcrumbs()
        return [*crumbs[:-1], (f"Budget {self.year()}", self.budget_url()), crumbs[-1]]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        budget = self.budget()
        plan = budget_plan(budget, program=self.program, year=self.year())
        values: dict[str, str] = kwargs.get("values") or {}
        errors: dict[str, list[str]] = kwargs.get("errors") or {}

        def cell(key: str, stored: object) -> dict[str, Any]:
            return {"name": key, "value": values.get(key, str(stored)), "errors": errors.get(key, [])}

        context.update(
            budget=budget,
            months=[datetime.date(self.year(), m, 1) for m in MONTHS],
            plan_rows=[
                {
                    "plan": row.plan,
                    "prices": row.prices,
                    "cells": [
                        cell(cell_key_plan(row.plan.pk, m), row.children[m - 1]) | {"in_force": row.in_force[m - 1]}
                        for m in MONTHS
                    ],
                }
                for row in plan.plans
            ],
            line_groups=[
                (
                    title,
                    [
                        {
                            "kind": kind,
                            "label": LINE_LABELS[kind],
                            "cells": [cell(cell_key_line(kind, m), plan.lines[kind][m - 1]) for m in MONTHS],
                        }
                        for kind in kinds
                    ],
                )
                for title, kinds in (("Other revenue", INCOME_KINDS), ("Costs", COST_KINDS))
            ],
            note=values.get("note", budget.note if budget else ""),
            errors=errors,
            error_list=[message for messages_ in errors.values() for message in messages_],
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        plan = budget_plan(self.budget(), program=self.program, year=self.year())
        data = request.POST
        children = {
            (row.plan.pk, m): data.get(cell_key_plan(row.plan.pk, m), "0") for row in plan.plans for m in MONTHS
        }
        amounts = {(kind, m): data.get(cell_key_line(kind, m), "0") for kind in LINE_LABELS for m in MONTHS}
        note = data.get("note", "")
        try:
            with transaction.atomic():
                budget = self.budget() or services.budget_create(
                    actor=request.user, program=self.program, year=self.year()
                )
                services.budget_save(actor=request.user, budget=budget, children=children, amounts=amounts, note=note)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            values = {key: str(value) for key, value in data.items() if key != "csrfmiddlewaretoken"}
            return self.render_to_response(self.get_context_data(values=values, errors=errors), status=400)
        messages.success(request, f"The {self.year()} budget is saved.")
        return redirect(self.budget_url())


class BudgetFillView(BudgetPage, View):
    """POST: replace the grid's months with last year's measured months (see selectors.last_year_figures)."""

    allowed_roles = BUDGET_EDITORS
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            with transaction.atomic():
                budget = self.budget() or services.budget_create(
                    actor=request.user, program=self.program, year=self.year()
                )
                services.budget_fill_from_last_year(actor=request.user, budget=budget, today=alliance_today())
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(self.budget_url())
        messages.success(
            request,
            f"Filled from the measured months of {self.year() - 1}: check the figures and save any changes.",
        )
        return redirect(self.budget_url("budgets:budget_edit"))


class BudgetExportMixin(BudgetPage):
    def report_or_404(self) -> Any:
        budget = self.budget()
        if budget is None:
            raise Http404("No budget for this year.")
        return budget_vs_actual(self.program, self.year(), budget=budget, today=alliance_today(self.alliance))

    def filename(self, extension: str) -> str:
        return f"budget-vs-actual-{self.program.pk}-{self.year()}.{extension}"


class BudgetCsvView(BudgetExportMixin, View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return csv_response(budget_vs_actual_csv_rows(self.report_or_404()), self.filename("csv")[:-4])


class BudgetPdfView(BudgetExportMixin, View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        report = self.report_or_404()
        html = render_to_string(
            "budgets/budget_pdf.html",
            {
                "alliance": self.alliance,
                "program": self.program,
                "year": self.year(),
                "report": report,
                "threshold": VARIANCE_FLAG_PERCENT,
                "income_rows": report.plan.line_rows(INCOME_KINDS),
            },
        )
        response = HttpResponse(render_pdf(html), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{self.filename("pdf")}"'
        return response


# --- Cash-flow forecast ---------------------------------------------------------------------------
class CashFlowView(ProgramPage, TemplateView):
    """The next 90 days of the program's cash (budgets/cashflow.py), from a starting cash figure the
    member types in (a GET form: nothing is stored)."""

    template_name = "budgets/cash_flow.html"
    allowed_roles = HUB_AND_PROVIDER
    tab = "budget"
    title = "Cash-flow forecast"

    def starting_cash(self) -> tuple[Decimal | None, str]:
        raw = self.request.GET.get("starting_cash", "").strip()
        if not raw:
            return None, ""
        amount = cash_amount(raw)
        if amount is None:
            return (
                None,
                "Enter the cash in the bank today as an amount with at most two decimal places, such as 25000.00.",
            )
        return amount, ""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        amount, error = self.starting_cash()
        forecast = None
        if amount is not None:
            forecast = cash_flow_forecast(self.program, starting_cash=amount, today=alliance_today(self.alliance))
        context.update(
            forecast=forecast,
            error=error,
            starting_cash=self.request.GET.get("starting_cash", ""),
            horizon=HORIZON_DAYS,
        )
        return context

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        if context["error"]:
            kwargs["status"] = 400
        return super().render_to_response(context, **kwargs)


class CashFlowExportMixin(CashFlowView):
    """The CSV and the PDF: the page's forecast, from the same starting cash (none given: $0.00)."""

    def forecast(self) -> CashFlowForecast:
        amount, _ = self.starting_cash()
        return cash_flow_forecast(
            self.program, starting_cash=amount or Decimal("0.00"), today=alliance_today(self.alliance)
        )

    def filename(self, forecast: CashFlowForecast) -> str:
        return f"cash-flow-{self.program.pk}-{forecast.today:%Y-%m-%d}"


class CashFlowCsvView(CashFlowExportMixin):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        forecast = self.forecast()
        return csv_response(cash_flow_csv_rows(forecast), self.filename(forecast))


class CashFlowPdfView(CashFlowExportMixin):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        forecast = self.forecast()
        html = render_to_string(
            "budgets/cash_flow_pdf.html",
            {"alliance": self.alliance, "program": self.program, "forecast": forecast, "horizon": HORIZON_DAYS},
        )
        response = HttpResponse(render_pdf(html), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{self.filename(forecast)}.pdf"'
        return response
