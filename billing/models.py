"""Billing: rate plans, family accounts and their append-only ledger, invoices,
invoice runs and payments.

Money is Decimal with two places everywhere. A family is one household record
(enrollment.Family); it has one account per member program it buys from, since
each member is its own business and money stays on that program's ledger. A
balance is the sum of the account's ledger entries: charges and late fees are
positive (the family owes more), payments, credits, subsidy payments and
write-offs negative. Entries are never updated or deleted; a mistake is
reversed by a new entry pointing at the one it reverses.

Rows are written by the services (billing/ledger.py, billing/invoicing.py,
billing/payments.py); models hold fields, constraints and small properties.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from alliance.crypto import EncryptedTextField
from alliance.fields import MoneyField
from alliance.formatting import day, money
from alliance.models import BulkJobProgress
from alliance.tenancy import TenantModel
from enrollment.models import Child, Enrollment, Family, Guardian
from enrollment.rules import DayLength
from members.models import AgeGroup, MemberProgram

ZERO = Decimal("0.00")


# --- Rate plans -------------------------------------------------------------
class RatePeriod(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"


class DiscountKind(models.TextChoices):
    NONE = "", "None"
    PERCENT = "percent", "Percent"
    AMOUNT = "amount", "Amount per period"


class RatePlan(TenantModel):
    """A program's tuition for one age group and schedule, from a date on.

    A change of price is a new plan with a later `effective_from`; the old plan
    gets `effective_to` the day before, so history is kept and past invoices
    stay explained. Blank age group, day length or days per week match any.
    """

    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="rate_plans")
    code = models.CharField(
        max_length=60,
        blank=True,
        help_text="Optional reference; an enrollment naming it (its rate plan reference) uses this plan.",
    )
    name = models.CharField(max_length=120)
    age_group = models.CharField(max_length=20, choices=AgeGroup.choices, blank=True)
    day_length = models.CharField(max_length=10, choices=DayLength.CHOICES, blank=True)
    days_per_week = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Blank: any number of days.")
    period = models.CharField(max_length=10, choices=RatePeriod.choices, default=RatePeriod.MONTHLY)
    tuition = MoneyField(help_text="Per week or per month, as the period says.")
    registration_fee = MoneyField(default=ZERO, help_text="Charged once per child on the first invoice.")
    supply_fee = MoneyField(default=ZERO, help_text="Charged once per child per calendar year.")
    sibling_discount_kind = models.CharField(max_length=10, choices=DiscountKind.choices, blank=True)
    sibling_discount = MoneyField(default=ZERO, help_text="For each child after the family's first in this program.")
    staff_discount_kind = models.CharField(max_length=10, choices=DiscountKind.choices, blank=True)
    staff_discount = MoneyField(default=ZERO, help_text="For families whose account is marked as staff.")
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True, help_text="Blank while in force.")
    created_at = models.DateTimeField(auto_now_add=True)

    program_field = "program"

    class Meta:
        ordering = ["program_id", "age_group", "-effective_from"]
        indexes = [models.Index(fields=["alliance", "program", "effective_from"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(tuition__gte=0), name="rateplan_tuition_not_negative"),
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=models.F("effective_from")),
                name="rateplan_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.tuition} {self.get_period_display().lower()})"

    def in_force_on(self, day) -> bool:  # type: ignore[no-untyped-def]
        return self.effective_from <= day and (self.effective_to is None or self.effective_to >= day)


# --- Accounts and ledger ----------------------------------------------------
class FamilyAccount(TenantModel):
    """What one household owes one member program; with no family, what the program
    itself owes the Hub for its services (the member-fee account, one per program)."""

    family = models.ForeignKey(Family, null=True, blank=True, on_delete=models.PROTECT, related_name="billing_accounts")
    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="family_accounts")
    staff_discount = models.BooleanField(
        "staff family", default=False, help_text="A guardian works for the program: staff discount applies."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    program_field = "program"

    class Meta:
        ordering = ["family__name", "program__name"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "family", "program"], name="familyaccount_one_per_program"),
            models.UniqueConstraint(
                fields=["alliance", "program"],
                condition=models.Q(family__isnull=True),
                name="familyaccount_one_member_fee_account",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.holder_name} at {self.program}"

    @property
    def holder_name(self) -> str:
        family = self.family
        return family.name if family is not None else "Hub member fees"


class EntryKind(models.TextChoices):
    CHARGE = "charge", "Charge"
    PAYMENT = "payment", "Payment"
    CREDIT = "credit", "Credit"
    SUBSIDY_PAYMENT = "subsidy_payment", "Subsidy payment"
    LATE_FEE = "late_fee", "Late fee"
    WRITE_OFF = "write_off", "Write-off"
    REVERSAL = "reversal", "Reversal"
    OPENING_BALANCE = "opening_balance", "Opening balance"


# Which sign each kind's amount takes: +1 the family owes more, -1 less.
ENTRY_SIGN = {
    EntryKind.CHARGE: 1,
    EntryKind.LATE_FEE: 1,
    EntryKind.PAYMENT: -1,
    EntryKind.CREDIT: -1,
    EntryKind.SUBSIDY_PAYMENT: -1,
    EntryKind.WRITE_OFF: -1,
    # What the family owed the program in its old system at the Hub's cut-over date (at most one per
    # account, billing/ledger.py account_opening_balance_record). Counted like a charge; a negative
    # amount is a credit the family held, which aging treats as unapplied credit.
    EntryKind.OPENING_BALANCE: 1,
}
# Kinds whose amount may take either sign (never zero); ENTRY_SIGN says how they count.
EITHER_SIGN_KINDS = [EntryKind.OPENING_BALANCE]
DEBIT_KINDS = [EntryKind.CHARGE, EntryKind.LATE_FEE]
CREDIT_KINDS = [EntryKind.PAYMENT, EntryKind.CREDIT, EntryKind.SUBSIDY_PAYMENT, EntryKind.WRITE_OFF]


class ChargeCategory(models.TextChoices):
    NONE = "", "—"
    TUITION = "tuition", "Tuition"
    REGISTRATION = "registration", "Registration fee"
    SUPPLY = "supply", "Supply fee"
    SIBLING_DISCOUNT = "sibling_discount", "Sibling discount"
    STAFF_DISCOUNT = "staff_discount", "Staff discount"
    ADJUSTMENT = "adjustment", "Adjustment"
    REFUND = "refund", "Refund"
    PAYER_SHARE = "payer_share", "Paid by a third party"
    SHORTFALL = "shortfall", "Third-party shortfall"
    MEMBER_FEE = "member_fee", "Hub member fee"


class LedgerEntry(TenantModel):
    """One line of an account's ledger. Never changed, never deleted."""

    account = models.ForeignKey(FamilyAccount, on_delete=models.PROTECT, related_name="entries")
    # The account's program, kept on the row so a program's ledger is one index range.
    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=EntryKind.choices)
    category = models.CharField(max_length=20, choices=ChargeCategory.choices, blank=True)
    amount = MoneyField(help_text="Positive: owed by the family; negative: paid or forgiven.")
    posted_on = models.DateField()
    description = models.CharField(max_length=200)
    child = models.ForeignKey(Child, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    enrollment = models.ForeignKey(Enrollment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey("Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="entries")
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    program_field = "program"
    append_only = True

    class Meta:
        ordering = ["posted_on", "id"]
        verbose_name_plural = "ledger entries"
        indexes = [
            models.Index(fields=["alliance", "account", "posted_on"]),
            models.Index(fields=["alliance", "program", "posted_on"]),
            models.Index(fields=["alliance", "invoice"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind__in=DEBIT_KINDS, amount__gt=0)
                    | models.Q(kind__in=CREDIT_KINDS, amount__lt=0)
                    | models.Q(kind=EntryKind.REVERSAL, reverses__isnull=False)
                    | (models.Q(kind__in=EITHER_SIGN_KINDS) & ~models.Q(amount=0))
                ),
                name="ledgerentry_sign_follows_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(reverses__isnull=True) | models.Q(kind=EntryKind.REVERSAL),
                name="ledgerentry_only_reversals_reverse",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {money(self.amount)} on {day(self.posted_on)}"


# --- Invoices ---------------------------------------------------------------
class InvoiceStatus(models.TextChoices):
    ISSUED = "issued", "Issued"
    PART_WRITTEN_OFF = "part_written_off", "Partly written off"
    WRITTEN_OFF = "written_off", "Written off"
    VOID = "void", "Void"


class Invoice(TenantModel):
    """One account's bill for one period; its lines are the ledger entries that point at it."""

    account = models.ForeignKey(FamilyAccount, on_delete=models.PROTECT, related_name="invoices")
    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="+")
    run = models.ForeignKey("InvoiceRun", null=True, blank=True, on_delete=models.PROTECT, related_name="invoices")
    number = models.PositiveIntegerField(help_text="Numbered per alliance without gaps.")
    period_start = models.DateField()
    period_end = models.DateField()
    issued_on = models.DateField()
    due_on = models.DateField()
    total = MoneyField()
    status = models.CharField(max_length=20, choices=InvoiceStatus.choices, default=InvoiceStatus.ISSUED)
    void_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    program_field = "program"

    class Meta:
        ordering = ["-period_start", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "account", "period_start"], name="invoice_one_per_period"),
            models.UniqueConstraint(fields=["alliance", "number"], name="invoice_number_unique"),
        ]
        # The invoice lists' default order (newest period, then number, descending), read
        # backwards from these for the first page: per program (a provider's, a filter) and
        # the whole alliance's (billing/worklist.py: invoices_ordered; the API's ordering).
        indexes = [
            models.Index(fields=["alliance", "program", "period_start", "number"], name="invoice_program_period"),
            models.Index(fields=["alliance", "period_start", "number"], name="invoice_alliance_period"),
        ]

    def __str__(self) -> str:
        return f"Invoice {self.number}"


class InvoiceCounter(TenantModel):
    """The alliance's next invoice number. Locked FOR UPDATE while a program is
    invoiced, so numbers committed are gapless and never shared."""

    next_number = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["alliance"], name="invoicecounter_one_per_alliance")]


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    STALLED = "stalled", "Stalled"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class InvoiceRun(TenantModel):
    """One invoicing of the alliance for one period, with its progress and summary."""

    period = models.CharField(max_length=10, choices=RatePeriod.choices, default=RatePeriod.MONTHLY)
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    programs_total = models.PositiveIntegerField(default=0)
    programs_done = models.PositiveIntegerField(default=0)
    # The programs the run invoices (fixed when it starts) and those finished so far: a batch
    # delivered twice counts once, and Resume queues only the rest (billing/invoicing.py).
    program_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    programs_completed = ArrayField(models.BigIntegerField(), default=list, blank=True)
    # Last sign of life (queued, started, a batch written): the stalled check reads it.
    progress_at = models.DateTimeField(null=True, blank=True)
    invoices_created = models.PositiveIntegerField(default=0)
    amount_invoiced = MoneyField(default=ZERO)
    warnings = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["alliance", "period_start"])]

    def __str__(self) -> str:
        return f"Invoice run {self.period_start}–{self.period_end}"

    @property
    def percent_done(self) -> int:
        if not self.programs_total:
            return 100 if self.status == RunStatus.DONE else 0
        return int(self.programs_done * 100 / self.programs_total)

    @property
    def is_finished(self) -> bool:
        return self.status in (RunStatus.DONE, RunStatus.FAILED)

    @property
    def is_going(self) -> bool:
        """Queued or running: its page polls for progress."""
        return self.status in (RunStatus.QUEUED, RunStatus.RUNNING)

    @property
    def outbox_ref(self) -> str:
        """The run's work in the task outbox (alliance/outbox.py)."""
        return f"billing.invoicerun:{self.pk}"


