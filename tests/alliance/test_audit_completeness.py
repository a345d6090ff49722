"""Audit completeness (issue 8, part 5): every write of money, enrollment, membership or
fee agreement records its audit event.

`CASES` is the declarative table: for each service, how to call it with minimal
valid data (`given` names what must exist first; anything else the call reaches
for is refused, so the watermark below stays honest) and the exact events it
must leave, in order: action, object, program, actor, and before/after keys
where they say what changed. One parametrised test runs each row.

`test_every_write_service_is_in_the_table` is the guard: it lists every public
function of the money, enrollment, membership and fee-agreement service modules
(`SERVICE_MODULES`) and fails on one that is neither in the table nor in
`EXEMPT` with the reason it writes nothing that needs an event. It is stricter
than the `<entity>_<action>` naming convention: `late_fees_apply`,
`member_fees_invoice` or `offers_expire_due` follow it without sharing a suffix,
so every public function is classified, whatever its name.

Memberships change only through invitations today: no service changes a
member's role or ends a membership. When one is added to alliance/services.py,
the guard asks for its row.

Two gaps this table found were fixed: an invitation's revocation recorded no
before/after, and events of rows whose program sits behind a foreign key
(collections notes, payment plans, bank accounts: `account__program`) carried
no program, so they were missing from the program's audit trail and filter.
"""

from __future__ import annotations

import datetime
import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from types import ModuleType
from typing import Any

import pytest
from django.db import models
from django.utils import timezone

from alliance import operator as alliance_operator
from alliance import services as alliance_services
from alliance.dates import alliance_today
from alliance.models import AuditEvent, Role
from alliance.tenancy import alliance_scope
from billing import ach, invoicing, late_fees, ledger, member_fees, payers, payments
from billing import services as billing_services
from billing.models import (
    BillingPolicy,
    EntryKind,
    Invoice,
    InvoiceRun,
    LateFeeCharge,
    LateFeeKind,
    LedgerEntry,
    PayerClaim,
    Payment,
    PaymentMethod,
)
from budgets import services as budget_services
from costofcare import services as costofcare_services
from enrollment import services as enrollment_services
from enrollment.models import AttendanceRecord, EndReason, FundingSource
from enrollment.rules import Band
from enrollment.services import offers_bulk
from members import services as members_services
from members.models import AgeGroup, CostCategory, PricingModel, StaffCategory
from outreach import kiosk
from outreach import tours as outreach_tours
from outreach.models import Inquiry, Message
from planning import services as planning_services
from sustainability import services as sustainability_services
from sustainability.models import Contract, Grant
from tests.billing.factories import RatePlanFactory, account_of
from tests.enrollment.factories import ChildFactory, FamilyFactory, GuardianFactory, enroll, entry
from tests.factories import AllianceFactory, MemberProgramFactory, member
from tests.members.factories import (
    CredentialFactory,
    HubServiceFactory,
    InspectionFactory,
    SiteFactory,
    StaffMemberFactory,
    SubscriptionFactory,
    classroom,
)

D = datetime.date
ROUTING = "011000015"  # a valid ABA check digit: 3·(0+0+0) + 7·(1+0+1) + (1+0+5) = 20

SERVICE_MODULES: list[ModuleType] = [
    alliance_services,
    alliance_operator,
    members_services,
    *(
        importlib.import_module(f"enrollment.services.{name}")
        for name in ("attendance", "attendance_bulk", "enrollments", "families", "intake", "offers_bulk", "waitlist")
    ),
    ledger,
    payments,
    payers,
    ach,
    late_fees,
    member_fees,
    invoicing,
    billing_services,
    kiosk,
    outreach_tours,
    costofcare_services,
    budget_services,
    sustainability_services,
    planning_services,
]

# Public functions of those modules that need no event of their own, and why.
EXEMPT: dict[str, str] = {
    # Reads, checks and pure computations.
    "alliance.services.invitation_for_token": "a read: finds the invitation of a token",
    # The platform operator's (alliance/operator.py): its writes on an alliance are tabled below.
    "alliance.operator.is_operator": "a read: is the user an active platform operator",
    "alliance.operator.alliance_overview": "a read: an alliance's counts for the console",
    "alliance.operator.tenant_models": "a read: the tenant models, for the overview's row count",
    "alliance.operator.invitation_email_queue": "queues the email; the task records invitation.sent",
    "alliance.operator.operator_add": "a global role of the deployment, in no alliance's chain",
    "alliance.operator.alliance_create": (
        "records alliance.created and metrics.targets_updated in the new alliance's own chain, outside this "
        "table's alliance: tests/alliance/test_operator.py checks both, with the operator as actor"
    ),
    "billing.invoicing.invoices_priced": "a read: what a run would write, for its preview; writes nothing",
    "enrollment.services.attendance.check_attendance_day": "a check, raises or returns",
    "enrollment.services.enrollments.rate_plan_ref_resolve": "a check of a rate plan reference; writes nothing",
    "enrollment.services.enrollments.capacity_refusal": "a check: the refusal a room would give",
    "enrollment.services.enrollments.age_refusal": "a check: the refusal an age would give",
    "billing.ledger.to_cents": "arithmetic",
    "billing.ledger.opening_balance_of": "a read: the account's opening balance in force",
    "billing.ach.routing_is_valid": "a check digit",
    "billing.ach.nacha_file": "renders the NACHA text; ach_file_generate records the file",
    "billing.ach.ach_file_text": "renders a file at download; records ach.file_downloaded itself",
    "billing.ach.ach_returns_text": "decodes an uploaded returns file; ach_returns_import records each return",
    "billing.ach.ach_traces_take": "hands out trace numbers inside ach_file_generate, which records the file",
    "billing.late_fees.late_fee_amount": "arithmetic of a policy",
    "billing.member_fees.collected_tuition": "a read of the ledger",
    "billing.invoicing.period_bounds": "arithmetic of dates",
    "billing.invoicing.programs_to_invoice": "a read",
    "billing.invoicing.program_batches": "splits a list",
    "billing.invoicing.warning_text": "reads a stored warning as text",
    "billing.invoicing.invoice_run_signature": "builds the Celery chain; invoice_run_create is audited",
    # Writes that hold no money, enrollment, membership or agreement of their own.
    "billing.member_fees.member_fee_account": "the program's empty member-fee account, made on first use",
    "billing.invoicing.invoice_run_start": "flips a run from queued to running; the money is in invoice.issued",
    "enrollment.services.families.refresh_waitlist_age_groups": (
        "recomputes a derived column after an audited change of bands or a birth date"
    ),
    # Routine attendance is deliberately not audited (enrollment/services/attendance.py: a year
    # of check-ins would bury the history); each record keeps who checked the child in and out,
    # and corrections (attendance_clear) and CSV imports are audited.
    "enrollment.services.attendance.attendance_check_in": "routine attendance; the record names who",
    "enrollment.services.attendance.attendance_check_out": "routine attendance; the record names who",
    "enrollment.services.attendance.attendance_mark_absent": "routine attendance; the record names who",
    "enrollment.services.attendance_bulk.staff_check_in": "routine staff time in a room; the row names who",
    "enrollment.services.attendance_bulk.staff_check_out": "routine staff time in a room; the row names who",
    "enrollment.services.attendance_bulk.check_time_not_ahead": "a check, raises or returns",
    "enrollment.services.offers_bulk.offers_bulk_check": "a read: the preview's refusal of each entry",
    "enrollment.services.offers_bulk.offers_respond_by": "arithmetic of dates",
    # The door kiosk (outreach/kiosk.py): its writes are tabled below; these read.
    "outreach.kiosk.pin_lookup": "arithmetic: the keyed HMAC of a PIN",
    "outreach.kiosk.kiosk_enrollments": "a read: a family's children at the program today",
    "outreach.kiosk.kiosk_family_for_pin": "a read: the family of a PIN",
    "outreach.kiosk.kiosk_device_for_token": "a read; notes the device's last use (a timestamp, no record)",
    # Tours (outreach/tours.py): reads and labels next to the writes.
    **{
        f"outreach.tours.{name}": "a read or a label of tour slots and bookings"
        for name in (
            "slot_start",
            "slot_end_time",
            "slot_label",
            "slots_with_counts",
            "week_start_of",
            "tour_week",
            "inquiry_program_ids",
            "bookable_slots",
            "inquiry_tours",
            "slot_bookings",
            "tour_values",
            "tour_subject",
            "booking_choices",
        )
    },  # fmt: skip
}


