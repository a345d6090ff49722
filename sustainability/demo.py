"""Demo data of the Hub's sustainability plan: a five-year plan from the Hub's measured cost,
a start-up grant that ends in the plan's first year, a foundation grant and a county contract.

Called at the end of seed_demo, after the metrics rollups (the plan starts from the measured
Hub cost), inside each alliance's scope. Idempotent: an alliance with a plan keeps it.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_CEILING, Decimal

from alliance.dates import alliance_today
from alliance.models import Alliance, Membership, Role
from sustainability.models import Contract, Grant
from sustainability.projection import FeeStructure, cents
from sustainability.selectors import measured_hub_year, plan_members, plan_of_alliance
from sustainability.services import funding_create, plan_save


def _up(value: Decimal, step: Decimal) -> Decimal:
    return ((value / step).to_integral_value(rounding=ROUND_CEILING) * step).quantize(Decimal("0.01"))


def seed_sustainability_demo(alliance: Alliance) -> dict[str, object]:
    if plan_of_alliance() is not None:
        return {"plan": "kept"}
    admin = Membership.objects.filter(role=Role.HUB_ADMIN, is_active=True).select_related("user").first()
    if admin is None:
        return {"plan": "no hub admin"}
    actor = admin.user
    year = alliance_today(alliance).year
    measured = measured_hub_year().hub_cost or Decimal("200000.00")
    # Rates at which fees alone would cover the fourth year's cost (3 % growth, 3 members of
    # 48 slots joining a year), rounded up to the half dollar or the quarter percent.
    members = plan_members()
    cost_4 = measured * Decimal("1.03") ** 3
    slots_4 = sum(m.licensed_slots for m in members) + 9 * 48
    collections_4 = sum((m.annual_collections for m in members), Decimal(0)) + 9 * Decimal("520000")
    slot_fee = _up(cost_4 / 12 / max(slots_4, 1), Decimal("0.5"))
    flat_fee = _up(cost_4 / 12 / (len(members) + 9), Decimal("0.5"))
    share = _up(cost_4 * 100 / max(collections_4, Decimal(1)), Decimal("0.25"))
    plan = plan_save(
        actor=actor,
        data={
            "start_year": year,
            "years": 5,
            "staff_cost": cents(measured * Decimal("0.75")),
            "overhead_cost": measured - cents(measured * Decimal("0.75")),
            "growth_pct": Decimal("3.00"),
            "fee_structure": FeeStructure.PER_SLOT,
            "flat_fee": flat_fee,
            "slot_fee": slot_fee,
            "collections_share_pct": min(share, Decimal("100.00")),
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
