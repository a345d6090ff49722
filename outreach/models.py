"""Outreach to families: what each member publishes on the alliance's public
page, inquiries sent from it, and the sign-in links of the family page.

Every row is a tenant row. A listing belongs to one program (providers edit
their own); inquiries and sign-in links are the Hub's (no program path, so
providers never see them).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from alliance.tenancy import TenantModel
from enrollment.models import Family, Guardian
from enrollment.rules import DayLength, schedule_label
from members.models import MemberProgram

# The facts a member may publish or keep private, in the order the page shows them.
PUBLIC_FIELDS = [
    ("show_address", "Street address"),
    ("show_phone", "Phone number"),
    ("show_hours", "Opening hours and days"),
    ("show_ages", "Ages served"),
    ("show_quality", "Quality rating and accreditation"),
    ("show_languages", "Languages"),
    ("show_subsidy", "Whether child-care subsidy is accepted"),
    ("show_openings", "Open places by age group"),
]


class PublicListing(TenantModel):
    """A member's entry on the alliance's public "find child care" page.

    Nothing is public until `published` is set; each `show_*` switch keeps one
    kind of fact private. The program's name, kind and town are always shown
    for a published listing: without them a family cannot tell programs apart.
    """

    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="public_listings")
    published = models.BooleanField("show this program on the public page", default=False)
    description = models.TextField(
        "a few words for families",
        max_length=600,
        blank=True,
        help_text="What makes the program what it is: approach, meals, outdoor time. At most 600 characters.",
    )
    languages = models.CharField(
        max_length=200, blank=True, help_text="Languages spoken with children, separated by commas."
    )
    accepts_subsidy = models.BooleanField("accepts child-care subsidy", default=False)
    show_address = models.BooleanField(default=True)
    show_phone = models.BooleanField(default=True)
    show_hours = models.BooleanField(default=True)
    show_ages = models.BooleanField(default=True)
    show_quality = models.BooleanField(default=True)
    show_languages = models.BooleanField(default=True)
    show_subsidy = models.BooleanField(default=True)
    show_openings = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    program_field = "program"

    class Meta:
        ordering = ["program__name"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "program"], name="publiclisting_one_per_program"),
        ]
        indexes = [models.Index(fields=["alliance", "published"])]

    def __str__(self) -> str:
        return f"Public listing of {self.program}"

    @property
    def language_list(self) -> list[str]:
        return [part.strip() for part in self.languages.split(",") if part.strip()]


class SubsidyStatus(models.TextChoices):
    HAS = "has", "I have a child-care subsidy or voucher"
    APPLYING = "applying", "I have applied or plan to apply"
    UNSURE = "unsure", "I don't know whether I qualify"
    NO = "no", "No subsidy"


class ContactMethod(models.TextChoices):
    PHONE = "phone", "Phone call"
    EMAIL = "email", "Email"
    TEXT = "text", "Text message"
    IN_PERSON = "in_person", "In person"
    TOUR = "tour", "Tour booked"

    @classmethod
    def manual_choices(cls) -> list[tuple[str, str]]:
        """The ways staff record by hand; a booked tour records itself (outreach/tours.py)."""
        return [(value, label) for value, label in cls.choices if value != cls.TOUR]


class CloseReason(models.TextChoices):
    FOUND_CARE = "found_care", "Found care elsewhere"
    NOT_INTERESTED = "not_interested", "No longer interested"
    UNREACHABLE = "unreachable", "Could not be reached"
    DUPLICATE = "duplicate", "Duplicate of another inquiry"
    SPAM = "spam", "Spam"


class InquiryStatus:
    NEW = "new"
    CONTACTED = "contacted"
    ENROLLED = "enrolled"
    CLOSED = "closed"
    CHOICES = [(NEW, "New"), (CONTACTED, "Contacted"), (ENROLLED, "Enrolled"), (CLOSED, "Closed")]


class Inquiry(TenantModel):
    """A family's request for care from the public page.

    The family, its first guardian, the children and their entries on the
    shared waitlist are created with it (enrollment's services). The Hub's
    response time runs from `received_at` to `first_contact_at`; the time to
    enrollment is read from the enrollments of the family's children.
    """

    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="inquiries")
    guardian = models.ForeignKey(Guardian, on_delete=models.PROTECT, related_name="+")
    # The alliance's own count (1, 2, 3 …), shown to families and staff: the row id comes from one
    # sequence shared by every alliance and would tell an outsider how busy they all are.
    number = models.PositiveIntegerField()
    desired_start = models.DateField()
    weekdays = ArrayField(models.PositiveSmallIntegerField())
    day_length = models.CharField(max_length=10, choices=DayLength.CHOICES, default=DayLength.FULL)
    area = models.CharField(max_length=100, blank=True)
    any_program = models.BooleanField(default=False)
    subsidy_status = models.CharField(max_length=20, choices=SubsidyStatus.choices)
    message = models.TextField(max_length=2000, blank=True)
    consent_contact = models.BooleanField(default=False)
    received_at = models.DateTimeField(default=timezone.now)
    first_contact_at = models.DateTimeField(null=True, blank=True)
    first_contact_method = models.CharField(max_length=20, choices=ContactMethod.choices, blank=True)
    first_contact_note = models.CharField(max_length=500, blank=True)
    first_contact_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(max_length=20, choices=CloseReason.choices, blank=True)
    closed_note = models.CharField(max_length=500, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name_plural = "inquiries"
        indexes = [
            models.Index(fields=["alliance", "-received_at"]),
            models.Index(fields=["alliance", "family"]),
        ]
        constraints = [models.UniqueConstraint(fields=["alliance", "number"], name="inquiry_number_per_alliance")]

    def __str__(self) -> str:
        return f"Inquiry #{self.number} from {self.guardian}"

    @property
    def schedule_label(self) -> str:
        return schedule_label(self.weekdays, self.day_length)


class FamilySignInLink(TenantModel):
    """A one-time, short-lived link to the family page, sent by email.

    Only a hash of the token is stored (as with invitations); the link works
    once, until `expires_at`.
    """

    guardian = models.ForeignKey(Guardian, on_delete=models.PROTECT, related_name="+")
    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Hub staff who sent it; blank when the family asked.",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "token_hash"], name="familysigninlink_token_unique"),
        ]
        indexes = [models.Index(fields=["alliance", "family", "-created_at"])]

    def __str__(self) -> str:
        return f"Sign-in link for {self.guardian}"

    @property
    def status(self) -> str:
        if self.used_at:
            return "used"
        if self.expires_at <= timezone.now():
            return "expired"
        return "valid"


# --- Messages to families and substitutes -----------------------------------------------------------
class MessageChannel(models.TextChoices):
    EMAIL = "email", "Email"
    TEXT = "text", "Text message"


class MessageAbout(models.TextChoices):
    """What a message is about: the page it was written from, where it is listed too."""

    INQUIRY = "inquiry", "Inquiry"
    OFFER = "offer", "Offer of a place"
    ACCOUNT = "account", "Account"
    COVER = "cover", "Cover booking"


class MessageStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class MessageTemplate(TenantModel):
    """A message the Hub writes often, with placeholders filled in when it is used (outreach/messaging.py)."""

    name = models.CharField(max_length=100)
    channel = models.CharField(max_length=10, choices=MessageChannel.choices, default=MessageChannel.EMAIL)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(max_length=4000)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["alliance", "name"], name="messagetemplate_name_unique")]

    def __str__(self) -> str:
        return self.name


class Message(TenantModel):
    """One message sent from the Hub to a guardian or a substitute: the family's timeline (and the
    substitute's) lists it. Written in the request, sent by the worker (outreach/tasks.py)."""

    about = models.CharField(max_length=10, choices=MessageAbout.choices)
    about_id = models.PositiveIntegerField()
    program = models.ForeignKey(MemberProgram, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    family = models.ForeignKey(Family, null=True, blank=True, on_delete=models.PROTECT, related_name="messages")
    guardian = models.ForeignKey(Guardian, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    substitute = models.ForeignKey(
        "sharedservices.Substitute", null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    channel = models.CharField(max_length=10, choices=MessageChannel.choices)
    to = models.CharField(max_length=254, help_text="The email address or phone number it was sent to.")
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(max_length=4000)
    template = models.ForeignKey(MessageTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    program_field = "program"

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["alliance", "family"], name="message_family"),
            models.Index(fields=["alliance", "about", "about_id"], name="message_about"),
        ]


# --- Tours of a program for families who inquired ----------------------------------------------------
TOUR_MINUTES = (15, 240)
TOUR_CAPACITY = (1, 20)


class TourBookingStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    CANCELLED = "cancelled", "Cancelled"
    ATTENDED = "attended", "Attended"
    NO_SHOW = "no_show", "No-show"


class TourSlot(TenantModel):
    """A time a program shows families around (outreach/tours.py): `capacity` families at most."""

    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="tour_slots")
    day = models.DateField()
    starts_at = models.TimeField()
    minutes = models.PositiveSmallIntegerField("length (minutes)", default=30)
    capacity = models.PositiveSmallIntegerField("families per tour", default=1)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_reason = models.CharField(max_length=300, blank=True)

    program_field = "program"

    class Meta:
        ordering = ["day", "starts_at", "pk"]
        indexes = [models.Index(fields=["alliance", "program", "day"], name="tourslot_program_day")]

    def __str__(self) -> str:
        return f"Tour of {self.program} on {self.day} at {self.starts_at:%H:%M}"


class TourBooking(TenantModel):
    """A family (through its inquiry) booked on a tour. `program` repeats the slot's, so that one
    booked tour per inquiry and program is a constraint, and providers see their program's bookings."""

    slot = models.ForeignKey(TourSlot, on_delete=models.PROTECT, related_name="bookings")
    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="+")
    inquiry = models.ForeignKey(Inquiry, on_delete=models.PROTECT, related_name="tour_bookings")
    status = models.CharField(max_length=10, choices=TourBookingStatus.choices, default=TourBookingStatus.BOOKED)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    booked_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    status_note = models.CharField(max_length=300, blank=True)

    program_field = "program"

    class Meta:
        ordering = ["slot__day", "slot__starts_at", "pk"]
        indexes = [models.Index(fields=["alliance", "slot"], name="tourbooking_slot")]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "inquiry", "program"],
                condition=models.Q(status="booked"),
                name="tourbooking_one_booked_per_program",
            )
        ]

    def __str__(self) -> str:
        return f"Tour booking of inquiry #{self.inquiry.number}"


