"""Writes of budgets: create one, save its grid, fill it from last year's actuals. Each is one
transaction and records its audit event (the grid's cells before and after)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from alliance.audit import Actor, audit_event_record, model_create, user_of
from billing.models import RatePlan
from budgets.models import FIRST_YEAR, LAST_YEAR, Budget, BudgetEnrollment, BudgetLine
from budgets.selectors import (
    LINE_LABELS,
    MONTHS,
    cell_key_line,
    cell_key_plan,
    last_year_figures,
    plan_in_force_in_month,
    to_cents,
)
from members.models import MemberProgram

MAX_CHILDREN = 999
MAX_AMOUNT = Decimal("9999999999.99")
MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

Children = Mapping[tuple[int, int], Any]  # (rate plan id, month 1-12) -> children
Amounts = Mapping[tuple[str, int], Any]  # (line kind, month 1-12) -> amount


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError({"year": f"A budget's year is between {FIRST_YEAR} and {LAST_YEAR}."})


@transaction.atomic
def budget_create(*, actor: Actor, program: MemberProgram, year: int, note: str = "") -> Budget:
    """A program's (empty) budget for a year; one per program and year."""
    _check_year(year)
    if Budget.objects.filter(program=program, year=year).exists():
        raise ValidationError({"year": f"{program.name} already has a budget for {year}."})
    return model_create(
        Budget(program=program, year=year, note=note, updated_by=user_of(actor)),
        actor=actor,
        action="budget.created",
        program_id=program.pk,
    )


def _grid_of(budget: Budget) -> dict[str, str]:
    """The budget's stored cells, for the audit event's before and after."""
    cells = {
        cell_key_plan(e.rate_plan_id, e.month): str(e.children) for e in BudgetEnrollment.objects.filter(budget=budget)
    }
    cells |= {
        cell_key_line(line.kind, line.month): str(line.amount) for line in BudgetLine.objects.filter(budget=budget)
    }
    cells["note"] = budget.note
    return dict(sorted(cells.items()))


def _clean_children(budget: Budget, children: Children, errors: dict[str, list[str]]) -> dict[tuple[int, int], int]:
    plans = {p.pk: p for p in RatePlan.objects.filter(program_id=budget.program_id)}
    clean: dict[tuple[int, int], int] = {}
    for (plan_id, month), raw in children.items():
        key = cell_key_plan(plan_id, month)
        plan = plans.get(plan_id)
        if plan is None or month not in MONTHS:
            errors.setdefault(key, []).append("Not a rate plan of this program.")
            continue
        try:
            count = int(str(raw).strip() or "0")
        except ValueError:
            errors.setdefault(key, []).append(
                f"{plan.name}, {MONTH_NAMES[month - 1]}: enter a whole number of children."
            )
            continue
        if count < 0 or count > MAX_CHILDREN:
            errors.setdefault(key, []).append(
                f"{plan.name}, {MONTH_NAMES[month - 1]}: children are between 0 and {MAX_CHILDREN}."
            )
            continue
        if count and not plan_in_force_in_month(plan, budget.year, month):
            errors.setdefault(key, []).append(
                f"{plan.name} is not in force in {MONTH_NAMES[month - 1]} {budget.year}: plan children on the plan "
                "that replaces it."
            )
            continue
        if count:
            clean[(plan_id, month)] = count
    return clean


def _clean_amounts(amounts: Amounts, errors: dict[str, list[str]]) -> dict[tuple[str, int], Decimal]:
    clean: dict[tuple[str, int], Decimal] = {}
    for (kind, month), raw in amounts.items():
        key = cell_key_line(kind, month)
        if kind not in LINE_LABELS or month not in MONTHS:
            errors.setdefault(key, []).append("Not a line of a budget.")
            continue
        where = f"{LINE_LABELS[kind]}, {MONTH_NAMES[month - 1]}"
        text = str(raw).strip().replace(",", "") if raw is not None else ""
        try:
            amount = Decimal(text or "0")
        except InvalidOperation:
            errors.setdefault(key, []).append(f"{where}: enter an amount such as 1250.00.")
            continue
        if not amount.is_finite():
            errors.setdefault(key, []).append(f"{where}: enter an amount such as 1250.00.")
            continue
        if amount < 0:
            errors.setdefault(key, []).append(f"{where}: an amount cannot be negative.")
            continue
        if amount > MAX_AMOUNT:
            errors.setdefault(key, []).append(f"{where}: the amount is too large.")
            continue
        if amount != amount.quantize(Decimal("0.01")):
            errors.setdefault(key, []).append(f"{where}: an amount has at most two decimal places.")
            continue
        if amount:
            clean[(kind, month)] = to_cents(amount)
    return clean


@transaction.atomic
def budget_save(
    *,
    actor: Actor,
    budget: Budget,
    children: Children,
    amounts: Amounts,
    note: str | None = None,
    reason: str = "",
) -> Budget:
    """Replace the budget's grid with the cells given (cells not given are zero). All or nothing:
    any bad cell is a ValidationError naming every bad cell, and nothing is written."""
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    errors: dict[str, list[str]] = {}
    clean_children = _clean_children(budget, children, errors)
    clean_amounts = _clean_amounts(amounts, errors)
    if note is not None and len(note) > 300:
        errors["note"] = ["A note is at most 300 characters."]
    if errors:
        raise ValidationError(errors)
    before = _grid_of(budget)
    BudgetEnrollment.objects.filter(budget=budget).delete()
    BudgetLine.objects.filter(budget=budget).delete()
    BudgetEnrollment.objects.bulk_create(
        BudgetEnrollment(alliance_id=budget.alliance_id, budget=budget, rate_plan_id=plan_id, month=m, children=n)
        for (plan_id, m), n in sorted(clean_children.items())
    )
    BudgetLine.objects.bulk_create(
        BudgetLine(alliance_id=budget.alliance_id, budget=budget, kind=kind, month=m, amount=amount)
        for (kind, m), amount in sorted(clean_amounts.items())
    )
    if note is not None:
        budget.note = note
    budget.updated_by = user_of(actor)
    budget.save(update_fields=["note", "updated_by", "updated_at"])
    after = _grid_of(budget)
    if after != before:
        changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
        audit_event_record(
            actor=actor,
            action="budget.saved",
            target=budget,
            program_id=budget.program_id,
            before={k: before.get(k) for k in sorted(changed)},
            after={k: after.get(k) for k in sorted(changed)},
            reason=reason,
        )
    return budget


@transaction.atomic
def budget_fill_from_last_year(*, actor: Actor, budget: Budget, today: datetime.date | None = None) -> Budget:
    """Replace the grid with last year's measured months (see `last_year_figures`); months last year
    did not measure keep what they had."""
    children, amounts = last_year_figures(budget, today=today)
    if not amounts:
        raise ValidationError(
            {"year": f"{budget.program.name} has no measured months in {budget.year - 1} to start from."}
        )
    filled_months = {m for _, m in amounts}
    kept_children = {
        (e.rate_plan_id, e.month): e.children
        for e in BudgetEnrollment.objects.filter(budget=budget).exclude(month__in=filled_months)
    }
    kept_amounts = {
        (line.kind, line.month): line.amount
        for line in BudgetLine.objects.filter(budget=budget).exclude(month__in=filled_months)
    }
    return budget_save(
        actor=actor,
        budget=budget,
        children={**kept_children, **children},
        amounts={**kept_amounts, **amounts},
        reason=f"Filled from the measured months of {budget.year - 1}",
    )
