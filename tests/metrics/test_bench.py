"""The rollup benchmark at a small scale: it commits its scale alliance, times the rollup, its rerun
and the bare aggregate, and leaves nothing behind."""

from __future__ import annotations

from alliance.models import Alliance
from metrics.bench import bench_rollup


def test_the_rollup_bench_runs_a_small_alliance_and_deletes_it(transactional_db, world):
    alliances_before = set(Alliance.objects.values_list("slug", flat=True))
    lines: list[str] = []
    figures = bench_rollup(alliance=world.a, runs=1, log=lines.append, programs=3, children=30)
    assert figures["programs"] == 3
    assert figures["children"] == 30
    assert figures["attendance_rows"] > 0
    assert figures["ledger_rows"] > 0
    assert figures["classroom_days"] == 3 * 261  # three rooms, every weekday of 2025
    assert figures["finance_months"] == 3 * 12
    assert figures["rerun_rows_changed"] == 0  # idempotent at any scale
    assert figures["seconds"] > 0
    assert figures["ratio"] > 0
    assert set(figures["seconds_by_table"]) >= {"metrics_classroomday", "metrics_programfinancemonth"}
    assert any(line.startswith("scale alliance deleted") for line in lines)
    assert set(Alliance.objects.values_list("slug", flat=True)) == alliances_before
