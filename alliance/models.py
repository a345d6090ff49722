from __future__ import annotations

import zoneinfo
from collections.abc import Collection
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from alliance.fields import MoneyField
from alliance.tenancy import TenantManager, TenantModel, require_alliance_id


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone.")


class Locale(models.TextChoices):
    """How the alliance's pages write dates and numbers (the interface itself is in English).
    Formats: alliance/formats/<locale>/formats.py."""

    EN_US = "en-us", "English (United States): Jan 5, 2026 · 1,234.50"
    EN_CA = "en-ca", "English (Canada): 2026-01-05 · 1,234.50"
    EN_GB = "en-gb", "English (United Kingdom): 5 Jan 2026 · 1,234.50"
    EN_AU = "en-au", "English (Australia): 5 Jan 2026 · 1,234.50"


# The default local median wage of a family child-care home's owner, an hour (a US child-care worker's median
# wage, rounded): a home's own labour is a cost even when nobody is paid for it (members/selectors.py).
HOME_OWNER_HOURLY_WAGE = Decimal("15.00")
OWNER_HOURS_A_MONTH = Decimal(40 * 52) / 12
# A new inquiry waits at most this long for its first contact before it is on the Today list.
INQUIRY_CONTACT_TARGET_HOURS = 24
# The Today digest goes out at 7 am in the alliance's time zone unless it says otherwise.
DIGEST_HOUR = 7


class Alliance(models.Model):
    """A Hub organisation: the tenant. A global table; its rows are the tenants."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    region = models.CharField(max_length=200, blank=True)
    timezone = models.CharField(max_length=64, default="America/Chicago", validators=[validate_timezone])
    locale = models.CharField(
        max_length=8, choices=Locale.choices, default=Locale.EN_US, help_text="How pages write dates and numbers."
    )
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text="Month (1-12) in which the fiscal year starts.",
    )
    home_owner_hourly_wage = MoneyField(
        "local median wage for a home owner",
        default=HOME_OWNER_HOURLY_WAGE,
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text="An hour's pay: a family child-care home's owner works for this unless the program declares a "
        "wage of its own. A month's owner labour is this x 40 hours x 52 weeks / 12.",
    )
    inquiry_contact_target_hours = models.PositiveSmallIntegerField(
        "first contact target, hours",
        default=INQUIRY_CONTACT_TARGET_HOURS,
        validators=[MinValueValidator(1), MaxValueValidator(336)],
        help_text="A new inquiry not contacted within this many hours is on the Today list.",
    )
    digest_hour = models.PositiveSmallIntegerField(
        "Today digest hour",
        default=DIGEST_HOUR,
        validators=[MinValueValidator(0), MaxValueValidator(23)],
        help_text="The hour of the alliance's morning (its time zone) the Today email digest is sent.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set by a platform operator (alliance/operator.py): while set, every page and API call of the alliance
    # answers the suspended page, its tasks do nothing; nothing is deleted, reactivating clears it.
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspended_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None


class Role(models.TextChoices):
    HUB_ADMIN = "hub_admin", "Hub administrator"
    HUB_STAFF = "hub_staff", "Hub staff"
    PROVIDER = "provider", "Provider"
    FUNDER = "funder", "Funder"


HUB_ROLES = frozenset({Role.HUB_ADMIN, Role.HUB_STAFF})


class MembershipManager(TenantManager):
    def for_user(self, user_id: int) -> models.QuerySet[Membership]:
        """One user's memberships in every alliance (RLS: app.user_id policy)."""
        return self.unscoped().filter(user_id=user_id, is_active=True)


class Membership(TenantModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    program = models.ForeignKey(
        "members.MemberProgram", null=True, blank=True, on_delete=models.PROTECT, related_name="provider_memberships"
    )
    is_active = models.BooleanField(default=True)
    today_digest = models.BooleanField(
        "email me the Today list every morning",
        default=False,
        help_text="One email a day, at the alliance's morning, listing what needs doing (today/digest.py).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipManager()  # type: ignore[misc]
    program_field = "program"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["alliance", "user"], name="membership_one_per_user"),
            models.CheckConstraint(
                condition=(
                    models.Q(role="provider", program__isnull=False)
                    | (~models.Q(role="provider") & models.Q(program__isnull=True))
                ),
                name="membership_program_iff_provider",
            ),
        ]
        indexes = [models.Index(fields=["alliance", "role"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}"

    def may(self, roles: Collection[str]) -> bool:
        """The one role check: pages, API and services ask it with a role set (HUB_ROLES,
        alliance.views_base.ADMIN_ONLY, members.pages.AGREEMENT_EDITORS…)."""
        return self.role in roles

    @property
    def is_hub(self) -> bool:
        return self.may(HUB_ROLES)


class Invitation(TenantModel):
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    program = models.ForeignKey(
        "members.MemberProgram", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    token_hash = models.CharField(max_length=64)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    program_field = "program"

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "token_hash"], name="invitation_token_unique"),
        ]

    @property
    def status(self) -> str:
        from django.utils import timezone

        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class AuditEvent(TenantModel):
    """Who did what, when, with the before and after. Never edited or deleted."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=100)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64, blank=True)
    program = models.ForeignKey(
        "members.MemberProgram", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    # The alliance's hash chain (alliance/auditchain.py, written only by `chained_insert`):
    # this event's place, the hash of the event before it, and its own hash.
    chain_seq = models.PositiveBigIntegerField(editable=False)
    chain_prev_hash = models.CharField(max_length=64, editable=False)
    chain_hash = models.CharField(max_length=64, editable=False)

    append_only = True

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["alliance", "-created_at"]),
            models.Index(fields=["alliance", "object_type", "object_id"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "chain_seq"], name="auditevent_one_event_per_link"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}#{self.object_id}"


class AuditChainHead(TenantModel):
    """The newest link of an alliance's audit chain: one row per alliance.

    Each audit write upserts it (alliance/auditchain.py), which locks it until the
    writing transaction ends: writers of one alliance take turns, so the chain never forks.
    """

    seq = models.PositiveBigIntegerField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["alliance"], name="auditchainhead_one_per_alliance")]

    def __str__(self) -> str:
        return f"audit chain of alliance {self.alliance_id}: {self.seq} events"


__all__ = [
    "Alliance",
    "AuditChainHead",
    "AuditEvent",
    "HUB_ROLES",
    "Invitation",
    "Membership",
    "Role",
    "require_alliance_id",
]


class PlatformOperator(models.Model):
    """A person who runs the deployment (the operator console, /operator/): creates alliances, invites their
    first hub administrator, suspends and reactivates them.

    Global (not a tenant table) and separate from every alliance's roles: no Membership grants it, and it
    grants no membership (an operator opens no alliance page unless also invited to it). Operator pages
    need a session that passed TOTP (alliance/middleware.py). Made by `operator_add` or the demo's seed.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="platform_operator")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"operator {self.user}"


