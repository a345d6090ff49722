"""Nightly rollups: source records to snapshot tables, in set-based SQL.

Each table is written in two statements: its source rows are computed into a
temporary table (`CREATE TEMPORARY TABLE rollup_source AS SELECT ...`, which
PostgreSQL may run with parallel workers, where a statement that writes never
is), then one statement of the shape

    WITH updated AS (UPDATE rows of the range whose values changed),
         inserted AS (INSERT keys of the source not yet there),
         stale AS (DELETE rows of the range that the source no longer produces)

so a rerun of the same range leaves identical rows (and writes none that did
not change), and a rerun after a correction (an enrollment ended early, a
capacity row removed) replaces what it must. The order is fixed: classroom
days from enrollments, attendance and capacity; program days from classroom
days; alliance days from program days; months from days.

Every statement filters by the open scope's alliance explicitly; row-level
security applies as well.

Plans do not depend on table statistics (a nightly rollup often follows a
bulk load): day figures come from running sums over enrollment changes, and
the day's facts are joined by (room, day) with hash joins.

Occupancy rules (DESIGN.md, "The Iron Triangle"): a classroom counts on its
operating days, before it closes, when a capacity row is in force; enrolled
FTE is the sum of FTE of enrollments active that day; child-days scheduled are
the enrollments whose weekdays include the day; attended are those scheduled
that were checked in. Programs that are still applicants are not rolled up.
"""

from __future__ import annotations

import datetime
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper

from alliance.dates import alliance_today, month_end, month_start
from alliance.models import Alliance
from alliance.tenancy import alliance_scope, require_alliance_id

SUMS = [
    "operating_days",
    "licensed_capacity",
    "target_capacity",
    "enrolled_fte",
    "enrolled_children",
    "scheduled_child_days",
    "attended_child_days",
]
SUM_EXPR = ", ".join(f"SUM({column})" for column in SUMS[1:])

