"""Families, children, enrollments, attendance, waitlists and offers.

Rows are written by enrollment/services.py only; rules that span rows (a
classroom's capacity on each day, a child's age on the start date) live
there. Models hold fields, constraints and small properties.

Visibility for providers (`program_field`): enrollments, attendance, offers
and program waitlist entries belong to one program. A family, guardian or
child is visible to a provider only while it has a reason to be — a child
enrolled there now or ahead, waiting there, or money owed there — by the rules
in enrollment/visibility.py and billing/visibility.py (alliance.access
`provider_rule`), not forever. Their `program_field` names the path only for
the audit log.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from alliance.formatting import day
from alliance.models import BulkJobProgress
from alliance.tenancy import TenantModel
from enrollment.rules import DayLength, schedule_label
from members.models import AgeGroup, Classroom, MemberProgram


class AgeBand(TenantModel):
    """The alliance's definition of an age group, in completed months."""

    age_group = models.CharField(max_length=20, choices=AgeGroup.choices)
    min_months = models.PositiveSmallIntegerField("from (months)")
    max_months = models.PositiveSmallIntegerField("to under (months)")

    class Meta:
        ordering = ["min_months"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "age_group"], name="ageband_one_per_group"),
            models.CheckConstraint(
                condition=models.Q(max_months__gt=models.F("min_months")), name="ageband_range_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_age_group_display()}: {self.min_months}–{self.max_months} months"


# --- Families ---------------------------------------------------------------
class Family(TenantModel):
    name = models.CharField(
        "household name", max_length=200, help_text="How the Hub refers to the household, e.g. “Lopez family”."
    )
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    home_language = models.CharField(max_length=60, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    program_field = "children__enrollments__program"

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "families"
        indexes = [models.Index(fields=["alliance", "name"])]

    def __str__(self) -> str:
        return self.name


class Relationship(models.TextChoices):
    PARENT = "parent", "Parent"
    GRANDPARENT = "grandparent", "Grandparent"
    FOSTER = "foster", "Foster parent"
    GUARDIAN = "guardian", "Legal guardian"
    OTHER = "other", "Other"


class Guardian(TenantModel):
    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="guardians")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    relationship = models.CharField(max_length=20, choices=Relationship.choices, default=Relationship.PARENT)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    is_primary_contact = models.BooleanField("primary contact", default=False)
    can_pick_up = models.BooleanField("may pick up the children", default=True)
    # Consents the family gave, each recorded separately.
    consent_photos = models.BooleanField("photos may be taken", default=False)
    consent_field_trips = models.BooleanField("field trips", default=False)
    consent_text_messages = models.BooleanField("text messages", default=False)
    consent_share_with_programs = models.BooleanField(
        "share with other member programs",
        default=False,
        help_text="The Hub may pass the family's application to other member programs.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    program_field = "family__children__enrollments__program"

    class Meta:
        ordering = ["-is_primary_contact", "last_name", "first_name"]
        indexes = [models.Index(fields=["alliance", "family"])]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def consents(self) -> list[str]:
        return [
            str(self._meta.get_field(name).verbose_name)  # type: ignore[union-attr]
            for name in CONSENT_FIELDS
            if getattr(self, name)
        ]


CONSENT_FIELDS = ["consent_photos", "consent_field_trips", "consent_text_messages", "consent_share_with_programs"]


class Child(TenantModel):
    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="children")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    needs_notes = models.TextField(
        "needs",
        blank=True,
        help_text="Allergies, medical needs, an IEP or IFSP, and what helps this child.",
    )
    has_individual_plan = models.BooleanField("has an IEP or IFSP", default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    program_field = "enrollments__program"

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name_plural = "children"
        indexes = [
            models.Index(fields=["alliance", "last_name", "first_name"]),
            models.Index(fields=["alliance", "family"]),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


# --- Enrollments ------------------------------------------------------------
class FundingSource(models.TextChoices):
    PRIVATE_PAY = "private_pay", "Private pay"
    SUBSIDY = "subsidy", "Child-care subsidy"
    HEAD_START = "head_start", "Head Start / Early Head Start slot"
    PRE_K = "pre_k", "Public pre-K slot"
    EMPLOYER = "employer", "Employer-sponsored"


class EndReason(models.TextChoices):
    GRADUATED = "graduated", "Graduated / aged out"
    MOVED = "moved", "Family moved"
    COST = "cost", "Cost"
    OTHER = "other", "Other"
    # Set by the services when a change splits an enrollment; not offered to people.
    SCHEDULE_CHANGE = "schedule_change", "Schedule changed"
    TRANSFER = "transfer", "Transferred to another classroom"


PERSON_END_REASONS = [EndReason.GRADUATED, EndReason.MOVED, EndReason.COST, EndReason.OTHER]


class EnrollmentStatus:
    UPCOMING = "upcoming"
    ACTIVE = "active"
    ENDED = "ended"


def enrollment_status_on(start_date: datetime.date, end_date: datetime.date | None, day: datetime.date) -> str:
    """An enrollment's status on a day, from its dates (API lists read the dates without the row)."""
    if start_date > day:
        return EnrollmentStatus.UPCOMING
    if end_date is not None and end_date < day:
        return EnrollmentStatus.ENDED
    return EnrollmentStatus.ACTIVE


class Enrollment(TenantModel):
    """A child in a classroom from `start_date` to `end_date` (inclusive; open if blank)
    on a weekly schedule. A change of schedule or classroom ends this row the day
    before and starts a new one (`previous` links them), so each day's FTE stays
    as it was."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="enrollments")
    classroom = models.ForeignKey(Classroom, on_delete=models.PROTECT, related_name="enrollments")
    # The classroom's program, kept on the row so a program's enrollments are one index range.
    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="enrollments")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="The last day attended.")
    weekdays = ArrayField(models.PositiveSmallIntegerField(), help_text="Days attended, Monday = 0.")
    day_length = models.CharField(max_length=10, choices=DayLength.CHOICES, default=DayLength.FULL)
    fte = models.DecimalField("FTE", max_digits=3, decimal_places=2)
    funding_source = models.CharField(max_length=20, choices=FundingSource.choices, default=FundingSource.PRIVATE_PAY)
    rate_plan_ref = models.CharField(
        "tuition rate plan",
        max_length=60,
        blank=True,
        help_text="Reference of the tuition rate plan; billing prices it.",
    )
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)
    end_note = models.CharField(max_length=300, blank=True)
    override_reason = models.TextField(
        blank=True, help_text="Why a hub user enrolled past a refusal (capacity or age)."
    )
    previous = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="next")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    program_field = "program"

    class Meta:
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="enrollment_ends_after_start",
            ),
            models.CheckConstraint(condition=models.Q(fte__gt=0) & models.Q(fte__lte=1), name="enrollment_fte_range"),
        ]
        indexes = [
            models.Index(fields=["alliance", "classroom", "start_date"]),
            models.Index(fields=["alliance", "program", "start_date"]),
            models.Index(fields=["alliance", "child", "start_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.child} in {self.classroom} from {day(self.start_date)}"

    def is_active_on(self, day: datetime.date) -> bool:
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)

    def status_on(self, day: datetime.date) -> str:
        return enrollment_status_on(self.start_date, self.end_date, day)

    @property
    def days_per_week(self) -> int:
        return len(self.weekdays)

    @property
    def schedule_label(self) -> str:
        return schedule_label(self.weekdays, self.day_length)


# --- Attendance -------------------------------------------------------------
class AbsenceReason(models.TextChoices):
    SICK = "sick", "Sick"
    FAMILY = "family", "Family reasons"
    VACATION = "vacation", "Vacation"
    WEATHER = "weather", "Weather / transport"
    UNKNOWN = "unknown", "No reason given"


class AttendanceSource(models.TextChoices):
    PORTAL = "portal", "Check-in page"
    CSV = "csv", "CSV upload"
    API = "api", "API"
    KIOSK = "kiosk", "Door kiosk"


def attendance_state(absence_reason: str, check_out: datetime.time | None) -> str:
    """A day's state from its columns (API lists read the columns without the row)."""
    if absence_reason:
        return "absent"
    if check_out:
        return "checked_out"
    return "checked_in"


class AttendanceRecord(TenantModel):
    """One child's day under one enrollment: checked in (and out), or absent."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="attendance")
    day = models.DateField()
    check_in = models.TimeField(null=True, blank=True)
    check_out = models.TimeField(null=True, blank=True)
    absence_reason = models.CharField(max_length=20, choices=AbsenceReason.choices, blank=True)
    note = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=10, choices=AttendanceSource.choices, default=AttendanceSource.PORTAL)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    program_field = "enrollment__program"

    class Meta:
        ordering = ["-day", "enrollment_id"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "enrollment", "day"], name="attendance_one_per_enrollment_day"),
            models.CheckConstraint(
                condition=(
                    models.Q(absence_reason="", check_in__isnull=False)
                    | models.Q(~models.Q(absence_reason=""), check_in__isnull=True, check_out__isnull=True)
                ),
                name="attendance_present_xor_absent",
            ),
            models.CheckConstraint(
                condition=models.Q(check_out__isnull=True) | models.Q(check_out__gte=models.F("check_in")),
                name="attendance_out_after_in",
            ),
        ]
        indexes = [models.Index(fields=["alliance", "day"])]

    def __str__(self) -> str:
        return f"{self.enrollment.child} on {self.day}"

    @property
    def state(self) -> str:
        return attendance_state(self.absence_reason, self.check_out)


class StaffAttendance(TenantModel):
    """A staff member's time in one classroom on one day: what the room's ratio counts.

    A person may work in two rooms in a day (one row per room); while `check_out`
    is empty they count in the room's staff-to-child ratio.
    """

    staff = models.ForeignKey("members.StaffMember", on_delete=models.PROTECT, related_name="room_days")
    classroom = models.ForeignKey(Classroom, on_delete=models.PROTECT, related_name="staff_days")
    day = models.DateField()
    check_in = models.TimeField()
    check_out = models.TimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    program_field = "classroom__site__program"

    class Meta:
        ordering = ["day", "check_in", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "staff", "classroom", "day"], name="staffattendance_one_per_room_day"
            ),
            models.CheckConstraint(
                condition=models.Q(check_out__isnull=True) | models.Q(check_out__gte=models.F("check_in")),
                name="staffattendance_out_after_in",
            ),
        ]
        indexes = [models.Index(fields=["alliance", "classroom", "day"])]

    def __str__(self) -> str:
        return f"{self.staff} in {self.classroom} on {self.day}"


# --- Waitlist and offers ----------------------------------------------------
class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    OFFERED = "offered", "Offer open"
    PLACED = "placed", "Placed"
    WITHDRAWN = "withdrawn", "Withdrawn"


class WaitlistEntry(TenantModel):
    """A child waiting for a place.

    On one program's waitlist when `program` is set; on the alliance-wide shared
    waitlist when it is blank. Either way the family may name other programs it
    would accept, an area, or any program: the matcher (matching.py) ranks
    entries by those choices when a slot opens anywhere in the alliance.
    """

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="waitlist_entries")
    program = models.ForeignKey(
        MemberProgram,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="waitlist_entries",
        help_text="Blank: the alliance-wide shared waitlist.",
    )
    acceptable_programs = models.ManyToManyField(
        MemberProgram,
        blank=True,
        related_name="+",
        through="WaitlistChoice",
        help_text="Other member programs the family would accept.",
    )
    area = models.CharField(max_length=100, blank=True, help_text="Any program in this city or area would suit.")
    any_program = models.BooleanField("any member program", default=False)
    desired_start = models.DateField()
    weekdays = ArrayField(models.PositiveSmallIntegerField())
    day_length = models.CharField(max_length=10, choices=DayLength.CHOICES, default=DayLength.FULL)
    fte = models.DecimalField("FTE", max_digits=3, decimal_places=2)
    age_group_at_start = models.CharField(max_length=20, choices=AgeGroup.choices, blank=True)
    sibling_enrolled = models.BooleanField("sibling already enrolled", default=False)
    subsidy_eligible = models.BooleanField(default=False)
    added_on = models.DateField()
    status = models.CharField(max_length=20, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING)
    status_note = models.CharField(max_length=300, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    program_field = "program"

    class Meta:
        ordering = ["added_on", "id"]
        verbose_name_plural = "waitlist entries"
        indexes = [
            models.Index(fields=["alliance", "status", "added_on"]),
            models.Index(fields=["alliance", "program", "status"]),
            models.Index(fields=["alliance", "child"]),
        ]

    def __str__(self) -> str:
        where = self.program.name if self.program is not None else "shared waitlist"
        return f"{self.child} ({where})"

    @property
    def schedule_label(self) -> str:
        return schedule_label(self.weekdays, self.day_length)

    @property
    def priority_labels(self) -> list[str]:
        return priority_labels(sibling_enrolled=self.sibling_enrolled, subsidy_eligible=self.subsidy_eligible)


def priority_labels(*, sibling_enrolled: bool, subsidy_eligible: bool) -> list[str]:
    """A waiting family's priority badges (the waitlist page reads its rows without entries)."""
    labels = []
    if sibling_enrolled:
        labels.append("sibling")
    if subsidy_eligible:
        labels.append("subsidy-eligible")
    return labels


class WaitlistChoice(TenantModel):
    """A member program a waiting family would accept (a tenant row, unlike an
    implicit many-to-many table, so it carries the alliance and its RLS)."""

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="choices")
    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="+")

    program_field = "entry__program"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["alliance", "entry", "program"], name="waitlist_choice_unique"),
        ]
        indexes = [models.Index(fields=["alliance", "program"])]

    def __str__(self) -> str:
        return f"{self.entry} would accept {self.program}"


class OfferStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Expired"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Offer(TenantModel):
    """A place offered to a waiting child: a classroom from a start date on a
    schedule, open until `respond_by` (inclusive)."""

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.PROTECT, related_name="offers")
    classroom = models.ForeignKey(Classroom, on_delete=models.PROTECT, related_name="offers")
    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="offers")
    start_date = models.DateField()
    weekdays = ArrayField(models.PositiveSmallIntegerField())
    day_length = models.CharField(max_length=10, choices=DayLength.CHOICES, default=DayLength.FULL)
    fte = models.DecimalField("FTE", max_digits=3, decimal_places=2)
    respond_by = models.DateField()
    status = models.CharField(max_length=20, choices=OfferStatus.choices, default=OfferStatus.OPEN)
    note = models.CharField(max_length=300, blank=True)
    response_note = models.CharField(max_length=300, blank=True)
    enrollment = models.OneToOneField(Enrollment, null=True, blank=True, on_delete=models.PROTECT, related_name="offer")
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    made_at = models.DateTimeField(auto_now_add=True)
    responded_at = models.DateTimeField(null=True, blank=True)

    program_field = "program"

    class Meta:
        ordering = ["-made_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "entry"], condition=models.Q(status="open"), name="offer_one_open_per_entry"
            ),
        ]
        indexes = [
            models.Index(fields=["alliance", "status", "respond_by"]),
            models.Index(fields=["alliance", "classroom", "status"]),
        ]

    def __str__(self) -> str:
        return f"Offer of {self.classroom} to {self.entry.child}"

    @property
    def schedule_label(self) -> str:
        return schedule_label(self.weekdays, self.day_length)