# --- Payments ---------------------------------------------------------------
class PaymentMethod(models.TextChoices):
    CASH = "cash", "Cash"
    CHECK = "check", "Check"
    CARD = "card", "Card"
    ACH = "ach", "ACH bank transfer"


class PaymentStatus(models.TextChoices):
    RECORDED = "recorded", "Recorded"
    REVERSED = "reversed", "Reversed"


class DepositBatch(TenantModel):
    """Checks and cash one program took to the bank together."""

    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="+")
    deposited_on = models.DateField()
    reference = models.CharField("bank reference", max_length=60, blank=True)
    total = MoneyField(default=ZERO)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    program_field = "program"

    class Meta:
        ordering = ["-deposited_on", "-id"]
        verbose_name_plural = "deposit batches"
        indexes = [models.Index(fields=["alliance", "program", "deposited_on"])]

    def __str__(self) -> str:
        return f"Deposit of {self.deposited_on}"


class Payment(TenantModel):
    """Money received from a family, with the ledger entry that records it."""

    account = models.ForeignKey(FamilyAccount, on_delete=models.PROTECT, related_name="payments")
    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=10, choices=PaymentMethod.choices)
    amount = MoneyField()
    received_on = models.DateField()
    reference = models.CharField(max_length=60, blank=True, help_text="Check number or card/ACH reference.")
    invoice = models.ForeignKey(
        Invoice,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
        help_text="Blank: applied to the oldest open charges.",
    )
    entry = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, related_name="payment")
    deposit = models.ForeignKey(DepositBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="payments")
    status = models.CharField(max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.RECORDED)
    note = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    program_field = "program"

    class Meta:
        ordering = ["-received_on", "-id"]
        indexes = [
            models.Index(fields=["alliance", "program", "received_on"]),
            models.Index(fields=["alliance", "account"]),
        ]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_positive")]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {money(self.amount)} on {day(self.received_on)}"


