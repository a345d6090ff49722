"""A member program's annual budget by month, set against what the rollups measured.

A Budget is one program's plan for one calendar year. Revenue is planned per rate plan
(children enrolled on the plan each month, priced as billing prices a month of it) plus
subsidy and other income typed per month; costs are typed per month in the categories
members record actual costs in (`members.CostCategory`), so the two can be compared line
by line. Cells that are zero are not stored.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from alliance.fields import MoneyField
from alliance.tenancy import TenantModel
from billing.models import RatePlan
from members.models import CostCategory, MemberProgram

FIRST_YEAR, LAST_YEAR = 2000, 2100


class IncomeKind(models.TextChoices):
    SUBSIDY = "subsidy", "Subsidy income"
    OTHER_INCOME = "other_income", "Other income"


# A budget line is income typed per month or a cost in one of members' categories.
LINE_KINDS: list[tuple[str, str]] = [*IncomeKind.choices, *CostCategory.choices]
INCOME_KINDS = [value for value, _ in IncomeKind.choices]
COST_KINDS = [value for value, _ in CostCategory.choices]


class Budget(TenantModel):
    """One member program's budget for one calendar year."""

    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    program_field = "program"

    class Meta:
        ordering = ["program_id", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "program", "year"], name="budget_one_per_program_year"),
            models.CheckConstraint(
                condition=models.Q(year__gte=FIRST_YEAR) & models.Q(year__lte=LAST_YEAR), name="budget_year_range"
            ),
        ]

    def __str__(self) -> str:
        return f"Budget {self.year} of program {self.program_id}"


class BudgetEnrollment(TenantModel):
    """Children planned on one rate plan in one month of a budget."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="enrollments")
    rate_plan = models.ForeignKey(RatePlan, on_delete=models.PROTECT, related_name="+")
    month = models.PositiveSmallIntegerField(help_text="1 = January.")
    children = models.PositiveSmallIntegerField()

    program_field = "budget__program"

    class Meta:
        ordering = ["budget_id", "rate_plan_id", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "budget", "rate_plan", "month"], name="budgetenrollment_one_per_plan_month"
            ),
            models.CheckConstraint(
                condition=models.Q(month__gte=1) & models.Q(month__lte=12), name="budgetenrollment_month_range"
            ),
        ]


class BudgetLine(TenantModel):
    """An amount of income or cost typed for one month of a budget."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=20, choices=LINE_KINDS)
    month = models.PositiveSmallIntegerField(help_text="1 = January.")
    amount = MoneyField()

    program_field = "budget__program"

    class Meta:
        ordering = ["budget_id", "kind", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "budget", "kind", "month"], name="budgetline_one_per_kind_month"
            ),
            models.CheckConstraint(condition=models.Q(month__gte=1) & models.Q(month__lte=12), name="budgetline_month"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="budgetline_not_negative"),
        ]
