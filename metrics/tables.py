"""Charts with their table view: one definition gives the SVG, the HTML table and the CSV.

A chart on the dashboard, the member page, the provider view and the funder
report is built here from a selector's result, so the picture, its table and
its download always agree.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.safestring import SafeString, mark_safe

from alliance.csvsafe import csv_text
from alliance.formatting import money, pct
from alliance.templatetags.hub_format import printed
from metrics.charts import Reference, Series, line_chart
from metrics.selectors import AllianceFigures, Benchmark


@dataclass(frozen=True)
class Chart:
    slug: str
    title: str
    svg: SafeString
    headers: list[str]
    rows: list[list[str]]
    note: str = ""  # why figures are missing (alliance/disclosure.py), printed under the chart

    def csv(self) -> str:
        return csv_text([self.headers, *self.rows])

    def header_cells(self) -> SafeString:
        """The table view's header cells, as metrics/_chart.html wrote them with a template loop."""
        return mark_safe("".join(f'<th scope="col">{printed(h)}</th>' for h in self.headers))  # noqa: S308

    def body_rows(self) -> SafeString:
        """The table view's rows: a month and its figures ("—" where there is none), escaped as the
        template escaped them. Built here rather than by template loops over every cell: a member's
        page has five charts of thirteen rows (issue 21)."""
        rows = []
        for row in self.rows:
            cells = [f"<td>{printed(row[0] or '—')}</td>"] if row else []
            cells += [f'<td class="num">{printed(cell or "—")}</td>' for cell in row[1:]]
            rows.append(f"<tr>{''.join(cells)}</tr>")
        return mark_safe("".join(rows))  # noqa: S308 - every cell is escaped


def axis_label(month: datetime.date) -> str:
    return f"{month:%b %y}"


