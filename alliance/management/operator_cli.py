"""What the operator's management commands share (alliance_create, alliance_invite_admin, alliance_suspend,
alliance_reactivate, operator_add): the alliance by slug, the acting operator, and errors as CommandError
(exit status 1, nothing written)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from alliance.models import Alliance


def add_operator_argument(parser: CommandParser) -> None:
    parser.add_argument(
        "--operator",
        metavar="EMAIL",
        help="The platform operator acting (recorded as the audit event's actor); without it, 'system'.",
    )


def acting_operator(options: dict[str, Any]) -> Any:
    email = options.get("operator")
    if not email:
        return None
    from alliance.models import PlatformOperator

    operator = PlatformOperator.objects.select_related("user").filter(user__email__iexact=email, is_active=True).first()
    if operator is None:
        raise CommandError(f"{email} is not a platform operator (see the operator_add command); nothing was changed.")
    return operator.user


def alliance_of(slug: str) -> Alliance:
    alliance = Alliance.objects.filter(slug=slug).first()
    if alliance is None:
        raise CommandError(f"No alliance has the slug {slug!r}; nothing was changed.")
    return alliance


def refusal(exc: ValidationError) -> CommandError:
    """A service's refusal, field by field, as one error message."""
    if hasattr(exc, "error_dict"):
        text = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items())
    else:
        text = " ".join(exc.messages)
    return CommandError(f"{text} Nothing was changed.")
