"""Benchmarks of metrics, run by `python manage.py bench rollup|dashboard`.

`rollup`: billing's scale alliance (billing/scale.py: 140 programs, 8,400
children), plus 12 months of daily attendance inserted here in one statement
(about 1.6 million rows: every scheduled weekday, 7% absent). Times the
alliance's rollup over the 12 months (occupancy and finance) through its
commit, its rerun (no row changes), more first runs (snapshots deleted before
each, up to 5 in all with --runs), and after each first run a bare
`SELECT ... GROUP BY` over the same attendance rows joined to their
enrollments; the ratio is the median first run over the median bare
aggregate.

`dashboard`: two alliances of synthetic snapshots (12 months), 10 and 140
programs; the dashboard view rendered for a hub admin (RequestFactory, so
only the page itself is timed), queries counted, after one page of a third,
small alliance has warmed the process up (templates compiled). Each run makes
the cache stale (as a rollup does) and times the page built from the
snapshots (uncached), then the same page read from the cache; medians.

`rollup` commits its scale alliance (a nightly rollup reads committed rows;
rows of one's own open transaction are slower to read) and deletes it at the
end, as the owner role (`alliance_delete_everything`). `dashboard` runs inside
a transaction the bench command rolls back. Nothing stays.
"""

from __future__ import annotations

import datetime
import random
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from alliance.dates import months_back
from alliance.db import owner_role
from alliance.models import Alliance, Membership, Role
from alliance.tenancy import alliance_scope
from members.models import MemberProgram
from metrics.models import AllianceFinanceMonth, AllianceMonth, ProgramFinanceMonth, ProgramMonth
from metrics.rollups import OCCUPANCY_STEPS, ROLLUP_SETTINGS, SqlParams, _apply_settings, rollup_alliance
from metrics.rollups_finance import FINANCE_STEPS

START = datetime.date(2025, 1, 1)
END = datetime.date(2025, 12, 31)

_ATTENDANCE_SQL = """
INSERT INTO enrollment_attendancerecord
    (alliance_id, enrollment_id, day, check_in, check_out, absence_reason, note, source, updated_at)
SELECT e.alliance_id, e.id, d::date,
       CASE WHEN h.v %% 100 < 7 THEN NULL ELSE time '08:00' END,
       CASE WHEN h.v %% 100 < 7 THEN NULL ELSE time '16:30' END,
       CASE WHEN h.v %% 100 < 7 THEN 'sick' ELSE '' END, '', 'portal', now()
FROM enrollment_enrollment e
CROSS JOIN generate_series(GREATEST(e.start_date, %(start)s::date), %(end)s::date, interval '1 day') AS d
CROSS JOIN LATERAL (SELECT abs(hashtext(e.id::text || ':' || d::date::text)) AS v) AS h
WHERE e.alliance_id = %(alliance)s AND (extract(isodow FROM d)::int - 1) = ANY(e.weekdays)
"""

# A year of money on the same families: each enrollment charged on the first of every month it is active,
# 96% paid on the 10th (in full), 1% written off after 90 days, the rest left open (aging).
_ACCOUNTS_SQL = """
INSERT INTO billing_familyaccount (alliance_id, family_id, program_id, staff_discount, created_at)
SELECT DISTINCT e.alliance_id, c.family_id, e.program_id, false, now()
FROM enrollment_enrollment e JOIN enrollment_child c ON c.id = e.child_id
WHERE e.alliance_id = %(alliance)s
ON CONFLICT DO NOTHING
"""

_LEDGER_SQL = """
WITH charges AS (
    SELECT e.alliance_id, fa.id AS account_id, e.program_id, e.child_id, e.id AS enrollment_id, m::date AS month,
           (800 + (e.id %% 7) * 50)::numeric(12, 2) AS amount, abs(hashtext(e.id::text || m::text)) %% 100 AS fate
    FROM enrollment_enrollment e
    JOIN enrollment_child c ON c.id = e.child_id
    JOIN billing_familyaccount fa ON fa.alliance_id = e.alliance_id AND fa.family_id = c.family_id
     AND fa.program_id = e.program_id
    CROSS JOIN generate_series(date_trunc('month', GREATEST(e.start_date, %(start)s::date)), %(end)s::date,
                               interval '1 month') AS m
    WHERE e.alliance_id = %(alliance)s
)
INSERT INTO billing_ledgerentry (alliance_id, account_id, program_id, kind, category, amount, posted_on,
                                 description, child_id, enrollment_id, created_at)
SELECT alliance_id, account_id, program_id, 'charge', 'tuition', amount, month, 'Tuition', child_id,
       enrollment_id, now() FROM charges
UNION ALL
SELECT alliance_id, account_id, program_id, 'payment', '', -amount, month + 9, 'Payment', NULL, NULL, now()
FROM charges WHERE fate < 96 AND month + 9 <= %(end)s::date
UNION ALL
SELECT alliance_id, account_id, program_id, 'write_off', '', -amount, month + 95, 'Written off', NULL, NULL, now()
FROM charges WHERE fate = 96 AND month + 95 <= %(end)s::date
"""

