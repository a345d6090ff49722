"""Member programs and what the Hub knows about each: sites, classrooms and their
dated capacity, staff, monthly costs, quality, and the Hub services they buy.

Validation rules live in each model's `clean()`, with the message on the field
a person would correct; forms, the API and CSV imports all run them through
`full_clean()`. Database constraints back the rules up but are not re-checked
in Python (their messages would repeat the field messages without naming the
field).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from alliance.dates import alliance_today, month_start
from alliance.fields import MoneyField
from alliance.formatting import money
from alliance.tenancy import TenantModel

ZERO = Decimal("0.00")


class MembersRecord(TenantModel):
    """Common base: rules are checked in clean(), constraints by the database."""

    class Meta:
        abstract = True

    def full_clean(
        self,
        exclude=None,
        validate_unique=True,  # type: ignore[no-untyped-def]
        validate_constraints=False,
    ):
        super().full_clean(exclude=exclude, validate_unique=validate_unique, validate_constraints=validate_constraints)

    def _taken(self, **lookup) -> bool:  # type: ignore[no-untyped-def]
        """Is another row of the open alliance already using these values?"""
        return type(self).objects.filter(**lookup).exclude(pk=self.pk).exists()


# --- Member programs --------------------------------------------------------
class ProgramKind(models.TextChoices):
    CENTRE = "centre", "Child-care centre"
    FAMILY_HOME = "family_home", "Family child-care home"


class ProgramStatus(models.TextChoices):
    APPLICANT = "applicant", "Applicant"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    LEFT = "left", "Left"


class Accreditation(models.TextChoices):
    NONE = "", "None"
    NAEYC = "naeyc", "NAEYC"
    NAFCC = "nafcc", "NAFCC"
    NECPA = "necpa", "NECPA"
    COGNIA = "cognia", "Cognia"
    OTHER = "other", "Other"


QRIS_MAX_STARS = 5


class MemberProgram(MembersRecord):
    """A member of the alliance: an independent centre or family child-care home.

    Programs are never deleted: leaving is a status, and every row that points
    at a program keeps its history.
    """

    name = models.CharField(max_length=200, help_text="The name families know the program by.")
    legal_name = models.CharField(max_length=200, blank=True, help_text="The licensee's legal name, if different.")
    kind = models.CharField(max_length=20, choices=ProgramKind.choices)
    status = models.CharField(max_length=20, choices=ProgramStatus.choices, default=ProgramStatus.ACTIVE)
    status_changed_on = models.DateField(null=True, blank=True)
    joined_on = models.DateField("joined the alliance on", null=True, blank=True)

    license_number = models.CharField(max_length=50, blank=True)
    licensed_capacity = models.PositiveIntegerField(
        default=0,
        validators=[MaxValueValidator(1000)],
        help_text="Children the state license allows at once.",
    )
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField("state", max_length=50, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    phone = models.CharField(max_length=40, blank=True)

    director_name = models.CharField(max_length=200, blank=True)
    director_email = models.EmailField(blank=True)
    director_phone = models.CharField(max_length=40, blank=True)

    qris_rating = models.PositiveSmallIntegerField(
        "QRIS rating (stars)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(QRIS_MAX_STARS)],
    )
    qris_rated_on = models.DateField("QRIS rated on", null=True, blank=True)
    accreditation = models.CharField(max_length=20, choices=Accreditation.choices, blank=True)
    accreditation_expires_on = models.DateField(null=True, blank=True)
    owner_monthly_wage = MoneyField(
        "owner's wage, a month",
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text="Family child-care homes: what the owner's own labour is worth a month, counted as classroom "
        "personnel cost where a month has no personnel entered. Blank: the alliance's local median wage for a "
        "home owner (x 40 hours x 52 weeks / 12), left out in a month when someone on the staff roster has "
        "'owner' in their position (the roster then carries the owner's pay); 0 to count no owner labour.",
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    program_field = "pk"

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "name"], name="memberprogram_name_unique"),
            models.UniqueConstraint(
                fields=["alliance", "license_number"],
                condition=~models.Q(license_number=""),
                name="memberprogram_license_unique",
            ),
        ]
        indexes = [models.Index(fields=["alliance", "status"])]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.name = self.name.strip()
        self.license_number = self.license_number.strip()
        today = alliance_today()
        if self.name and self._taken(name__iexact=self.name):
            errors["name"] = "Another member program already has this name."
        if self.license_number and self._taken(license_number__iexact=self.license_number):
            errors["license_number"] = "Another member program of this alliance has this license number."
        if self.qris_rating is not None and self.qris_rated_on is None:
            errors["qris_rated_on"] = "Give the date of the QRIS rating."
        if self.qris_rating is None and self.qris_rated_on is not None:
            errors["qris_rating"] = "Give the rating, or clear its date."
        if self.qris_rated_on and self.qris_rated_on > today:
            errors["qris_rated_on"] = "A rating date cannot be in the future."
        if self.accreditation and self.accreditation_expires_on is None:
            errors["accreditation_expires_on"] = "Give the date the accreditation expires."
        if not self.accreditation and self.accreditation_expires_on is not None:
            errors["accreditation"] = "Choose the accrediting body, or clear the expiry date."
        if self.status != ProgramStatus.APPLICANT and self.joined_on is None:
            errors["joined_on"] = "A member that is not an applicant needs a join date."
        if self.joined_on and self.joined_on > today:
            errors["joined_on"] = "The join date cannot be in the future."
        if errors:
            raise ValidationError(errors)

    @property
    def address_lines(self) -> list[str]:
        locality = " ".join(p for p in [self.region, self.postal_code] if p)
        city_line = ", ".join(p for p in [self.city, locality] if p)
        return [line for line in [self.street, city_line] if line]


class QrisRatingSource(models.TextChoices):
    ENTERED = "entered", "Entered in the Hub"
    BACKFILL = "backfill", "On record when the history began"


class QrisRating(MembersRecord):
    """One change of a program's QRIS rating, as recorded. Append-only.

    The program keeps its current rating (`MemberProgram.qris_rating`); every
    change to it appends a row here, so the rating a program held on any day
    can be read back (`members.selectors.qris_timelines`). A row whose
    `rating` is empty records that the rating was removed. A later row dated on
    or before an earlier one corrects it (the earlier row stays, superseded).
    """

    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="qris_history")
    rating = models.PositiveSmallIntegerField(
        "QRIS rating (stars)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(QRIS_MAX_STARS)],
    )
    rated_on = models.DateField("rated on")
    source = models.CharField(max_length=20, choices=QrisRatingSource.choices, default=QrisRatingSource.ENTERED)
    note = models.CharField(max_length=200, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    program_field = "program"
    append_only = True

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["alliance", "program", "rated_on"])]

    def __str__(self) -> str:
        stars = f"{self.rating} stars" if self.rating else "no rating"
        return f"QRIS {stars} on {self.rated_on}"


class InspectionType(models.TextChoices):
    ROUTINE = "routine", "Routine"
    RENEWAL = "renewal", "License renewal"
    COMPLAINT = "complaint", "Complaint"
    FOLLOW_UP = "follow_up", "Follow-up"


class InspectionOutcome(models.TextChoices):
    COMPLIANT = "compliant", "No findings"
    FINDINGS = "findings", "Findings"
    SERIOUS = "serious", "Serious deficiencies"


class LicensingInspection(MembersRecord):
    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="inspections")
    inspected_on = models.DateField()
    inspection_type = models.CharField(max_length=20, choices=InspectionType.choices, default=InspectionType.ROUTINE)
    outcome = models.CharField(max_length=20, choices=InspectionOutcome.choices)
    findings = models.TextField(blank=True)
    corrective_action_due = models.DateField(null=True, blank=True)
    corrected_on = models.DateField(null=True, blank=True)

    program_field = "program"

    class Meta:
        ordering = ["-inspected_on", "-id"]
        indexes = [models.Index(fields=["alliance", "program", "-inspected_on"])]

    def __str__(self) -> str:
        return f"{self.get_inspection_type_display()} inspection on {self.inspected_on}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.inspected_on and self.inspected_on > alliance_today():
            errors["inspected_on"] = "An inspection date cannot be in the future."
        if self.outcome != InspectionOutcome.COMPLIANT and not self.findings.strip():
            errors["findings"] = "Describe the findings."
        if self.inspected_on:
            for field in ("corrective_action_due", "corrected_on"):
                value = getattr(self, field)
                if value and value < self.inspected_on:
                    errors[field] = "This date cannot be before the inspection."
        if errors:
            raise ValidationError(errors)


# --- Sites and classrooms ---------------------------------------------------
class Site(MembersRecord):
    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="sites")
    name = models.CharField(max_length=200)
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField("state", max_length=50, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    opened_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)

    program_field = "program"

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "program", "name"], name="site_name_unique_in_program"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.name = self.name.strip()
        if self.name and self.program_id and self._taken(program_id=self.program_id, name__iexact=self.name):
            errors["name"] = "This program already has a site with this name."
        if self.opened_on and self.closed_on and self.closed_on < self.opened_on:
            errors["closed_on"] = "A site cannot close before it opened."
        if errors:
            raise ValidationError(errors)


class AgeGroup(models.TextChoices):
    INFANT = "infant", "Infant"
    TODDLER = "toddler", "Toddler"
    PRESCHOOL = "preschool", "Preschool"
    SCHOOL_AGE = "school_age", "School-age"
    MIXED = "mixed", "Mixed ages"


# The loosest staff-to-child ratio any US state allows for each age group:
# a value above it is a typing mistake, not a licensing choice.
MAX_CHILDREN_PER_STAFF = {
    AgeGroup.INFANT: 6,
    AgeGroup.TODDLER: 9,
    AgeGroup.PRESCHOOL: 15,
    AgeGroup.SCHOOL_AGE: 20,
    AgeGroup.MIXED: 12,
}

WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]
WEEKDAY_NAMES = dict(WEEKDAYS)
MONDAY_TO_FRIDAY = [0, 1, 2, 3, 4]


def weekdays_label(days: list[int]) -> str:
    days = sorted(set(days))
    if not days:
        return "—"
    if days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
        return f"{WEEKDAY_NAMES[days[0]]}–{WEEKDAY_NAMES[days[-1]]}"
    return ", ".join(WEEKDAY_NAMES[d] for d in days)


class Classroom(MembersRecord):
    """A group of children of one age range. Its capacity is dated: see ClassroomCapacity."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="classrooms")
    name = models.CharField(max_length=100)
    age_group = models.CharField(max_length=20, choices=AgeGroup.choices)
    children_per_staff = models.PositiveSmallIntegerField(
        "children per staff member",
        help_text="The staff-to-child ratio required: 4 means one adult for every 4 children.",
    )
    operating_days = ArrayField(
        models.PositiveSmallIntegerField(), default=list, help_text="Weekdays open, Monday = 0."
    )
    opens_at = models.TimeField()
    closes_at = models.TimeField()
    closed_on = models.DateField(null=True, blank=True, help_text="Set when the classroom closes for good.")
    created_at = models.DateTimeField(auto_now_add=True)

    program_field = "site__program"

    class Meta:
        ordering = ["site__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "site", "name"], name="classroom_name_unique_in_site"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def program_id(self) -> int:
        return self.site.program_id

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.name = self.name.strip()
        if self.name and self.site_id and self._taken(site_id=self.site_id, name__iexact=self.name):
            errors["name"] = "This site already has a classroom with this name."
        ratio_max = MAX_CHILDREN_PER_STAFF.get(self.age_group)  # type: ignore[call-overload]
        if self.children_per_staff is not None:
            if self.children_per_staff < 1:
                errors["children_per_staff"] = "At least one child per staff member."
            elif ratio_max and self.children_per_staff > ratio_max:
                errors["children_per_staff"] = (
                    f"1:{self.children_per_staff} is not a plausible ratio for "
                    f"{self.get_age_group_display().lower()} rooms (at most 1:{ratio_max})."
                )
        days = self.operating_days or []
        if not days:
            errors["operating_days"] = "Choose at least one operating day."
        elif any(d not in WEEKDAY_NAMES for d in days):
            errors["operating_days"] = "Operating days are weekdays 0 (Monday) to 6 (Sunday)."
        else:
            self.operating_days = sorted(set(days))
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            errors["closes_at"] = "Closing time must be after opening time."
        if errors:
            raise ValidationError(errors)


class ClassroomCapacity(MembersRecord):
    """The capacity of a classroom from a date on, until the next change.

    Occupancy on a day is computed against the row in force that day, so
    history is kept: a change is a new row, not an edit of the old one.
    """

    classroom = models.ForeignKey(Classroom, on_delete=models.PROTECT, related_name="capacity_history")
    effective_from = models.DateField()
    licensed_capacity = models.PositiveIntegerField(validators=[MaxValueValidator(500)])
    desired_capacity = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(500)],
        help_text="The program's target enrollment; blank means the licensed capacity.",
    )
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    program_field = "classroom__site__program"

    class Meta:
        ordering = ["classroom_id", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "classroom", "effective_from"], name="classroom_capacity_one_per_day"
            ),
            models.CheckConstraint(
                condition=models.Q(desired_capacity__isnull=True)
                | models.Q(desired_capacity__lte=models.F("licensed_capacity")),
                name="classroom_capacity_desired_within_licensed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.licensed_capacity} from {self.effective_from}"

    @property
    def target_capacity(self) -> int:
        return self.licensed_capacity if self.desired_capacity is None else self.desired_capacity

    def clean(self) -> None:
        if (
            self.desired_capacity is not None
            and self.licensed_capacity is not None
            and self.desired_capacity > self.licensed_capacity
        ):
            raise ValidationError({"desired_capacity": "The desired capacity cannot exceed the licensed capacity."})


# --- Staff ------------------------------------------------------------------
class StaffCategory(models.TextChoices):
    ADMINISTRATION = "administration", "Administration"
    CLASSROOM = "classroom", "Classroom"


class PayBasis(models.TextChoices):
    HOURLY = "hourly", "Hourly wage"
    SALARY = "salary", "Annual salary"


FULL_TIME_HOURS_PER_YEAR = Decimal(2080)  # 40 hours x 52 weeks
MAX_FTE = Decimal("1.50")


class StaffMember(MembersRecord):
    """A person on a program's roster. Leaving sets `ended_on`; the row stays."""

    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="staff")
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.PROTECT, related_name="staff")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    position = models.CharField(max_length=100, help_text="E.g. Director, Lead teacher, Cook.")
    category = models.CharField(max_length=20, choices=StaffCategory.choices)
    fte = models.DecimalField("FTE", max_digits=3, decimal_places=2, help_text="1.00 is full time (40 hours a week).")
    pay_basis = models.CharField(max_length=10, choices=PayBasis.choices)
    hourly_wage = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    annual_salary = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    benefits_annual = models.DecimalField(
        "annual benefits cost",
        max_digits=10,
        decimal_places=2,
        default=ZERO,
        help_text="Employer cost of health insurance, retirement, payroll taxes.",
    )
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    import_source = models.CharField(
        max_length=20, blank=True, help_text="The system a staff import took this person from (members/imports.py)."
    )
    import_id = models.CharField(
        max_length=120, blank=True, help_text="The person's id in that system; a re-import updates this person."
    )

    program_field = "program"

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["alliance", "program", "category"])]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "program", "import_source", "import_id"],
                condition=~models.Q(import_id=""),
                name="staffmember_import_id_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return str(self)

    def is_active_on(self, day: datetime.date) -> bool:
        return self.started_on <= day and (self.ended_on is None or self.ended_on >= day)

    @property
    def annual_pay(self) -> Decimal:
        if self.pay_basis == PayBasis.HOURLY:
            return (self.hourly_wage or ZERO) * self.fte * FULL_TIME_HOURS_PER_YEAR
        return self.annual_salary or ZERO

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.first_name, self.last_name = self.first_name.strip(), self.last_name.strip()
        if self.fte is not None and not (ZERO < self.fte <= MAX_FTE):
            errors["fte"] = f"FTE is more than 0 and at most {MAX_FTE}."
        if self.pay_basis == PayBasis.HOURLY:
            if self.hourly_wage is None or self.hourly_wage <= 0:
                errors["hourly_wage"] = "Give the hourly wage."
            elif self.hourly_wage > 300:
                errors["hourly_wage"] = f"An hourly wage above {money(300, places=0)} looks like a typing mistake."
            if self.annual_salary is not None:
                errors["annual_salary"] = "Hourly staff have no annual salary: clear it."
        elif self.pay_basis == PayBasis.SALARY:
            if self.annual_salary is None or self.annual_salary <= 0:
                errors["annual_salary"] = "Give the annual salary."
            if self.hourly_wage is not None:
                errors["hourly_wage"] = "Salaried staff have no hourly wage: clear it."
        if self.benefits_annual is not None and self.benefits_annual < 0:
            errors["benefits_annual"] = "Benefits cost cannot be negative."
        if self.started_on and self.ended_on and self.ended_on < self.started_on:
            errors["ended_on"] = "The end date cannot be before the start date."
        if (
            self.site_id
            and self.program_id
            and not Site.objects.filter(pk=self.site_id, program_id=self.program_id).exists()
        ):
            errors["site"] = "Choose a site of this program."
        if errors:
            raise ValidationError(errors)


