"""The substitute pool and requests for cover.

The Hub keeps a pool of substitutes (its own employees, or staff a member shares)
with their credentials, the member programs they are cleared to work in and the
days they are available. A provider asks for cover (a day, hours, a classroom,
an age group, a credential the room needs); the Hub fills it with one qualified,
available substitute who is not booked elsewhere at the same time
(sharedservices/matching.py ranks them). Hours delivered are charged to the
member at the agreed hourly rate by billing's Hub member fees.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models

from members.models import AgeGroup, Classroom, MemberProgram
from sharedservices.models.base import SharedRecord

QUARTER_HOUR_MINUTES = 15
MAX_COVER_HOURS = Decimal("14.00")


def hours_between(start: datetime.time, end: datetime.time) -> Decimal:
    """Hours from one time of day to a later one, exact for quarter hours."""
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"))


def on_quarter_hour(value: datetime.time | None) -> bool:
    return value is None or (value.minute % QUARTER_HOUR_MINUTES == 0 and value.second == 0)


class Employment(models.TextChoices):
    HUB = "hub", "Hub-employed"
    SHARED = "shared", "Shared by a member"


class CredentialType(models.TextChoices):
    CPR_FIRST_AID = "cpr_first_aid", "Pediatric CPR & First Aid"
    CDA = "cda", "CDA credential"
    INFANT_TODDLER = "infant_toddler", "Infant/toddler certificate"
    ECE_ASSOCIATE = "ece_associate", "Associate degree, early childhood"
    ECE_BACHELOR = "ece_bachelor", "Bachelor's degree, early childhood"
    SCHOOL_AGE = "school_age", "School-age credential"
    MEDICATION = "medication", "Medication administration"
    FOOD_HANDLER = "food_handler", "Food handler"


class Substitute(SharedRecord):
    """A person in the Hub's substitute pool. Leaving the pool makes them inactive."""

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    employment = models.CharField(max_length=10, choices=Employment.choices, default=Employment.HUB)
    home_program = models.ForeignKey(
        MemberProgram,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For a shared substitute: the member that employs them.",
    )
    age_groups = ArrayField(
        models.CharField(max_length=20, choices=AgeGroup.choices),
        default=list,
        help_text="Age groups this person may work with.",
    )
    is_active = models.BooleanField("in the pool", default=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "email"], condition=~models.Q(email=""), name="substitute_email_unique"
            ),
        ]
        indexes = [models.Index(fields=["alliance", "is_active"])]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return str(self)

    def age_groups_label(self) -> str:
        labels = dict(AgeGroup.choices)
        return ", ".join(str(labels.get(g, g)) for g in self.age_groups) or "—"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.first_name, self.last_name = self.first_name.strip(), self.last_name.strip()
        self.email = self.email.strip().lower()
        if self.email and self._taken(email__iexact=self.email):
            errors["email"] = "Another substitute in the pool has this email."
        if not self.age_groups:
            errors["age_groups"] = "Choose at least one age group."
        elif any(g not in AgeGroup.values for g in self.age_groups):
            errors["age_groups"] = "Unknown age group."
        else:
            self.age_groups = [g for g in AgeGroup.values if g in self.age_groups]
        if self.employment == Employment.SHARED and not self.home_program_id:
            errors["home_program"] = "A shared substitute is employed by a member: choose which."
        if self.employment == Employment.HUB and self.home_program_id:
            errors["home_program"] = "A Hub-employed substitute has no member employer: clear it."
        if errors:
            raise ValidationError(errors)


class SubstituteCredential(SharedRecord):
    substitute = models.ForeignKey(Substitute, on_delete=models.PROTECT, related_name="credentials")
    kind = models.CharField("credential", max_length=20, choices=CredentialType.choices)
    identifier = models.CharField("certificate number", max_length=100, blank=True)
    issued_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True, help_text="Blank if it never expires.")

    class Meta:
        ordering = ["kind", "-expires_on"]
        indexes = [models.Index(fields=["alliance", "substitute", "kind"])]

    def __str__(self) -> str:
        return self.get_kind_display()

    def valid_on(self, day: datetime.date) -> bool:
        return (self.issued_on is None or self.issued_on <= day) and (self.expires_on is None or self.expires_on >= day)

    def clean(self) -> None:
        if self.issued_on and self.expires_on and self.expires_on < self.issued_on:
            raise ValidationError({"expires_on": "A credential cannot expire before it was issued."})