_CLASSROOM_DAYS_TEMPLATE = """
WITH rooms AS (
    SELECT c.id, s.program_id, c.operating_days, c.closed_on
    FROM members_classroom c
    JOIN members_site s ON s.id = c.site_id
    JOIN members_memberprogram p ON p.id = s.program_id
    WHERE c.alliance_id = %(alliance)s AND p.status <> 'applicant'
),
capacity AS (
    SELECT cc.classroom_id, cc.effective_from, cc.licensed_capacity,
           COALESCE(cc.desired_capacity, cc.licensed_capacity) AS target_capacity,
           COALESCE(LEAD(cc.effective_from) OVER (PARTITION BY cc.classroom_id ORDER BY cc.effective_from),
                    'infinity'::date) AS next_from
    FROM members_classroomcapacity cc
    WHERE cc.alliance_id = %(alliance)s AND cc.effective_from <= %(end)s::date
),
-- Every operating day of every room with the capacity in force that day.
-- Days as date + n, weekdays by day arithmetic (1 January 1900 was a Monday): a series of timestamps would
-- go through the time zone for every room and day.
days AS (
    SELECT r.id AS classroom_id, r.program_id, g.day, cap.licensed_capacity, cap.target_capacity
    FROM rooms r
    CROSS JOIN (SELECT %(start)s::date + n AS day, (%(start)s::date + n - date '1900-01-01') %% 7 AS weekday
                FROM generate_series(0, %(end)s::date - %(start)s::date) AS n) AS g
    JOIN capacity cap ON cap.classroom_id = r.id AND cap.effective_from <= g.day AND g.day < cap.next_from
    WHERE g.weekday = ANY(r.operating_days)
      AND (r.closed_on IS NULL OR g.day < r.closed_on)
),
enrolled AS (
    -- FTE in hundredths (it has two places): integer running sums are cheaper than numeric ones.
    SELECT e.classroom_id, GREATEST(e.start_date, %(start)s::date) AS first_day, e.end_date,
           (e.fte * 100)::int AS fte, e.weekdays
    FROM enrollment_enrollment e
    WHERE e.alliance_id = %(alliance)s AND e.start_date <= %(end)s::date
      AND (e.end_date IS NULL OR e.end_date >= %(start)s::date)
),
-- An enrollment adds its FTE, a child and, on each of its weekdays, a scheduled child on its first day and
-- takes them away the day after its last. One running sum per room over these changes gives each day's
-- figures (the day's scheduled children are the counter of its weekday, w0 Monday to w6 Sunday) without
-- joining every day to every enrollment, so the plan does not hang on table statistics.
changes AS (
    SELECT classroom_id, first_day AS day, fte, 1 AS children, {WEEKDAYS} FROM enrolled
    UNION ALL
    SELECT classroom_id, end_date + 1, -fte, -1, {ENDED_WEEKDAYS} FROM enrolled WHERE end_date < %(end)s::date
),
load AS (
    SELECT classroom_id, day, is_day, SUM(fte) OVER running AS fte, SUM(children) OVER running AS children,
           {RUNNING_WEEKDAYS}
    FROM (SELECT classroom_id, day, true AS is_day, 0 AS fte, 0 AS children, {NO_WEEKDAYS} FROM days
          UNION ALL
          SELECT classroom_id, day, false, fte, children, {WEEKDAY_COLUMNS} FROM changes) AS events
    WINDOW running AS (PARTITION BY classroom_id ORDER BY day, is_day ROWS UNBOUNDED PRECEDING)
),
-- Each enrollment's weekdays as bits (Monday 1, Tuesday 2, ... Sunday 64), computed once per enrollment: the
-- GROUP BY keeps the subquery from being flattened (which would test ANY(weekdays) on every attendance record)
-- and, unlike a CTE, lets the attendance scan run in parallel.
attended AS (
    SELECT e.classroom_id, a.day, COUNT(*) AS attended
    FROM enrollment_attendancerecord a
    JOIN (SELECT id, alliance_id, classroom_id, {WEEKDAY_MASK} AS weekday_mask
          FROM enrollment_enrollment WHERE alliance_id = %(alliance)s GROUP BY id) e
      ON e.id = a.enrollment_id AND e.alliance_id = a.alliance_id
    WHERE a.alliance_id = %(alliance)s AND a.day BETWEEN %(start)s::date AND %(end)s::date
      -- The weekday by day arithmetic (1 January 1900 was a Monday), cheaper per record than extract().
      AND a.check_in IS NOT NULL AND (e.weekday_mask >> ((a.day - date '1900-01-01') %% 7)) & 1 = 1
    GROUP BY e.classroom_id, a.day
)
-- The day's facts joined by (room, day): every side has at most one row per room and day, and hash joins
-- (nested loops are off for the rollup) do not depend on estimated sizes.
-- Counts as the snapshot's integers (not the bigints of sums and counts): the program days add them up.
SELECT %(alliance)s::bigint, d.classroom_id, d.day, d.program_id, 1, d.licensed_capacity, d.target_capacity,
       (COALESCE(l.fte, 0) / 100.0)::numeric(12, 2), COALESCE(l.children, 0)::int,
       COALESCE((ARRAY[{DAY_WEEKDAYS}])[(d.day - date '1900-01-01') %% 7 + 1], 0)::int, COALESCE(a.attended, 0)::int
FROM days d
LEFT JOIN load l ON l.classroom_id = d.classroom_id AND l.day = d.day AND l.is_day
LEFT JOIN attended a ON a.classroom_id = d.classroom_id AND a.day = d.day
"""

_WEEKDAYS = range(7)
_CLASSROOM_DAYS = (
    _CLASSROOM_DAYS_TEMPLATE.replace("{WEEKDAYS}", ", ".join(f"({n} = ANY(weekdays))::int AS w{n}" for n in _WEEKDAYS))
    .replace("{ENDED_WEEKDAYS}", ", ".join(f"-({n} = ANY(weekdays))::int" for n in _WEEKDAYS))
    .replace("{RUNNING_WEEKDAYS}", ", ".join(f"SUM(w{n}) OVER running AS w{n}" for n in _WEEKDAYS))
    .replace("{NO_WEEKDAYS}", ", ".join(f"0 AS w{n}" for n in _WEEKDAYS))
    .replace("{WEEKDAY_COLUMNS}", ", ".join(f"w{n}" for n in _WEEKDAYS))
    .replace("{DAY_WEEKDAYS}", ", ".join(f"l.w{n}" for n in _WEEKDAYS))
    .replace("{WEEKDAY_MASK}", " + ".join(f"CASE WHEN {n} = ANY(weekdays) THEN {1 << n} ELSE 0 END" for n in _WEEKDAYS))
)