class Refund(TenantModel):
    """Money paid back to a family out of one payment. On the ledger it is a new charge
    (category refund, the family's credit goes down); this row says which payment it came from."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    account = models.ForeignKey(FamilyAccount, on_delete=models.PROTECT, related_name="refunds")
    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="+")
    amount = MoneyField()
    refunded_on = models.DateField()
    method = models.CharField(max_length=10, choices=PaymentMethod.choices, help_text="How the money went back.")
    reference = models.CharField(max_length=60, blank=True, help_text="Check number or card/ACH reference.")
    reason = models.CharField(max_length=500)
    entry = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, related_name="refund")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    program_field = "program"
    append_only = True

    class Meta:
        ordering = ["-refunded_on", "-id"]
        indexes = [models.Index(fields=["alliance", "payment"]), models.Index(fields=["alliance", "account"])]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_amount_positive")]

    def __str__(self) -> str:
        return f"Refund of {money(self.amount)} on {day(self.refunded_on)}"


# --- Collections ------------------------------------------------------------
class NoteKind(models.TextChoices):
    CALL = "call", "Call or message"
    PROMISE = "promise", "Promise to pay"
    OTHER = "other", "Other"


class CallOutcome(models.TextChoices):
    """How a collections call or message went (blank: a note that was not a call)."""

    REACHED = "reached", "Spoke with the family"
    VOICEMAIL = "voicemail", "Left a voicemail"
    NO_ANSWER = "no_answer", "No answer"
    WRONG_NUMBER = "wrong_number", "Wrong number"
    EMAILED = "emailed", "Sent an email"


class CollectionNote(TenantModel):
    """What Hub staff did about an overdue account, and what the family promised."""

    account = models.ForeignKey(FamilyAccount, on_delete=models.PROTECT, related_name="collection_notes")
    kind = models.CharField(max_length=10, choices=NoteKind.choices, default=NoteKind.CALL)
    outcome = models.CharField(max_length=20, choices=CallOutcome.choices, blank=True)
    note = models.TextField()
    promised_amount = MoneyField(null=True, blank=True)
    promised_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    program_field = "account__program"

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["alliance", "account"])]


class PaymentPlan(TenantModel):
    """An agreed schedule to pay an overdue balance down."""

    account = models.ForeignKey(FamilyAccount, on_delete=models.PROTECT, related_name="payment_plans")
    installment = MoneyField()
    every_days = models.PositiveSmallIntegerField(default=14, help_text="Days between installments.")
    starts_on = models.DateField()
    is_active = models.BooleanField(default=True)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    program_field = "account__program"

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["alliance", "account"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(installment__gt=0), name="paymentplan_installment_positive")
        ]


class BulkAction(models.TextChoices):
    STATEMENT = "statement", "Email statements"
    REMINDER = "reminder", "Send payment reminders"
    WRITE_OFF = "write_off", "Write off the balances"


class BulkJob(BulkJobProgress, TenantModel):
    """One bulk action Hub staff confirmed on a list of accounts, done by tasks in batches.

    `token` comes from the confirm page, so submitting it twice starts one job. `results` holds one
    entry per account done or refused ({"account_id", "family", "program", "outcome", "detail"}); a
    batch skips accounts already in it, so a redelivered batch does nothing twice."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"

    action = models.CharField(max_length=20, choices=BulkAction.choices)
    reason = models.TextField(blank=True)
    token = models.CharField(max_length=64)
    account_ids = ArrayField(models.BigIntegerField(), default=list)
    items_field = "account_ids"
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    results = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["alliance", "token"], name="bulkjob_token_unique")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} for {len(self.account_ids)} accounts"

    @property
    def count_done(self) -> int:
        return self.count("done")

    @property
    def count_refused(self) -> int:
        return self.count("refused")


