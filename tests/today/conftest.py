"""A Today fixture: of every kind of item, one due and one not yet due in program X, one due in
program Y (which program X's provider must not see), and the alliance-wide kinds due and not due.

Alliance A's clock is America/Chicago; `today` is its date. The due rows, by kind (program X):

| kind        | due                                 | not yet due                       |
|-------------|-------------------------------------|-----------------------------------|
| promise     | Adams: $120.00 promised 2 days ago  | Baker: promised in 3 days;        |
|             | Cole: $100.00 yesterday, $40 paid   | Dunn: $50.00 yesterday, $50 paid  |
| offer       | respond by tomorrow (within 48 h)   | respond by the day after tomorrow |
| cover       | open, tomorrow                      | open, in 3 days (4th day)         |
| credential  | expires in 10 days                  | expires in 45 days                |
| autopay     | Adams' bank account flagged         | Baker's bank account not flagged  |
| flag        | X at 50% occupancy (budget 85%)     | Y at 100%                         |

Cole's $40 of $100 leaves the promise due; Dunn's $50 of $50 kept it.

Alliance-wide: an inquiry 30 h without contact (target 24 h) and one 2 h old; a stalled invoice run
and a done one; a task failure an hour ago and one 10 days ago. Program Y adds one due promise,
offer, cover and credential.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from alliance.dates import month_start
from alliance.models import TaskFailure
from alliance.tenancy import alliance_scope
from billing.models import BankAccount, CollectionNote, InvoiceRun, NoteKind, PaymentMethod, RunStatus
from billing.payments import payment_record
from enrollment.models import Offer
from metrics.models import AllianceMonth, ProgramMonth
from outreach.models import Inquiry
from sharedservices.models import CoverStatus
from tests.billing.factories import account_of
from tests.enrollment.factories import ChildFactory, FamilyFactory, GuardianFactory, entry
from tests.members.factories import ClassroomFactory, CredentialFactory, SiteFactory, StaffMemberFactory
from tests.sharedservices.factories import cover

DAY = datetime.timedelta(days=1)


def _promise(account, promised_on: datetime.date, amount: str = "120.00") -> CollectionNote:  # type: ignore[no-untyped-def]
    with alliance_scope(account.alliance_id):
        return CollectionNote.objects.create(
            account=account,
            kind=NoteKind.PROMISE,
            note="Will pay on payday.",
            promised_amount=Decimal(amount),
            promised_on=promised_on,
        )


def _offer(room, child, respond_by: datetime.date, today: datetime.date) -> Offer:  # type: ignore[no-untyped-def]
    waiting = entry(child, program=room.site.program, added_on=today - 30 * DAY, desired_start=today + 14 * DAY)
    with alliance_scope(room.alliance_id):
        return Offer.objects.create(
            entry=waiting,
            classroom=room,
            program=room.site.program,
            start_date=today + 14 * DAY,
            weekdays=[0, 1, 2, 3, 4],
            fte=Decimal("1.00"),
            respond_by=respond_by,
        )


def _bank(account, *, flagged: bool) -> BankAccount:  # type: ignore[no-untyped-def]
    with alliance_scope(account.alliance_id):
        return BankAccount.objects.create(
            account=account,
            holder_name="Pat Adams",
            routing_number="011000015",
            account_number_encrypted="000123456789",
            account_last4="6789",
            flagged=flagged,
            flag_reason="R01 Insufficient funds (settled Dec 1, 2026)" if flagged else "",
        )


def _inquiry(alliance, number: int, received_at: datetime.datetime) -> Inquiry:  # type: ignore[no-untyped-def]
    family = FamilyFactory(alliance=alliance, name=f"Inquirer{number} family")
    guardian = GuardianFactory(family=family, first_name=f"Dana{number}", last_name="Inquirer")
    with alliance_scope(alliance.pk):
        return Inquiry.objects.create(
            family=family,
            guardian=guardian,
            number=number,
            desired_start=received_at.date() + 30 * DAY,
            weekdays=[0, 1, 2, 3, 4],
            subsidy_status="no",
            received_at=received_at,
        )


def _month(program, month: datetime.date, *, fte: str) -> ProgramMonth:  # type: ignore[no-untyped-def]
    with alliance_scope(program.alliance_id):
        return ProgramMonth.objects.create(
            alliance_id=program.alliance_id,
            program=program,
            month=month,
            operating_days=20,
            licensed_capacity=10,
            target_capacity=10,
            enrolled_fte=Decimal(fte),
            enrolled_children=int(Decimal(fte)),
            scheduled_child_days=0,
            attended_child_days=0,
        )


@pytest.fixture
def due(world, today):  # type: ignore[no-untyped-def]
    a, x, y = world.a, world.x, world.y
    now = timezone.now()
    room_x = ClassroomFactory(site=SiteFactory(program=x, alliance=a), alliance=a, name="Bluebirds")
    room_y = ClassroomFactory(site=SiteFactory(program=y, alliance=a), alliance=a, name="Robins")
    adams = FamilyFactory(alliance=a, name="Adams family")
    baker = FamilyFactory(alliance=a, name="Baker family")
    young = FamilyFactory(alliance=a, name="Young family")
    adams_x, baker_x, young_y = account_of(adams, x), account_of(baker, x), account_of(young, y)
    cole_x = account_of(FamilyFactory(alliance=a, name="Cole family"), x)
    diaz_x = account_of(FamilyFactory(alliance=a, name="Dunn family"), x)
    rows = SimpleNamespace(
        promise_x=_promise(adams_x, today - 2 * DAY),
        promise_later=_promise(baker_x, today + 3 * DAY),
        promise_y=_promise(young_y, today, "75.00"),
        # Partly paid since the promise: $40 of $100, still due. Paid in full: kept, nothing to do.
        promise_partly_paid=_promise(cole_x, today - DAY, "100.00"),
        promise_kept=_promise(diaz_x, today - DAY, "50.00"),
        offer_x=_offer(room_x, ChildFactory(family=adams, first_name="Ava", last_name="Adams"), today + DAY, today),
        offer_later=_offer(
            room_x, ChildFactory(family=baker, first_name="Ben", last_name="Baker"), today + 2 * DAY, today
        ),
        offer_y=_offer(room_y, ChildFactory(family=young, first_name="Yui", last_name="Young"), today, today),
        cover_x=cover(room_x, today + DAY),
        cover_later=cover(room_x, today + 3 * DAY),
        cover_filled=cover(room_x, today, status=CoverStatus.CANCELLED),
        cover_y=cover(room_y, today),
        credential_x=CredentialFactory(
            staff=StaffMemberFactory(program=x, first_name="Carla", last_name="Diaz"), expires_on=today + 10 * DAY
        ),
        credential_later=CredentialFactory(
            staff=StaffMemberFactory(program=x, first_name="Eli", last_name="Ford"), expires_on=today + 45 * DAY
        ),
        credential_y=CredentialFactory(
            staff=StaffMemberFactory(program=y, first_name="Gia", last_name="Hill"), expires_on=today + 5 * DAY
        ),
        bank_x=_bank(adams_x, flagged=True),
        bank_ok=_bank(baker_x, flagged=False),
        inquiry_late=_inquiry(a, 1, now - datetime.timedelta(hours=30)),
        inquiry_new=_inquiry(a, 2, now - datetime.timedelta(hours=2)),
    )
    with alliance_scope(a.pk):
        payment_record(
            actor=None, account=cole_x, amount=Decimal("40.00"), method=PaymentMethod.CASH, received_on=today
        )
        payment_record(
            actor=None, account=diaz_x, amount=Decimal("50.00"), method=PaymentMethod.CASH, received_on=today
        )
        last_month = month_start(month_start(today) - DAY)
        rows.run_stalled = InvoiceRun.objects.create(
            period_start=last_month, period_end=month_start(today) - DAY, status=RunStatus.STALLED, progress_at=now
        )
        rows.run_done = InvoiceRun.objects.create(
            period_start=month_start(today), period_end=today, status=RunStatus.DONE
        )
        rows.failure_new = TaskFailure.objects.create(
            task_name="billing.invoice_batch", exception_type="OperationalError"
        )
        old = TaskFailure.objects.create(task_name="metrics.rollup_alliance", exception_type="ValueError")
        TaskFailure.objects.filter(pk=old.pk).update(failed_at=now - 10 * DAY)
        AllianceMonth.objects.create(
            alliance_id=a.pk, month=last_month, operating_days=20, licensed_capacity=20, target_capacity=20,
            enrolled_fte=Decimal("15"), enrolled_children=15, scheduled_child_days=0, attended_child_days=0,
        )  # fmt: skip
    _month(x, last_month, fte="5")  # 5 ÷ 10 = 50% occupancy: below the default budget, flagged
    _month(y, last_month, fte="10")  # 100%: not flagged
    return rows
