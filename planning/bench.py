"""`python manage.py bench scenario`: recompute a scenario for a demo member, timed.

Each run loads the member's baseline year from the snapshots and its records (planning/selectors.py
`baseline_year`) and projects it under a scenario (the member's first saved scenario, else a fixed one
that touches every change), as the scenario page does for each request. Reports the median and 95th
percentile in milliseconds and the queries of one recompute; the target is 100 ms (issue #24).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.models import Alliance
from members.models import MemberProgram
from metrics.models import ProgramFinanceMonth
from planning.projection import Changes, project
from planning.selectors import baseline_year

FIXED = Changes(
    occupancy=Decimal("0.92"),
    rates={"infant": Decimal("0.05"), "toddler": Decimal("0.04"), "preschool": Decimal("0.03")},
    collection_rate=Decimal("0.98"),
    bad_debt_rate=Decimal("0.01"),
    wages=Decimal("0.04"),
    staffing_fte=Decimal("1"),
    hub_fee=Decimal("450.00"),
    purchasing_savings=Decimal("0.08"),
)


def _changes_for(program: MemberProgram) -> Changes:
    from planning.models import Scenario

    scenario = Scenario.objects.filter(program=program).order_by("pk").first()
    return scenario.changes() if scenario is not None else FIXED


def bench_scenario(*, alliance: Alliance, runs: int, log: Callable[[str], None]) -> dict[str, Any]:
    program_id = (
        ProgramFinanceMonth.objects.values_list("program_id", flat=True).order_by("-month", "program_id").first()
    )
    if program_id is None:
        return {"error": "no rolled-up member figures; run seed_demo first"}
    program = MemberProgram.objects.get(pk=program_id)
    changes = _changes_for(program)
    if changes.staffing_fte and not any(m.staff_fte for m in baseline_year(program)):
        changes = Changes(**{**changes.__dict__, "staffing_fte": Decimal("0")})

    def recompute() -> int:
        months = baseline_year(program)
        projection = project(months, changes)
        return len(projection.months)

    months = recompute()  # warm the process (imports, query plans) once, untimed
    with CaptureQueriesContext(connection) as queries:
        recompute()
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        recompute()
        timings.append((time.perf_counter() - began) * 1000)
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(round(0.95 * (len(timings) - 1))))]
    log(f"{program.name}: {months} baseline months, {len(queries)} queries per recompute")
    return {
        "program": program.name,
        "baseline_months": months,
        "queries": len(queries),
        "runs": runs,
        "median_ms": round(statistics.median(timings), 2),
        "p95_ms": round(p95, 2),
        "target_ms": 100,
    }


BENCHMARKS = {"scenario": bench_scenario}
