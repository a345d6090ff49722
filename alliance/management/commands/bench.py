"""`python manage.py bench <name> [--alliance SLUG] [--runs N]`: run a benchmark.

Benchmarks live in the apps, in `<app>.bench` modules exposing
`BENCHMARKS = {"name": callable}`. The core names apps by string only, so it
imports none of them until asked. Each callable takes `alliance`, `runs` and
`log` (keyword-only) and returns a dict of figures. Progress goes to stderr;
stdout ends with one JSON line. A benchmark runs in a transaction that is
rolled back, unless it is marked `commits = True`: then it commits the data
it needs (a nightly job reads committed rows) and deletes it itself.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from alliance.models import Alliance
from alliance.tenancy import alliance_scope

BENCH_APPS = ["alliance", "members", "enrollment", "billing", "metrics", "planning"]


def discover() -> dict[str, Callable[..., dict[str, Any]]]:
    found: dict[str, Callable[..., dict[str, Any]]] = {}
    for app in BENCH_APPS:
        try:
            module = importlib.import_module(f"{app}.bench")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.bench":
                raise  # the module exists but something it imports does not
            continue
        for name, function in getattr(module, "BENCHMARKS", {}).items():
            if name in found:
                raise CommandError(f"Benchmark {name!r} is defined by two apps.")
            found[name] = function
    return found


class Command(BaseCommand):
    help = "Run a named benchmark in one alliance and print its figures as one JSON line."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("name", nargs="?", help="Benchmark to run; omit to list them.")
        parser.add_argument("--alliance", default="riverbend", help="Alliance slug (default riverbend).")
        parser.add_argument("--runs", type=int, default=20, help="Timed repetitions (default 20).")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        benchmarks = discover()
        name = options["name"]
        if not name:
            self.stdout.write("Benchmarks: " + ", ".join(sorted(benchmarks)))
            return
        if name not in benchmarks:
            raise CommandError(f"No benchmark {name!r}; known: {', '.join(sorted(benchmarks)) or 'none'}.")
        if options["runs"] < 1:
            raise CommandError("--runs must be at least 1.")
        alliance = Alliance.objects.filter(slug=options["alliance"]).first()
        if alliance is None:
            raise CommandError(f"No alliance {options['alliance']!r}; run seed_demo first.")

        def log(line: str) -> None:
            self.stderr.write(f"[{name}] {line}")

        log(f"alliance {alliance.slug}, {options['runs']} runs")
        benchmark = benchmarks[name]
        if getattr(benchmark, "commits", False):
            # It times work on committed rows (as a nightly job sees them), opens its own scopes (each a
            # transaction) and removes what it made itself.
            figures = benchmark(alliance=alliance, runs=options["runs"], log=log)
        else:
            with transaction.atomic(), alliance_scope(alliance.pk):
                figures = benchmark(alliance=alliance, runs=options["runs"], log=log)
                transaction.set_rollback(True)  # a benchmark leaves nothing behind
        self.stdout.write(json.dumps({"bench": name, "alliance": alliance.slug, **figures}))