# --- Per-program billing settings -------------------------------------------
class LateFeeKind(models.TextChoices):
    NONE = "", "No late fee"
    FLAT = "flat", "Flat amount"
    PERCENT = "percent", "Percent of the overdue amount"


class BillingPolicy(TenantModel):
    """One program's billing settings: who it is on tax statements, and its late-fee policy."""

    program = models.OneToOneField(MemberProgram, on_delete=models.PROTECT, related_name="billing_policy")
    tax_id = models.CharField("tax id (EIN)", max_length=20, blank=True)
    late_fee_kind = models.CharField(max_length=10, choices=LateFeeKind.choices, blank=True)
    late_fee_value = MoneyField(default=ZERO, help_text="Dollars, or percent of what is overdue.")
    late_fee_cap = MoneyField(null=True, blank=True, help_text="At most this much per invoice; blank for no cap.")
    grace_days = models.PositiveSmallIntegerField(default=5, help_text="Days after the due date before a late fee.")
    ach_routing_number = models.CharField(
        "deposit account routing number",
        max_length=9,
        blank=True,
        help_text="The program's bank (ODFI) for autopay files.",
    )
    ach_company_id = models.CharField(
        "ACH company id", max_length=10, blank=True, help_text="Given by the bank; often 1 followed by the EIN."
    )

    program_field = "program"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["alliance", "program"], name="billingpolicy_one_per_program")]

    def __str__(self) -> str:
        return f"Billing policy of {self.program}"


