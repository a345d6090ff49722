"""Snapshot tables of the Iron Triangle, and the alliance's targets.

Snapshots are written only by the rollups (metrics/rollups.py) with set-based
SQL (metrics/rollups.py: one statement per table that updates, inserts and
deletes by hash joins over the range; see docs/architecture.md for why not
`INSERT ... ON CONFLICT`), so a rerun replaces rather
than doubles. They hold sums, never ratios: a ratio of a month or of the
alliance is the ratio of the sums (DESIGN.md), and metrics/figures.py computes
every ratio in one place.

Daily occupancy: one row per classroom, program and alliance per operating day
with a capacity in force. Monthly occupancy: the same sums over the month's
days, per program and alliance, so the dashboard reads 12 rows per program.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from alliance.fields import MoneyField, RatioField
from alliance.tenancy import TenantModel
from members.models import Classroom, MemberProgram


class OccupancySums(models.Model):
    """What a day (or a month of days) of one classroom, program or alliance adds up to.

    `*_capacity` are capacity-days: a 10-place room open 20 days is 200. On a
    daily row they are simply the capacity in force that day.
    """

    operating_days = models.PositiveIntegerField(default=1)
    licensed_capacity = models.PositiveIntegerField()
    target_capacity = models.PositiveIntegerField(help_text="Desired capacity where set, else licensed.")
    enrolled_fte = models.DecimalField(max_digits=12, decimal_places=2)
    enrolled_children = models.PositiveIntegerField()
    scheduled_child_days = models.PositiveIntegerField(help_text="Children expected that day by their schedule.")
    attended_child_days = models.PositiveIntegerField(help_text="Children checked in.")

    class Meta:
        abstract = True

    @property
    def open_slots(self) -> Decimal:
        return Decimal(self.licensed_capacity) - self.enrolled_fte

    @property
    def figures(self):  # type: ignore[no-untyped-def]
        """The ratios of these sums (metrics/figures.py computes every one)."""
        from metrics.figures import Occupancy

        return Occupancy.of(self)


class SnapshotModel(TenantModel):
    """A snapshot table, written only by the rollups. Its one unique key leads with alliance_id and then the
    day or month, so it also serves every read and every rollup of a range of an alliance's days or months
    (a member's history reads the alliance's range of the key and keeps that member's entries), and the
    table needs no other index than its primary key's: each index less is one less to maintain for every
    row the nightly rollup writes (the benchmark's first run writes 73,080 day rows).

    Its references (alliance, program, classroom) are not foreign-key constraints in the database
    (`db_constraint=False`): the rows are derived, written only by the rollup from the rows it reads in the
    same transaction, and checking each written row's references at commit (a key-share lock on the program
    or classroom per row) took 0.72 s for a year's 73,080 day rows, as long as computing them. Django's
    cascade still deletes a program's or classroom's snapshots with it, and `alliance_delete_everything`
    deletes them before the rows they point at."""

    alliance = models.ForeignKey(
        "alliance.Alliance", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )

    class Meta:
        abstract = True


class ClassroomDay(SnapshotModel, OccupancySums):
    # The key is the primary key: no surrogate id, its sequence and its index to maintain for each of the
    # tens of thousands of rows a rollup writes (a year of 36,540 rows inserted 35% faster).
    pk = models.CompositePrimaryKey("alliance", "day", "classroom")
    classroom = models.ForeignKey(
        Classroom, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    program = models.ForeignKey(
        MemberProgram, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    day = models.DateField()

    program_field = "program"

    def __str__(self) -> str:
        return f"classroom {self.classroom_id} on {self.day}"


class ProgramDay(SnapshotModel, OccupancySums):
    pk = models.CompositePrimaryKey("alliance", "day", "program")  # as ClassroomDay's
    program = models.ForeignKey(
        MemberProgram, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    day = models.DateField()

    program_field = "program"

    def __str__(self) -> str:
        return f"program {self.program_id} on {self.day}"


class AllianceDay(SnapshotModel, OccupancySums):
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["alliance", "day"], name="allianceday_key")]

    def __str__(self) -> str:
        return f"alliance {self.alliance_id} on {self.day}"


class ProgramMonth(SnapshotModel, OccupancySums):
    program = models.ForeignKey(
        MemberProgram, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    month = models.DateField(help_text="First day of the month.")

    program_field = "program"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["alliance", "month", "program"], name="programmonth_key")]

    def __str__(self) -> str:
        return f"program {self.program_id} in {self.month:%Y-%m}"


class AllianceMonth(SnapshotModel, OccupancySums):
    month = models.DateField(help_text="First day of the month.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["alliance", "month"], name="alliancemonth_key")]

    def __str__(self) -> str:
        return f"alliance {self.alliance_id} in {self.month:%Y-%m}"


# --- Targets ------------------------------------------------------------------
class Targets(TenantModel):
    """The alliance's Iron Triangle targets; defaults from the literature.

    The model case assumes 95% enrollment and 2% uncollectible debt; many
    programs budget at 85% enrollment. An alliance without a row uses the
    defaults (see selectors.targets_of_alliance).
    """

    budget_occupancy = RatioField(
        "budgeted occupancy",
        default=Decimal("0.8500"),
        help_text="A member below this occupancy is flagged (0.85 = 85%).",
    )
    target_occupancy = RatioField(
        "target occupancy",
        default=Decimal("0.9500"),
        help_text="Distance to this occupancy is shown for every member.",
    )
    bad_debt_max = RatioField(
        "bad debt at most",
        default=Decimal("0.0200"),
        help_text="Written off ÷ billed above this is flagged.",
    )
    collection_min = RatioField(
        "collection rate at least",
        default=Decimal("0.9800"),
        help_text="Collected ÷ billed below this is flagged.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "targets"
        constraints = [models.UniqueConstraint(fields=["alliance"], name="targets_one_per_alliance")]

    def __str__(self) -> str:
        return f"targets of alliance {self.alliance_id}"

    def clean(self) -> None:
        if (
            self.budget_occupancy is not None
            and self.target_occupancy is not None
            and self.budget_occupancy > self.target_occupancy
        ):
            raise ValidationError({"budget_occupancy": "The budgeted occupancy cannot exceed the target."})


# --- Finance --------------------------------------------------------------------
SUM_DIGITS = 14  # sums of a month of an alliance's ledger: two digits more than a ledger amount


class FinanceSums(models.Model):
    """A month of money of one program or the alliance, from billing's ledger and members' costs.

    Billed is net of discounts and credits (charges + late fees + credits);
    collected is money received from families and from third parties
    (subsidy payments); a reversal counts against the kind it reverses. Aging
    is the open balance at month end by days past due, oldest charges paid
    first. Cost is the program-month cost (members/selectors.py
    PROGRAM_MONTH_COST_SQL). Written off is bad debt by the month billed: what
    of this month's charges was written off at any date (DESIGN.md, "Bad
    debt"); write-offs posted is the cash side, by the write-off's effective
    date.
    """

    billed = MoneyField(max_digits=SUM_DIGITS)
    collected_family = MoneyField(max_digits=SUM_DIGITS)
    collected_third_party = MoneyField(max_digits=SUM_DIGITS)
    written_off = MoneyField(max_digits=SUM_DIGITS)
    aging_current = MoneyField(max_digits=SUM_DIGITS)
    aging_1_30 = MoneyField(max_digits=SUM_DIGITS)
    aging_31_60 = MoneyField(max_digits=SUM_DIGITS)
    aging_61_90 = MoneyField(max_digits=SUM_DIGITS)
    aging_over_90 = MoneyField(max_digits=SUM_DIGITS)
    cost = MoneyField(max_digits=SUM_DIGITS)
    personnel_admin = MoneyField(max_digits=SUM_DIGITS)
    personnel_classroom = MoneyField(max_digits=SUM_DIGITS)
    write_offs_posted = MoneyField(max_digits=SUM_DIGITS, default=0)

    class Meta:
        abstract = True

    @property
    def figures(self):  # type: ignore[no-untyped-def]
        from metrics.figures import Finance

        return Finance.of(self)


class ProgramFinanceMonth(SnapshotModel, FinanceSums):
    program = models.ForeignKey(
        MemberProgram, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    month = models.DateField(help_text="First day of the month.")

    program_field = "program"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["alliance", "month", "program"], name="programfinancemonth_key")]

    def __str__(self) -> str:
        return f"program {self.program_id} money in {self.month:%Y-%m}"


class AllianceFinanceMonth(SnapshotModel, FinanceSums):
    """The members' money added up, and the Hub's own: its cost, member fees, grants and contracts."""

    month = models.DateField(help_text="First day of the month.")
    member_fees = MoneyField(max_digits=SUM_DIGITS, help_text="Fees members owe the Hub under their agreements.")
    hub_cost = MoneyField(max_digits=SUM_DIGITS)
    grants = MoneyField(max_digits=SUM_DIGITS)
    contracts = MoneyField(max_digits=SUM_DIGITS)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["alliance", "month"], name="alliancefinancemonth_key")]

    def __str__(self) -> str:
        return f"alliance {self.alliance_id} money in {self.month:%Y-%m}"


class HubMoneyKind(models.TextChoices):
    COST = "cost", "Hub operating cost"
    GRANT = "grant", "Grant"
    CONTRACT = "contract", "Contract"


class HubMoney(TenantModel):
    """The Hub's own cost or income in a month, entered by the Hub director."""

    month = models.DateField(help_text="The first day of the month.")
    kind = models.CharField(max_length=10, choices=HubMoneyKind.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.00"))])
    description = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-month", "kind", "id"]
        verbose_name_plural = "hub money"
        indexes = [models.Index(fields=["alliance", "month"])]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gte=0), name="hubmoney_not_negative")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} in {self.month:%Y-%m}"

    def clean(self) -> None:
        if self.month:
            self.month = self.month.replace(day=1)