_LOADED_TABLES = [
    "enrollment_attendancerecord",
    "enrollment_enrollment",
    "enrollment_child",
    "billing_familyaccount",
    "billing_ledgerentry",
    "members_classroom",
    "members_classroomcapacity",
    "members_memberprogram",
]

_BARE_AGGREGATE_SQL = """
SELECT e.classroom_id, a.day, COUNT(*) FILTER (WHERE a.check_in IS NOT NULL), COUNT(*)
FROM enrollment_attendancerecord a
JOIN enrollment_enrollment e ON e.id = a.enrollment_id AND e.alliance_id = a.alliance_id
WHERE a.alliance_id = %(alliance)s AND a.day BETWEEN %(start)s::date AND %(end)s::date
GROUP BY e.classroom_id, a.day
"""


def bench_rollup(
    *, alliance: Alliance, runs: int, log: Callable[[str], None], programs: int = 140, children: int = 8400
) -> dict[str, Any]:
    from alliance.dataexport import alliance_delete_everything
    from billing.scale import scale_alliance_create

    began = time.perf_counter()
    with transaction.atomic():
        scale = scale_alliance_create(programs=programs, children=children, start=START)
        with alliance_scope(scale.alliance.pk), connection.cursor() as cursor:
            params: SqlParams = {"alliance": scale.alliance.pk, "start": START, "end": END}
            cursor.execute(_ATTENDANCE_SQL, params)
            attendance = cursor.rowcount
            cursor.execute(_ACCOUNTS_SQL, params)
            cursor.execute(_LEDGER_SQL, params)
            ledger = cursor.rowcount
    # What a nightly rollup finds: the day's rows committed hours ago, and autovacuum past them. Only the
    # owner may vacuum (as the app role VACUUM skips each table with a warning, and the rollup and the bare
    # aggregate would then be planned on whatever autovacuum had analysed by then).
    with owner_role(), connection.cursor() as cursor:
        for table in _LOADED_TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute("SELECT COUNT(*) FROM pg_stats WHERE tablename = 'enrollment_attendancerecord'")
        if not cursor.fetchone()[0]:
            raise RuntimeError(
                "VACUUM ANALYZE left enrollment_attendancerecord without statistics: run the "
                "benchmark with a DATABASE_URL whose login owns the tables (the demo and tests do)."
            )
    log(
        f"scale data: {len(scale.program_ids)} programs, {scale.children} children, {attendance} attendance "
        f"rows, {ledger} ledger rows in {time.perf_counter() - began:.1f} s (committed, vacuumed)"
    )
    try:
        began = time.perf_counter()
        result = _timed_rollup(scale.alliance.pk)
        seconds = time.perf_counter() - began
        log(
            f"rollup: {seconds:.2f} s; {result.tables['metrics_classroomday'][0]} classroom-days, "
            f"{result.tables['metrics_programmonth'][0]} program-months, "
            f"{result.tables['metrics_programfinancemonth'][0]} program finance months; by table: "
            + ", ".join(
                f"{table} {took:.2f} s (source {result.source_seconds.get(table, 0):.2f} s)"
                for table, took in result.seconds.items()
            )
            + f"; finance source read beside: {result.read_beside_seconds} s"
        )
        began = time.perf_counter()
        again = _timed_rollup(scale.alliance.pk)
        rerun = time.perf_counter() - began
        written = sum(counts[1] + counts[2] for counts in again.tables.values())
        log(
            f"rerun: {rerun:.2f} s, {written} rows changed; by table: "
            + ", ".join(f"{table} {took:.2f} s" for table, took in again.seconds.items())
        )
        # More first runs (the snapshots deleted and vacuumed away before each), each followed by the bare
        # aggregate, so both are sampled under the same conditions on this machine; the ratio is of medians.
        firsts, bares = [seconds], []
        for n in range(max(1, min(runs, 5))):
            if n:
                _delete_snapshots(scale.alliance.pk)
                began = time.perf_counter()
                _timed_rollup(scale.alliance.pk)
                firsts.append(time.perf_counter() - began)
            bare, groups = _timed_bare_aggregate(scale.alliance.pk, params)
            bares.append(bare)
        log(
            f"first runs: {', '.join(f'{x:.2f}' for x in firsts)} s; bare GROUP BY over the same attendance rows: "
            f"{', '.join(f'{x:.2f}' for x in bares)} s ({groups} groups)"
        )
    finally:
        began = time.perf_counter()
        alliance_delete_everything(alliance_id=scale.alliance.pk)
        log(f"scale alliance deleted in {time.perf_counter() - began:.1f} s")
    median, bare = statistics.median(firsts), statistics.median(bares)
    return {
        "programs": len(scale.program_ids),
        "children": scale.children,
        "attendance_rows": attendance,
        "ledger_rows": ledger,
        "finance_months": result.tables["metrics_programfinancemonth"][0],
        "days": (END - START).days + 1,
        "classroom_days": result.tables["metrics_classroomday"][0],
        "seconds": round(median, 3),
        "first_run_seconds": [round(x, 3) for x in firsts],
        "rerun_seconds": round(rerun, 3),
        "rerun_rows_changed": written,
        "bare_aggregate_seconds": round(bare, 3),
        "bare_aggregate_runs": [round(x, 3) for x in bares],
        "ratio": round(median / bare, 2),
        "finance_read_beside": result.read_beside_seconds is not None,
        "seconds_by_table": {table: round(took, 3) for table, took in result.seconds.items()},
    }