class LateFeeCharge(TenantModel):
    """The late fee charged on one invoice: at most one, whatever the daily task does."""

    invoice = models.OneToOneField(Invoice, on_delete=models.PROTECT, related_name="late_fee")
    entry = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, related_name="+")
    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="+")
    charged_on = models.DateField()

    program_field = "program"
    append_only = True

    class Meta:
        constraints = [models.UniqueConstraint(fields=["alliance", "invoice"], name="latefee_one_per_invoice")]


# --- Third-party payers -----------------------------------------------------
class PayerKind(models.TextChoices):
    SUBSIDY = "subsidy", "Subsidy agency"
    EMPLOYER = "employer", "Employer"
    SCHOLARSHIP = "scholarship", "Scholarship sponsor"


class Payer(TenantModel):
    """An agency, employer or sponsor that pays part of some children's tuition."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=PayerKind.choices, default=PayerKind.SUBSIDY)
    contact_email = models.EmailField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["alliance", "name"], name="payer_name_unique")]

    def __str__(self) -> str:
        return self.name


class SubsidyAuthorization(TenantModel):
    """A payer's promise for one child at one program over a period: it pays the
    tuition above the family's co-pay, up to the authorized amount a month."""

    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="authorizations")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="+")
    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="+")
    case_number = models.CharField(max_length=40)
    starts_on = models.DateField()
    ends_on = models.DateField()
    authorized_amount = MoneyField(help_text="The most the payer pays per billing period.")
    authorized_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Days a month the agency authorized (for reference)."
    )
    family_copay = MoneyField(default=ZERO, help_text="What the family pays per period first.")
    created_at = models.DateTimeField(auto_now_add=True)

    program_field = "program"

    class Meta:
        ordering = ["-starts_on", "case_number"]
        indexes = [
            models.Index(fields=["alliance", "program", "starts_on"]),
            models.Index(fields=["alliance", "case_number"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="authorization_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payer} case {self.case_number}"


class ClaimStatus(models.TextChoices):
    OPEN = "open", "Awaiting remittance"
    PAID = "paid", "Paid"
    SHORT = "short", "Short-paid"
    WAIVED = "waived", "Shortfall waived"
    BILLED = "billed", "Shortfall billed to family"


class PayerClaim(TenantModel):
    """What a payer owes for one child for one period: the payer's share of an invoice."""

    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="claims")
    authorization = models.ForeignKey(SubsidyAuthorization, on_delete=models.PROTECT, related_name="claims")
    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="+")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payer_claims")
    period_start = models.DateField()
    expected = MoneyField()
    paid = MoneyField(default=ZERO)
    status = models.CharField(max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.OPEN)
    resolution_note = models.CharField(max_length=300, blank=True)

    program_field = "program"

    class Meta:
        ordering = ["-period_start", "payer_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "authorization", "period_start"], name="payerclaim_one_per_period"
            )
        ]
        indexes = [models.Index(fields=["alliance", "payer", "status"])]

    @property
    def shortfall(self) -> Decimal:
        return self.expected - self.paid


