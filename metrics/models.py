"""Snapshot tables of the Iron Triangle, and the alliance's targets.

Snapshots are written only by the rollups (metrics/rollups.py) with set-based
SQL, `INSERT ... SELECT ... ON CONFLICT DO UPDATE`, so a rerun replaces rather
than doubles. They hold sums, never ratios: a ratio of a month or of the
alliance is the ratio of the sums (DESIGN.md), and metrics/figures.py computes
every ratio in one place.

Daily occupancy: one row per classroom, program and alliance per operating day
with a capacity in force. Monthly occupancy: the same sums over the month's
days, per program and alliance, so the dashboard reads 12 rows per program.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models

from alliance.tenancy import TenantModel
from members.models import Classroom, MemberProgram

FTE = {"max_digits": 12, "decimal_places": 2}


class OccupancySums(models.Model):
    """What a day (or a month of days) of one classroom, program or alliance adds up to.

    `*_capacity` are capacity-days: a 10-place room open 20 days is 200. On a
    daily row they are simply the capacity in force that day.
    """

    operating_days = models.PositiveIntegerField(default=1)
    licensed_capacity = models.PositiveIntegerField()
    target_capacity = models.PositiveIntegerField(help_text="Desired capacity where set, else licensed.")
    enrolled_fte = models.DecimalField(**FTE)
    enrolled_children = models.PositiveIntegerField()
    scheduled_child_days = models.PositiveIntegerField(help_text="Children expected that day by their schedule.")
    attended_child_days = models.PositiveIntegerField(help_text="Children checked in.")

    class Meta:
        abstract = True

    @property
    def open_slots(self) -> Decimal:
        return Decimal(self.licensed_capacity) - self.enrolled_fte


class ClassroomDay(TenantModel, OccupancySums):
    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(MemberProgram, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()

    program_field = "program"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["alliance", "classroom", "day"], name="classroomday_key")]
        indexes = [models.Index(fields=["alliance", "day"])]

    def __str__(self) -> str:
        return f"classroom {self.classroom_id} on {self.day}"


class ProgramDay(TenantModel, OccupancySums):
    program = models.ForeignKey(MemberProgram, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()

    program_field = "program"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["alliance", "program", "day"], name="programday_key")]
        indexes = [models.Index(fields=["alliance", "day"])]

    def __str__(self) -> str:
        return f"program {self.program_id} on {self.day}"


class AllianceDay(TenantModel, OccupancySums):
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["alliance", "day"], name="allianceday_key")]

    def __str__(self) -> str:
        return f"alliance {self.alliance_id} on {self.day}"


class ProgramMonth(TenantModel, OccupancySums):
    program = models.ForeignKey(MemberProgram, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="First day of the month.")

    program_field = "program"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["alliance", "program", "month"], name="programmonth_key")]
        indexes = [models.Index(fields=["alliance", "month"])]

    def __str__(self) -> str:
        return f"program {self.program_id} in {self.month:%Y-%m}"


class AllianceMonth(TenantModel, OccupancySums):
    month = models.DateField(help_text="First day of the month.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["alliance", "month"], name="alliancemonth_key")]

    def __str__(self) -> str:
        return f"alliance {self.alliance_id} in {self.month:%Y-%m}"

