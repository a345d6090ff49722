"""Demo cost-of-care assumptions (seed_demo): each active member types the subsidy its state pays
per age group and the space each child takes, so the page has its full table, chart and sentences;
everything else comes from the member's own roster, rooms, measured costs and rate plans."""

from __future__ import annotations

from decimal import Decimal

from alliance.models import Alliance
from costofcare.services import cost_of_care_assumptions_set
from members.models import MemberProgram, ProgramKind, ProgramStatus

# A state's monthly subsidy rates for full-time care, centres and homes (made up, of a plausible size).
SUBSIDY = {
    ProgramKind.CENTRE: {"infant": "1320.00", "toddler": "1150.00", "preschool": "905.00", "school_age": "610.00"},
    ProgramKind.FAMILY_HOME: {"infant": "980.00", "toddler": "900.00", "preschool": "760.00", "school_age": "540.00"},
}
SQUARE_FEET = {"infant": "50.0", "toddler": "42.0", "preschool": "35.0", "school_age": "35.0"}


def seed_costofcare_demo(alliance: Alliance) -> dict[str, int]:
    """Call inside the alliance's scope; running it again changes nothing."""
    programs = MemberProgram.objects.filter(status=ProgramStatus.ACTIVE).order_by("name")
    count = 0
    for program in programs:
        values: dict[str, Decimal] = {}
        for group, amount in SUBSIDY.get(program.kind, SUBSIDY[ProgramKind.CENTRE]).items():
            values[f"{group}_subsidy_monthly"] = Decimal(amount)
            if program.kind == ProgramKind.CENTRE:
                values[f"{group}_square_feet_per_child"] = Decimal(SQUARE_FEET[group])
        cost_of_care_assumptions_set(actor=None, program=program, values=values)
        count += 1
    return {"programs": count}