# The classroom days just written, read from their source (kept as a temporary table until the program days
# are written): the same rows as the snapshot's range, without reading them back through its index.
CLASSROOM_SOURCE = "rollup_classroom_days"

_PROGRAM_DAYS = f"""
SELECT alliance_id, program_id, day, 1, {SUM_EXPR}
FROM {CLASSROOM_SOURCE}
WHERE alliance_id = %(alliance)s AND day BETWEEN %(start)s::date AND %(end)s::date
GROUP BY alliance_id, program_id, day
"""

_ALLIANCE_DAYS = f"""
SELECT alliance_id, day, 1, {SUM_EXPR}
FROM metrics_programday
WHERE alliance_id = %(alliance)s AND day BETWEEN %(start)s::date AND %(end)s::date
GROUP BY alliance_id, day
"""

_PROGRAM_MONTHS = f"""
SELECT alliance_id, program_id, day - extract(day FROM day)::int + 1, COUNT(*), {SUM_EXPR}
FROM metrics_programday
WHERE alliance_id = %(alliance)s AND day BETWEEN %(month_start)s::date AND %(month_end)s::date
GROUP BY alliance_id, program_id, day - extract(day FROM day)::int + 1
"""

_ALLIANCE_MONTHS = f"""
SELECT alliance_id, day - extract(day FROM day)::int + 1, COUNT(*), {SUM_EXPR}
FROM metrics_allianceday
WHERE alliance_id = %(alliance)s AND day BETWEEN %(month_start)s::date AND %(month_end)s::date
GROUP BY alliance_id, day - extract(day FROM day)::int + 1
"""


@dataclass(frozen=True)
class Snapshot:
    """A snapshot table, its key (which leads with alliance_id), its values and
    the column whose range one rollup owns."""

    table: str
    key: list[str]
    values: list[str]
    period: str  # "day" or "month"
    # The name its source keeps after the step, for a later step to read (dropped by run_steps at the end).
    keeps_source_as: str | None = None

    @property
    def columns(self) -> list[str]:
        return [*self.key, *self.values]


# The temporary table one step's source rows are computed into (dropped after the step).
SOURCE_TABLE = "rollup_source"
# The named parameters of the rollup's SQL: the alliance's id and the days and months it covers.
SqlParams = dict[str, int | datetime.date]


def source_sql(snapshot: Snapshot, select_sql: str) -> str:
    """The step's source rows computed into a temporary table.

    A statement that writes (as the upsert does, through its CTEs) never runs
    in parallel; `CREATE TABLE AS` may, so the scans of attendance and the
    ledger, most of a rollup's reading, can use parallel workers here, as the
    bare aggregate does.
    """
    return f"CREATE TEMPORARY TABLE {SOURCE_TABLE} ({', '.join(snapshot.columns)}) ON COMMIT DROP AS {select_sql}"


def upsert_sql(snapshot: Snapshot) -> str:
    """One statement: write what the source table holds, delete what it no longer does.

    Set-based, so each part is one hash join over the range rather than a
    unique-index probe per row (`INSERT ... ON CONFLICT` took 0.5 s where
    this takes 0.16 s on a rerun over the benchmark's year of 36,540 program
    days): rows of the range whose
    values changed are updated, keys not yet there are inserted, keys the
    source no longer produces are deleted. The three parts see the same
    snapshot of the table and touch disjoint rows; two rollups of one alliance
    never run at once (`rollup_alliance` holds the alliance's rollup lock), so
    no other writer can insert a key between the check and the insert.
    """
    columns = ", ".join(snapshot.columns)
    sets = ", ".join(f"{c} = src.{c}" for c in snapshot.values)
    old = ", ".join(f"t.{c}" for c in snapshot.values)
    new = ", ".join(f"src.{c}" for c in snapshot.values)
    low, high = ("start", "end") if snapshot.period == "day" else ("month_start", "month_end")
    in_range = f"t.alliance_id = %(alliance)s AND t.{snapshot.period} BETWEEN %({low})s::date AND %({high})s::date"
    matches = " AND ".join(f"src.{c} = t.{c}" for c in snapshot.key)
    return f"""
WITH updated AS (
    UPDATE {snapshot.table} AS t SET {sets}
    FROM {SOURCE_TABLE} AS src
    WHERE {in_range} AND {matches} AND ({old}) IS DISTINCT FROM ({new})
    RETURNING 1
),
inserted AS (
    INSERT INTO {snapshot.table} ({columns})
    SELECT {columns} FROM {SOURCE_TABLE} AS src
    WHERE NOT EXISTS (SELECT 1 FROM {snapshot.table} t WHERE {in_range} AND {matches})
    RETURNING 1
),
stale AS (
    DELETE FROM {snapshot.table} t
    WHERE {in_range} AND NOT EXISTS (SELECT 1 FROM {SOURCE_TABLE} AS src WHERE {matches})
    RETURNING 1
)
SELECT (SELECT COUNT(*) FROM {SOURCE_TABLE}), (SELECT COUNT(*) FROM updated) + (SELECT COUNT(*) FROM inserted),
       (SELECT COUNT(*) FROM stale)
"""