class SubstituteClearance(SharedRecord):
    """The substitute may work in this member program (background check and orientation on file)."""

    substitute = models.ForeignKey(Substitute, on_delete=models.PROTECT, related_name="clearances")
    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="+")
    cleared_on = models.DateField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["program__name"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "substitute", "program"], name="clearance_once_per_program"),
        ]

    def __str__(self) -> str:
        return f"{self.substitute} cleared for {self.program}"

    def clean(self) -> None:
        if (
            self.substitute_id
            and self.program_id
            and self._taken(substitute_id=self.substitute_id, program_id=self.program_id)
        ):
            raise ValidationError({"program": "This substitute is already cleared for this program."})


class SubstituteAvailability(SharedRecord):
    """A day the substitute can work, from one time to another (one block a day)."""

    substitute = models.ForeignKey(Substitute, on_delete=models.PROTECT, related_name="availability")
    day = models.DateField()
    starts_at = models.TimeField()
    ends_at = models.TimeField()

    class Meta:
        ordering = ["day"]
        verbose_name_plural = "substitute availability"
        constraints = [
            models.UniqueConstraint(fields=["alliance", "substitute", "day"], name="availability_one_block_a_day"),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="availability_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["alliance", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"

    def covers(self, start: datetime.time, end: datetime.time) -> bool:
        return self.starts_at <= start and self.ends_at >= end

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "The end must be after the start."})


class CoverReason(models.TextChoices):
    ILLNESS = "illness", "Staff illness"
    LEAVE = "leave", "Planned leave"
    TRAINING = "training", "Staff training"
    VACANCY = "vacancy", "Open position"
    OTHER = "other", "Other"


class CoverStatus(models.TextChoices):
    OPEN = "open", "Waiting for a substitute"
    FILLED = "filled", "Filled"
    DELIVERED = "delivered", "Cover delivered"
    UNFILLED = "unfilled", "Not filled"
    CANCELLED = "cancelled", "Cancelled"


BOOKED = [CoverStatus.FILLED, CoverStatus.DELIVERED]


class CoverRequest(SharedRecord):
    """A member program's request for a substitute, and how it was answered."""

    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="+")
    classroom = models.ForeignKey(Classroom, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    starts_at = models.TimeField()
    ends_at = models.TimeField()
    age_group = models.CharField(max_length=20, choices=AgeGroup.choices)
    required_credential = models.CharField(
        max_length=20,
        choices=CredentialType.choices,
        blank=True,
        help_text="A credential the substitute must hold that day, if any.",
    )
    reason = models.CharField(max_length=20, choices=CoverReason.choices, default=CoverReason.ILLNESS)
    notes = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=CoverStatus.choices, default=CoverStatus.OPEN)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    substitute = models.ForeignKey(Substitute, null=True, blank=True, on_delete=models.PROTECT, related_name="covers")
    filled_at = models.DateTimeField(null=True, blank=True)
    filled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hours_delivered = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(max_length=300, blank=True)
    # Set by billing's member fees when the hours are charged (sharedservices.services.cover_hours_mark_charged).
    charged_invoice_number = models.PositiveIntegerField(null=True, blank=True)
    charged_rate = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)

    program_field = "program"

    class Meta:
        ordering = ["-day", "-starts_at", "-id"]
        indexes = [
            models.Index(fields=["alliance", "program", "day"]),
            models.Index(fields=["alliance", "substitute", "day"]),
            models.Index(fields=["alliance", "status", "day"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="cover_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=BOOKED) | models.Q(substitute__isnull=False),
                name="cover_booked_has_substitute",
            ),
        ]

    def __str__(self) -> str:
        return f"Cover for {self.classroom} on {self.day}"

    @property
    def hours(self) -> Decimal:
        """The hours asked for."""
        return hours_between(self.starts_at, self.ends_at)

    @property
    def time_to_fill(self) -> datetime.timedelta | None:
        return self.filled_at - self.created_at if self.filled_at and self.created_at else None

    @property
    def is_charged(self) -> bool:
        return self.charged_invoice_number is not None
