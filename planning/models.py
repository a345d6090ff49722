"""A member's saved what-if scenarios: changes to its last 12 measured months (planning/projection.py)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from alliance.tenancy import TenantModel
from members.models import MemberProgram
from planning.projection import Changes

HUNDRED = Decimal("100")


def _percent(label: str, *, low: int, high: int, null: bool = False, help_text: str = "") -> models.DecimalField:
    return models.DecimalField(
        label,
        max_digits=5,
        decimal_places=2,
        null=null,
        blank=null,
        default=None if null else Decimal("0.00"),
        validators=[
            MinValueValidator(Decimal(low), message=f"Enter a percentage from {low} to {high}."),
            MaxValueValidator(Decimal(high), message=f"Enter a percentage from {low} to {high}."),
        ],
        help_text=help_text,
    )


# (field, age group) of the rate changes: a mixed-age room's tuition follows the preschool change.
RATE_FIELDS = (
    ("rate_infant", "infant"),
    ("rate_toddler", "toddler"),
    ("rate_preschool", "preschool"),
    ("rate_school_age", "school_age"),
)


class Scenario(TenantModel):
    """One member's "what if": each change left blank (or at 0) keeps the figure as measured."""

    program = models.ForeignKey(MemberProgram, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=120)
    occupancy = _percent(
        "occupancy %", low=0, high=100, null=True, help_text="Enrolled FTE as a share of licensed places, e.g. 92."
    )
    rate_infant = _percent("infant rates change %", low=-50, high=100)
    rate_toddler = _percent("toddler rates change %", low=-50, high=100)
    rate_preschool = _percent("preschool rates change %", low=-50, high=100, help_text="Mixed-age rooms too.")
    rate_school_age = _percent("school-age rates change %", low=-50, high=100)
    collection_rate = _percent(
        "collection rate %", low=0, high=100, null=True, help_text="Collected ÷ billed, e.g. 98."
    )
    bad_debt_rate = _percent("bad debt %", low=0, high=50, null=True, help_text="Written off ÷ billed, e.g. 1.")
    wages = _percent("wages change %", low=-50, high=100, help_text="Applies to all personnel cost.")
    staffing_fte = models.DecimalField(
        "staffing change (FTE)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[
            MinValueValidator(Decimal("-50"), message="Enter a staffing change from −50 to 50 FTE."),
            MaxValueValidator(Decimal("50"), message="Enter a staffing change from −50 to 50 FTE."),
        ],
        help_text="Staff FTE added (negative: removed), at the roster's average cost per FTE.",
    )
    hub_fee = models.DecimalField(
        "Hub fee per month",
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.00"), message="A Hub fee cannot be negative.")],
        help_text="Blank keeps the fee as charged.",
    )
    purchasing_savings = _percent(
        "purchasing savings %", low=0, high=100, help_text="Saved on food and supplies through joint purchasing."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    program_field = "program"

    class Meta:
        ordering = ["program_id", "name", "id"]
        indexes = [models.Index(fields=["alliance", "program"], name="scenario_by_program")]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "program", "name"], name="scenario_name_per_program"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.name is not None and not self.name.strip():
            raise ValidationError({"name": "Give the scenario a name."})

    def changes(self) -> Changes:
        def ratio(value: Decimal | None) -> Decimal | None:
            return None if value is None else value / HUNDRED

        return Changes(
            occupancy=ratio(self.occupancy),
            rates={
                **{group: getattr(self, name) / HUNDRED for name, group in RATE_FIELDS if getattr(self, name)},
                **({"mixed": self.rate_preschool / HUNDRED} if self.rate_preschool else {}),
            },
            collection_rate=ratio(self.collection_rate),
            bad_debt_rate=ratio(self.bad_debt_rate),
            wages=self.wages / HUNDRED,
            staffing_fte=self.staffing_fte,
            hub_fee=self.hub_fee,
            purchasing_savings=self.purchasing_savings / HUNDRED,
        )


CHANGE_FIELDS = [
    "occupancy",
    *(name for name, _ in RATE_FIELDS),
    "collection_rate",
    "bad_debt_rate",
    "wages",
    "staffing_fte",
    "hub_fee",
    "purchasing_savings",
]