OCCUPANCY_STEPS: list[tuple[Snapshot, str]] = [
    (
        Snapshot(
            "metrics_classroomday",
            ["alliance_id", "classroom_id", "day"],
            ["program_id", *SUMS],
            "day",
            keeps_source_as=CLASSROOM_SOURCE,
        ),
        _CLASSROOM_DAYS,
    ),
    (Snapshot("metrics_programday", ["alliance_id", "program_id", "day"], SUMS, "day"), _PROGRAM_DAYS),
    (Snapshot("metrics_allianceday", ["alliance_id", "day"], SUMS, "day"), _ALLIANCE_DAYS),
    (Snapshot("metrics_programmonth", ["alliance_id", "program_id", "month"], SUMS, "month"), _PROGRAM_MONTHS),
    (Snapshot("metrics_alliancemonth", ["alliance_id", "month"], SUMS, "month"), _ALLIANCE_MONTHS),
]


# Planner settings for the rollup's transaction (and the benchmark's bare aggregate, for a fair comparison).
# The rollup is a batch over whole tables that often follows a bulk load, when the planner has no statistics
# and guesses one row per scan: so hash joins and hash aggregates rather than nested loops and sorts chosen
# on that guess (a misestimate costs minutes); no JIT (the disabled plan types inflate the cost estimates
# past jit_above_cost, and compiling these one-off statements took longer, about 5 s, than running them);
# and room to hash a year of an alliance's rows in memory rather than on disk.
ROLLUP_SETTINGS = {"enable_nestloop": "off", "enable_sort": "off", "jit": "off", "work_mem": "64MB"}


def _apply_settings(cursor, settings: dict[str, str]) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """SET LOCAL each setting (the transaction's savepoint undoes them on error); return the previous values."""
    cursor.execute(
        "SELECT " + ", ".join("current_setting(%s), set_config(%s, %s, true)" for _ in settings),
        [value for name, setting in settings.items() for value in (name, name, setting)],
    )
    row = cursor.fetchone()
    return {name: row[2 * n] for n, name in enumerate(settings)}


# The first key of the alliance's rollup lock (pg_advisory_xact_lock(ROLLUP_LOCK, alliance id)).
ROLLUP_LOCK = 7_201


@dataclass
class RollupResult:
    start: datetime.date
    end: datetime.date
    # table -> (rows in the range, rows inserted or changed, stale rows deleted)
    tables: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    # table -> seconds its step took (source and write)
    seconds: dict[str, float] = field(default_factory=dict)
    # table -> seconds of those spent computing its source (the rest is writing the snapshot)
    source_seconds: dict[str, float] = field(default_factory=dict)
    # seconds the program finance source took on the second connection, when it was read beside (ReadBeside)
    read_beside_seconds: float | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "tables": {name: list(counts) for name, counts in self.tables.items()},
            "seconds": {name: round(seconds, 3) for name, seconds in self.seconds.items()},
            "read_beside_seconds": self.read_beside_seconds,
        }


def run_steps(steps: list[tuple[Snapshot, str]], params: SqlParams, result: RollupResult) -> None:
    with connection.cursor() as cursor:
        for snapshot, select_sql in steps:
            began = time.perf_counter()
            cursor.execute(source_sql(snapshot, select_sql), params)
            result.source_seconds[snapshot.table] = time.perf_counter() - began
            _write_source(cursor, snapshot, params, result, began)
        for snapshot, _ in steps:
            if snapshot.keeps_source_as:
                cursor.execute(f"DROP TABLE {snapshot.keeps_source_as}")


