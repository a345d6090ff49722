"""Writes of coaching: visits logged by coaches, and goals agreed with members."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from alliance.audit import Actor, model_create, model_update, user_of
from alliance.dates import alliance_today
from members.models import MemberProgram
from sharedservices.models import CoachingGoal, CoachVisit, GoalStatus

GOAL_FIELDS = frozenset({"title", "focus", "due_on", "status", "notes"})


def _coach_name(actor: Actor) -> str:
    user = user_of(actor)
    if user is None:
        return "Hub coach"
    return (f"{user.first_name} {user.last_name}".strip() or user.email or user.get_username())[:200]


@transaction.atomic
def coach_visit_create(
    *,
    actor: Actor,
    program: MemberProgram,
    visited_on: datetime.date,
    focus: str,
    hours: Decimal,
    summary: str,
    next_steps: str = "",
) -> CoachVisit:
    """A coach logs a visit they made (the coach is the person logging it)."""
    return model_create(
        CoachVisit(
            program=program,
            coach=user_of(actor),
            coach_name=_coach_name(actor),
            visited_on=visited_on,
            focus=focus,
            hours=hours,
            summary=summary,
            next_steps=next_steps,
        ),
        actor=actor,
        action="coaching.visit_logged",
        program_id=program.pk,
    )


@transaction.atomic
def coaching_goal_create(
    *,
    actor: Actor,
    program: MemberProgram,
    title: str,
    focus: str,
    due_on: datetime.date,
    visit: CoachVisit | None = None,
    notes: str = "",
) -> CoachingGoal:
    if due_on < alliance_today():
        raise ValidationError({"due_on": "A new goal is due today or later."})
    return model_create(
        CoachingGoal(
            program=program,
            visit=visit,
            title=title,
            focus=focus,
            due_on=due_on,
            notes=notes,
            status_changed_on=alliance_today(),
        ),
        actor=actor,
        action="coaching.goal_set",
        program_id=program.pk,
    )


@transaction.atomic
def coaching_goal_update(*, actor: Actor, goal: CoachingGoal, data: Mapping[str, Any]) -> CoachingGoal:
    data = dict(data)
    if "status" in data and data["status"] != goal.status:
        if data["status"] not in GoalStatus.values:
            raise ValidationError({"status": "Unknown status."})
        data["status_changed_on"] = alliance_today()
    return model_update(
        goal,
        data,
        allowed=GOAL_FIELDS | {"status_changed_on"},
        actor=actor,
        action="coaching.goal_updated",
        program_id=goal.program_id,
    )
