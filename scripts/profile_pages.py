"""CPU per request and queries per request for the top page kinds, through Django's test client.

Run against a database holding the demo (`manage.py seed_demo`), never the one in use:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub_speed DJANGO_DEBUG=true \
        HUB_MFA_EXEMPT_DEMO_USERS=true .venv/bin/python scripts/profile_pages.py [-n 20] [--profile KIND]

It signs in the demo's admin, staff, provider and funder of the larger alliance, requests each
page kind once to warm up, then `-n` times, and prints per kind the web process's CPU ms per
request (time.process_time: the database's own CPU is not in it; the median of the `-n` requests,
which a machine busy with other work disturbs less than the mean), the mean wall ms, the
number of queries and the least CPU ms of one request (the figure other processes' load
disturbs least). DEBUG is switched off once Django is set up, so templates and queries run as in
production (cached template loader, no query log). `--profile KIND` prints cProfile's top
functions for one kind.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

settings.DEBUG = False
settings.ALLOWED_HOSTS = ["testserver"]

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

SLUG = os.environ.get("HUB_PROFILE_ALLIANCE", "riverbend")


def page_kinds() -> list[tuple[str, str, str]]:
    """(kind, user email, path) for the top page kinds of each role."""
    from alliance.models import Alliance
    from alliance.tenancy import alliance_scope
    from billing.models import FamilyAccount
    from enrollment.models import Family
    from members.models import Classroom, MemberProgram

    a = f"/a/{SLUG}"
    api = f"/api/a/{SLUG}"
    with alliance_scope(Alliance.objects.get(slug=SLUG).pk):
        program = MemberProgram.objects.order_by("pk").first()
        account = FamilyAccount.objects.filter(family__isnull=False).order_by("pk").first()
        family = Family.objects.order_by("pk").first()
        room = Classroom.objects.order_by("pk").first()
    admin, staff = f"admin@{SLUG}.example", f"staff@{SLUG}.example"
    provider, funder = f"provider@{SLUG}.example", f"funder@{SLUG}.example"
    kinds = [
        ("home", admin, f"{a}/"),
        ("dashboard", admin, f"{a}/dashboard/"),
        ("aging", admin, f"{a}/billing/aging/"),
        ("collections", staff, f"{a}/billing/collections/"),
        ("accounts", staff, f"{a}/billing/accounts/"),
        ("programs", admin, f"{a}/programs/"),
        ("attendance", staff, f"{a}/attendance/"),
        ("waitlist", staff, f"{a}/waitlist/"),
        ("families", staff, f"{a}/families/"),
        ("api-programs", admin, f"{api}/programs/"),
        ("api-accounts", staff, f"{api}/billing-accounts/"),
        ("api-enrollments", staff, f"{api}/enrollments/"),
        ("api-families", staff, f"{api}/families/"),
        ("api-attendance", staff, f"{api}/attendance/"),
        ("api-children", staff, f"{api}/children/"),
        ("api-invoices", admin, f"{api}/invoices/"),
        ("provider-home", provider, f"{a}/"),
        ("provider-figures", provider, f"{a}/my-program/figures/"),
        ("provider-attendance", provider, f"{a}/attendance/"),
        ("provider-api-enrollments", provider, f"{api}/enrollments/"),
        ("provider-api-families", provider, f"{api}/families/"),
        ("provider-api-attendance", provider, f"{api}/attendance/"),
        ("provider-api-children", provider, f"{api}/children/"),
        ("funder-dashboard", funder, f"{a}/dashboard/"),
        ("funder-reports", funder, f"{a}/reports/"),
        ("funder-impact", funder, f"{a}/reports/impact/"),
        ("funder-api-months", funder, f"{api}/metrics/alliance-months/"),
        ("funder-api-finance-months", funder, f"{api}/metrics/alliance-finance-months/"),
    ]
    if program is not None:
        kinds.append(("program-figures", admin, f"{a}/dashboard/programs/{program.pk}/"))
        kinds.append(("program", staff, f"{a}/programs/{program.pk}/"))
    if account is not None:
        kinds.append(("account", staff, f"{a}/billing/accounts/{account.pk}/"))
    if family is not None:
        kinds.append(("family", staff, f"{a}/families/{family.pk}/"))
    if room is not None:
        kinds.append(("room-attendance", staff, f"{a}/attendance/classrooms/{room.pk}/"))
    kinds += [
        ("enrollments", staff, f"{a}/enrollments/"),
        ("invoices", staff, f"{a}/billing/invoices/"),
        ("vacancies", staff, f"{a}/vacancies/"),
        ("cover", staff, f"{a}/cover/"),
        ("today", staff, f"{a}/today/"),
        ("billing-home", staff, f"{a}/billing/"),
        ("api-payments", staff, f"{api}/payments/"),
        ("api-aging", admin, f"{api}/aging/"),
    ]
    return kinds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=20)
    parser.add_argument("--profile", default="")
    parser.add_argument("--only", default="")
    parser.add_argument("--sql", action="store_true")
    args = parser.parse_args()
    users = get_user_model().objects
    clients: dict[str, Client] = {}
    print(f"{'kind':26} {'status':>6} {'cpu ms':>7} {'wall ms':>8} {'queries':>7} {'min cpu':>7}")
    for kind, email, path in page_kinds():
        if args.only and kind not in args.only.split(","):
            continue
        if args.profile and kind != args.profile:
            continue
        client = clients.get(email)
        if client is None:
            client = clients[email] = Client()
            client.force_login(users.get(email=email))
        client.get(path)
        queries: list[str] = []

        def count(execute, sql, params, many, context, queries=queries):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                queries.append(f"{(time.perf_counter() - started) * 1000:8.1f} ms  {sql[:400]}")

        with connection.execute_wrapper(count):
            response = client.get(path)
        if args.sql:
            print("\n".join(queries))
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.n):
                client.get(path)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
            return
        cpus: list[float] = []
        wall0 = time.perf_counter()
        for _ in range(args.n):
            cpu0 = time.process_time()
            client.get(path)
            cpus.append((time.process_time() - cpu0) * 1000)
        cpu = statistics.median(cpus)
        wall = (time.perf_counter() - wall0) * 1000 / args.n
        print(
            f"{kind:26} {response.status_code:>6} {cpu:7.1f} {wall:8.1f} {len(queries):7} {min(cpus):7.1f}", flush=True
        )


if __name__ == "__main__":
    main()