def _write_source(
    cursor: CursorWrapper,
    snapshot: Snapshot,
    params: SqlParams,
    result: RollupResult,
    began: float,
) -> None:
    cursor.execute(upsert_sql(snapshot), params)
    rows, written, deleted = cursor.fetchone()
    if snapshot.keeps_source_as:
        cursor.execute(f"ALTER TABLE {SOURCE_TABLE} RENAME TO {snapshot.keeps_source_as}")
    else:
        cursor.execute(f"DROP TABLE {SOURCE_TABLE}")
    result.seconds[snapshot.table] = time.perf_counter() - began
    result.tables[snapshot.table] = (rows, written, deleted)


def load_step(snapshot: Snapshot, rows: list[tuple[object, ...]], params: SqlParams, result: RollupResult) -> None:
    """Write a step whose source rows were read beside this connection (ReadBeside)."""
    began = time.perf_counter()
    with connection.cursor() as cursor:
        columns = ", ".join(snapshot.columns)
        # The snapshot table's own column types; no rows.
        cursor.execute(
            f"CREATE TEMPORARY TABLE {SOURCE_TABLE} ON COMMIT DROP AS "
            f"SELECT {columns} FROM {snapshot.table} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY {SOURCE_TABLE} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        _write_source(cursor, snapshot, params, result, began)


class ReadBeside:
    """Reads one step's source rows on a second connection while this one writes the others.

    The rollup's occupancy steps (the attendance scan) and its finance source (a year of ledger aging) read
    different tables and take about as long each; run one after the other, the writing statements keep one
    core busy (PostgreSQL never runs a statement that writes in parallel) and the other idle. The second
    connection runs as the app role, with the alliance's row-level security and the rollup's planner
    settings, in a read-only transaction; it returns the rows, and this connection writes them in its own
    transaction, so the snapshots still change all at once.

    It reads what is committed when it starts, as any statement of this read-committed transaction does; so
    only when this transaction has written nothing yet (no transaction id assigned). A second connection never
    sees uncommitted rows: a rollup inside a transaction that wrote (a test's, a service's) reads everything
    on this connection, one step after the other.
    """

    def __init__(self, alliance_id: int) -> None:
        self.alliance_id = alliance_id
        self.seconds = 0.0
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rollup-beside")
        self._future: Future[list[tuple[object, ...]]] | None = None

    @staticmethod
    def possible(cursor) -> bool:  # type: ignore[no-untyped-def]
        if not settings.HUB_ROLLUP_READ_BESIDE:
            return False
        cursor.execute("SELECT pg_current_xact_id_if_assigned() IS NULL")
        return bool(cursor.fetchone()[0])

    def submit(self, select_sql: str, params: SqlParams) -> None:
        self._future = self._executor.submit(self._read, select_sql, params)

    def _read(self, select_sql: str, params: SqlParams) -> list[tuple[object, ...]]:
        from django.db import connection as own  # this thread's own connection (set to the app role)

        began = time.perf_counter()
        try:
            # The alliance's scope opens this thread's transaction, as it opens every other one.
            with alliance_scope(self.alliance_id), own.cursor() as cursor:
                cursor.execute("SET TRANSACTION READ ONLY")
                _apply_settings(cursor, ROLLUP_SETTINGS)
                cursor.execute(select_sql, params)
                rows = cursor.fetchall()
            self.seconds = time.perf_counter() - began
            return rows
        finally:
            own.close()

    def rows(self) -> list[tuple[object, ...]]:
        assert self._future is not None
        return self._future.result()

    def close(self) -> None:
        """Wait for the reader, which closes its connection, and stop its thread."""
        self._executor.shutdown(wait=True, cancel_futures=True)


def rollup_alliance(*, start: datetime.date, end: datetime.date) -> RollupResult:
    """Roll the open scope's alliance up for the days start..end (inclusive) and
    the months they touch. One transaction: the snapshots change all at once."""
    if end < start:
        raise ValueError("The rollup's last day is before its first.")
    month_first, month_last = month_start(start), month_end(end)
    alliance_id = require_alliance_id()
    params: SqlParams = {
        "alliance": alliance_id,
        "start": start,
        "end": end,
        "month_start": month_first,
        "month_end": month_last,
    }
    result = RollupResult(start=start, end=end)
    from metrics.cache import snapshots_changed
    from metrics.rollups_finance import FINANCE_STEPS

    (finance_program, finance_program_sql), *finance_rest = FINANCE_STEPS
    # A write-off belongs to the month its charge was billed: the money snapshots go back to the earliest month
    # a write-off entered since the day before the range (or effective in it) touches (DESIGN.md, "Bad debt").
    finance_params: SqlParams = {**params, "month_start": min(month_first, write_offs_touch_from(start, end))}
    beside: ReadBeside | None = None
    with transaction.atomic():
        try:
            with connection.cursor() as cursor:
                # One rollup of an alliance at a time (the nightly one and a manual rerun, say): the second waits
                # for the first to commit, then recomputes from what it wrote and changes nothing.
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ROLLUP_LOCK, alliance_id])
                previous = _apply_settings(cursor, ROLLUP_SETTINGS)
                if ReadBeside.possible(cursor):
                    beside = ReadBeside(alliance_id)
                    beside.submit(finance_program_sql, finance_params)
            run_steps(OCCUPANCY_STEPS, params, result)
            if beside is not None:
                load_step(finance_program, beside.rows(), finance_params, result)
                result.read_beside_seconds = round(beside.seconds, 3)
            else:
                run_steps([(finance_program, finance_program_sql)], finance_params, result)
            run_steps(finance_rest, finance_params, result)
        finally:
            if beside is not None:
                beside.close()
        with connection.cursor() as cursor:
            _apply_settings(cursor, previous)
        snapshots_changed(alliance_id)
    return result


