"""What every enrollment service shares: the actor (alliance.audit), hub checks, formatting."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone

from alliance.access import actor_may
from alliance.audit import Actor
from alliance.models import HUB_ROLES, Alliance
from alliance.tenancy import require_alliance_id

OVERRIDE_REASON_MIN_LENGTH = 10


def alliance_zone() -> ZoneInfo:
    """The open alliance's time zone."""
    return ZoneInfo(Alliance.objects.values_list("timezone", flat=True).get(pk=require_alliance_id()))


def alliance_today() -> datetime.date:
    """Today in the open alliance's own time zone (a director at 7 pm in Chicago
    is still recording today, whatever the server's clock says)."""
    return timezone.localdate(timezone=alliance_zone())


def alliance_date(moment: datetime.datetime) -> datetime.date:
    """The day a moment fell on in the open alliance's time zone (an order placed at 8 pm in
    Chicago was placed that day, though it was already the next day in UTC)."""
    return timezone.localtime(moment, alliance_zone()).date()


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


def day_text(day: datetime.date) -> str:
    return day.isoformat()
