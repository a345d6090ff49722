"""Benchmarks of enrollment, run by `python manage.py bench <name>`."""

from __future__ import annotations

import datetime
import statistics
import time
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.dates import alliance_today
from alliance.models import Alliance
from enrollment.vacancy import vacancy_report

VACANCY_DAYS = 90


def bench_vacancy(*, alliance: Alliance, runs: int, log: Callable[[str], None]) -> dict[str, Any]:
    """The whole alliance's vacancy over the next 90 days, as the Hub's board asks for it."""
    start = alliance_today()
    end = start + datetime.timedelta(days=VACANCY_DAYS - 1)
    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        report = vacancy_report(start=start, end=end)
        first = time.perf_counter() - began
    log(
        f"first run {first * 1000:.1f} ms, {len(queries)} queries, "
        f"{len(report.classrooms)} classrooms, {len(report.programs)} programs"
    )
    timings = []
    for number in range(runs):
        began = time.perf_counter()
        vacancy_report(start=start, end=end)
        timings.append(time.perf_counter() - began)
        if (number + 1) % 5 == 0:
            log(f"run {number + 1}/{runs}: {timings[-1] * 1000:.1f} ms")
    room_days = sum(len(c.days) for c in report.classrooms)
    return {
        "days": VACANCY_DAYS,
        "start": start.isoformat(),
        "classrooms": len(report.classrooms),
        "programs": len(report.programs),
        "room_days": room_days,
        "queries": len(queries),
        "seconds": round(first, 4),
        "runs": runs,
        "median_seconds": round(statistics.median(timings), 4),
        "max_seconds": round(max(timings), 4),
        "occupancy_pct": str(report.total.occupancy) if report.total.occupancy is not None else None,
    }


BENCHMARKS = {"vacancy": bench_vacancy}