# Two branches, each joined on primary keys only (write-offs, then reversals of write-offs; a reversal points
# at an entry of its own alliance): a self-join that also named alliance_id let the planner, on statistics
# not yet analysed after a bulk load, walk the alliance index for every ledger entry (minutes on the demo's
# data). Row-level security still limits every table to the alliance.
_WRITE_OFFS_TOUCH = """
SELECT MIN(touched) FROM (
    SELECT COALESCE((SELECT inv.issued_on FROM billing_invoice inv WHERE inv.id = le.invoice_id), le.posted_on)
    FROM billing_ledgerentry le
    WHERE le.alliance_id = %(alliance)s AND le.kind = 'write_off'
      AND (le.created_at >= %(since)s::date OR le.posted_on BETWEEN %(start)s::date AND %(end)s::date)
    UNION ALL
    SELECT COALESCE(
        (SELECT inv.issued_on FROM billing_invoice inv WHERE inv.id = COALESCE(le.invoice_id, o.invoice_id)),
        o.posted_on, le.posted_on)
    FROM billing_ledgerentry le
    JOIN LATERAL (
        SELECT r.kind, r.invoice_id, r.posted_on FROM billing_ledgerentry r WHERE r.id = le.reverses_id
    ) AS o ON o.kind = 'write_off'
    WHERE le.alliance_id = %(alliance)s AND le.reverses_id IS NOT NULL
      AND (le.created_at >= %(since)s::date OR le.posted_on BETWEEN %(start)s::date AND %(end)s::date)
) AS t (touched)
"""


def write_offs_touch_from(start: datetime.date, end: datetime.date) -> datetime.date:
    """The first month whose bad debt a write-off entered since the day before `start` (or effective in
    start..end) changes: the month its invoice was billed. `start`'s month when there is none earlier."""
    with connection.cursor() as cursor:
        cursor.execute(
            _WRITE_OFFS_TOUCH,
            {
                "alliance": require_alliance_id(),
                "since": start - datetime.timedelta(days=1),
                "start": start,
                "end": end,
            },
        )
        (earliest,) = cursor.fetchone()
    return month_start(earliest) if earliest is not None and earliest < start else month_start(start)


def nightly_range(alliance: Alliance) -> tuple[datetime.date, datetime.date]:
    """What the nightly run recomputes: from the first of last month to yesterday,
    so late attendance and back-dated enrollment changes are picked up."""
    yesterday = alliance_today(alliance) - datetime.timedelta(days=1)
    first_of_last_month = (yesterday.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    return first_of_last_month, yesterday


def history_range(alliance: Alliance, *, months: int = 13) -> tuple[datetime.date, datetime.date]:
    """The last `months` whole months and this one up to yesterday (the demo's history)."""
    yesterday = alliance_today(alliance) - datetime.timedelta(days=1)
    first = yesterday.replace(day=1)
    for _ in range(months):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return first, yesterday