class Remittance(TenantModel):
    """A payment from a payer covering many claims."""

    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="remittances")
    received_on = models.DateField()
    reference = models.CharField(max_length=60, blank=True)
    total = MoneyField(default=ZERO)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "-id"]


class RemittanceLine(TenantModel):
    remittance = models.ForeignKey(Remittance, on_delete=models.PROTECT, related_name="lines")
    claim = models.ForeignKey(PayerClaim, on_delete=models.PROTECT, related_name="remittance_lines")
    amount = MoneyField()

    program_field = "claim__program"
    append_only = True


# --- Autopay (ACH) ----------------------------------------------------------
class BankAccountType(models.TextChoices):
    CHECKING = "checking", "Checking"
    SAVINGS = "savings", "Savings"


class BankAccount(TenantModel):
    """A family's bank details for autopay. The account number is stored encrypted
    (alliance/crypto.py) and shown masked; only the ACH file, built when it is downloaded, holds it in clear."""

    account = models.OneToOneField(FamilyAccount, on_delete=models.PROTECT, related_name="bank_account")
    holder_name = models.CharField(max_length=22)
    routing_number = models.CharField(max_length=9)
    account_number_encrypted = EncryptedTextField()
    account_last4 = models.CharField(max_length=4)
    account_type = models.CharField(max_length=10, choices=BankAccountType.choices, default=BankAccountType.CHECKING)
    autopay_enabled = models.BooleanField(default=True)
    autopay_paused = models.BooleanField(default=False, help_text="Set by the Hub: no collection until lifted.")
    flagged = models.BooleanField(default=False, help_text="The last collection was returned by the bank.")
    flag_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    program_field = "account__program"

    @property
    def masked_number(self) -> str:
        return f"••••{self.account_last4}"