# --- The world a case runs in ------------------------------------------------
class lazy:  # noqa: N801 - used as a decorator, like cached_property
    """A cached property of Ctx that may only be built before the call (see Case.given)."""

    def __init__(self, build: Callable[[Ctx], Any]) -> None:
        self.build, self.name = build, build.__name__

    def __get__(self, ctx: Ctx | None, owner: type) -> Any:
        if ctx is None:
            return self
        if self.name not in ctx.__dict__:
            assert not ctx.frozen, f"the call reached for {self.name!r}: add it to the case's `given`"
            ctx.__dict__[self.name] = self.build(ctx)
        return ctx.__dict__[self.name]


class Ctx:
    """One alliance with one member program and its hub admin; everything else on demand."""

    def __init__(self) -> None:
        self.frozen = False
        self.alliance = AllianceFactory(slug="audit-a")
        self.program = MemberProgramFactory(alliance=self.alliance, name="Program P", joined_on=D(2020, 1, 1))
        self.admin = member(self.alliance, Role.HUB_ADMIN, totp=False)
        self.today = alliance_today(self.alliance)
        self.last_month = (self.today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
        self.last_month_end = self.today.replace(day=1) - datetime.timedelta(days=1)

    def child_aged(self, months: int = 42, **fields: Any):  # type: ignore[no-untyped-def]
        """A child of the family, `months` old today (preschool by default)."""
        year, month = divmod(self.today.year * 12 + self.today.month - 1 - months, 12)
        return ChildFactory(family=self.family, date_of_birth=D(year, month + 1, 1), **fields)

    @lazy
    def site(self):  # type: ignore[no-untyped-def]
        return SiteFactory(program=self.program, name="Main")

    @lazy
    def room(self):  # type: ignore[no-untyped-def]
        return classroom(self.site, licensed=20, age_group=AgeGroup.PRESCHOOL, opened_on=D(2020, 1, 1))

    @lazy
    def other_room(self):  # type: ignore[no-untyped-def]
        return classroom(self.site, licensed=20, age_group=AgeGroup.PRESCHOOL, opened_on=D(2020, 1, 1))

    @lazy
    def family(self):  # type: ignore[no-untyped-def]
        return FamilyFactory(alliance=self.alliance, name="Lopez family")

    @lazy
    def guardian(self):  # type: ignore[no-untyped-def]
        return GuardianFactory(family=self.family, first_name="Maria", phone="555-0100")

    @lazy
    def child(self):  # type: ignore[no-untyped-def]
        return self.child_aged(first_name="Ana")

    @lazy
    def enrollment(self):  # type: ignore[no-untyped-def]
        """Ana in the room, Mon–Fri, since the first day of two months ago."""
        return enroll(self.child, self.room, (self.last_month - datetime.timedelta(days=1)).replace(day=1))

    @lazy
    def offer_job(self):  # type: ignore[no-untyped-def]
        """A background bulk offer of the room to Ben, queued (its batch not run yet)."""
        from enrollment.models import OfferBulkJob

        start = self.today + datetime.timedelta(days=7)
        return OfferBulkJob.objects.create(
            token="t-1",
            classroom=self.room,
            program=self.program,
            start_date=start,
            respond_by=start,
            entry_ids=[self.waiting.pk],
            created_by=self.admin,
        )

    @lazy
    def kiosk_device(self):  # type: ignore[no-untyped-def]
        """The program's door tablet; the room is open every day so that today is a kiosk day."""
        self.room.operating_days = list(range(7))
        self.room.save(update_fields=["operating_days"])
        return kiosk.kiosk_device_create(actor=self.admin, program=self.program, name="Front door")[0]

    @lazy
    def account(self):  # type: ignore[no-untyped-def]
        return account_of(self.family, self.program)

    @lazy
    def charge(self) -> LedgerEntry:
        return ledger.ledger_entry_post(
            account=self.account,
            kind=EntryKind.CHARGE,
            amount=Decimal("500.00"),
            posted_on=self.today,
            description="Tuition",
            actor=self.admin,
        )

    @lazy
    def payment(self):  # type: ignore[no-untyped-def]
        """100.00 in cash on an account that owed nothing: the account is 100.00 in credit."""
        return payments.payment_record(
            actor=self.admin,
            account=self.account,
            amount=Decimal("100.00"),
            method=PaymentMethod.CASH,
            received_on=self.today,
        )

    @lazy
    def invoiceable(self) -> None:
        """Ana enrolled, and a 1000.00 monthly plan for every child of the program."""
        RatePlanFactory(program=self.program, tuition=Decimal("1000.00"), effective_from=D(2020, 1, 1))
        assert self.enrollment

    @lazy
    def invoice(self) -> Invoice:
        """Last month's invoice of Ana's family (issued by the invoice run's code)."""
        assert self.invoiceable is None
        invoicing.invoice_program_for_period(
            program_id=self.program.pk, period_start=self.last_month, period_end=self.last_month_end
        )
        return Invoice.objects.get(account__family=self.family)

    @lazy
    def run(self) -> InvoiceRun:
        return invoicing.invoice_run_create(actor=self.admin, period_start=self.last_month, queue=False)

    @lazy
    def stalled_run(self) -> InvoiceRun:
        InvoiceRun.objects.filter(pk=self.run.pk).update(status="stalled")
        return InvoiceRun.objects.get(pk=self.run.pk)

    @lazy
    def payer(self):  # type: ignore[no-untyped-def]
        return payers.payer_create(actor=self.admin, name="County CCAP", kind="subsidy")

    @lazy
    def claim(self) -> PayerClaim:
        """The county pays Ana's tuition above a 150.00 co-pay, up to 700.00: a 700.00 claim."""
        payers.authorization_create(
            actor=self.admin,
            payer=self.payer,
            child=self.child,
            program=self.program,
            case_number="C-1",
            starts_on=D(2020, 1, 1),
            ends_on=D(2099, 12, 31),
            authorized_amount=Decimal("700.00"),
            family_copay=Decimal("150.00"),
        )
        assert self.invoice
        return PayerClaim.objects.get()

    @lazy
    def policy(self) -> BillingPolicy:
        return billing_services.billing_policy_set(
            actor=self.admin,
            program=self.program,
            late_fee_kind=LateFeeKind.FLAT,
            late_fee_value=Decimal("25.00"),
            grace_days=0,
            ach_routing_number=ROUTING,
            ach_company_id="1234567890",
        )

    @lazy
    def bank(self):  # type: ignore[no-untyped-def]
        return ach.bank_account_set(
            actor=self.admin,
            account=self.account,
            holder_name="Maria Lopez",
            routing_number=ROUTING,
            account_number="123456789",
        )

    @lazy
    def ach_payment(self):  # type: ignore[no-untyped-def]
        """An autopay family owing 500.00, collected by an ACH file settling today."""
        assert self.policy
        assert self.bank
        assert self.charge
        ach.ach_file_generate(actor=self.admin, program=self.program, settlement_date=self.today)
        return Payment.objects.get(method=PaymentMethod.ACH)

    @lazy
    def waiting(self):  # type: ignore[no-untyped-def]
        """Ben, on the program's waitlist from today for a place Mon–Fri."""
        return entry(
            self.child_aged(first_name="Ben"), program=self.program, added_on=self.today, desired_start=self.today
        )

    @lazy
    def offer(self):  # type: ignore[no-untyped-def]
        return enrollment_services.offer_create(
            actor=self.admin,
            entry=self.waiting,
            classroom=self.room,
            start_date=self.today + datetime.timedelta(days=7),
            respond_by=self.today,
        )

    @lazy
    def attendance(self) -> AttendanceRecord:
        monday = self.today - datetime.timedelta(days=self.today.weekday() + 7)
        return AttendanceRecord.objects.create(enrollment=self.enrollment, day=monday, check_in=datetime.time(8, 0))

    @lazy
    def invitation(self):  # type: ignore[no-untyped-def]
        invitation, _token = alliance_services.invitation_create(
            invited_by=self.admin, email="new.clerk@example.org", role=Role.HUB_STAFF, program_id=None
        )
        return invitation

    @lazy
    def operator(self):  # type: ignore[no-untyped-def]
        """A platform operator (no membership in the alliance)."""
        from alliance.models import PlatformOperator
        from tests.factories import UserFactory

        user = UserFactory(email="ops@hub.invalid")
        PlatformOperator.objects.create(user=user)
        return user

    @lazy
    def suspended(self):  # type: ignore[no-untyped-def]
        return alliance_operator.alliance_suspend(actor=self.operator, alliance=self.alliance, reason="Unpaid")

    @lazy
    def inspection(self):  # type: ignore[no-untyped-def]
        return InspectionFactory(program=self.program, inspected_on=self.today)

    @lazy
    def staff(self):  # type: ignore[no-untyped-def]
        return StaffMemberFactory(program=self.program)

    @lazy
    def credential(self):  # type: ignore[no-untyped-def]
        return CredentialFactory(staff=self.staff)

    @lazy
    def hub_service(self):  # type: ignore[no-untyped-def]
        return HubServiceFactory(alliance=self.alliance, name="Bookkeeping", rate=Decimal("325.00"))

    @lazy
    def plan(self):  # type: ignore[no-untyped-def]
        return sustainability_services.plan_save(actor=self.admin, data=SUSTAINABILITY_PLAN)

    @lazy
    def grant(self):  # type: ignore[no-untyped-def]
        return sustainability_services.funding_create(actor=self.admin, plan=self.plan, model=Grant, data=GRANT)

    @lazy
    def inquiry(self) -> Inquiry:
        """Maria Lopez's inquiry (maria@lopez.example), not contacted yet."""
        guardian = self.guardian
        guardian.email = "maria@lopez.example"
        guardian.save(update_fields=["email"])
        return Inquiry.objects.create(
            family=self.family, guardian=guardian, number=1, desired_start=self.today, weekdays=[0, 1, 2, 3, 4],
            subsidy_status="no", consent_contact=True,
        )  # fmt: skip

    @lazy
    def tour_slot(self):  # type: ignore[no-untyped-def]
        """A 30-minute tour of the program a week ahead at 10:00, for two families."""
        return outreach_tours.tour_slot_create(
            actor=self.admin, program=self.program, day=self.today + datetime.timedelta(days=7),
            starts_at=datetime.time(10, 0), minutes=30, capacity=2,
        )  # fmt: skip

    @lazy
    def tour_booking(self):  # type: ignore[no-untyped-def]
        return outreach_tours.tour_booking_create(actor=self.admin, slot=self.tour_slot, inquiry=self.inquiry)

    @lazy
    def scenario(self):  # type: ignore[no-untyped-def]
        return planning_services.scenario_create(program=self.program, actor=self.admin, data={"name": "Fill up"})

    @lazy
    def subscription(self):  # type: ignore[no-untyped-def]
        return SubscriptionFactory(program=self.program, service=self.hub_service, starts_on=D(2020, 1, 1))


# --- The table ----------------------------------------------------------------
RESULT = object()  # the event names the object the service returned
PROGRAM = object()  # the event names the case's member program


def new(model: type[models.Model]) -> Callable[[Ctx, Any], models.Model]:
    """The event names the newest row of `model` (services that return nothing or a report)."""
    return lambda c, r: model.objects.order_by("-pk").first()  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Expect:
    action: str
    target: Any = RESULT  # RESULT, a (ctx, result) -> row callable, or an (object_type, object_id) callable
    program: Any = PROGRAM  # PROGRAM, None, or a (ctx, result) -> program id callable
    actor: str | None = "admin"  # an attribute of Ctx, a (ctx, result) -> user callable, or None (system)
    before: dict[str, Any] | None = None  # keys the event's `before` must hold with these values
    after: dict[str, Any] | None = None


@dataclass(frozen=True)
class Case:
    service: Callable[..., Any]
    call: Callable[[Ctx], Any]
    expect: tuple[Expect, ...]
    given: tuple[str, ...] = ()
    name: str = ""

    @property
    def id(self) -> str:
        return self.name or self.service.__name__


def key(fn: Callable[..., Any]) -> str:
    return f"{fn.__module__}.{fn.__name__}"


E = Expect
es = enrollment_services
ms = members_services
NOTE = "Family lost their job; the county refused the subsidy."

SUSTAINABILITY_PLAN = {
    "start_year": 2027,
    "years": 3,
    "staff_cost": Decimal("10000.00"),
    "overhead_cost": Decimal("2000.00"),
    "slot_fee": Decimal("10.00"),
}
GRANT = {
    "name": "Start-up grant",
    "amount": Decimal("12000.00"),
    "starts_on": D(2027, 1, 1),
    "ends_on": D(2027, 12, 31),
}
ss = sustainability_services

CASES: list[Case] = [
    Case(
        costofcare_services.cost_of_care_assumptions_set,
        lambda c: [
            costofcare_services.cost_of_care_assumptions_set(
                actor=c.admin, program=c.program, values={"hourly_wage": Decimal(wage)}
            )
            for wage in ("18.00", "19.50")
        ][-1],
        (
            E("cost_of_care.assumptions_created", after={"hourly_wage": "18.00"}),
            E("cost_of_care.assumptions_updated", before={"hourly_wage": "18.00"}, after={"hourly_wage": "19.50"}),
        ),
    ),
    # The Hub's sustainability plan (sustainability/services.py).
    Case(
        ss.plan_save,
        lambda c: ss.plan_save(actor=c.admin, data=SUSTAINABILITY_PLAN),
        (E("sustainability.plan_created", program=None, after={"staff_cost": "10000.00", "years": 3}),),
        name="plan_save_creates",
    ),
    Case(
        ss.plan_save,
        lambda c: ss.plan_save(actor=c.admin, data={"growth_pct": Decimal("5.00")}),
        (
            E(
                "sustainability.plan_updated",
                program=None,
                before={"growth_pct": "3.00"},
                after={"growth_pct": "5.00"},
            ),
        ),
        given=("plan",),
        name="plan_save_updates",
    ),
    Case(
        ss.funding_create,
        lambda c: ss.funding_create(
            actor=c.admin,
            plan=c.plan,
            model=Contract,
            data={"name": "County", "amount": Decimal("600.00"), "starts_on": D(2027, 1, 1), "ends_on": D(2027, 6, 30)},
        ),
        (E("sustainability.contract_created", program=None, after={"amount": "600.00"}),),
        given=("plan",),
    ),
    Case(
        ss.funding_update,
        lambda c: ss.funding_update(actor=c.admin, row=c.grant, data={"amount": Decimal("13000.00")}),
        (
            E(
                "sustainability.grant_updated",
                program=None,
                before={"amount": "12000.00"},
                after={"amount": "13000.00"},
            ),
        ),
        given=("grant",),
    ),
    Case(
        ss.funding_delete,
        lambda c: ss.funding_delete(actor=c.admin, row=c.grant),
        (
            E(
                "sustainability.grant_deleted",
                target=lambda c, r: ("sustainability.grant", str(r)),
                program=None,
                before={"amount": "12000.00"},
            ),
        ),
        given=("grant",),
    ),
    # Membership: invitations and the memberships they create.
    Case(
        alliance_services.invitation_create,
        lambda c: alliance_services.invitation_create(
            invited_by=c.admin, email="clerk@example.org", role=Role.HUB_STAFF, program_id=None
        )[0],
        (E("invitation.created", program=None, after={"email": "clerk@example.org", "role": "hub_staff"}),),
    ),
    Case(
        alliance_services.invitation_accept,
        lambda c: alliance_services.invitation_accept(invitation=c.invitation, password="long-enough-pass-42"),
        (E("membership.created", program=None, actor=lambda c, r: r.user, after={"role": "hub_staff"}),),
        given=("invitation",),
    ),
    Case(
        alliance_services.invitation_revoke,
        lambda c: alliance_services.invitation_revoke(invitation=c.invitation, actor=c.admin),
        (
            E(
                "invitation.revoked",
                program=None,
                before={"revoked_at": None},
                after={"email": "new.clerk@example.org", "revoked_at": lambda c, r: r.revoked_at.isoformat()},
            ),
        ),
        given=("invitation",),
    ),
    # The platform operator's actions on the alliance: events in its chain, the operator as actor.
    Case(
        alliance_operator.alliance_invite_admin,
        lambda c: alliance_operator.alliance_invite_admin(actor=c.operator, alliance=c.alliance, email="head@x.org")[0],
        (E("invitation.created", program=None, actor="operator", after={"email": "head@x.org", "role": "hub_admin"}),),
        given=("operator",),
    ),
    Case(
        alliance_operator.alliance_suspend,
        lambda c: alliance_operator.alliance_suspend(actor=c.operator, alliance=c.alliance, reason="Unpaid"),
        (
            E(
                "alliance.suspended",
                program=None,
                actor="operator",
                before={"suspended_at": None, "suspended_reason": ""},
                after={"suspended_reason": "Unpaid"},
            ),
        ),
        given=("operator",),
    ),
    Case(
        alliance_operator.alliance_reactivate,
        lambda c: alliance_operator.alliance_reactivate(actor=c.operator, alliance=c.alliance, reason="Paid"),
        (
            E(
                "alliance.reactivated",
                program=None,
                actor="operator",
                before={"suspended_reason": "Unpaid"},
                after={"suspended_at": None, "suspended_reason": ""},
            ),
        ),
        given=("operator", "suspended"),
    ),
    # The alliance's own settings.
    Case(
        alliance_services.alliance_settings_update,
        lambda c: alliance_services.alliance_settings_update(actor=c.admin, values={"locale": "en-gb"}),
        (E("alliance.settings_updated", program=None, before={"locale": "en-us"}, after={"locale": "en-gb"}),),
    ),
    # Member programs, their membership status and fee agreements (members/services.py).
    Case(
        ms.program_create,
        lambda c: ms.program_create(actor=c.admin, name="New member", kind="centre", status="active"),
        (E("program.created", program=lambda c, r: r.pk, after={"name": "New member", "status": "active"}),),
    ),
    Case(
        ms.program_update,
        lambda c: ms.program_update(actor=c.admin, program=c.program, data={"city": "Fairview"}),
        (E("program.updated", before={"city": ""}, after={"city": "Fairview"}),),
    ),
    Case(
        ms.program_update,
        lambda c: ms.program_update(
            actor=c.admin, program=c.program, data={"qris_rating": 3, "qris_rated_on": D(2025, 5, 1)}
        ),
        (
            E("program.updated", before={"qris_rating": None}, after={"qris_rating": 3}),
            E(
                "qris_rating.recorded",
                target=lambda c, r: r.qris_history.get(),
                before={"rating": None},
                after={"rating": 3, "rated_on": "2025-05-01"},
            ),
        ),
        name="program_update_rating",
    ),
    Case(
        ms.program_status_change,
        lambda c: ms.program_status_change(
            actor=c.admin, program=c.program, status="paused", effective_on=c.today, reason="Renovation"
        ),
        (E("program.status_changed", before={"status": "active"}, after={"status": "paused"}),),
    ),
    Case(
        ms.inspection_create,
        lambda c: ms.inspection_create(actor=c.admin, program=c.program, inspected_on=c.today, outcome="compliant"),
        (E("inspection.created", after={"outcome": "compliant"}),),
    ),
    Case(
        ms.inspection_update,
        lambda c: ms.inspection_update(actor=c.admin, inspection=c.inspection, data={"inspection_type": "renewal"}),
        (E("inspection.updated", before={"inspection_type": "routine"}, after={"inspection_type": "renewal"}),),
        given=("inspection",),
    ),
    Case(
        ms.site_create,
        lambda c: ms.site_create(actor=c.admin, program=c.program, name="Annex"),
        (E("site.created", after={"name": "Annex"}),),
    ),
    Case(
        ms.site_update,
        lambda c: ms.site_update(actor=c.admin, site=c.site, data={"city": "Fairview"}),
        (E("site.updated", after={"city": "Fairview"}),),
        given=("site",),
    ),
    Case(
        ms.classroom_create,
        lambda c: ms.classroom_create(
            actor=c.admin,
            site=c.site,
            name="Owls",
            age_group=AgeGroup.PRESCHOOL,
            children_per_staff=10,
            operating_days=[0, 1, 2, 3, 4],
            opens_at=datetime.time(7),
            closes_at=datetime.time(18),
            licensed_capacity=16,
        ),
        (E("classroom.created", after={"name": "Owls", "licensed_capacity": 16}),),
        given=("site",),
    ),
    Case(
        ms.classroom_update,
        lambda c: ms.classroom_update(actor=c.admin, classroom=c.room, data={"name": "Owls"}),
        (E("classroom.updated", after={"name": "Owls"}),),
        given=("room",),
    ),
    Case(
        ms.classroom_capacity_set,
        lambda c: ms.classroom_capacity_set(
            actor=c.admin, classroom=c.room, effective_from=c.today, licensed_capacity=18, reason="Inspection"
        ),
        (E("classroom.capacity_set", before=None, after={"licensed_capacity": 18}),),
        given=("room",),
    ),
    Case(
        ms.staff_create,
        lambda c: ms.staff_create(
            actor=c.admin,
            program=c.program,
            first_name="Pat",
            last_name="Lee",
            position="Teacher",
            category=StaffCategory.CLASSROOM,
            fte=Decimal("1.00"),
            pay_basis="hourly",
            started_on=D(2024, 1, 1),
            hourly_wage=Decimal("18.00"),
        ),
        (E("staff.created", after={"hourly_wage": "18.00"}),),
    ),
    Case(
        ms.staff_update,
        lambda c: ms.staff_update(actor=c.admin, staff=c.staff, data={"position": "Director"}),
        (E("staff.updated", after={"position": "Director"}),),
        given=("staff",),
    ),
    Case(
        ms.credential_create,
        lambda c: ms.credential_create(actor=c.admin, staff=c.staff, name="CPR"),
        (E("credential.created", after={"name": "CPR"}),),
        given=("staff",),
    ),
    Case(
        ms.credential_update,
        lambda c: ms.credential_update(actor=c.admin, credential=c.credential, data={"identifier": "CPR-1"}),
        (E("credential.updated", after={"identifier": "CPR-1"}),),
        given=("credential",),
    ),
    Case(
        ms.monthly_costs_set,
        lambda c: ms.monthly_costs_set(
            actor=c.admin, program=c.program, month=c.last_month, amounts={CostCategory.OCCUPANCY: Decimal("900.00")}
        ),
        (
            E(
                "costs.updated",
                target=lambda c, r: ("members.monthlycost", f"{c.program.pk}:{c.last_month:%Y-%m}"),
                before={},
                after={"occupancy": "900.00"},
            ),
        ),
    ),
    Case(
        ms.hub_service_create,
        lambda c: ms.hub_service_create(
            actor=c.admin, name="Payroll", pricing_model=PricingModel.FLAT_MONTHLY, rate=Decimal("150.00")
        ),
        (E("hub_service.created", program=None, after={"rate": "150.00"}),),
    ),
    Case(
        ms.hub_service_update,
        lambda c: ms.hub_service_update(actor=c.admin, service=c.hub_service, data={"rate": Decimal("350.00")}),
        (E("hub_service.updated", program=None, before={"rate": "325.00"}, after={"rate": "350.00"}),),
        given=("hub_service",),
    ),
    Case(
        ms.subscription_create,
        lambda c: ms.subscription_create(
            actor=c.admin, program=c.program, service=c.hub_service, starts_on=D(2025, 1, 1)
        ),
        (E("subscription.created", after={"rate": "325.00", "starts_on": "2025-01-01"}),),
        given=("hub_service",),
    ),
    Case(
        ms.subscription_update,
        lambda c: ms.subscription_update(actor=c.admin, subscription=c.subscription, data={"rate": Decimal("300.00")}),
        (E("subscription.updated", before={"rate": "325.00"}, after={"rate": "300.00"}),),
        given=("subscription",),
    ),
    # Enrollment: families, enrollments, waitlists and offers (enrollment/services/).
    Case(
        es.family_create,
        lambda c: es.family_create(actor=c.admin, name="Young family"),
        (E("family.created", program=None, after={"name": "Young family"}),),
    ),
    Case(
        es.family_update,
        lambda c: es.family_update(actor=c.admin, family=c.family, data={"city": "Fairview"}),
        (E("family.updated", program=None, after={"city": "Fairview"}),),
        given=("family",),
    ),
    Case(
        es.guardian_create,
        lambda c: es.guardian_create(
            actor=c.admin, family=c.family, first_name="Maria", last_name="Lopez", phone="555-0100"
        ),
        (E("guardian.created", program=None, after={"first_name": "Maria"}),),
        given=("family",),
    ),
    Case(
        es.guardian_update,
        lambda c: es.guardian_update(actor=c.admin, guardian=c.guardian, data={"phone": "555-0199"}),
        (E("guardian.updated", program=None, before={"phone": "555-0100"}, after={"phone": "555-0199"}),),
        given=("guardian",),
    ),
    Case(
        es.child_create,
        lambda c: es.child_create(
            actor=c.admin, family=c.family, first_name="Cleo", last_name="Lopez", date_of_birth=D(2023, 5, 1)
        ),
        (E("child.created", program=None, after={"first_name": "Cleo"}),),
        given=("family",),
    ),
    Case(
        es.child_update,
        lambda c: es.child_update(actor=c.admin, child=c.child, data={"needs_notes": "Nut allergy"}),
        (E("child.updated", program=None, after={"needs_notes": "Nut allergy"}),),
        given=("child",),
    ),
    Case(
        es.age_bands_set,
        lambda c: es.age_bands_set(
            actor=c.admin,
            bands=[
                Band(AgeGroup.INFANT, 0, 24),
                Band(AgeGroup.TODDLER, 24, 36),
                Band(AgeGroup.PRESCHOOL, 36, 60),
                Band(AgeGroup.SCHOOL_AGE, 60, 156),
            ],
        ),
        (E("age_bands.updated", target=lambda c, r: ("enrollment.ageband", ""), program=None, before={"bands": []}),),
    ),
    Case(
        es.enrollment_create,
        lambda c: es.enrollment_create(
            actor=c.admin, child=c.child, classroom=c.room, start_date=c.today, weekdays=[0, 1, 2, 3, 4]
        ),
        (E("enrollment.created", after={"fte": "1.00", "start_date": lambda c, r: c.today.isoformat()}),),
        given=("child", "room"),
    ),
    Case(
        es.enrollment_change_schedule,
        lambda c: es.enrollment_change_schedule(
            actor=c.admin, enrollment=c.enrollment, effective_from=c.today, weekdays=[0, 2, 4], day_length="full"
        ),
        (E("enrollment.schedule_changed", target=lambda c, r: c.enrollment, before={"end_date": None}),),
        given=("enrollment",),
    ),
    Case(
        es.enrollment_transfer,
        lambda c: es.enrollment_transfer(
            actor=c.admin, enrollment=c.enrollment, classroom=c.other_room, effective_from=c.today
        ),
        (E("enrollment.transferred", target=lambda c, r: c.enrollment, before={"end_date": None}),),
        given=("enrollment", "other_room"),
    ),
    Case(
        es.enrollment_end,
        lambda c: es.enrollment_end(actor=c.admin, enrollment=c.enrollment, end_date=c.today, reason=EndReason.MOVED),
        (E("enrollment.ended", before={"end_date": None, "end_reason": ""}, after={"end_reason": "moved"}),),
        given=("enrollment",),
    ),
    Case(
        es.enrollment_update_terms,
        lambda c: (
            RatePlanFactory(program=c.program, code="PS-FT"),
            es.enrollment_update_terms(
                actor=c.admin, enrollment=c.enrollment, funding_source=FundingSource.SUBSIDY, rate_plan_ref="PS-FT"
            ),
        )[1],
        (
            E(
                "enrollment.terms_changed",
                before={"funding_source": "private_pay"},
                after={"funding_source": "subsidy", "rate_plan_ref": "PS-FT"},
            ),
        ),
        given=("enrollment",),
    ),
    Case(
        es.enrollment_intake_create,
        lambda c: es.enrollment_intake_create(
            actor=c.admin,
            child={"first_name": "Dev", "last_name": "Young", "date_of_birth": D(c.today.year - 4, c.today.month, 1)},
            enrollment={"classroom": c.room, "start_date": c.today, "weekdays": [0, 1, 2, 3, 4]},
            family_data={"name": "Young family"},
            guardian_data={"first_name": "Yuri", "last_name": "Young", "phone": "555-0102"},
        ),
        (
            E("family.created", target=lambda c, r: r.child.family, program=None),
            E("guardian.created", target=lambda c, r: r.child.family.guardians.get(), program=None),
            E("child.created", target=lambda c, r: r.child, program=None),
            E("enrollment.created"),
        ),
        given=("room",),
    ),
    Case(
        es.waitlist_entry_create,
        lambda c: es.waitlist_entry_create(
            actor=c.admin, child=c.child, program=c.program, desired_start=c.today, weekdays=[0, 1, 2, 3, 4]
        ),
        (E("waitlist.entry_created", after={"status": "waiting"}),),
        given=("child",),
    ),
    Case(
        es.waitlist_entry_update,
        lambda c: es.waitlist_entry_update(actor=c.admin, entry=c.waiting, data={"notes": "Prefers mornings"}),
        (E("waitlist.entry_updated", before={"notes": ""}, after={"notes": "Prefers mornings"}),),
        given=("waiting",),
    ),
    Case(
        es.waitlist_entry_withdraw,
        lambda c: es.waitlist_entry_withdraw(actor=c.admin, entry=c.waiting, reason="Found care nearer home"),
        (E("waitlist.entry_withdrawn", before={"status": "waiting"}, after={"status": "withdrawn"}),),
        given=("waiting",),
    ),
    Case(
        es.waitlist_application_create,
        lambda c: es.waitlist_application_create(
            actor=c.admin,
            child={"first_name": "Eli", "last_name": "Young", "date_of_birth": D(2024, 2, 1)},
            entry={"desired_start": c.today, "weekdays": [0, 1, 2, 3, 4]},
            program=c.program,
            family_data={"name": "Young family"},
            guardian_data={"first_name": "Yuri", "last_name": "Young", "phone": "555-0102"},
        ),
        (
            E("family.created", target=lambda c, r: r.child.family, program=None),
            E("guardian.created", target=lambda c, r: r.child.family.guardians.get(), program=None),
            E("child.created", target=lambda c, r: r.child, program=None),
            E("waitlist.entry_created"),
        ),
    ),
    Case(
        es.offer_create,
        lambda c: es.offer_create(
            actor=c.admin, entry=c.waiting, classroom=c.room, start_date=c.today + datetime.timedelta(days=7)
        ),
        (E("offer.made", after={"status": "open"}),),
        given=("waiting", "room"),
    ),
    Case(
        es.offer_accept,
        lambda c: es.offer_accept(actor=c.admin, offer=c.offer),
        (
            E("enrollment.created"),
            E("offer.accepted", target=lambda c, r: c.offer, before={"status": "open"}, after={"status": "accepted"}),
        ),
        given=("offer",),
    ),
    Case(
        es.offer_decline,
        lambda c: es.offer_decline(actor=c.admin, offer=c.offer, note="Too far"),
        (E("offer.declined", before={"status": "open"}, after={"status": "declined"}),),
        given=("offer",),
    ),
    Case(
        es.offer_withdraw,
        lambda c: es.offer_withdraw(actor=c.admin, offer=c.offer, note="Place went elsewhere"),
        (E("offer.withdrawn", before={"status": "open"}, after={"status": "withdrawn"}),),
        given=("offer",),
    ),
    Case(
        es.offers_expire_due,
        lambda c: es.offers_expire_due(today=c.today + datetime.timedelta(days=1)),
        (
            E(
                "offer.expired",
                target=lambda c, r: c.offer,
                actor=None,
                before={"status": "open"},
                after={"status": "expired"},
            ),
        ),
        given=("offer",),
    ),
    Case(
        es.attendance_clear,
        lambda c: es.attendance_clear(actor=c.admin, record=c.attendance, reason="Wrong child"),
        (
            E(
                "attendance.cleared",
                target=lambda c, r: ("enrollment.attendancerecord", str(c.attendance.pk)),
                before={"check_in": "08:00:00"},
            ),
        ),
        given=("attendance",),
    ),
    Case(
        es.attendance_times_correct,
        lambda c: es.attendance_times_correct(
            actor=c.admin,
            record=c.attendance,
            check_in=datetime.time(8, 15),
            check_out=datetime.time(16, 30),
            reason="Clicked late",
        ),
        (E("attendance.corrected", before={"check_in": "08:00:00"}, after={"check_in": "08:15:00"}),),
        given=("attendance",),
    ),
    Case(
        es.attendance_bulk_check_in,
        lambda c: es.attendance_bulk_check_in(
            actor=c.admin,
            classroom=c.room,
            day=c.today - datetime.timedelta(days=c.today.weekday() + 7),
            at=datetime.time(8, 0),
        ),
        (E("attendance.bulk_checked_in", target=lambda c, r: c.room, after={"at": "08:00"}),),
        given=("enrollment",),
    ),
    Case(
        es.attendance_bulk_check_out,
        lambda c: es.attendance_bulk_check_out(
            actor=c.admin, classroom=c.room, day=c.attendance.day, at=datetime.time(17, 0)
        ),
        (E("attendance.bulk_checked_out", target=lambda c, r: c.room, after={"at": "17:00"}),),
        given=("attendance",),
    ),
    # Money: the ledger, payments, write-offs and collections (billing/ledger.py, payments.py).
    Case(
        ledger.ledger_entry_post,
        lambda c: ledger.ledger_entry_post(
            account=c.account,
            kind=EntryKind.CHARGE,
            amount=Decimal("25.00"),
            posted_on=c.today,
            description="Field trip",
            actor=c.admin,
        ),
        (E("ledger.charge", after={"amount": "25.00", "kind": "charge"}),),
        given=("account",),
    ),
    Case(
        ledger.account_opening_balance_record,
        lambda c: ledger.account_opening_balance_record(
            actor=c.admin, account=c.account, amount=Decimal("350.00"), as_of=c.today
        ),
        (E("ledger.opening_balance", after={"amount": "350.00", "kind": "opening_balance"}),),
        given=("account",),
    ),
    Case(
        ledger.ledger_entry_reverse,
        lambda c: ledger.ledger_entry_reverse(entry=c.charge, actor=c.admin, reason="Charged twice"),
        (E("ledger.reversal", before={"amount": "500.00"}, after={"amount": "-500.00", "kind": "reversal"}),),
        given=("charge",),
    ),
    Case(
        payments.payment_record,
        lambda c: payments.payment_record(
            actor=c.admin,
            account=c.account,
            amount=Decimal("120.00"),
            method=PaymentMethod.CHECK,
            received_on=c.today,
            reference="1001",
        ),
        (
            E("ledger.payment", target=lambda c, r: r.entry, after={"amount": "-120.00"}),
            E("payment.recorded", after={"amount": "120.00", "reference": "1001"}),
        ),
        given=("account",),
    ),
    Case(
        payments.payment_reverse,
        lambda c: payments.payment_reverse(actor=c.admin, payment=c.payment, reason="Check bounced"),
        (
            E("ledger.reversal", target=lambda c, r: r.entry.reversed_by, after={"amount": "100.00"}),
            E("payment.reversed", before={"status": "recorded"}, after={"status": "reversed"}),
        ),
        given=("payment",),
    ),
    Case(
        payments.refund_record,
        lambda c: payments.refund_record(
            actor=c.admin,
            payment=c.payment,
            amount=Decimal("40.00"),
            refunded_on=c.today,
            method=PaymentMethod.CHECK,
            reference="5001",
            reason="Family left",
        ),
        (
            E("ledger.charge", target=new(LedgerEntry), after={"amount": "40.00", "category": "refund"}),
            E(
                "refund.recorded",
                before={"refundable": "100.00"},
                after={"amount": "40.00", "payment_id": lambda c, r: c.payment.pk, "refundable": "60.00"},
            ),
        ),
        given=("payment",),
    ),
    Case(
        payments.invoice_void,
        lambda c: payments.invoice_void(actor=c.admin, invoice=c.invoice, reason="Wrong plan"),
        (
            E("ledger.reversal", target=new(LedgerEntry), after={"amount": "-1000.00"}),
            E("invoice.voided", before={"status": "issued"}, after={"status": "void"}),
        ),
        given=("invoice",),
    ),
    Case(
        payments.deposit_batch_create,
        lambda c: payments.deposit_batch_create(
            actor=c.admin, program=c.program, deposited_on=c.today, payments=[c.payment]
        ),
        (E("deposit.created", after={"total": "100.00", "payments": lambda c, r: [c.payment.pk]}),),
        given=("payment",),
    ),
    Case(
        payments.write_off_record,
        lambda c: payments.write_off_record(actor=c.admin, account=c.account, reason=NOTE, effective_on=c.today),
        (E("ledger.write_off", target=new(LedgerEntry), after={"amount": "-500.00"}),),
        given=("charge",),
    ),
    Case(
        payments.collection_note_add,
        lambda c: payments.collection_note_add(
            actor=c.admin,
            account=c.account,
            kind="promise",
            note="Will pay Friday",
            promised_amount=Decimal("200.00"),
            promised_on=c.today,
        ),
        (E("collections.note", after={"promised_amount": "200.00"}),),
        given=("charge",),  # a promise is at most the balance
    ),
    Case(
        payments.payment_plan_create,
        lambda c: payments.payment_plan_create(
            actor=c.admin, account=c.account, installment=Decimal("50.00"), every_days=14, starts_on=c.today
        ),
        (E("collections.payment_plan", after={"installment": "50.00"}),),
        given=("account",),
    ),
    # Third-party payers (billing/payers.py).
    Case(
        payers.payer_create,
        lambda c: payers.payer_create(actor=c.admin, name="Acme Employer", kind="employer"),
        (E("payer.created", program=None, after={"name": "Acme Employer"}),),
    ),
    Case(
        payers.authorization_create,
        lambda c: payers.authorization_create(
            actor=c.admin,
            payer=c.payer,
            child=c.child,
            program=c.program,
            case_number="C-9",
            starts_on=D(2026, 1, 1),
            ends_on=D(2026, 12, 31),
            authorized_amount=Decimal("600.00"),
        ),
        (E("authorization.created", after={"authorized_amount": "600.00"}),),
        given=("payer", "child"),
    ),
    Case(
        payers.remittance_record,
        lambda c: payers.remittance_record(
            actor=c.admin, payer=c.payer, received_on=c.today, reference="EFT 1", lines=[(c.claim, Decimal("650.00"))]
        ),
        (E("remittance.recorded", program=None, after={"total": "650.00", "lines": 1}),),
        given=("claim",),
    ),
    Case(
        payers.remittance_import_csv,
        lambda c: payers.remittance_import_csv(
            actor=c.admin,
            payer=c.payer,
            received_on=c.today,
            reference="EFT 2",
            text=f"case_number,period,amount\nC-1,{c.last_month:%Y-%m},700.00\n",
        ),
        (E("remittance.recorded", target=lambda c, r: r.remittance, program=None, after={"total": "700.00"}),),
        given=("claim",),
    ),
    Case(
        payers.claim_resolve_shortfall,
        lambda c: payers.claim_resolve_shortfall(
            actor=c.admin, claim=c.claim, decision="waive", reason="Agency closed the case", on=c.today
        ),
        (E("payer_claim.shortfall_waived", before={"status": "open"}, after={"status": "waived"}),),
        given=("claim",),
        name="claim_resolve_shortfall_waive",
    ),
    Case(
        payers.claim_resolve_shortfall,
        lambda c: payers.claim_resolve_shortfall(
            actor=c.admin, claim=c.claim, decision="bill_family", reason="Days over the authorization", on=c.today
        ),
        (
            E("ledger.charge", target=new(LedgerEntry), after={"amount": "700.00", "category": "shortfall"}),
            E("payer_claim.shortfall_billed", before={"status": "open"}, after={"status": "billed"}),
        ),
        given=("claim",),
        name="claim_resolve_shortfall_bill_family",
    ),
    # Bank accounts and ACH (billing/ach.py).
    Case(
        ach.bank_account_set,
        lambda c: ach.bank_account_set(
            actor=c.admin,
            account=c.account,
            holder_name="Maria Lopez",
            routing_number=ROUTING,
            account_number="123456789",
        ),
        (E("bank_account.set", before=None, after={"account_last4": "6789", "routing_number": ROUTING}),),
        given=("account",),
    ),
    Case(
        ach.bank_account_pause,
        lambda c: ach.bank_account_pause(actor=c.admin, bank_account=c.bank, paused=True, reason="Family asked"),
        (E("autopay.paused", before={"autopay_paused": False}, after={"autopay_paused": True}),),
        given=("bank",),
    ),
    Case(
        ach.ach_file_generate,
        lambda c: ach.ach_file_generate(actor=c.admin, program=c.program, settlement_date=c.today),
        (
            E("ledger.payment", target=new(LedgerEntry), after={"amount": "-500.00"}),
            E("payment.recorded", target=lambda c, r: Payment.objects.get(), after={"method": "ach"}),
            E("ach.file_generated", after={"entries": 1, "total": "500.00"}),
        ),
        given=("policy", "bank", "charge"),
    ),
    Case(
        ach.ach_returns_import,
        lambda c: ach.ach_returns_import(
            actor=c.admin,
            text=(
                "trace_number,return_code,amount,account_number\n"
                f"{c.ach_payment.ach_entry.trace_number},R01,{c.ach_payment.amount},123456789\n"
            ),
        ),
        (
            E("ledger.reversal", target=new(LedgerEntry), after={"amount": "500.00"}),
            E("payment.reversed", target=lambda c, r: c.ach_payment, after={"status": "reversed"}),
            E("ach.returned", target=lambda c, r: c.ach_payment, after={"code": "R01"}),
        ),
        given=("ach_payment",),
    ),
    # Late fees, Hub member fees, invoice runs (billing/late_fees.py, member_fees.py, invoicing.py).
    Case(
        late_fees.late_fees_apply,
        lambda c: late_fees.late_fees_apply(as_of=c.invoice.due_on + datetime.timedelta(days=1)),
        (
            E(
                "ledger.late_fee",
                target=lambda c, r: LateFeeCharge.objects.get().entry,
                actor=None,
                after={"amount": "25.00"},
            ),
        ),
        given=("invoice", "policy"),
    ),
    Case(
        member_fees.member_fees_invoice,
        lambda c: member_fees.member_fees_invoice(month=c.last_month, actor=c.admin),
        (E("member_fee.invoiced", target=new(Invoice), after={"total": "325.00", "lines": 1}),),
        given=("subscription",),
    ),
    Case(
        invoicing.invoice_run_create,
        lambda c: invoicing.invoice_run_create(actor=c.admin, period_start=c.last_month, queue=False),
        (E("invoice_run.started", program=None, after={"status": "queued"}),),
    ),
    Case(
        invoicing.invoice_programs_for_period,
        lambda c: invoicing.invoice_programs_for_period(
            program_ids=[c.program.pk], period_start=c.last_month, period_end=c.last_month_end, actor=c.admin
        ),
        (
            E(
                "invoice.issued",
                target=lambda c, r: ("billing.invoicerun", ""),
                after={"invoices": 1, "total": "1000.00"},
            ),
        ),
        given=("invoiceable",),
    ),
    Case(
        invoicing.invoice_program_for_period,
        lambda c: invoicing.invoice_program_for_period(
            program_id=c.program.pk, period_start=c.last_month, period_end=c.last_month_end, actor=c.admin
        ),
        (E("invoice.issued", target=lambda c, r: ("billing.invoicerun", ""), after={"invoices": 1}),),
        given=("invoiceable",),
    ),
    Case(
        invoicing.invoice_run_programs,
        lambda c: invoicing.invoice_run_programs(run_id=c.run.pk, program_ids=[c.program.pk]),
        (E("invoice.issued", target=lambda c, r: c.run, actor=None, after={"invoices": 1}),),
        given=("invoiceable", "run"),
    ),
    Case(
        invoicing.invoice_run_finish,
        lambda c: invoicing.invoice_run_finish(run_id=c.run.pk),
        (E("invoice_run.finished", program=None, actor=None, after={"status": "done"}),),
        given=("run",),
    ),
    Case(
        invoicing.invoice_runs_check_stalled,
        lambda c: (
            InvoiceRun.objects.filter(pk=c.run.pk).update(progress_at=timezone.now() - datetime.timedelta(hours=1)),
            invoicing.invoice_runs_check_stalled(),
        ),
        (
            E(
                "invoice_run.stalled",
                target=lambda c, r: c.run,
                program=None,
                actor=None,
                before={"status": "queued"},
                after={"status": "stalled"},
            ),
        ),
        given=("run",),
    ),
    Case(
        invoicing.invoice_run_resume,
        lambda c: invoicing.invoice_run_resume(run=c.stalled_run, actor=c.admin),
        (
            E(
                "invoice_run.resumed",
                program=None,
                before={"status": "stalled"},
                after={"status": "queued", "programs_remaining": 1},
            ),
        ),
        given=("stalled_run",),
    ),
    # Billing set-up that prices money (billing/services.py).
    Case(
        billing_services.rate_plan_create,
        lambda c: billing_services.rate_plan_create(
            actor=c.admin,
            program=c.program,
            name="Preschool full time",
            tuition=Decimal("1100.00"),
            effective_from=D(2026, 1, 1),
            period="monthly",
        ),
        (E("rate_plan.created", after={"tuition": "1100.00"}),),
    ),
    Case(
        billing_services.account_set_staff_discount,
        lambda c: billing_services.account_set_staff_discount(actor=c.admin, account=c.account, staff=True),
        (E("account.updated", before={"staff_discount": False}, after={"staff_discount": True}),),
        given=("account",),
    ),
    Case(
        billing_services.billing_policy_set,
        lambda c: billing_services.billing_policy_set(
            actor=c.admin, program=c.program, late_fee_kind=LateFeeKind.FLAT, late_fee_value=Decimal("20.00")
        ),
        (E("billing_policy.set", before=None, after={"late_fee_value": "20.00"}),),
    ),
    # Bulk offers: each offer's own event (offer_create), then one that sums the bulk action up.
    Case(
        offers_bulk.offers_bulk_create,
        lambda c: offers_bulk.offers_bulk_create(
            actor=c.admin,
            entries=[c.waiting],
            classroom=c.room,
            start_date=c.today + datetime.timedelta(days=7),
            respond_days=3,
        ),
        (
            E("offer.made", target=lambda c, r: r.offers[0]),
            E(
                "offer.bulk_made",
                target=lambda c, r: c.room,
                after={"offered": lambda c, r: [c.waiting.pk], "refused": {}},
            ),
        ),
        given=("waiting", "room"),
    ),
    Case(
        offers_bulk.offers_bulk_job_run,
        lambda c: offers_bulk.offers_bulk_job_run(job_id=c.offer_job.pk, entry_ids=[c.waiting.pk]),
        (
            E("offer.made", target=lambda c, r: c.waiting.offers.get()),
            E("offer.bulk_finished", target=lambda c, r: c.offer_job, after={"offered": 1, "refused": 0}),
        ),
        given=("offer_job",),
    ),
    # The door kiosk: devices, PINs (never in the event) and check-in/out at the door by a guardian.
    Case(
        kiosk.kiosk_device_create,
        lambda c: kiosk.kiosk_device_create(actor=c.admin, program=c.program, name="Front door")[0],
        (E("kiosk.device_created", after={"name": "Front door"}),),
    ),
    Case(
        kiosk.kiosk_device_revoke,
        lambda c: kiosk.kiosk_device_revoke(actor=c.admin, device=c.kiosk_device),
        (E("kiosk.device_revoked", after={"name": "Front door"}),),
        given=("kiosk_device",),
    ),
    Case(
        kiosk.family_pin_set,
        lambda c: kiosk.family_pin_set(actor=c.admin, family=c.family, pin="2468"),
        (E("kiosk.pin_set", target=lambda c, r: c.family, program=None, after={"by": "staff"}),),
        given=("family",),
    ),
    Case(
        kiosk.kiosk_attendance_mark,
        lambda c: kiosk.kiosk_attendance_mark(
            device=c.kiosk_device, family=c.family, guardian=c.guardian, enrollment=c.enrollment, action="check_in"
        ),
        (
            E(
                "attendance.kiosk_check_in",
                target=lambda c, r: r.record,
                actor=None,
                after={"child": lambda c, r: c.enrollment.child.full_name, "device": "Front door"},
            ),
        ),
        given=("enrollment", "guardian", "kiosk_device"),
    ),
    # Tours for inquiries (outreach/tours.py).
    Case(
        outreach_tours.tour_slot_create,
        lambda c: outreach_tours.tour_slot_create(
            actor=c.admin,
            program=c.program,
            day=c.today + datetime.timedelta(days=3),
            starts_at=datetime.time(9, 0),
            minutes=45,
            capacity=2,
        ),  # fmt: skip
        (E("tour_slot.created", after={"capacity": 2, "minutes": 45}),),
    ),
    Case(
        outreach_tours.tour_slot_update,
        lambda c: outreach_tours.tour_slot_update(
            actor=c.admin,
            slot=c.tour_slot,
            day=c.tour_slot.day,
            starts_at=c.tour_slot.starts_at,
            minutes=30,
            capacity=3,
        ),  # fmt: skip
        (E("tour_slot.updated", before={"capacity": 2}, after={"capacity": 3}),),
        given=("tour_slot",),
    ),
    Case(
        outreach_tours.tour_slot_cancel,
        lambda c: outreach_tours.tour_slot_cancel(actor=c.admin, slot=c.tour_slot, reason="The director is ill"),
        (
            E("tour_slot.cancelled", target=lambda c, r: c.tour_slot, after={"bookings_cancelled": 1}),
            E("tour_booking.cancelled", target=lambda c, r: c.tour_booking, before={"status": "booked"}),
            E("message.queued", target=new(Message), program=None),
        ),
        given=("tour_slot", "inquiry", "tour_booking"),
    ),
    Case(
        outreach_tours.tour_booking_create,
        lambda c: outreach_tours.tour_booking_create(actor=c.admin, slot=c.tour_slot, inquiry=c.inquiry),
        (
            E("tour_booking.created", after={"places_taken": 1}),
            E(
                "outreach.inquiry_contacted",
                target=lambda c, r: c.inquiry,
                program=None,
                after={"first_contact_method": "tour"},
            ),
        ),
        given=("tour_slot", "inquiry"),
    ),
    Case(
        outreach_tours.tour_booking_cancel,
        lambda c: outreach_tours.tour_booking_cancel(actor=c.admin, booking=c.tour_booking),
        (E("tour_booking.cancelled", before={"status": "booked"}, after={"status": "cancelled"}),),
        given=("tour_slot", "inquiry", "tour_booking"),
    ),
    Case(
        outreach_tours.tour_booking_record_outcome,
        lambda c: (
            outreach_tours.TourSlot.objects.filter(pk=c.tour_slot.pk).update(day=c.today - datetime.timedelta(days=1)),
            outreach_tours.tour_booking_record_outcome(actor=c.admin, booking=c.tour_booking, status="no_show"),
        )[1],
        (E("tour_booking.outcome", before={"status": "booked"}, after={"status": "no_show"}),),
        given=("tour_slot", "inquiry", "tour_booking"),
    ),
    # Member budgets: the budget, then its grid's cells before and after.
    Case(
        budget_services.budget_create,
        lambda c: budget_services.budget_create(actor=c.admin, program=c.program, year=c.today.year),
        (E("budget.created", after={"year": lambda c, r: c.today.year}),),
    ),
    Case(
        budget_services.budget_save,
        lambda c: budget_services.budget_save(
            actor=c.admin,
            budget=_budget(c),
            children={},
            amounts={("food", 1): "12.34"},
        ),
        (E("budget.saved", before={"food_m1": None}, after={"food_m1": "12.34"}),),
    ),
    Case(
        budget_services.budget_fill_from_last_year,
        lambda c: budget_services.budget_fill_from_last_year(actor=c.admin, budget=_budget(c, measured_last_year=True)),
        (E("budget.saved", after={"occupancy_m1": "900.00"}),),
    ),
    # Planning: a member's saved scenarios.
    Case(
        planning_services.scenario_create,
        lambda c: planning_services.scenario_create(
            program=c.program, actor=c.admin, data={"name": "Fill up", "occupancy": Decimal("92")}
        ),
        (E("scenario.created", after={"name": "Fill up", "occupancy": "92.00"}),),
    ),
    Case(
        planning_services.scenario_update,
        lambda c: planning_services.scenario_update(scenario=c.scenario, actor=c.admin, data={"wages": Decimal("3")}),
        (E("scenario.updated", before={"wages": "0.00"}, after={"wages": "3.00"}),),
        given=("scenario",),
    ),
    Case(
        planning_services.scenario_delete,
        lambda c: planning_services.scenario_delete(scenario=c.scenario, actor=c.admin),
        (E("scenario.deleted", target=lambda c, r: ("planning.scenario", ""), before={"name": "Fill up"}),),
        given=("scenario",),
    ),
]


def _budget(c: Ctx, *, measured_last_year: bool = False):  # type: ignore[no-untyped-def]
    """A budget of this year with no event of its own; with January of last year rolled up (rent $900.00)."""
    from budgets.models import Budget
    from members.models import MonthlyCost
    from metrics.models import ProgramFinanceMonth

    if measured_last_year:
        january = D(c.today.year - 1, 1, 1)
        zero = Decimal("0.00")
        ProgramFinanceMonth.objects.create(
            program=c.program,
            month=january,
            **dict.fromkeys(
                (
                    "billed collected_family collected_third_party written_off aging_current aging_1_30 "
                    "aging_31_60 aging_61_90 aging_over_90 cost personnel_admin personnel_classroom"
                ).split(),
                zero,
            ),
        )
        MonthlyCost.objects.create(program=c.program, month=january, category="occupancy", amount=Decimal("900.00"))
    return Budget.objects.create(program=c.program, year=c.today.year)


# --- Running the table ----------------------------------------------------------
def _resolve(spec: Any, ctx: Ctx, result: Any) -> Any:
    return spec(ctx, result) if callable(spec) else spec


def _check(event: AuditEvent, want: Expect, ctx: Ctx, result: Any) -> None:
    label = f"{event.action} #{event.pk}"
    target = result if want.target is RESULT else _resolve(want.target, ctx, result)
    if isinstance(target, tuple):
        object_type, object_id = target
        assert event.object_type == object_type, label
        if object_id:
            assert event.object_id == object_id, label
    else:
        assert isinstance(target, models.Model), f"{label}: the case names no object"
        assert (event.object_type, event.object_id) == (target._meta.label_lower, str(target.pk)), label
    program = ctx.program.pk if want.program is PROGRAM else _resolve(want.program, ctx, result)
    assert event.program_id == program, f"{label}: program {event.program_id}, expected {program}"
    actor = getattr(ctx, want.actor) if isinstance(want.actor, str) else _resolve(want.actor, ctx, result)
    assert event.actor_id == (actor.pk if actor else None), f"{label}: actor"
    assert event.actor_label == (actor.email if actor else "system"), label
    for side, wanted in (("before", want.before), ("after", want.after)):
        recorded = getattr(event, side)
        if wanted is None:
            continue
        assert isinstance(recorded, dict), f"{label}: no {side}"
        for name, value in wanted.items():
            value = _resolve(value, ctx, result)
            assert recorded.get(name, "<missing>") == value, f"{label}: {side}[{name!r}] = {recorded.get(name)!r}"


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_each_write_records_exactly_its_events(db, case: Case) -> None:
    ctx = Ctx()
    with alliance_scope(ctx.alliance.pk):
        for name in case.given:
            getattr(ctx, name)
        ctx.frozen = True
        mark = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        result = case.call(ctx)
        events = list(AuditEvent.objects.filter(pk__gt=mark).order_by("pk"))
        assert [e.action for e in events] == [w.action for w in case.expect]
        for event, want in zip(events, case.expect, strict=True):
            _check(event, want, ctx, result)


def _public_functions(module: ModuleType) -> dict[str, Callable[..., Any]]:
    return {
        key(fn): fn
        for name, fn in inspect.getmembers(module, inspect.isfunction)
        if not name.startswith("_") and fn.__module__ == module.__name__
    }


def test_every_write_service_is_in_the_table() -> None:
    found = {name for module in SERVICE_MODULES for name in _public_functions(module)}
    tabled = {key(case.service) for case in CASES}
    missing = sorted(found - tabled - set(EXEMPT))
    assert not missing, f"Services neither in CASES nor EXEMPT (add a row, or exempt with a reason): {missing}"
    assert not tabled & set(EXEMPT), "A service is both tabled and exempt"
    stale = sorted((tabled | set(EXEMPT)) - found)
    assert not stale, f"Tabled or exempt names that are not public service functions any more: {stale}"
