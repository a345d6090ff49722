"""Demo data of the Hub's sustainability plan: a five-year plan from the Hub's measured cost,
a start-up grant that ends in the plan's first year, a foundation grant and a county contract.

Called at the end of seed_demo, after the metrics rollups (the plan starts from the measured
Hub cost), inside each alliance's scope. Idempotent: an alliance with a plan keeps it.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from alliance.dates import alliance_today
from alliance.models import Alliance, Membership, Role
from sustainability.models import Contract, Grant
from sustainability.projection import FeeStructure, cents
from sustainability.selectors import measured_hub_year, plan_of_alliance
from sustainability.services import funding_create, plan_save


def seed_sustainability_demo(alliance: Alliance) -> dict[str, object]:
    if plan_of_alliance() is not None:
        return {"plan": "kept"}
    admin = Membership.objects.filter(role=Role.HUB_ADMIN, is_active=True).select_related("user").first()
    if admin is None:
        return {"plan": "no hub admin"}
    actor = admin.user
    year = alliance_today(alliance).year
    measured = measured_hub_year().hub_cost or Decimal("200000.00")
    plan = plan_save(
        actor=actor,
        data={
            "start_year": year,
            "years": 5,
            "staff_cost": cents(measured * Decimal("0.75")),
            "overhead_cost": measured - cents(measured * Decimal("0.75")),
            "growth_pct": Decimal("3.00"),
            "fee_structure": FeeStructure.PER_SLOT,
            "flat_fee": Decimal("450.00"),
            "slot_fee": Decimal("9.50"),
            "collections_share_pct": Decimal("4.00"),
            "new_members_per_year": 3,
            "new_member_slots": 48,
            "new_member_collections": Decimal("520000.00"),
        },
    )
    d = datetime.date
    funding_create(
        actor=actor,
        plan=plan,
        model=Grant,
        data={
            "name": "State start-up grant",
            "funder": "State Office of Early Learning",
            "amount": Decimal("150000.00"),
            "starts_on": d(year - 1, 1, 1),
            "ends_on": d(year, 12, 31),
            "restriction": "Start-up staff and systems only; ends with the alliance's second year.",
        },
    )
    funding_create(
        actor=actor,
        plan=plan,
        model=Grant,
        data={
            "name": "Community foundation capacity grant",
            "funder": f"{alliance.name} Community Foundation",
            "amount": Decimal("90000.00"),
            "starts_on": d(year, 7, 1),
            "ends_on": d(year + 2, 6, 30),
            "restriction": "Coaching and quality improvement; not for member fee discounts.",
        },
    )
    funding_create(
        actor=actor,
        plan=plan,
        model=Contract,
        data={
            "name": "County resource and referral contract",
            "counterparty": "County Department of Human Services",
            "amount": Decimal("72000.00"),
            "starts_on": d(year, 1, 1),
            "ends_on": d(year + 2, 12, 31),
        },
    )
    return {"plan": str(plan), "grants": 2, "contracts": 1}
