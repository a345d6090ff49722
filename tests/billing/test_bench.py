"""The invoice-run benchmark at a small scale: the generator and the timing both work."""

from __future__ import annotations

from alliance.tenancy import alliance_scope
from billing.bench import bench_invoice_run
from billing.models import Invoice


def test_the_bench_runs_a_small_alliance(world):
    lines: list[str] = []
    with alliance_scope(world.a.pk):
        figures = bench_invoice_run(alliance=world.a, runs=1, log=lines.append, programs=4, children=40)
    assert figures["programs"] == 4
    assert figures["children"] == 40
    assert 30 <= figures["invoices"] <= 40
    assert figures["ledger_rows"] >= 40
    assert figures["seconds"] > 0
    assert figures["ratio"] > 0
    assert any("invoice run" in line for line in lines)
    with alliance_scope(world.a.pk):
        assert not Invoice.objects.exists()  # the scale alliance's rows are its own
