"""Writes of the Today list: a member's own digest preference."""

from __future__ import annotations

from django.db import transaction

from alliance.audit import audit_event_record
from alliance.models import Membership


def membership_digest_set(*, membership: Membership, actor, on: bool) -> Membership:  # type: ignore[no-untyped-def]
    """Turn the member's morning Today email on or off, and record who did it."""
    with transaction.atomic():
        row = Membership.objects.select_for_update().get(pk=membership.pk)
        if row.today_digest == on:
            return row
        row.today_digest = on
        row.save(update_fields=["today_digest"])
        audit_event_record(
            actor=actor,
            action="membership.today_digest_changed",
            target=row,
            before={"today_digest": not on},
            after={"today_digest": on},
        )
    return row
