"""The Hub's sustainability plan: one plan per alliance, its grants and its contracts.

The plan's figures are assumptions typed by the Hub (year 1's annual cost, growth, the fee
structure and its rates, new members a year); the projection (projection.py) is computed from
them and the members' measured slots and collections each time it is shown, never stored.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from alliance.fields import MoneyField
from alliance.tenancy import TenantModel
from sustainability.projection import MAX_YEARS, MIN_YEARS, FeeStructure

NOT_NEGATIVE = [MinValueValidator(Decimal("0.00"))]


class Plan(TenantModel):
    start_year = models.PositiveIntegerField(
        validators=[MinValueValidator(2000), MaxValueValidator(2100)], help_text="The plan's first calendar year."
    )
    years = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(MIN_YEARS), MaxValueValidator(MAX_YEARS)],
        help_text=f"How many years the plan runs ({MIN_YEARS} to {MAX_YEARS}).",
    )
    staff_cost = MoneyField(validators=NOT_NEGATIVE, help_text="The Hub's staff cost in the first year.")
    overhead_cost = MoneyField(
        validators=NOT_NEGATIVE, help_text="The Hub's overhead (rent, systems, insurance) in the first year."
    )
    growth_pct = models.DecimalField(
        "cost growth (% a year)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("3.00"),
        validators=[MinValueValidator(Decimal("-50")), MaxValueValidator(Decimal("100"))],
        help_text="How much the Hub's cost grows each year, in percent.",
    )
    fee_structure = models.CharField(max_length=10, choices=FeeStructure.CHOICES, default=FeeStructure.PER_SLOT)
    flat_fee = MoneyField(
        "flat fee a month", validators=NOT_NEGATIVE, default=Decimal("0.00"), help_text="Per member, a month."
    )
    slot_fee = MoneyField(
        "fee per licensed slot a month",
        validators=NOT_NEGATIVE,
        default=Decimal("0.00"),
        help_text="Per licensed slot of a member, a month.",
    )
    collections_share_pct = models.DecimalField(
        "share of collections (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="Percent of what a member collects from families and payers.",
    )
    new_members_per_year = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(500)], help_text="Members joining at the start of each later year."
    )
    new_member_slots = models.PositiveIntegerField(
        "licensed slots of a new member",
        default=0,
        validators=[MaxValueValidator(2000)],
        help_text="The assumed average size of a new member.",
    )
    new_member_collections = MoneyField(
        "annual collections of a new member",
        validators=NOT_NEGATIVE,
        default=Decimal("0.00"),
        help_text="What an average new member collects in a year (for a share-of-collections fee).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["alliance"], name="sustainability_plan_one_per_alliance")]

    def __str__(self) -> str:
        return f"Sustainability plan {self.start_year}–{self.start_year + self.years - 1}"

    @property
    def end_year(self) -> int:
        return self.start_year + self.years - 1

    def clean(self) -> None:
        rate = {
            FeeStructure.FLAT: ("flat_fee", self.flat_fee),
            FeeStructure.PER_SLOT: ("slot_fee", self.slot_fee),
            FeeStructure.SHARE: ("collections_share_pct", self.collections_share_pct),
        }.get(self.fee_structure)
        if rate is not None and rate[1] is not None and rate[1] <= 0:
            raise ValidationError({rate[0]: "The chosen fee structure needs a rate above zero."})


class Funding(TenantModel):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=120)
    amount = MoneyField(
        validators=[MinValueValidator(Decimal("0.01"))], help_text="The whole amount, spread evenly over its months."
    )
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        abstract = True
        ordering = ["starts_on", "name", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "The end date cannot be before the start date."})


class Grant(Funding):
    funder = models.CharField(max_length=120, blank=True)
    restriction = models.TextField(
        blank=True, help_text="What the grant may pay for (e.g. start-up staff only, not member fees)."
    )

    class Meta(Funding.Meta):
        indexes = [models.Index(fields=["alliance", "plan"], name="sust_grant_plan")]


class Contract(Funding):
    counterparty = models.CharField(max_length=120, blank=True, help_text="Who pays the Hub under the contract.")

    class Meta(Funding.Meta):
        indexes = [models.Index(fields=["alliance", "plan"], name="sust_contract_plan")]
