"""The shared-services demo: what the issue's 'done when' needs is there, and a rerun changes nothing."""

from __future__ import annotations

import hashlib

from django.core import serializers

from alliance.tenancy import alliance_scope
from members.models import HubService, PricingModel, ServiceSubscription
from sharedservices.demo import seed_sharedservices_demo
from sharedservices.matching import cover_candidates
from sharedservices.models import (
    CoachVisit,
    CoverRequest,
    CoverStatus,
    CycleStatus,
    MemberOrderLine,
    PurchaseOrderLine,
    PurchasingCycle,
    Substitute,
    SubstituteAvailability,
)
from sharedservices.services import cover_request_fill
from tests.factories import MemberProgramFactory
from tests.members.factories import SiteFactory, classroom

MODELS = [
    Substitute,
    SubstituteAvailability,
    CoverRequest,
    PurchasingCycle,
    MemberOrderLine,
    PurchaseOrderLine,
    CoachVisit,
    ServiceSubscription,
]


def fingerprint() -> str:
    digest = hashlib.sha256()
    for model in MODELS:
        digest.update(serializers.serialize("json", model.objects.order_by("pk")).encode())
    return digest.hexdigest()


def test_the_demo_holds_the_done_when_and_is_idempotent(world, today):
    extra = [MemberProgramFactory(alliance=world.a, name=name) for name in ("Program V", "Program W")]
    for program in (world.x, world.y, *extra):
        classroom(SiteFactory(program=program), name=f"{program.name} room")
    with alliance_scope(world.a.pk):
        coaching = HubService.objects.create(name="Coaching", pricing_model=PricingModel.FLAT_MONTHLY, rate=120)
        for program in (world.x, world.y):
            ServiceSubscription.objects.create(
                program=program,
                service=coaching,
                pricing_model=coaching.pricing_model,
                rate=coaching.rate,
                starts_on=today.replace(year=today.year - 1),
            )
        seed_sharedservices_demo(world.a)
        first = fingerprint()
        seed_sharedservices_demo(world.a)
        assert fingerprint() == first

        # Every program has the hourly cover agreement.
        assert ServiceSubscription.objects.filter(service__pricing_model=PricingModel.PER_SUBSTITUTE_HOUR).count() == 4
        # The first program (the demo provider's) has an open request ahead that the Hub can fill.
        open_request = CoverRequest.objects.filter(program=world.x, status=CoverStatus.OPEN, day__gt=today).get()
        best = next(c for c in cover_candidates(open_request) if c.qualifies)
        assert cover_request_fill(actor=None, cover=open_request, substitute=best.substitute).status == "filled"
        assert CoverRequest.objects.filter(status=CoverStatus.DELIVERED, day__lt=today).exists()
        # A delivered cycle whose purchase orders add up at least three members' orders, and savings recorded.
        ordered = PurchasingCycle.objects.filter(status=CycleStatus.ORDERED)
        assert ordered.count() == 2
        assert PurchaseOrderLine.objects.filter(purchase_order__cycle__in=ordered, members__gte=3).exists()
        assert all(line.savings is not None for line in MemberOrderLine.objects.filter(order__cycle__in=ordered))
        # An open cycle with three members' orders for the Hub to place.
        spring = PurchasingCycle.objects.get(status=CycleStatus.OPEN)
        assert MemberOrderLine.objects.filter(order__cycle=spring).values("order__program").distinct().count() == 3
        assert CoachVisit.objects.filter(program__in=[world.x, world.y]).exists()
