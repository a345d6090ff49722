"""A compact, demo-like alliance for the schema-driven fuzzing, built once per module.

Alliance "fuzz" has two member programs (X and Y) with sites, classrooms and
their capacity, staff with a credential, a month of costs, a Hub service and a
fee agreement, an inspection; families with guardians and children, current
enrollments, attendance, a waitlist entry with an open offer; rate plans, an
invoice run through the real invoicing code, invoices, ledger entries and a
payment; and the rollups' snapshots. A stranger alliance has a program and a
family of its own, so ids of another alliance are tried too.

Dates are relative to the alliance's today, so the data does not age.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

from alliance.dates import add_months, alliance_today, month_start
from alliance.models import Alliance, Role
from alliance.tenancy import alliance_scope
from alliance.tokens import api_token_create
from billing import invoicing, payments
from billing.models import FamilyAccount, PaymentMethod, RatePeriod, RatePlan
from enrollment import services as enrollment_services
from members.models import AgeGroup
from metrics.rollups import rollup_alliance
from tests.enrollment.factories import ChildFactory, FamilyFactory, GuardianFactory, enroll, entry
from tests.factories import AllianceFactory, MemberProgramFactory, member
from tests.members.factories import (
    CredentialFactory,
    HubServiceFactory,
    InspectionFactory,
    MonthlyCostFactory,
    SiteFactory,
    StaffMemberFactory,
    SubscriptionFactory,
    classroom,
)

SLUG = "fuzz"
ROLES = ("hub_admin", "provider", "funder")


def _program_data(alliance: Alliance, program, *, today: datetime.date, opened: datetime.date):  # type: ignore[no-untyped-def]
    site = SiteFactory(program=program, name=f"{program.name} main site")
    toddlers = classroom(
        site,
        name="Toddlers",
        age_group=AgeGroup.TODDLER,
        licensed=12,
        desired=10,
        children_per_staff=6,
        opened_on=opened,
    )
    preschool = classroom(
        site, name="Preschool", age_group=AgeGroup.PRESCHOOL, licensed=20, children_per_staff=10, opened_on=opened
    )
    staff = StaffMemberFactory(program=program, site=site)
    CredentialFactory(staff=staff, expires_on=today + datetime.timedelta(days=30))
    MonthlyCostFactory(program=program, month=month_start(add_months(today, -1)))
    InspectionFactory(program=program, inspected_on=today - datetime.timedelta(days=40))
    family = FamilyFactory(alliance=alliance, name=f"{program.name} family")
    GuardianFactory(family=family)
    toddler = ChildFactory(family=family, date_of_birth=today - datetime.timedelta(days=700))
    pre = ChildFactory(family=family, date_of_birth=today - datetime.timedelta(days=365 * 4))
    waiting = ChildFactory(family=family, date_of_birth=today - datetime.timedelta(days=640))
    start = month_start(add_months(today, -2))
    enrollments = [enroll(toddler, toddlers, start), enroll(pre, preschool, start, weekdays=[0, 2, 4])]
    return SimpleNamespace(
        site=site, toddlers=toddlers, preschool=preschool, family=family, enrollments=enrollments, waiting=waiting
    )


def build_fuzz_world() -> SimpleNamespace:
    alliance = AllianceFactory(name="Fuzz Alliance", slug=SLUG)
    stranger = AllianceFactory(name="Stranger Alliance", slug="fuzz-stranger")
    program_x = MemberProgramFactory(alliance=alliance, name="Program X")
    program_y = MemberProgramFactory(alliance=alliance, name="Program Y")
    program_z = MemberProgramFactory(alliance=stranger, name="Program Z")
    users = {
        "hub_admin": member(alliance, Role.HUB_ADMIN),
        "provider": member(alliance, Role.PROVIDER, program=program_x),
        "funder": member(alliance, Role.FUNDER),
    }
    admin = users["hub_admin"]
    with alliance_scope(alliance.pk):
        today = alliance_today()
        opened = today - datetime.timedelta(days=400)
        x = _program_data(alliance, program_x, today=today, opened=opened)
        y = _program_data(alliance, program_y, today=today, opened=opened)
        service = HubServiceFactory(alliance=alliance)
        SubscriptionFactory(program=program_x, service=service)
        for program in (program_x, program_y):
            RatePlan.objects.create(
                program=program,
                name="Full time",
                period=RatePeriod.MONTHLY,
                tuition=Decimal("1100.00"),
                registration_fee=Decimal("50.00"),
                effective_from=month_start(add_months(today, -12)),
            )
        # Two months invoiced through the real run, then money received.
        for back in (1, 0):
            run = invoicing.invoice_run_create(
                actor=admin, period_start=month_start(add_months(today, -back)), queue=False
            )
            invoicing.invoice_run_start(run_id=run.pk)
            invoicing.invoice_run_programs(run_id=run.pk, program_ids=[program_x.pk, program_y.pk])
            invoicing.invoice_run_finish(run_id=run.pk)
        for account in FamilyAccount.objects.order_by("pk"):
            payments.payment_record(
                actor=admin,
                account=account,
                amount=Decimal("400.00"),
                method=PaymentMethod.CHECK,
                reference="1001",
                received_on=today - datetime.timedelta(days=3),
            )
        for enrollment in x.enrollments + y.enrollments:
            enrollment_services.attendance_check_in(
                actor=admin,
                enrollment=enrollment,
                day=_last_weekday(today, enrollment.weekdays),
                at=datetime.time(8, 0),
            )
        waiting_entry = entry(
            x.waiting,
            program=program_x,
            added_on=today - datetime.timedelta(days=20),
            desired_start=today + datetime.timedelta(days=14),
        )
        entry(
            y.waiting,
            program=None,
            any_program=True,
            added_on=today - datetime.timedelta(days=10),
            desired_start=today + datetime.timedelta(days=30),
        )
        enrollment_services.offer_create(
            actor=admin, entry=waiting_entry, classroom=x.toddlers, start_date=_next_monday(today)
        )
        rollup_alliance(start=month_start(add_months(today, -2)), end=today)
    with alliance_scope(stranger.pk):
        z = _program_data(stranger, program_z, today=today, opened=opened)
    tokens = {role: api_token_create(user=user, name=f"fuzz {role}")[1] for role, user in users.items()}
    return SimpleNamespace(
        alliance=alliance,
        stranger=stranger,
        programs=(program_x, program_y, program_z),
        users=users,
        tokens=tokens,
        today=today,
        x=x,
        y=y,
        z=z,
    )


def _last_weekday(today: datetime.date, weekdays: list[int]) -> datetime.date:
    day = today - datetime.timedelta(days=1)
    while day.weekday() not in weekdays:
        day -= datetime.timedelta(days=1)
    return day


def _next_monday(today: datetime.date) -> datetime.date:
    return today + datetime.timedelta(days=(7 - today.weekday()) % 7 or 7)
