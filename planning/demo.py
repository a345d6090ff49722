"""Demo data of the scenario planner: one saved scenario for the demo provider's program, so a provider
signing in opens a real projection (and its PDF). Idempotent: kept by its name."""

from __future__ import annotations

from decimal import Decimal

from alliance.models import Alliance, Membership, Role
from members.models import MemberProgram, StaffMember
from planning.models import Scenario
from planning.services import scenario_create

DEMO_NAME = "Fill to 92% with alliance purchasing"


def seed_planning_demo(alliance: Alliance) -> dict[str, object]:
    provider = Membership.objects.filter(alliance=alliance, role=Role.PROVIDER, program__isnull=False).first()
    program = provider.program if provider else MemberProgram.objects.order_by("pk").first()
    if program is None or Scenario.objects.filter(program=program, name=DEMO_NAME).exists():
        return {"scenarios": Scenario.objects.count()}
    has_roster = StaffMember.objects.filter(program=program).exists()
    scenario_create(
        program=program,
        actor=None,
        data={
            "name": DEMO_NAME,
            "occupancy": Decimal("92.00"),
            "rate_infant": Decimal("4.00"),
            "rate_toddler": Decimal("3.00"),
            "collection_rate": Decimal("98.00"),
            "bad_debt_rate": Decimal("1.00"),
            "wages": Decimal("3.00"),
            "staffing_fte": Decimal("1.00") if has_roster else Decimal("0.00"),
            "purchasing_savings": Decimal("8.00"),
        },
    )
    return {"scenarios": Scenario.objects.count()}
