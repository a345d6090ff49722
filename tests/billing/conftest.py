"""Fixtures of the billing tests on top of `world` and `clients`.

Alliance A: program X has a preschool room, the Lopez family (two children) and
an account; program Y has a room and the Young family. Alliance B: program Z
and the Zimmer family, so strangers have real rows to try.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from alliance.tenancy import alliance_scope
from billing.models import CollectionNote, NoteKind, Payer, SubsidyAuthorization
from billing.payments import payment_record
from tests.billing.factories import ChildFactory, FamilyFactory, account_of, room_of
from tests.enrollment.factories import GuardianFactory


@pytest.fixture
def homes(world):
    lopez = FamilyFactory(alliance=world.a, name="Lopez family")
    young = FamilyFactory(alliance=world.a, name="Young family")
    zimmer = FamilyFactory(alliance=world.b, name="Zimmer family")
    return SimpleNamespace(
        lopez=lopez,
        young=young,
        zimmer=zimmer,
        ana=ChildFactory(family=lopez, first_name="Ana", date_of_birth=datetime.date(2022, 1, 5)),
        ben=ChildFactory(family=lopez, first_name="Ben", date_of_birth=datetime.date(2021, 6, 9)),
        yuri=ChildFactory(family=young, first_name="Yuri"),
        zoe=ChildFactory(family=zimmer, first_name="Zoe"),
        room_x=room_of(world.x),
        room_y=room_of(world.y),
        room_z=room_of(world.z),
        lopez_x=account_of(lopez, world.x),
        young_y=account_of(young, world.y),
        zimmer_z=account_of(zimmer, world.z),
    )


def _charge(account, amount: str, on: datetime.date) -> None:  # type: ignore[no-untyped-def]
    from billing.ledger import ledger_entry_post

    ledger_entry_post(account=account, kind="charge", amount=Decimal(amount), posted_on=on, description="Tuition")


@pytest.fixture
def book(world, today):
    """The collections worked example: six families, two of them "Adams" (tests/billing/test_collections.py)."""
    days = lambda n: today - datetime.timedelta(days=n)  # noqa: E731
    with alliance_scope(world.a.pk):
        families = {}
        for key, name, child, program in [
            ("adams_x", "Adams family", "Mia", world.x),
            ("adams_y", "Adams family", "Leo", world.y),
            ("baker", "Baker family", "Ivy", world.x),
            ("chen", "Chen family", "Max", world.x),
            ("diaz", "Diaz family", "Rosa", world.y),
            ("evans", "Evans family", "Eli", world.x),
        ]:
            family = FamilyFactory(alliance=world.a, name=name)
            kid = ChildFactory(family=family, first_name=child, last_name=name.split()[0])
            families[key] = SimpleNamespace(family=family, child=kid, account=account_of(family, program))
        GuardianFactory(
            family=families["adams_x"].family,
            first_name="Pat",
            last_name="Adams",
            phone="(555) 010-1001",
            email="pat@adams.example",
        )
        GuardianFactory(family=families["adams_y"].family, first_name="Sam", last_name="Adams", phone="555.010.2002")
        GuardianFactory(
            family=families["baker"].family, first_name="Kim", last_name="Baker", phone="", email="kim@baker.example"
        )
        GuardianFactory(family=families["chen"].family, first_name="Wei", last_name="Chen", phone="555-010-4004")
        f = SimpleNamespace(**families)
        _charge(f.adams_x.account, "400.00", days(45))
        _charge(f.adams_y.account, "250.00", days(10))
        _charge(f.baker.account, "300.00", days(95))
        _charge(f.baker.account, "200.00", days(20))
        _charge(f.chen.account, "150.00", days(5))
        _charge(f.diaz.account, "600.00", today)
        _charge(f.evans.account, "80.00", days(70))
        payment_record(
            actor=None, account=f.evans.account, amount=Decimal("80.00"), method="cash", received_on=days(60)
        )
        county = Payer.objects.create(name="County CCAP")
        SubsidyAuthorization.objects.create(
            payer=county,
            child=f.chen.child,
            program=world.x,
            case_number="C-1",
            starts_on=days(30),
            ends_on=days(-300),
            authorized_amount=Decimal("500.00"),
        )
        f.county = county
        CollectionNote.objects.create(
            account=f.adams_x.account,
            kind=NoteKind.PROMISE,
            note="Will pay after payday",
            promised_amount=Decimal("100.00"),
            promised_on=days(-3),
        )
        CollectionNote.objects.create(
            account=f.baker.account,
            kind=NoteKind.PROMISE,
            note="Said Friday",
            promised_amount=Decimal("200.00"),
            promised_on=days(2),
        )
        CollectionNote.objects.create(
            account=f.chen.account,
            kind=NoteKind.PROMISE,
            note="Half now",
            promised_amount=Decimal("50.00"),
            promised_on=today,
        )
        payment_record(actor=None, account=f.chen.account, amount=Decimal("50.00"), method="cash", received_on=today)
    return f
