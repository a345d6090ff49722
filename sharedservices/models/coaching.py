"""Coaching and quality support: coaches' visits to member programs and the goals
agreed with them. Licensing renewals and QRIS re-ratings come from the dates
members already keeps (sharedservices/quality.py)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from alliance.dates import alliance_today
from members.models import MemberProgram
from sharedservices.models.base import SharedRecord


class CoachingFocus(models.TextChoices):
    REFLECTIVE_SUPERVISION = "reflective_supervision", "Reflective supervision"
    CLASSROOM_QUALITY = "classroom_quality", "Classroom quality"
    BUSINESS_PRACTICES = "business_practices", "Business practices"
    LICENSING_QRIS = "licensing_qris", "Licensing/QRIS preparation"


class CoachVisit(SharedRecord):
    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="+")
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    coach_name = models.CharField(max_length=200, help_text="Kept as written, should the account go.")
    visited_on = models.DateField()
    focus = models.CharField(max_length=30, choices=CoachingFocus.choices)
    hours = models.DecimalField(max_digits=4, decimal_places=2, help_text="Time on site, in hours.")
    summary = models.TextField(help_text="What was observed and discussed.")
    next_steps = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    program_field = "program"

    class Meta:
        ordering = ["-visited_on", "-id"]
        indexes = [models.Index(fields=["alliance", "program", "visited_on"])]

    def __str__(self) -> str:
        return f"{self.get_focus_display()} visit on {self.visited_on}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.visited_on and self.visited_on > alliance_today():
            errors["visited_on"] = "Log visits that have happened; plan future ones as goals."
        if self.hours is not None and not (0 < self.hours <= 12):
            errors["hours"] = "A visit lasts more than 0 and at most 12 hours."
        if not (self.summary or "").strip():
            errors["summary"] = "Say what was observed and discussed."
        if errors:
            raise ValidationError(errors)


class GoalStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    MET = "met", "Met"
    DROPPED = "dropped", "Dropped"


OPEN_GOAL_STATUSES = [GoalStatus.NOT_STARTED, GoalStatus.IN_PROGRESS]


class CoachingGoal(SharedRecord):
    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="+")
    visit = models.ForeignKey(
        CoachVisit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="goals",
        help_text="The visit where the goal was agreed, if any.",
    )
    title = models.CharField(max_length=200)
    focus = models.CharField(max_length=30, choices=CoachingFocus.choices)
    due_on = models.DateField()
    status = models.CharField(max_length=20, choices=GoalStatus.choices, default=GoalStatus.NOT_STARTED)
    status_changed_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    program_field = "program"

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["alliance", "program", "due_on"])]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.title = self.title.strip()
        if not self.title:
            errors["title"] = "Name the goal."
        if (
            self.visit_id
            and self.program_id
            and not CoachVisit.objects.filter(pk=self.visit_id, program_id=self.program_id).exists()
        ):
            errors["visit"] = "Choose a visit to this program."
        if errors:
            raise ValidationError(errors)
