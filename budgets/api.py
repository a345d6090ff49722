"""Member budgets through the API, as the pages have them.

`budgets/`: list (filter ?program= and ?year=), create, read and update a program's budget for a
year with its grid: `enrollments` (children per rate plan and month) and `lines` (income and costs
per month). A create or an update that names `enrollments` or `lines` replaces that part of the
grid (cells not named are zero); a PATCH without them keeps it. Nothing is deleted. A provider
reads and writes its own program's budgets only (another program's id: "does not exist").

`budgets/{id}/vs-actual/`: budget against the rollups month by month and year to date, with
variance and flags (budgets/selectors.py).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from alliance.api_base import NO_DELETE, AllianceModelViewSet, AllianceViewSetMixin
from alliance.api_fields import (
    BooleanField,
    CharField,
    ChoiceField,
    DecimalField,
    HubModelSerializer,
    HubSerializer,
    IntegerField,
    MoneyField,
    SetOnCreate,
    VisibleRelatedField,
)
from alliance.dates import alliance_today
from alliance.filters import IntegerFilter
from alliance.views_base import HUB_AND_PROVIDER
from budgets import services
from budgets.cashflow import cash_amount, cash_flow_forecast
from budgets.models import FIRST_YEAR, LAST_YEAR, LINE_KINDS, Budget, BudgetEnrollment, BudgetLine
from budgets.selectors import VARIANCE_FLAG_PERCENT, Comparison, MonthComparison, budget_vs_actual
from members.models import MemberProgram

CURRENCY = "money in the alliance's currency, a decimal string with two places"


# The API takes plain digits (the page also takes commas and a $): at most two decimal places, within
# cashflow.MAX_CASH (±9,999,999,999.99).
STARTING_CASH_PATTERN = r"^-?[0-9]{1,10}(\.[0-9]{1,2})?$"


class BudgetEnrollmentSerializer(HubSerializer):
    rate_plan = IntegerField(
        source="rate_plan_id", help_text="The id of one of the program's rate plans (billing's rate-plans)."
    )
    month = IntegerField(min_value=1, max_value=12, help_text="The month of the budget's year, 1 = January.")
    children = IntegerField(
        min_value=0, max_value=services.MAX_CHILDREN, help_text="Children planned on the rate plan in the month."
    )


class BudgetLineSerializer(HubSerializer):
    kind = ChoiceField(
        choices=LINE_KINDS,
        help_text="subsidy and other_income are revenue; the others are costs in members' cost categories.",
    )
    month = IntegerField(min_value=1, max_value=12, help_text="The month of the budget's year, 1 = January.")
    amount = MoneyField(max_digits=12, decimal_places=2, help_text=f"The amount for the month: {CURRENCY}; >= 0.")


class BudgetSerializer(SetOnCreate, HubModelSerializer):
    set_on_create = ("program", "year")
    year = IntegerField(min_value=FIRST_YEAR, max_value=LAST_YEAR, help_text="The calendar year budgeted.")
    note = CharField(required=False, allow_blank=True, max_length=300, help_text="A note shown on the budget.")
    enrollments = BudgetEnrollmentSerializer(
        many=True, required=False, help_text="Children per rate plan and month; cells not listed are zero."
    )
    lines = BudgetLineSerializer(
        many=True, required=False, help_text="Income and costs per month; cells not listed are zero."
    )

    class Meta:
        model = Budget
        fields = ["id", "program", "year", "note", "enrollments", "lines", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {
            "id": {"help_text": "The budget's id."},
            "created_at": {"help_text": "When the budget was created."},
            "updated_at": {"help_text": "When the budget was last saved."},
        }
        validators: list[Any] = []

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["program"] = VisibleRelatedField(MemberProgram, help_text="The member program's id.")
        return fields


class BudgetFilter(django_filters.FilterSet):
    program = IntegerFilter(field_name="program_id")
    year = IntegerFilter(field_name="year")

    class Meta:
        model = Budget
        fields: list[str] = []


# --- Budget against actual (read) ----------------------------------------------------------------
class ComparisonSerializer(HubSerializer):
    key = CharField(help_text="revenue, collected, a cost category, cost (total) or net.")
    name = CharField(help_text="What the figure is, in words.")
    budget = MoneyField(max_digits=14, decimal_places=2, help_text=f"Budgeted: {CURRENCY}.")
    actual = MoneyField(
        max_digits=14, decimal_places=2, allow_null=True, help_text=f"Measured: {CURRENCY}; null when not measured."
    )
    variance = MoneyField(
        max_digits=14,
        decimal_places=2,
        allow_null=True,
        help_text=f"actual − budget: {CURRENCY}; null when not measured.",
    )
    variance_percent = DecimalField(
        max_digits=9,
        decimal_places=1,
        allow_null=True,
        help_text="variance ÷ budget × 100, one decimal place; null without a budget or a measure.",
    )
    flagged = BooleanField(
        help_text=f"Revenue under budget, or a cost over budget, by more than {VARIANCE_FLAG_PERCENT}% of the budget."
    )


class MonthComparisonSerializer(HubSerializer):
    month = CharField(help_text="The month, YYYY-MM (year to date: its last measured month).")
    measured = BooleanField(help_text="Is the month over and rolled up? Only measured months carry actuals.")
    budget_tuition = MoneyField(
        max_digits=14, decimal_places=2, help_text=f"Tuition budgeted from rate plans: {CURRENCY}."
    )
    figures = ComparisonSerializer(many=True, help_text="Each figure budgeted against actual.")


class BudgetVsActualSerializer(HubSerializer):
    budget = IntegerField(help_text="The budget's id.")
    program = IntegerField(help_text="The member program's id.")
    year = IntegerField(help_text="The calendar year budgeted.")
    flag_threshold_percent = CharField(help_text="The share of a budgeted figure beyond which a variance is flagged.")
    months = MonthComparisonSerializer(many=True, help_text="January to December.")
    year_to_date = MonthComparisonSerializer(
        allow_null=True, help_text="The measured months added up; null before the first month is measured."
    )


def _comparison(c: Comparison) -> dict[str, Any]:
    pct = c.variance_percent
    return {
        "key": c.key,
        "name": c.label,
        "budget": str(c.budget),
        "actual": None if c.actual is None else str(c.actual),
        "variance": None if c.variance is None else str(c.variance),
        "variance_percent": None if pct is None else str(pct.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)),
        "flagged": c.flagged,
    }


def _month(m: MonthComparison) -> dict[str, Any]:
    return {
        "month": m.month.strftime("%Y-%m"),
        "measured": m.measured,
        "budget_tuition": str(m.budget_tuition),
        "figures": [_comparison(c) for c in m.rows],
    }


class BudgetViewSet(AllianceModelViewSet):
    """A member program's budget for a year: its grid of children per rate plan and of income and
    costs per month. Hub staff and the program's provider read and write; funders are refused."""

    model = Budget
    serializer_class = BudgetSerializer
    allowed_roles = HUB_AND_PROVIDER
    write_roles = HUB_AND_PROVIDER
    filterset_class = BudgetFilter
    http_method_names = NO_DELETE

    def base_queryset(self) -> Any:
        return Budget.objects.select_related("program").order_by("program_id", "-year")

    def _save_grid(self, budget: Budget, data: dict[str, Any]) -> Budget:
        children = {(e.rate_plan_id, e.month): e.children for e in BudgetEnrollment.objects.filter(budget=budget)}
        amounts = {(line.kind, line.month): line.amount for line in BudgetLine.objects.filter(budget=budget)}
        if "enrollments" in data:
            children = {(e["rate_plan_id"], e["month"]): e["children"] for e in data["enrollments"]}
        if "lines" in data:
            amounts = {(line["kind"], line["month"]): line["amount"] for line in data["lines"]}
        try:
            return services.budget_save(
                actor=self.request.user,
                budget=budget,
                children=children,
                amounts=amounts,
                note=data.get("note"),
            )
        except DjangoValidationError as exc:
            raise DRFValidationError(_grid_errors(exc)) from None

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = serializer.validated_data
        with transaction.atomic():
            try:
                budget = services.budget_create(
                    actor=self.request.user, program=data["program"], year=data["year"], note=data.get("note", "")
                )
            except DjangoValidationError as exc:
                raise DRFValidationError(exc.message_dict) from None
            serializer.instance = self._save_grid(budget, data)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        with transaction.atomic():
            serializer.instance = self._save_grid(self.stored(serializer), serializer.validated_data)

    @extend_schema(responses=BudgetVsActualSerializer)
    @action(detail=True, methods=["get"], url_path="vs-actual", filter_backends=[], pagination_class=None)
    def vs_actual(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Budget against actual month by month and year to date: revenue against billed and collected,
        costs by category, net; variance in money and percent; flagged beyond the threshold."""
        budget = self.get_object()
        report = budget_vs_actual(budget.program, budget.year, budget=budget, today=alliance_today(self.alliance))
        return Response(
            {
                "budget": budget.pk,
                "program": budget.program_id,
                "year": budget.year,
                "flag_threshold_percent": str(VARIANCE_FLAG_PERCENT),
                "months": [_month(m) for m in report.months],
                "year_to_date": None if report.ytd is None else _month(report.ytd),
            }
        )


def _grid_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    """The service names bad cells plan_<id>_m<month> / <kind>_m<month>; the API's fields are the lists."""
    errors: dict[str, list[str]] = {}
    for key, messages in exc.message_dict.items():
        field = "enrollments" if key.startswith("plan_") else "note" if key == "note" else "lines"
        errors.setdefault(field, []).extend(messages)
    return errors


# --- Cash-flow forecast (read) ---------------------------------------------------------------------
class CashFlowDaySerializer(HubSerializer):
    day = CharField(help_text="The date, YYYY-MM-DD.")
    money_in = MoneyField(help_text=f"Receipts expected that day: {CURRENCY}.")
    money_out = MoneyField(help_text=f"That day's share of the recurring costs: {CURRENCY}.")
    balance = MoneyField(help_text=f"The running balance at the end of the day: {CURRENCY}.")


class CashFlowReceiptSerializer(HubSerializer):
    day = CharField(help_text="The date the receipt is expected, YYYY-MM-DD.")
    kind = CharField(help_text="family (due date + the family's habit), autopay (due date) or third_party.")
    description = CharField(help_text="Who pays and for what.")
    amount = MoneyField(help_text=f"The amount expected: {CURRENCY}.")
    to_be_issued = BooleanField(help_text="True for a share of an invoice a coming month's run will issue.")


class CashFlowSerializer(HubSerializer):
    program = IntegerField(help_text="The member program's id.")
    today = CharField(help_text="The alliance's today, YYYY-MM-DD: day 0 of the forecast.")
    starting_cash = MoneyField(help_text=f"The cash in the bank today, as given: {CURRENCY}.")
    monthly_cost = MoneyField(help_text=f"The average month of the last three months with costs: {CURRENCY}.")
    lowest_balance = MoneyField(help_text=f"The lowest running balance in the next 90 days: {CURRENCY}.")
    lowest_on = CharField(help_text="The first day the lowest balance is reached, YYYY-MM-DD.")
    days = CashFlowDaySerializer(many=True, help_text="Days 1 to 90.")
    receipts = CashFlowReceiptSerializer(many=True, help_text="Each receipt expected in the next 90 days.")


class CashFlowViewSet(AllianceViewSetMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A member program's cash-flow forecast for the next 90 days (budgets/cashflow.py): `cash-flow/{program
    id}/?starting_cash=25000.00`. Hub staff and the program's own provider."""

    model = MemberProgram
    serializer_class = CashFlowSerializer
    allowed_roles = HUB_AND_PROVIDER
    filter_backends: list[Any] = []
    pagination_class = None

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "starting_cash",
                {"type": "string", "pattern": STARTING_CASH_PATTERN, "example": "25000.00"},
                description="The cash in the bank today, e.g. 25000.00 (default 0.00).",
            )
        ]
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        program = self.get_object()
        raw = request.query_params.get("starting_cash", "0")
        amount = cash_amount(raw) if re.fullmatch(STARTING_CASH_PATTERN, raw) else None
        if amount is None:
            raise DRFValidationError({"starting_cash": ["An amount with at most two decimal places, e.g. 25000.00."]})
        forecast = cash_flow_forecast(program, starting_cash=amount, today=alliance_today(self.alliance))
        return Response(
            {
                "program": program.pk,
                "today": forecast.today.isoformat(),
                "starting_cash": str(forecast.starting_cash),
                "monthly_cost": str(forecast.monthly_cost),
                "lowest_balance": str(forecast.lowest.balance),
                "lowest_on": forecast.lowest.day.isoformat(),
                "days": [
                    {
                        "day": d.day.isoformat(),
                        "money_in": str(d.money_in),
                        "money_out": str(d.money_out),
                        "balance": str(d.balance),
                    }
                    for d in forecast.days
                ],
                "receipts": [
                    {
                        "day": f.day.isoformat(),
                        "kind": f.kind,
                        "description": f.description,
                        "amount": str(f.amount),
                        "to_be_issued": f.to_be_issued,
                    }
                    for f in forecast.inflows()
                ],
            }
        )
