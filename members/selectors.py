"""Reads of member programs that pages, API and reports share."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from alliance.models import Membership, Role
from members.models import MemberProgram, ProgramKind, ProgramStatus


def program_counts() -> dict[str, int]:
    """Counts of the scoped alliance's member programs by status and kind."""
    counts = MemberProgram.objects.aggregate(
        total=Count("id"),
        **{f"status_{s}": Count("id", filter=Q(status=s)) for s in ProgramStatus.values},
        **{f"kind_{k}": Count("id", filter=Q(kind=k)) for k in ProgramKind.values},
    )
    counts["providers"] = Membership.objects.filter(role=Role.PROVIDER, is_active=True).count()
    return counts


def programs_with_provider_counts() -> QuerySet[MemberProgram]:
    return MemberProgram.objects.annotate(
        provider_count=Count(
            "provider_memberships", filter=Q(provider_memberships__is_active=True)
        )
    ).order_by("name")
