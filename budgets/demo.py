"""Demo data of budgets: the demo provider's program (each alliance's first program) gets a budget
for the alliance's current year, so the provider opens budget against actual with real figures.

Built from the year's own measured months (`measured_figures`), then moved the way a real budget
differs from what happened: one more child planned on the busiest plan in the spring (revenue under
budget there), food budgeted 10 % below what was spent (flagged), other costs 2 % above (within the
threshold). Months not yet measured repeat the last measured one. Called after the rollups in
seed_demo, inside the alliance's scope; idempotent (the grid is replaced, never added to).
"""

from __future__ import annotations

from decimal import Decimal

from alliance.dates import alliance_today
from alliance.models import Alliance
from budgets.models import Budget
from budgets.selectors import MONTHS, measured_figures, to_cents
from budgets.services import budget_create, budget_save
from members.models import MemberProgram

SPRING = (3, 4, 5)


def seed_budgets_demo(alliance: Alliance) -> dict[str, object]:
    program = MemberProgram.objects.order_by("pk").first()
    if program is None:
        return {"budgets": 0}
    today = alliance_today(alliance)
    year = today.year
    children, amounts = measured_figures(program, source_year=year, budget_year=year, today=today)
    measured = sorted({m for _, m in amounts})
    if not measured:
        return {"budgets": 0}
    last = measured[-1]
    for m in MONTHS:
        if m > last:
            children |= {(plan, m): n for (plan, month), n in list(children.items()) if month == last}
            amounts |= {(kind, m): a for (kind, month), a in list(amounts.items()) if month == last}
    if not children:
        busiest = None
    else:
        busiest = max((plan for plan, _ in children), key=lambda p: sum(n for (q, _), n in children.items() if q == p))
    if busiest is not None:
        for m in SPRING:
            children[(busiest, m)] = children.get((busiest, m), 0) + 1
    for (kind, m), amount in list(amounts.items()):
        if kind == "food":
            amounts[(kind, m)] = to_cents(amount * Decimal("0.90"))
        elif kind not in ("other_income", "subsidy"):
            amounts[(kind, m)] = to_cents(amount * Decimal("1.02"))
    budget = Budget.objects.filter(program=program, year=year).first() or budget_create(
        actor=None, program=program, year=year, note="Board-approved budget (demo)"
    )
    budget_save(actor=None, budget=budget, children=children, amounts=amounts)
    return {"budgets": 1, "program": program.name, "year": year, "months_measured": len(measured)}