class ApiToken(models.Model):
    """A person's credential for programmatic API access.

    Global (not a tenant table): like a password, it belongs to the person,
    who may be a member of several alliances; each request still works inside
    the one alliance named in its URL. Only a SHA-256 hash is stored; the
    token itself is shown once, when created.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What uses this token, e.g. “Payroll sync”.")
    prefix = models.CharField(max_length=16, help_text="The token's first characters, to recognise it.")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Set when the token is made (HUB_API_TOKEN_DAYS later); a token without one is refused.
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        from django.utils import timezone

        return self.expires_at is None or self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired


class DataExport(TenantModel):
    """A hub_admin's export of every row of the alliance (JSON and CSV in a zip)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Ready to download"
        FAILED = "failed", "Failed"

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    tables_total = models.PositiveIntegerField(default=0)
    tables_done = models.PositiveIntegerField(default=0)
    rows_exported = models.PositiveIntegerField(default=0)
    file_name = models.CharField(max_length=200, blank=True)
    file_size = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.tables_done / self.tables_total) if self.tables_total else 0


class BulkJobProgress:
    """Progress of a bulk job over a list of ids with one result per id processed (billing's bulk
    actions, enrollment's bulk offers): `items_field` names the model's array of ids, `results`
    holds `{"outcome": ...}` per id done."""

    items_field: ClassVar[str]
    results: list[dict[str, Any]]

    @property
    def total(self) -> int:
        return len(getattr(self, self.items_field))

    @property
    def processed(self) -> int:
        return len(self.results)

    @property
    def percent(self) -> int:
        return int(100 * self.processed / self.total) if self.total else 100

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.results if r.get("outcome") == outcome)


class TaskFailure(TenantModel):
    """A background task of this alliance that failed, for its hub admins to see.

    Holds the task's name and id and the exception's type and message — never
    the task's arguments, which may name children or families.
    """

    MESSAGE_LIMIT = 1000

    task_name = models.CharField(max_length=200)
    task_id = models.CharField(max_length=64, blank=True)
    exception_type = models.CharField(max_length=200)
    message = models.TextField(blank=True)
    failed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-failed_at", "-id"]
        indexes = [models.Index(fields=["alliance", "-failed_at"], name="taskfailure_alliance_time")]

    def __str__(self) -> str:
        return f"{self.task_name} {self.exception_type}"


class TaskOutbox(models.Model):
    """Work a request started, queued through the database (alliance/outbox.py).

    A system table, outside tenancy like Alliance and ApiToken: it is written only by
    `task_enqueue` in the request's own transaction, with the open scope's alliance id, and read
    by the relay, a cross-alliance job like beat's fan-outs, which must see every alliance's unsent
    rows at once. No page or API lists it; the run page asks only for its own run's row, by the
    scope's alliance id and the run's reference. The payload (a Celery signature: task names and
    ids; an invitation's link holds its one-time token) is encrypted (alliance/crypto.py) and
    emptied once the row is sent. `alliance_id` is a plain column, not a foreign key: deleting an
    alliance deletes its rows (alliance/dataexport.py: alliance_delete_everything).
    """

    alliance_id = models.BigIntegerField()
    task_id = models.UUIDField(unique=True)
    name = models.CharField(max_length=200, help_text="The first task's name, for logs and the relay's report.")
    ref = models.CharField(max_length=100, blank=True, help_text="What the work is for, e.g. billing.invoicerun:12.")
    payload = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    # Set by a task that must not repeat a side effect outside the database (an email) on
    # redelivery: AllianceTask with `once = True`.
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["created_at"], condition=models.Q(sent_at__isnull=True), name="outbox_unsent"),
            models.Index(fields=["alliance_id", "ref"], name="outbox_alliance_ref"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({'sent' if self.sent_at else 'unsent'})"