def _timed_rollup(alliance_id: int) -> Any:
    """The year's rollup as the nightly task runs it: in the alliance's scope, whose transaction it
    starts, through the commit (and whatever work the database leaves to the commit)."""
    with alliance_scope(alliance_id):
        return rollup_alliance(start=START, end=END)


def _delete_snapshots(alliance_id: int) -> None:
    snapshot_tables = [snapshot.table for snapshot, _ in [*OCCUPANCY_STEPS, *FINANCE_STEPS]]
    with owner_role():
        with transaction.atomic(), connection.cursor() as cursor:
            for table in snapshot_tables:
                cursor.execute(f"DELETE FROM {table} WHERE alliance_id = %s", [alliance_id])
        with connection.cursor() as cursor:
            for table in snapshot_tables:
                cursor.execute(f"VACUUM {table}")


def _timed_bare_aggregate(alliance_id: int, params: SqlParams) -> tuple[float, int]:
    # The same planner settings as the rollup: the fair comparison. Its rows are fetched, as a client would.
    with alliance_scope(alliance_id), connection.cursor() as cursor:
        _apply_settings(cursor, ROLLUP_SETTINGS)
        began = time.perf_counter()
        cursor.execute(_BARE_AGGREGATE_SQL, params)
        groups = len(cursor.fetchall())
        return time.perf_counter() - began, groups


bench_rollup.commits = True  # type: ignore[attr-defined]