def plain(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def _monthly_chart(
    *,
    slug: str,
    title: str,
    months: list[datetime.date],
    series: Sequence[Series],
    fmt: Callable[[Decimal], str],
    references: Sequence[Reference] = (),
    band: tuple[Sequence[Decimal | None], Sequence[Decimal | None]] | None = None,
    band_headers: tuple[str, str] = ("alliance Q1", "alliance Q3"),
    withheld: Sequence[str | None] = (),
) -> Chart:
    """`withheld`: for each month, why its figures are suppressed (None where they are shown); the table
    and the CSV then carry the reason in a last `note` column."""
    svg = line_chart(
        title=title, labels=[axis_label(m) for m in months], series=series, fmt=fmt, references=references, band=band
    )
    headers = ["month", *(s.label for s in series)]
    if band:
        headers += list(band_headers)
    notes = any(withheld)
    if notes:
        headers.append("note")
    rows = []
    for i, month in enumerate(months):
        row = [month.strftime("%Y-%m"), *(plain(s.values[i]) for s in series)]
        if band:
            row += [plain(band[0][i]), plain(band[1][i])]
        if notes:
            row.append(withheld[i] or "")
        rows.append(row)
    reasons = list(dict.fromkeys(reason for reason in withheld if reason))
    return Chart(slug, title, svg, headers, rows, note=" ".join(reasons[-1:]))


def whole_money(value: Decimal | None) -> str:
    """Chart axes and labels: money in whole units ($1,524)."""
    return money(value, places=0)


def alliance_charts(figures: AllianceFigures) -> list[Chart]:
    """The three corners of the Iron Triangle, and the Hub's own sustainability, over 12 months."""
    targets, months = figures.targets, figures.months
    return [
        _monthly_chart(
            slug="occupancy",
            title="Occupancy and attendance",
            months=months,
            series=[
                Series("occupancy", figures.alliance_series("occupancy")),
                Series("attendance", figures.alliance_series("attendance"), dashed=True),
            ],
            fmt=pct,
            references=[Reference("budget", targets.budget_occupancy), Reference("target", targets.target_occupancy)],
        ),
        _monthly_chart(
            slug="collection",
            title="Fee collection and bad debt (share of billed)",
            months=months,
            series=[
                Series("collection rate", figures.alliance_series("collection_rate")),
                Series("family share", figures.alliance_series("family_collection_rate"), dashed=True),
                Series("third-party share", figures.alliance_series("third_party_collection_rate"), dashed=True),
                Series("bad debt", figures.alliance_series("bad_debt_rate")),
            ],
            fmt=pct,
            references=[
                Reference("collection target", targets.collection_min),
                Reference("bad debt limit", targets.bad_debt_max),
            ],
        ),
        _monthly_chart(
            slug="cost-revenue",
            title="Revenue and cost per enrolled child (a month)",
            months=months,
            series=[
                Series("revenue per child", figures.alliance_series("revenue_per_child")),
                Series("cost per child", figures.alliance_series("cost_per_child"), dashed=True),
            ],
            fmt=whole_money,
        ),
        _monthly_chart(
            slug="hub",
            title="Hub sustainability: share of Hub cost covered",
            months=months,
            series=[
                Series("by member fees", figures.hub_series("fee_coverage")),
                Series("with grants and contracts", figures.hub_series("total_coverage"), dashed=True),
            ],
            fmt=pct,
        ),
    ]


MEMBER_COLUMNS = [
    ("occupancy", "occupancy"),
    ("occupancy_of_target", "occupancy of desired capacity"),
    ("attendance", "attendance"),
    ("average_capacity", "average licensed capacity"),
    ("average_fte", "average enrolled FTE"),
    ("open_slots", "average open slots"),
    ("billed", "billed"),
    ("collection_rate", "collection rate"),
    ("bad_debt_rate", "bad debt rate"),
    ("cost_per_child", "cost per child"),
    ("revenue_per_child", "revenue per child"),
    ("gap_per_child", "gap per child"),
    ("break_even_occupancy", "break-even occupancy"),
    ("admin_share", "administration share of personnel"),
]


def members_chart_rows(figures: AllianceFigures) -> Chart:
    """The members table as a downloadable table (no SVG)."""
    headers = ["program", "month", *(label for _, label in MEMBER_COLUMNS), "points to target", "flags"]
    month = figures.months[-1].strftime("%Y-%m") if figures.months else ""
    if figures.trailing and figures.months:  # each member's figures are of the 12 months as one period
        month = f"{figures.months[0]:%Y-%m} to {month}"
    rows = [
        [
            p.name,
            month,
            *(plain(p.latest_figure(name)) for name, _ in MEMBER_COLUMNS),
            plain(p.to_target),
            "; ".join(f.message for f in p.flags),
        ]
        for p in figures.programs
    ]
    return Chart("members", "Members", SafeString(""), headers, rows)


def _benchmark_chart(
    benchmark: Benchmark,
    *,
    slug: str,
    figure: str,
    title: str,
    own_label: str,
    fmt: Callable[[Decimal], str],
    references: Sequence[Reference] = (),
) -> Chart:
    return _monthly_chart(
        slug=slug,
        title=title,
        months=benchmark.months,
        series=[
            Series(own_label, benchmark.own_series(figure)),
            Series(f"median of {benchmark.peer_group}", benchmark.spread_series(figure, "median"), dashed=True),
        ],
        fmt=fmt,
        references=references,
        band=(benchmark.spread_series(figure, "q1"), benchmark.spread_series(figure, "q3")),
        band_headers=(f"Q1 of {benchmark.peer_group}", f"Q3 of {benchmark.peer_group}"),
        withheld=benchmark.withheld_series(figure),
    )


def benchmark_charts(benchmark: Benchmark, *, own_label: str) -> list[Chart]:
    targets = benchmark.targets
    peers = benchmark.peer_group
    return [
        _benchmark_chart(
            benchmark,
            slug="occupancy",
            figure="occupancy",
            own_label=own_label,
            fmt=pct,
            title=f"Occupancy: {own_label} and the alliance's {peers}",
            references=[Reference("budget", targets.budget_occupancy)],
        ),
        _benchmark_chart(
            benchmark,
            slug="attendance",
            figure="attendance",
            own_label=own_label,
            fmt=pct,
            title=f"Attendance: {own_label} and the alliance's {peers}",
        ),
        _benchmark_chart(
            benchmark,
            slug="collection",
            figure="collection_rate",
            own_label=own_label,
            fmt=pct,
            title=f"Collection rate: {own_label} and the alliance's {peers}",
            references=[Reference("target", targets.collection_min)],
        ),
        _benchmark_chart(
            benchmark,
            slug="bad-debt",
            figure="bad_debt_rate",
            own_label=own_label,
            fmt=pct,
            title=f"Bad debt: {own_label} and the alliance's {peers}",
            references=[Reference("limit", targets.bad_debt_max)],
        ),
        _benchmark_chart(
            benchmark,
            slug="gap",
            figure="gap_per_child",
            own_label=own_label,
            fmt=whole_money,
            title=f"Revenue minus cost per child: {own_label} and the alliance's {peers}",
            references=[Reference("break-even", Decimal(0))],
        ),
    ]


def find_chart(charts: list[Chart], slug: str) -> Chart | None:
    return next((c for c in charts if c.slug == slug), None)
