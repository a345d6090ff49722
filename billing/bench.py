"""Benchmarks of billing, run by `python manage.py bench <name>`.

`invoice_run`: a fresh alliance of 140 programs and 8,400 enrolled children
(billing/scale.py), one monthly invoice run through the real Celery tasks
(eagerly, in this process), timed against a bare bulk insert of the same number
of ledger rows. The bench command rolls everything back afterwards.
"""

from __future__ import annotations

import datetime
import statistics
import time
from collections.abc import Callable
from typing import Any

from alliance.models import Alliance
from alliance.tenancy import alliance_scope
from billing.bench_import import bench_import
from billing.invoicing import invoice_run_create, invoice_run_signature
from billing.models import FamilyAccount, InvoiceRun, LedgerEntry, RunStatus
from billing.scale import scale_alliance_create

PERIOD_START = datetime.date(2026, 3, 1)


def bench_invoice_run(
    *, alliance: Alliance, runs: int, log: Callable[[str], None], programs: int = 140, children: int = 8400
) -> dict[str, Any]:
    began = time.perf_counter()
    scale = scale_alliance_create(programs=programs, children=children, start=PERIOD_START.replace(month=1))
    log(
        f"scale data: {len(scale.program_ids)} programs, {scale.children} children, {scale.families} families "
        f"in {time.perf_counter() - began:.1f} s"
    )
    with alliance_scope(scale.alliance.pk):
        run = invoice_run_create(actor=None, period_start=PERIOD_START, queue=False)
        began = time.perf_counter()
        invoice_run_signature(scale.alliance.pk, run.pk, scale.program_ids).apply()
        seconds = time.perf_counter() - began
        run = InvoiceRun.objects.get(pk=run.pk)
        assert run.status == RunStatus.DONE, run.error
        rows = LedgerEntry.objects.filter(invoice__run=run).count()
        log(f"invoice run: {run.invoices_created} invoices, {rows} ledger rows in {seconds:.2f} s")

        accounts = list(FamilyAccount.objects.values_list("pk", "program_id"))
        baseline_rows = [
            LedgerEntry(
                alliance_id=scale.alliance.pk,
                account_id=accounts[n % len(accounts)][0],
                program_id=accounts[n % len(accounts)][1],
                kind="charge",
                amount="1.00",
                posted_on=PERIOD_START,
                description="baseline row",
            )
            for n in range(rows)
        ]
        timings = []
        for _ in range(max(1, min(runs, 3))):  # the median of a few, as the box's load varies
            copies = [
                LedgerEntry(**{f.attname: getattr(row, f.attname) for f in LedgerEntry._meta.concrete_fields})
                for row in baseline_rows
            ]
            began = time.perf_counter()
            LedgerEntry.objects.bulk_create(copies, batch_size=2000)
            timings.append(time.perf_counter() - began)
        baseline = statistics.median(timings)
        log(
            f"baseline: bulk insert of {rows} ledger rows in {', '.join(f'{t:.2f}' for t in timings)} s "
            f"(median {baseline:.2f} s)"
        )
    return {
        "programs": len(scale.program_ids),
        "children": scale.children,
        "invoices": run.invoices_created,
        "ledger_rows": rows,
        "amount": str(run.amount_invoiced),
        "seconds": round(seconds, 3),
        "baseline_seconds": round(baseline, 3),
        "ratio": round(seconds / baseline, 2),
    }


BENCHMARKS = {"invoice_run": bench_invoice_run, "import": bench_import}
