"""What every enrollment service shares: the actor (alliance.audit), hub checks, formatting."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError

from alliance import formatting
from alliance.access import actor_may
from alliance.audit import Actor
from alliance.models import HUB_ROLES

OVERRIDE_REASON_MIN_LENGTH = 10


def check_override(actor: Actor, override_reason: str) -> str:
    """The cleaned reason of a hub override, or '' when none is asked for."""
    reason = (override_reason or "").strip()
    if not reason:
        return ""
    if not actor_may(actor, HUB_ROLES):
        raise ValidationError("Only Hub staff can override a refusal.", code="override_not_allowed")
    if len(reason) < OVERRIDE_REASON_MIN_LENGTH:
        raise ValidationError(
            f"Write the reason for the override (at least {OVERRIDE_REASON_MIN_LENGTH} characters).",
            code="override_reason",
        )
    return reason


def fte_text(value: Decimal | int) -> str:
    """12 -> '12.0', Decimal('0.60') -> '0.6', Decimal('0.25') -> '0.25'."""
    value = Decimal(value)
    one = value.quantize(Decimal("0.1"), ROUND_HALF_UP)
    return str(one) if one == value else str(value.quantize(Decimal("0.01"), ROUND_HALF_UP))


def day_text(value: datetime.date) -> str:
    """A date in a message, in the alliance's named date format (alliance/formatting.py)."""
    return formatting.day(value)
