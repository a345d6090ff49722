"""The top bar's Today link and its count (templates/base.html)."""

from __future__ import annotations

from typing import Any

from django import template
from django.core.cache import cache

from alliance.tenancy import current_alliance_id
from today.selectors import TodayContext, today_count

register = template.Library()

# The count is a minute old at most: cheap on every page, fresh enough for a working day.
COUNT_SECONDS = 60


def count_cache_key(alliance_id: int, user_id: int) -> str:
    """Per alliance and person: a person's count in one alliance never shows in another."""
    return f"today:count:{alliance_id}:{user_id}"


@register.simple_tag(takes_context=True)
def today_nav_count(context: dict[str, Any]) -> int | None:
    """How many items the current person's Today list holds; None (no count shown) where the page is
    rendered outside its alliance's scope (an error page) and no count is cached."""
    membership = context.get("current_membership")
    alliance = context.get("current_alliance")
    if membership is None or alliance is None:
        return None
    key = count_cache_key(alliance.pk, membership.user_id)
    count = cache.get(key)
    if count is None:
        if current_alliance_id() != alliance.pk:
            return None
        count = today_count(TodayContext(alliance=alliance, membership=membership))
        cache.set(key, count, COUNT_SECONDS)
    return int(count)


@register.inclusion_tag("today/_program_start_card.html", takes_context=True)
def program_start_card(context: dict[str, Any], program: Any) -> dict[str, Any]:
    """A member's guided start on its profile page (members' template names this later app's tag,
    as base.html names the Today count): its progress and next step while any is left."""
    from alliance.views_base import ADMIN_ONLY
    from today.start import program_checklist

    membership = context.get("current_membership")
    alliance = context.get("current_alliance")
    if membership is None or alliance is None:
        return {"checklist": None}
    checklist = program_checklist(alliance, program, is_hub=membership.is_hub, is_admin=membership.may(ADMIN_ONLY))
    return {"checklist": None if checklist.complete else checklist, "alliance": alliance, "program": program}
