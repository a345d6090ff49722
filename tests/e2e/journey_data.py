"""A small alliance that looks real, built with factories in a second or two.

Three member programs with a preschool room each, a dozen children enrolled
since three months ago on rate plans, family accounts, a month of attendance
and costs, rolled up once so the dashboard, the provider's figures and the
funder's report open full. A stranger alliance holds one program.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

from alliance.dates import add_months, alliance_today, month_end, month_start
from alliance.models import Role
from alliance.tenancy import alliance_scope
from billing.models import BillingPolicy, FamilyAccount
from enrollment.models import AttendanceRecord, Guardian
from members.models import AgeGroup, CostCategory, MonthlyCost
from metrics.rollups import rollup_alliance
from sharedservices.models import CoverRequest
from tests.billing.factories import ChildFactory, FamilyFactory, RatePlanFactory, enroll
from tests.enrollment.factories import GuardianFactory
from tests.factories import PASSWORD, AllianceFactory, MemberProgramFactory, member
from tests.members.factories import SiteFactory, classroom

PROGRAMS = [
    ("Little Oaks Learning Center", ["Garcia", "Nguyen", "Okafor", "Schmidt", "Haddad"]),
    ("Maple Street Children's Center", ["Kowalski", "Mensah", "Larsen", "Tanaka"]),
    ("Sunrise Family Child Care", ["Rivera", "Cohen", "Dubois"]),
]
FIRST_NAMES = ["Ava", "Noah", "Mia", "Leo", "Zoe", "Eli", "Ivy", "Max", "Ada", "Kai", "Lia", "Sam"]


def last_weekday(day: datetime.date) -> datetime.date:
    while day.weekday() >= 5:
        day -= datetime.timedelta(days=1)
    return day


def build_journey_world(*, rollup: bool = True) -> SimpleNamespace:
    alliance = AllianceFactory(
        name="Riverbend Early Learning Alliance", slug="riverbend-e2e", timezone="America/Chicago"
    )
    stranger = AllianceFactory(name="Cascade Child Care Collaborative", slug="cascade-e2e")
    today = alliance_today(alliance)
    start = month_start(add_months(today, -3))
    programs, rooms, accounts = [], [], []
    names = iter(FIRST_NAMES)
    for program_name, families in PROGRAMS:
        program = MemberProgramFactory(alliance=alliance, name=program_name, licensed_capacity=12)
        room = classroom(
            SiteFactory(program=program, name=f"{program_name.split()[0]} main site"),
            licensed=8,
            age_group=AgeGroup.PRESCHOOL,
            name="Preschool room",
        )
        RatePlanFactory(
            program=program,
            name="Preschool full time",
            age_group=AgeGroup.PRESCHOOL,
            days_per_week=5,
            tuition=Decimal("1050.00"),
            effective_from=start,
        )
        for family_name in families:
            family = FamilyFactory(alliance=alliance, name=f"{family_name} family")
            child = ChildFactory(
                family=family,
                first_name=next(names),
                last_name=family_name,
                date_of_birth=today.replace(year=today.year - 4),
            )
            enroll(child, room, start=start)
            if family_name == "Haddad":  # owes two months: hub staff call them from the collections list
                GuardianFactory(
                    family=family,
                    first_name="Rana",
                    last_name="Haddad",
                    phone="(555) 010-4242",
                    email="rana@haddad-e2e.test",
                )
            with alliance_scope(alliance.pk):
                accounts.append(FamilyAccount.objects.create(family=family, program=program))
        with alliance_scope(alliance.pk):
            for month in (month_start(add_months(today, -2)), month_start(add_months(today, -1))):
                MonthlyCost.objects.create(
                    program=program, month=month, category=CostCategory.PERSONNEL, amount=Decimal("3900.00")
                )
                MonthlyCost.objects.create(
                    program=program, month=month, category=CostCategory.OCCUPANCY, amount=Decimal("1400.00")
                )
        programs.append(program)
        rooms.append(room)
    # Attendance up to the day before the provider's journey, which records that day itself.
    for room in rooms:
        _attendance(
            alliance,
            room,
            start=month_start(add_months(today, -1)),
            end=last_weekday(today) - datetime.timedelta(days=1),
        )
    _billing_history(alliance, programs, accounts, today=today)
    # Tomorrow's cover that no substitute has taken yet: an item on hub staff's Today list.
    with alliance_scope(alliance.pk):
        cover = CoverRequest.objects.create(
            program=programs[1],
            classroom=rooms[1],
            day=today + datetime.timedelta(days=1),
            starts_at=datetime.time(8, 0),
            ends_at=datetime.time(16, 0),
            age_group=AgeGroup.PRESCHOOL,
        )
    if rollup:
        with alliance_scope(alliance.pk):
            rollup_alliance(start=start, end=today - datetime.timedelta(days=1))
    # The family that signs up for autopay on its family page: the Dubois family at Sunrise, whose
    # program can make ACH files.
    autopay_account = accounts[-1]
    with alliance_scope(alliance.pk):
        BillingPolicy.objects.update_or_create(
            program=autopay_account.program,
            defaults={"ach_routing_number": "021000021", "ach_company_id": "1123456789"},
        )
        autopay_guardian = Guardian.objects.create(
            family=autopay_account.family,
            first_name="Rosa",
            last_name="Dubois",
            email="rosa@dubois-e2e.test",
            is_primary_contact=True,
        )
    stranger_program = MemberProgramFactory(alliance=stranger, name="Cedar Grove Children's Center")
    tours = _tour_world(alliance, programs, rooms, today=today)
    return SimpleNamespace(
        tours=tours,
        alliance=alliance,
        stranger=stranger,
        programs=programs,
        rooms=rooms,
        accounts=accounts,
        today=today,
        password=PASSWORD,
        staff=member(alliance, Role.HUB_STAFF, email="staff@riverbend-e2e.test"),
        provider=member(alliance, Role.PROVIDER, program=programs[0], email="director@littleoaks-e2e.test"),
        funder=member(alliance, Role.FUNDER, email="officer@foundation-e2e.test"),
        stranger_admin=member(stranger, Role.HUB_ADMIN, email="admin@cascade-e2e.test"),
        stranger_program=stranger_program,
        autopay_account=autopay_account,
        autopay_guardian=autopay_guardian,
        cover=cover,
        operator=_platform_operator(),
    )


def _platform_operator():  # type: ignore[no-untyped-def]
    """The deployment's operator (the console, /operator/), with TOTP and no alliance role."""
    from alliance.models import PlatformOperator
    from tests.factories import UserFactory

    user = UserFactory(email="operator@hub-e2e.test", totp=True)
    PlatformOperator.objects.create(user=user)
    return user