ZERO_FTE = Decimal("0.00")


class OfferBulkJob(BulkJobProgress, TenantModel):
    """Offers of one room to many ticked waitlist entries, made by tasks in batches when there are more
    than enrollment/services/offers_bulk.py's BACKGROUND_OVER (the waitlist page shows its progress).

    `token` comes from the preview page, so confirming it twice starts one job. `results` holds one
    entry per waitlist entry done ({"entry_id", "child", "outcome": "offered" | "refused", "detail"});
    a batch skips entries already in it, so a redelivered batch offers nothing twice."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"

    token = models.CharField(max_length=64)
    classroom = models.ForeignKey(Classroom, on_delete=models.PROTECT, related_name="+")
    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="+")
    start_date = models.DateField()
    respond_by = models.DateField()
    entry_ids = ArrayField(models.BigIntegerField(), default=list)
    items_field = "entry_ids"
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    results = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    program_field = "program"

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["alliance", "token"], name="offerbulkjob_token_unique")]

    def __str__(self) -> str:
        return f"Offers of {self.classroom} to {len(self.entry_ids)} children"

    @property
    def count_offered(self) -> int:
        return self.count("offered")

    @property
    def count_refused(self) -> int:
        return self.count("refused")


# --- Records imported from other systems ------------------------------------
class ExternalRecord(TenantModel):
    """The id another system (Brightwheel, Procare, the Hub's template) gives a family, guardian or
    child we imported, so a re-import of the same export updates that record instead of adding a
    second one (enrollment/imports_families.py). Unique per program, source, kind and id."""

    class Kind(models.TextChoices):
        FAMILY = "family", "Family"
        GUARDIAN = "guardian", "Guardian"
        CHILD = "child", "Child"

    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=20)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    external_id = models.CharField(max_length=120)
    object_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    program_field = "program"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "program", "source", "kind", "external_id"], name="external_record_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.kind} {self.external_id}"