class Credential(MembersRecord):
    """A qualification or required training of a staff member, often with an expiry."""

    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="credentials")
    name = models.CharField(max_length=200, help_text="E.g. Pediatric CPR & First Aid, CDA.")
    identifier = models.CharField("certificate number", max_length=100, blank=True)
    issued_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True, help_text="Blank if it never expires.")

    program_field = "staff__program"

    class Meta:
        ordering = ["expires_on", "name"]
        indexes = [models.Index(fields=["alliance", "expires_on"])]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.issued_on and self.issued_on > alliance_today():
            errors["issued_on"] = "The issue date cannot be in the future."
        if self.issued_on and self.expires_on and self.expires_on < self.issued_on:
            errors["expires_on"] = "A credential cannot expire before it was issued."
        if errors:
            raise ValidationError(errors)


# --- Costs ------------------------------------------------------------------
class CostCategory(models.TextChoices):
    PERSONNEL = "personnel", "Personnel"
    OCCUPANCY = "occupancy", "Occupancy / rent"
    FOOD = "food", "Food"
    SUPPLIES = "supplies", "Supplies"
    INSURANCE = "insurance", "Insurance"
    OTHER = "other", "Other"


class MonthlyCost(MembersRecord):
    """One category of a program's operating cost in one month."""

    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="monthly_costs")
    month = models.DateField(help_text="The first day of the month.")
    category = models.CharField(max_length=20, choices=CostCategory.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    note = models.CharField(max_length=200, blank=True)

    program_field = "program"

    class Meta:
        ordering = ["-month", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "program", "month", "category"], name="monthly_cost_one_per_category"
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="monthly_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.month:%Y-%m}: {self.amount}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.month:
            self.month = month_start(self.month)
            if self.month > month_start(alliance_today()):
                errors["month"] = "Costs are recorded for months that have begun."
        if self.amount is not None and self.amount < 0:
            errors["amount"] = "A cost cannot be negative."
        if errors:
            raise ValidationError(errors)


# --- Hub services and fee agreements ----------------------------------------
class PricingModel(models.TextChoices):
    FLAT_MONTHLY = "flat_monthly", "Flat monthly fee"
    PER_LICENSED_SLOT = "per_licensed_slot", "Per licensed slot per month"
    PERCENT_OF_TUITION = "percent_of_tuition", "Percentage of collected tuition"
    PER_SUBSTITUTE_HOUR = "per_substitute_hour", "Per hour of substitute cover delivered"


def _check_rate(pricing_model: str, rate: Decimal | None) -> str | None:
    if rate is None:
        return None
    if rate < 0:
        return "A rate cannot be negative."
    if pricing_model == PricingModel.PERCENT_OF_TUITION and rate > 100:
        return "A percentage is at most 100."
    return None


class HubService(MembersRecord):
    """A service in the Hub's catalogue. Retired services stay, inactive."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    pricing_model = models.CharField(max_length=30, choices=PricingModel.choices)
    rate = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        help_text="Dollars a month, dollars per licensed slot a month, percent of tuition, "
        "or dollars per hour of substitute cover.",
    )
    is_active = models.BooleanField("offered", default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "name"], name="hubservice_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.name = self.name.strip()
        if self.name and self._taken(name__iexact=self.name):
            errors["name"] = "The catalogue already has a service with this name."
        rate_error = _check_rate(self.pricing_model, self.rate)
        if rate_error:
            errors["rate"] = rate_error
        if errors:
            raise ValidationError(errors)


class ServiceSubscription(MembersRecord):
    """A member's fee agreement for one Hub service over a period.

    Pricing model and rate are copied from the catalogue when the agreement is
    made, so a later catalogue change does not rewrite signed agreements.
    """

    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="subscriptions")
    service = models.ForeignKey(HubService, on_delete=models.PROTECT, related_name="subscriptions")
    pricing_model = models.CharField(max_length=30, choices=PricingModel.choices)
    rate = models.DecimalField(max_digits=10, decimal_places=2)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True, help_text="Blank while it runs.")
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    program_field = "program"

    class Meta:
        ordering = ["-starts_on", "service__name"]
        indexes = [models.Index(fields=["alliance", "program", "starts_on"])]

    def __str__(self) -> str:
        return f"{self.service} for {self.program}"

    def is_current_on(self, day: datetime.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or self.ends_on >= day)

    def state_on(self, day: datetime.date) -> str:
        if self.starts_on > day:
            return "upcoming"
        return "current" if self.is_current_on(day) else "ended"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = "An agreement cannot end before it starts."
        rate_error = _check_rate(self.pricing_model, self.rate)
        if rate_error:
            errors["rate"] = rate_error
        if self.starts_on and self.program_id and self.service_id:
            overlapping = (
                ServiceSubscription.objects.filter(
                    program_id=self.program_id,
                    service_id=self.service_id,
                )
                .exclude(pk=self.pk)
                .filter(models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=self.starts_on))
            )
            if self.ends_on:
                overlapping = overlapping.filter(starts_on__lte=self.ends_on)
            clash = overlapping.first()
            if clash:
                until = f"to {clash.ends_on}" if clash.ends_on else "with no end date"
                errors["starts_on"] = (
                    f"This program already subscribes to {clash.service} from "
                    f"{clash.starts_on} {until}; the periods would overlap."
                )
        if errors:
            raise ValidationError(errors)


# --- CSV imports ------------------------------------------------------------
class ImportKind(models.TextChoices):
    CLASSROOMS = "classrooms", "Classrooms"
    STAFF = "staff", "Staff"
    COSTS = "costs", "Monthly costs"
    FAMILIES = "families", "Families and children"
    OPENING_BALANCES = "opening_balances", "Opening balances"
    PROFIT_LOSS = "profit_loss", "Monthly costs from a profit and loss report"


class ImportStatus(models.TextChoices):
    PENDING = "pending", "Awaiting confirmation"
    RUNNING = "running", "Importing"
    COMMITTED = "committed", "Imported"
    DISCARDED = "discarded", "Discarded"


class ImportBatch(MembersRecord):
    """An uploaded CSV file held between its preview and its commit."""

    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="import_batches")
    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    filename = models.CharField(max_length=255)
    headers = models.JSONField(default=list)
    rows = models.JSONField(default=list, help_text="The file's data rows, as text.")
    status = models.CharField(max_length=20, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(
        max_length=20, default="hub", help_text="The system the file came from (members/import_sources.py)."
    )
    mapping = models.JSONField(
        default=dict, blank=True, help_text="The Hub's column → the file's column; empty = the Hub's own names."
    )
    mapped = models.BooleanField(default=True, help_text="False until its columns are mapped to the Hub's fields.")
    progress = models.PositiveIntegerField(default=0, help_text="Rows written so far by a background import.")
    report = models.JSONField(
        default=dict, blank=True, help_text="What the commit created, updated and left as it was."
    )

    program_field = "program"

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import {self.filename}"

    @property
    def percent(self) -> int:
        total = len(self.rows)
        return int(100 * self.progress / total) if total else 100


class ImportMapping(MembersRecord):
    """A program's column mapping for files of one kind from one source system, saved when an
    import is mapped and offered again for the next file from the same system."""

    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="import_mappings")
    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    source = models.CharField(max_length=20)
    mapping = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    program_field = "program"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["alliance", "program", "kind", "source"], name="import_mapping_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} mapping for {self.source}"


class AccountCategory(models.TextChoices):
    """Where an account line of a profit and loss report goes among the Hub's cost categories.
    The two personnel choices add up to the month's one personnel figure (CostCategory.PERSONNEL)."""

    ADMIN_PERSONNEL = "admin_personnel", "Administration personnel"
    CLASSROOM_PERSONNEL = "classroom_personnel", "Classroom personnel"
    OCCUPANCY = "occupancy", "Occupancy / rent"
    FOOD = "food", "Food"
    SUPPLIES = "supplies", "Supplies"
    INSURANCE = "insurance", "Insurance"
    OTHER = "other", "Other"
    IGNORE = "ignore", "Not a program cost (ignore)"


class CostAccountMapping(MembersRecord):
    """A program's choice of cost category for one account of its accounting system, made once
    on the accounts page of a profit and loss import and offered again for the next report."""

    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="cost_account_mappings")
    source = models.CharField(max_length=20, help_text="The accounting system (members/import_sources.py).")
    account = models.CharField(max_length=255, help_text="The account's full name, parents first (A:B).")
    category = models.CharField(max_length=20, choices=AccountCategory.choices)
    updated_at = models.DateTimeField(auto_now=True)

    program_field = "program"

    class Meta:
        ordering = ["account"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "program", "source", "account"], name="cost_account_mapping_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account} → {self.get_category_display()}"