def _billing_history(alliance, programs, accounts, *, today: datetime.date) -> None:  # type: ignore[no-untyped-def]
    """Invoices for the last two months and this one, through the real invoicing; most
    families paid the past months by ACH, every fifth family owes them still."""
    from billing.invoicing import invoice_program_for_period
    from billing.payments import payment_record

    with alliance_scope(alliance.pk):
        for back in (2, 1, 0):
            month = month_start(add_months(today, -back))
            last_day = month_end(month)
            for program in programs:
                invoice_program_for_period(
                    program_id=program.pk, period_start=month, period_end=last_day, issued_on=month
                )
            if back == 0:
                continue
            for index, account in enumerate(accounts):
                if index % 5 != 4:
                    payment_record(
                        actor=None,
                        account=account,
                        amount=Decimal("1050.00"),
                        method="ach",
                        received_on=month + datetime.timedelta(days=9),
                    )


def _attendance(alliance, room, *, start: datetime.date, end: datetime.date) -> None:  # type: ignore[no-untyped-def]
    """Most children present most weekdays, a few absences."""
    from enrollment.models import AbsenceReason, Enrollment

    with alliance_scope(alliance.pk):
        enrollments = list(Enrollment.objects.filter(classroom=room).order_by("pk"))
        rows = []
        day = start
        while day <= end:
            if day.weekday() < 5:
                for index, enrollment in enumerate(enrollments):
                    if (day.toordinal() + index) % 9 == 0:
                        rows.append(
                            AttendanceRecord(
                                alliance_id=alliance.pk,
                                enrollment=enrollment,
                                day=day,
                                absence_reason=AbsenceReason.SICK,
                            )
                        )
                    else:
                        rows.append(
                            AttendanceRecord(
                                alliance_id=alliance.pk,
                                enrollment=enrollment,
                                day=day,
                                check_in=datetime.time(8, 5),
                                check_out=datetime.time(16, 40),
                            )
                        )
            day += datetime.timedelta(days=1)
        AttendanceRecord.objects.bulk_create(rows)


def _tour_world(alliance, programs, rooms, *, today: datetime.date) -> SimpleNamespace:  # type: ignore[no-untyped-def]
    """Hub staff's morning messages: a new inquiry (Nadia Petrova, any program), the alliance's reply and
    tour-confirmation templates, Little Oaks' tour next week on Wednesday at 10:00 for two families, and a
    cover booking five days ahead filled by Tariq Bell (the substitute hub staff notify)."""
    from outreach.demo import DEMO_TEMPLATES
    from outreach.models import MessageTemplate
    from outreach.services import ChildRequest, inquiry_submit
    from outreach.tours import tour_slot_create
    from sharedservices.models import CoverStatus, Substitute

    with alliance_scope(alliance.pk):
        inquiry = inquiry_submit(
            guardian_first_name="Nadia",
            guardian_last_name="Petrova",
            email="nadia@petrova-e2e.test",
            phone="",
            children=[ChildRequest("Vera", add_months(today, -30))],
            desired_start=today + datetime.timedelta(days=30),
            weekdays=[0, 1, 2, 3, 4],
            any_program=True,
            subsidy_status="no",
            consent_contact=True,
        )
        for name, channel, subject, body in DEMO_TEMPLATES:
            MessageTemplate.objects.create(name=name, channel=channel, subject=subject, body=body)
        wednesday = today + datetime.timedelta(days=7 - today.weekday() + 2)
        slot = tour_slot_create(
            actor=None, program=programs[0], day=wednesday, starts_at=datetime.time(10, 0), minutes=45, capacity=2
        )
        tariq = Substitute.objects.create(
            alliance=alliance,
            first_name="Tariq",
            last_name="Bell",
            email="tariq@bell-e2e.test",
            age_groups=["preschool"],
        )
        filled = CoverRequest.objects.create(
            program=programs[2],
            classroom=rooms[2],
            day=today + datetime.timedelta(days=5),
            starts_at=datetime.time(9, 0),
            ends_at=datetime.time(13, 0),
            age_group=AgeGroup.PRESCHOOL,
            status=CoverStatus.FILLED,
            substitute=tariq,
        )
    return SimpleNamespace(inquiry=inquiry, slot=slot, substitute=tariq, cover=filled)
