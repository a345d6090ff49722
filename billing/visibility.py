"""A household that owes a program money stays visible to that program's provider
(alongside enrollment/visibility.py): they must be able to collect it."""

from __future__ import annotations

from django.db.models import Q, QuerySet, Sum

from alliance.access import provider_rule
from billing.models import LedgerEntry


def families_owing(program_id: int) -> QuerySet[LedgerEntry]:
    """Ids of families whose account at the program is not settled (a balance either way)."""
    return (
        LedgerEntry.objects.filter(program_id=program_id, account__family__isnull=False)
        .values("account__family_id")
        .annotate(balance=Sum("amount"))
        .exclude(balance=0)
        .values("account__family_id")
    )


@provider_rule("enrollment.Family")
def family_owing_the_program(program_id: int) -> Q:
    return Q(pk__in=families_owing(program_id))


@provider_rule("enrollment.Guardian")
def guardian_of_a_family_owing_the_program(program_id: int) -> Q:
    return Q(family_id__in=families_owing(program_id))


@provider_rule("enrollment.Child")
def child_billed_by_the_program(program_id: int) -> Q:
    """A child who was at the program, while the family still owes it."""
    return Q(family_id__in=families_owing(program_id), enrollments__program=program_id)