# --- The door kiosk ---------------------------------------------------------
class KioskDevice(TenantModel):
    """A browser at a program's door put into kiosk mode by a staff member.

    The browser holds a signed cookie with a random token; only the token's
    SHA-256 is stored. The token alone lets the browser check children of this
    one program in and out after a family's PIN, nothing else; revoking the row
    ends it at once."""

    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="kiosk_devices")
    name = models.CharField(max_length=100, help_text="Where the tablet stands, e.g. “Front door tablet”.")
    token_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    program_field = "program"

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "token_hash"], name="kiosk_device_token_unique"),
        ]
        indexes = [models.Index(fields=["alliance", "program"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.program})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class FamilyPin(TenantModel):
    """A family's door-kiosk PIN (4–6 digits), never stored as typed.

    `pin_hash` is a Django password hash (what verifies a PIN); `lookup` is a keyed
    HMAC of (alliance, PIN) under a key derived from SECRET_KEY, so the kiosk finds
    the candidate families by one index lookup instead of hashing the PIN against
    every family's hash."""

    family = models.OneToOneField(Family, on_delete=models.CASCADE, related_name="kiosk_pin")
    pin_hash = models.CharField(max_length=200)
    lookup = models.CharField(max_length=64)
    set_at = models.DateTimeField()
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_by_guardian = models.ForeignKey(Guardian, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    program_field = "family__children__enrollments__program"

    class Meta:
        indexes = [models.Index(fields=["alliance", "lookup"])]

    def __str__(self) -> str:
        return f"Kiosk PIN of {self.family}"
