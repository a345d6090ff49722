"""A program's cost-of-care assumptions: one row per member program, every field optional.

A blank field takes its default from the program's own records (staff roster, classrooms, measured
monthly costs, rate plans) or the licensing defaults; costofcare/selectors.py says which, and the
form shows each default beside its field.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models

from alliance.fields import MoneyField
from alliance.formatting import money
from alliance.tenancy import TenantModel
from costofcare.calc import AGE_GROUPS, LABELS
from members.models import MAX_CHILDREN_PER_STAFF, MemberProgram

GROUP_FIELDS = (
    "children_per_staff",
    "group_size",
    "children",
    "square_feet_per_child",
    "rate_monthly",
    "subsidy_monthly",
)
GENERAL_FIELDS = (
    "hourly_wage",
    "benefits_percent",
    "hours_open_a_day",
    "days_open_a_year",
    "occupancy_monthly",
    "other_monthly",
    "admin_monthly",
)
ASSUMPTION_FIELDS = GENERAL_FIELDS + tuple(f"{g}_{f}" for g in AGE_GROUPS for f in GROUP_FIELDS)
MONEY_FIELDS = frozenset(
    ("occupancy_monthly", "other_monthly", "admin_monthly")
    + tuple(f"{g}_{f}" for g in AGE_GROUPS for f in ("rate_monthly", "subsidy_monthly"))
)
MAX_GROUP_SIZE_TYPED = 60
MAX_WAGE = Decimal(300)


class CostOfCareAssumptions(TenantModel):
    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="+")
    hourly_wage = models.DecimalField(
        "average classroom hourly wage",
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Blank: the FTE-weighted average of the classroom staff on the roster.",
    )
    benefits_percent = models.DecimalField(
        "benefits, % of wages",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Payroll taxes, health insurance, retirement. Blank: the roster's benefits ÷ its pay.",
    )
    hours_open_a_day = models.DecimalField(
        "hours open a day",
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Every hour open needs its ratio of staff. Blank: the longest day of the program's rooms.",
    )
    days_open_a_year = models.PositiveSmallIntegerField(
        "days open a year", null=True, blank=True, help_text="Blank: the rooms' operating days × 52 weeks."
    )
    occupancy_monthly = MoneyField(
        "rent and occupancy a month", null=True, blank=True, help_text="Blank: the average of the measured months."
    )
    other_monthly = MoneyField(
        "food, supplies, insurance and other a month",
        null=True,
        blank=True,
        help_text="Blank: the average of the measured months.",
    )
    admin_monthly = MoneyField(
        "administration personnel a month",
        null=True,
        blank=True,
        help_text="Director, office and other non-classroom staff. Blank: the roster's administration staff.",
    )
    # Infants
    infant_children_per_staff = models.PositiveSmallIntegerField(
        "infants: children per staff member",
        null=True,
        blank=True,
        help_text="The ratio: 4 means one adult for every 4.",
    )
    infant_group_size = models.PositiveSmallIntegerField(
        "infants: group size", null=True, blank=True, help_text="Children in one group (room) at once."
    )
    infant_children = models.PositiveSmallIntegerField(
        "infants: children served",
        null=True,
        blank=True,
        help_text="How many the program serves; costs are shared over them.",
    )
    infant_square_feet_per_child = models.DecimalField(
        "infants: square feet per child",
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="Indoor space each child takes; rent is shared by space when every age group served gives one.",
    )
    infant_rate_monthly = MoneyField(
        "infants: rate charged a month", null=True, blank=True, help_text="Blank: the full-time rate plan in force."
    )
    infant_subsidy_monthly = MoneyField(
        "infants: subsidy paid a month",
        null=True,
        blank=True,
        help_text="What a subsidy agency pays for a full-time child.",
    )
    # Toddlers
    toddler_children_per_staff = models.PositiveSmallIntegerField(
        "toddlers: children per staff member",
        null=True,
        blank=True,
        help_text="The ratio: 4 means one adult for every 4.",
    )
    toddler_group_size = models.PositiveSmallIntegerField(
        "toddlers: group size", null=True, blank=True, help_text="Children in one group (room) at once."
    )
    toddler_children = models.PositiveSmallIntegerField(
        "toddlers: children served",
        null=True,
        blank=True,
        help_text="How many the program serves; costs are shared over them.",
    )
    toddler_square_feet_per_child = models.DecimalField(
        "toddlers: square feet per child",
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="Indoor space each child takes; rent is shared by space when every age group served gives one.",
    )
    toddler_rate_monthly = MoneyField(
        "toddlers: rate charged a month", null=True, blank=True, help_text="Blank: the full-time rate plan in force."
    )
    toddler_subsidy_monthly = MoneyField(
        "toddlers: subsidy paid a month",
        null=True,
        blank=True,
        help_text="What a subsidy agency pays for a full-time child.",
    )
    # Preschool children
    preschool_children_per_staff = models.PositiveSmallIntegerField(
        "preschool children: children per staff member",
        null=True,
        blank=True,
        help_text="The ratio: 4 means one adult for every 4.",
    )
    preschool_group_size = models.PositiveSmallIntegerField(
        "preschool children: group size", null=True, blank=True, help_text="Children in one group (room) at once."
    )
    preschool_children = models.PositiveSmallIntegerField(
        "preschool children: children served",
        null=True,
        blank=True,
        help_text="How many the program serves; costs are shared over them.",
    )
    preschool_square_feet_per_child = models.DecimalField(
        "preschool children: square feet per child",
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="Indoor space each child takes; rent is shared by space when every age group served gives one.",
    )
    preschool_rate_monthly = MoneyField(
        "preschool children: rate charged a month",
        null=True,
        blank=True,
        help_text="Blank: the full-time rate plan in force.",
    )
    preschool_subsidy_monthly = MoneyField(
        "preschool children: subsidy paid a month",
        null=True,
        blank=True,
        help_text="What a subsidy agency pays for a full-time child.",
    )
    # School-age children
    school_age_children_per_staff = models.PositiveSmallIntegerField(
        "school-age children: children per staff member",
        null=True,
        blank=True,
        help_text="The ratio: 4 means one adult for every 4.",
    )
    school_age_group_size = models.PositiveSmallIntegerField(
        "school-age children: group size", null=True, blank=True, help_text="Children in one group (room) at once."
    )
    school_age_children = models.PositiveSmallIntegerField(
        "school-age children: children served",
        null=True,
        blank=True,
        help_text="How many the program serves; costs are shared over them.",
    )
    school_age_square_feet_per_child = models.DecimalField(
        "school-age children: square feet per child",
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="Indoor space each child takes; rent is shared by space when every age group served gives one.",
    )
    school_age_rate_monthly = MoneyField(
        "school-age children: rate charged a month",
        null=True,
        blank=True,
        help_text="Blank: the full-time rate plan in force.",
    )
    school_age_subsidy_monthly = MoneyField(
        "school-age children: subsidy paid a month",
        null=True,
        blank=True,
        help_text="What a subsidy agency pays for a full-time child.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    program_field = "program"

    class Meta:
        verbose_name = "cost of care assumptions"
        verbose_name_plural = "cost of care assumptions"
        constraints = [
            models.UniqueConstraint(fields=["alliance", "program"], name="costofcare_assumptions_one_per_program"),
        ]

    def __str__(self) -> str:
        return f"Cost of care assumptions of program {self.program_id}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.hourly_wage is not None and not (0 < self.hourly_wage <= MAX_WAGE):
            errors["hourly_wage"] = f"An hourly wage is more than 0 and at most {money(MAX_WAGE, places=0)}."
        if self.benefits_percent is not None and not (0 <= self.benefits_percent <= 100):
            errors["benefits_percent"] = "Benefits are between 0 and 100 % of wages."
        if self.hours_open_a_day is not None and not (0 < self.hours_open_a_day <= 24):
            errors["hours_open_a_day"] = "Hours open a day are more than 0 and at most 24."
        if self.days_open_a_year is not None and not (1 <= self.days_open_a_year <= 366):
            errors["days_open_a_year"] = "Days open a year are between 1 and 366."
        for name in MONEY_FIELDS:
            value = getattr(self, name)
            if value is not None and value < 0:
                errors[name] = "An amount cannot be negative."
        for group in AGE_GROUPS:
            label = LABELS[group].lower()
            ratio = getattr(self, f"{group}_children_per_staff")
            size = getattr(self, f"{group}_group_size")
            ratio_max = MAX_CHILDREN_PER_STAFF[group]  # type: ignore[index]
            if ratio is not None and not (1 <= ratio <= ratio_max):
                errors[f"{group}_children_per_staff"] = (
                    f"For {label}, between 1 and {ratio_max} children per staff member (1:{ratio_max} is the "
                    "loosest ratio any state allows)."
                )
            if size is not None and not (1 <= size <= MAX_GROUP_SIZE_TYPED):
                errors[f"{group}_group_size"] = f"A group holds between 1 and {MAX_GROUP_SIZE_TYPED} children."
            elif (
                size is not None and ratio is not None and size < ratio and f"{group}_children_per_staff" not in errors
            ):
                errors[f"{group}_group_size"] = f"A group of {size} is smaller than one adult's {ratio} children."
            children = getattr(self, f"{group}_children")
            if children is not None and children > 1000:
                errors[f"{group}_children"] = "At most 1,000 children."
            area = getattr(self, f"{group}_square_feet_per_child")
            if area is not None and not (0 < area <= 500):
                errors[f"{group}_square_feet_per_child"] = "Square feet per child are more than 0 and at most 500."
        if errors:
            raise ValidationError(errors)
