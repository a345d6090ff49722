"""Why a provider sees a family, its guardians and its children (registered with `provider_rule`).

A provider sees a household while it has a reason to: a child enrolled at the program now or
from a date ahead, or a child waiting for (or offered) a place there. Billing adds a balance
owed to the program (billing/visibility.py). Once every reason has lapsed the household is
the Hub's again: 404 to the provider, like any row they may not see.
"""

from __future__ import annotations

from django.db.models import Q

from alliance.access import provider_rule
from alliance.dates import alliance_today
from enrollment.models import WaitlistStatus

OPEN_PLACES = (WaitlistStatus.WAITING, WaitlistStatus.OFFERED)


def child_at_program(program_id: int, prefix: str = "") -> Q:
    """A child (reached through `prefix`) enrolled at the program today or later, or waiting there."""
    today = alliance_today()
    enrolled = Q(**{f"{prefix}enrollments__program": program_id}) & (
        Q(**{f"{prefix}enrollments__end_date__isnull": True}) | Q(**{f"{prefix}enrollments__end_date__gte": today})
    )
    waiting = Q(
        **{f"{prefix}waitlist_entries__program": program_id, f"{prefix}waitlist_entries__status__in": OPEN_PLACES}
    )
    return enrolled | waiting


@provider_rule("enrollment.Family")
def family_with_a_child_at_program(program_id: int) -> Q:
    return child_at_program(program_id, "children__")


@provider_rule("enrollment.Guardian")
def guardian_of_a_family_at_program(program_id: int) -> Q:
    return child_at_program(program_id, "family__children__")


@provider_rule("enrollment.Child")
def child_of_program(program_id: int) -> Q:
    return child_at_program(program_id)