class AutopayAuthorization(TenantModel):
    """A family's signed authorization to debit its bank account, as it was shown and agreed to on the
    family page: the exact text, a hash of it, who signed (the signed-in guardian and the name typed),
    when and from where. Kept for as long as the account: NACHA asks the originator to keep a consumer's
    authorization two years after it ends. Revoking ends it (revoked_at); a new signature replaces it."""

    account = models.ForeignKey(FamilyAccount, on_delete=models.PROTECT, related_name="autopay_authorizations")
    guardian = models.ForeignKey(Guardian, on_delete=models.PROTECT, related_name="+")
    signed_name = models.CharField(max_length=200)
    text = models.TextField(help_text="The authorization exactly as the family read it.")
    text_sha256 = models.CharField(max_length=64)
    routing_number = models.CharField(max_length=9)
    account_last4 = models.CharField(max_length=4)
    account_type = models.CharField(max_length=10, choices=BankAccountType.choices)
    signed_at = models.DateTimeField(auto_now_add=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=200, blank=True)

    program_field = "account__program"

    class Meta:
        ordering = ["-signed_at"]
        indexes = [models.Index(fields=["alliance", "account"], name="autopayauth_account")]


class AchBatch(TenantModel):
    """One NACHA file collecting one program's autopay families on a settlement date.

    The file itself is not kept: it carries account numbers in clear, so it is built from the
    batch and its entries (account numbers encrypted) each time it is downloaded (billing/ach.py)."""

    program = models.ForeignKey(MemberProgram, on_delete=models.PROTECT, related_name="+")
    settlement_date = models.DateField()
    origin_routing = models.CharField(max_length=9, blank=True, help_text="The ODFI routing number, as filed.")
    company_id = models.CharField(max_length=10, blank=True, help_text="The ACH company id, as filed.")
    company_name = models.CharField(max_length=200, blank=True)
    file_date = models.DateField(null=True, blank=True, help_text="The alliance's day the file was made.")
    entry_count = models.PositiveIntegerField(default=0)
    total = MoneyField(default=ZERO)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    program_field = "program"

    class Meta:
        ordering = ["-settlement_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "program", "settlement_date"], name="achbatch_one_per_program_and_date"
            )
        ]


class AchBatchEntry(TenantModel):
    """One debit of an ACH file, as filed: the bank details are a copy (the family may change
    them later), the account number encrypted. The trace number is unique per originator
    (ODFI routing + company id) and day, as NACHA requires; a return names it."""

    batch = models.ForeignKey(AchBatch, on_delete=models.PROTECT, related_name="entries")
    payment = models.OneToOneField(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="ach_entry")
    routing_number = models.CharField(max_length=9)
    account_number_encrypted = EncryptedTextField()
    account_last4 = models.CharField(max_length=4)
    account_type = models.CharField(max_length=10, choices=BankAccountType.choices, default=BankAccountType.CHECKING)
    amount = MoneyField()
    individual_id = models.CharField(max_length=15)
    holder_name = models.CharField(max_length=22)
    origin_routing = models.CharField(max_length=9)
    company_id = models.CharField(max_length=10)
    file_date = models.DateField(null=True, blank=True, help_text="Blank for files made before traces were unique.")
    trace_number = models.CharField(max_length=15)

    program_field = "batch__program"

    class Meta:
        ordering = ["batch_id", "trace_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "origin_routing", "company_id", "file_date", "trace_number"],
                name="achentry_trace_unique_per_originator_and_day",
            )
        ]
        indexes = [models.Index(fields=["alliance", "trace_number"], name="achentry_trace")]


class AchTraceSequence(TenantModel):
    """The last trace sequence given out per originator (ODFI routing + company id) and day;
    taken with one INSERT … ON CONFLICT DO UPDATE … RETURNING, so concurrent files never share one."""

    origin_routing = models.CharField(max_length=9)
    company_id = models.CharField(max_length=10)
    day = models.DateField()
    last_sequence = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "origin_routing", "company_id", "day"], name="achtrace_one_per_originator_and_day"
            )
        ]
