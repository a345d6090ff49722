"""Navigation for the base layout: the user's alliances and the current one."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from alliance.access import memberships_of


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "user_memberships": memberships_of(user, request),
        "current_membership": getattr(request, "membership", None),
        "current_alliance": getattr(request, "alliance", None),
    }