def _snapshot_alliance(programs: int, months: list[datetime.date], rng: random.Random) -> tuple[Alliance, Any]:
    """An alliance with `programs` members and 12 months of snapshot rows, and its hub admin."""
    stamp = f"{programs}-{rng.randrange(10**8)}"
    alliance = Alliance.objects.create(
        name=f"Dashboard bench {stamp}", slug=f"dash-{stamp}", region="Bench", timezone="America/Chicago"
    )
    email = f"bench-{stamp}@bench.invalid"
    user = get_user_model().objects.create(username=email, email=email)
    with alliance_scope(alliance.pk):
        Membership.objects.create(alliance=alliance, user=user, role=Role.HUB_ADMIN)
        members = MemberProgram.objects.bulk_create(
            [
                MemberProgram(alliance=alliance, name=f"Program {n:03d}", kind="centre", joined_on=months[0])
                for n in range(programs)
            ]
        )
        occupancy, finance = [], []
        for program in members:
            for month in months:
                capacity = 60 * 21
                fte = Decimal(rng.randrange(700, 1260))
                occupancy.append(
                    ProgramMonth(
                        alliance=alliance,
                        program=program,
                        month=month,
                        operating_days=21,
                        licensed_capacity=capacity,
                        target_capacity=capacity,
                        enrolled_fte=fte,
                        enrolled_children=int(fte),
                        scheduled_child_days=int(fte),
                        attended_child_days=int(fte * Decimal("0.93")),
                    )
                )
                billed = Decimal(rng.randrange(30000, 60000))
                finance.append(
                    ProgramFinanceMonth(
                        alliance=alliance,
                        program=program,
                        month=month,
                        billed=billed,
                        collected_family=billed * Decimal("0.7"),
                        collected_third_party=billed * Decimal("0.25"),
                        written_off=billed * Decimal("0.02"),
                        aging_current=0,
                        aging_1_30=1000,
                        aging_31_60=500,
                        aging_61_90=200,
                        aging_over_90=100,
                        cost=billed * Decimal("1.02"),
                        personnel_admin=8000,
                        personnel_classroom=24000,
                    )
                )
        ProgramMonth.objects.bulk_create(occupancy, batch_size=2000)
        ProgramFinanceMonth.objects.bulk_create(finance, batch_size=2000)
        for month in months:
            AllianceMonth.objects.create(
                alliance=alliance,
                month=month,
                operating_days=21,
                licensed_capacity=60 * 21 * programs,
                target_capacity=60 * 21 * programs,
                enrolled_fte=Decimal(1000 * programs),
                enrolled_children=1000 * programs,
                scheduled_child_days=1000 * programs,
                attended_child_days=930 * programs,
            )
            AllianceFinanceMonth.objects.create(
                alliance=alliance,
                month=month,
                billed=45000 * programs,
                collected_family=31500 * programs,
                collected_third_party=11250 * programs,
                written_off=900 * programs,
                aging_current=0,
                aging_1_30=1000 * programs,
                aging_31_60=500 * programs,
                aging_61_90=200 * programs,
                aging_over_90=100 * programs,
                cost=46000 * programs,
                personnel_admin=8000 * programs,
                personnel_classroom=24000 * programs,
                member_fees=300 * programs,
                hub_cost=40000,
                grants=5000,
                contracts=2000,
            )
    return alliance, user


def _time_dashboard(alliance: Alliance, user: Any, runs: int) -> tuple[int, float, float, int]:
    """Queries of the page built from the snapshots; the median time of building it (the cache made stale
    before each, as a rollup does) and the median time of serving it from the cache."""
    from metrics.cache import snapshots_changed
    from metrics.views import DashboardView

    view = DashboardView.as_view()
    factory = RequestFactory()

    def get() -> Any:
        request = factory.get(f"/a/{alliance.slug}/dashboard/")
        request.user = user
        request._messages = []  # type: ignore[attr-defined]
        response = view(request, alliance_slug=alliance.slug)
        assert response.status_code == 200
        return response

    with CaptureQueriesContext(connection) as queries:
        first = get()
    uncached, cached = [], []
    for _ in range(runs):
        snapshots_changed(alliance.pk)
        began = time.perf_counter()
        get()
        uncached.append(time.perf_counter() - began)
        began = time.perf_counter()
        get()
        cached.append(time.perf_counter() - began)
    return len(queries), statistics.median(uncached), statistics.median(cached), len(first.content)


def bench_dashboard(*, alliance: Alliance, runs: int, log: Callable[[str], None]) -> dict[str, Any]:
    rng = random.Random(2026)
    months = months_back(12, until=datetime.date(2025, 12, 1))
    figures: dict[str, Any] = {}
    # The process's first page compiles its templates and imports its views (about 200 ms once): paid on a
    # small alliance of its own, so that neither measured size carries it.
    warm_alliance, warm_user = _snapshot_alliance(3, months, rng)
    _time_dashboard(warm_alliance, warm_user, 1)
    for programs in (10, 140):
        began = time.perf_counter()
        bench_alliance, user = _snapshot_alliance(programs, months, rng)
        log(f"{programs} programs: snapshots made in {time.perf_counter() - began:.1f} s")
        queries, uncached, median, size = _time_dashboard(bench_alliance, user, runs)
        log(
            f"{programs} programs: {queries} queries, built from the snapshots (median) {uncached * 1000:.1f} ms, "
            f"from the page cache (median) {median * 1000:.1f} ms, {size // 1024} KiB"
        )
        figures[f"queries_{programs}"] = queries
        figures[f"uncached_ms_{programs}"] = round(uncached * 1000, 1)
        figures[f"median_ms_{programs}"] = round(median * 1000, 1)
    figures["ratio"] = round(figures["median_ms_140"] / figures["median_ms_10"], 2)
    figures["uncached_ratio"] = round(figures["uncached_ms_140"] / figures["uncached_ms_10"], 2)
    figures["runs"] = runs
    return figures


BENCHMARKS = {"rollup": bench_rollup, "dashboard": bench_dashboard}
