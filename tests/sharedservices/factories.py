"""Factories of shared-services rows, created inside their alliance's scope."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory

from alliance.tenancy import alliance_scope
from members.models import Classroom, MemberProgram
from sharedservices.models import (
    CatalogueItem,
    CoverRequest,
    CoverStatus,
    CredentialType,
    Substitute,
    SubstituteAvailability,
    SubstituteClearance,
    SubstituteCredential,
    Vendor,
)
from tests.factories import TenantFactory


class SubstituteFactory(TenantFactory):
    class Meta:
        model = Substitute

    alliance = factory.SubFactory("tests.factories.AllianceFactory")
    first_name = factory.Sequence(lambda n: f"Sub{n}")
    last_name = "Person"
    age_groups = factory.LazyFunction(lambda: ["toddler", "preschool"])


class VendorFactory(TenantFactory):
    class Meta:
        model = Vendor

    alliance = factory.SubFactory("tests.factories.AllianceFactory")
    name = factory.Sequence(lambda n: f"Vendor {n}")


class ItemFactory(TenantFactory):
    class Meta:
        model = CatalogueItem

    vendor = factory.SubFactory(VendorFactory)
    alliance = factory.SelfAttribute("vendor.alliance")
    name = factory.Sequence(lambda n: f"Item {n}")
    unit = "case"
    alliance_price = Decimal("24.50")
    list_price = Decimal("30.00")


def qualified(
    substitute: Substitute,
    *,
    programs: list[MemberProgram],
    days: list[datetime.date],
    credential: str = CredentialType.CPR_FIRST_AID,
    expires_on: datetime.date | None = None,
    starts: datetime.time = datetime.time(7, 0),
    ends: datetime.time = datetime.time(18, 0),
) -> Substitute:
    """Cleared for the programs, holding a credential, available on the days."""
    with alliance_scope(substitute.alliance_id):
        if credential:
            SubstituteCredential.objects.create(substitute=substitute, kind=credential, expires_on=expires_on)
        for program in programs:
            SubstituteClearance.objects.create(
                substitute=substitute, program=program, cleared_on=datetime.date(2025, 1, 1)
            )
        for day in days:
            SubstituteAvailability.objects.create(substitute=substitute, day=day, starts_at=starts, ends_at=ends)
    return substitute


def cover(
    room: Classroom,
    day: datetime.date,
    starts: str = "08:00",
    ends: str = "16:00",
    *,
    status: str = CoverStatus.OPEN,
    substitute: Substitute | None = None,
    **fields,
) -> CoverRequest:  # type: ignore[no-untyped-def]
    """A cover request written directly (any day, any state), as history would hold it."""
    with alliance_scope(room.alliance_id):
        return CoverRequest.objects.create(
            program_id=room.site.program_id,
            classroom=room,
            day=day,
            starts_at=datetime.time.fromisoformat(starts),
            ends_at=datetime.time.fromisoformat(ends),
            age_group=room.age_group,
            status=status,
            substitute=substitute,
            **fields,
        )
