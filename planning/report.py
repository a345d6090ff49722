"""A projection as people read it: the rows of the result table, the month table, the chart and the CSV.

Pages, the PDF, the CSV and the API all present a projection through this module, so a figure is
rounded once, here (money to the cent, half up; ratios are left to the formatter's percent).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from alliance.formatting import day, money
from metrics.charts import Series, line_chart
from planning.models import Scenario
from planning.projection import Changes, Figures, Projection, cents, project
from planning.selectors import baseline_year

MONEY, RATIO, NUMBER = "money", "ratio", "number"

# (key, label, kind): the year's figures, in the order the table shows them.
FIGURES = [
    ("licensed_places", "Licensed places (monthly average)", NUMBER),
    ("enrolled_children", "Enrolled children, FTE (monthly average)", NUMBER),
    ("occupancy", "Occupancy", RATIO),
    ("billed", "Billed", MONEY),
    ("collected", "Collected revenue", MONEY),
    ("collection_rate", "Collection rate", RATIO),
    ("written_off", "Bad debt", MONEY),
    ("bad_debt_rate", "Bad debt rate", RATIO),
    ("revenue", "Revenue kept (billed − bad debt)", MONEY),
    ("personnel", "Personnel cost", MONEY),
    ("non_personnel", "Other operating cost", MONEY),
    ("hub_fee", "Hub fee", MONEY),
    ("cost", "Total cost", MONEY),
    ("cost_per_child", "Cost per child per month", MONEY),
    ("revenue_per_child", "Revenue per child per month", MONEY),
    ("gap_per_child", "Gap per child per month (revenue − cost)", MONEY),
    ("net_result", "Net result", MONEY),
    ("break_even_occupancy", "Break-even occupancy", RATIO),
]


PER_CHILD = {"cost_per_child", "revenue_per_child", "gap_per_child"}


def figure(figures: Figures, key: str, months: int, *, per_month: bool = False) -> Decimal | None:
    """One figure of a year (or a month: months=1) as shown: money rounded once to the cent. `per_month`:
    money totals as a monthly average (to set periods of different lengths side by side)."""
    kind = next(k for name, _, k in FIGURES if name == key)
    if per_month and kind == MONEY and key not in PER_CHILD and months:
        total: Decimal = getattr(figures, key)
        return cents(total / months)
    if key == "licensed_places":
        value: Decimal | None = figures.licensed_capacity / months if months else None
    elif key == "enrolled_children":
        value = figures.enrolled_fte / months if months else None
    else:
        value = getattr(figures, key)
    if value is None:
        return None
    if kind == MONEY:
        return cents(value)
    if kind == NUMBER:
        return value.quantize(Decimal("0.1"))
    return value


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    kind: str
    baseline: Decimal | None
    projected: Decimal | None

    @property
    def difference(self) -> Decimal | None:
        if self.baseline is None or self.projected is None:
            return None
        return self.projected - self.baseline


@dataclass(frozen=True)
class Result:
    """A scenario's projection beside its baseline, ready to show."""

    projection: Projection

    @property
    def months(self) -> int:
        return len(self.projection.months)

    @property
    def first_month(self) -> datetime.date:
        return self.projection.months[0].month

    @property
    def last_month(self) -> datetime.date:
        return self.projection.months[-1].month

    def rows(self) -> list[Row]:
        base, new, n = self.projection.baseline, self.projection.projected, self.months
        return [Row(key, label, kind, figure(base, key, n), figure(new, key, n)) for key, label, kind in FIGURES]

    def month_rows(self) -> list[dict]:
        return [
            {
                "month": m.month,
                "baseline_fte": figure(m.baseline, "enrolled_children", 1),
                "projected_fte": figure(m.projected, "enrolled_children", 1),
                "baseline_revenue": cents(m.baseline.revenue),
                "projected_revenue": cents(m.projected.revenue),
                "baseline_cost": cents(m.baseline.cost),
                "projected_cost": cents(m.projected.cost),
                "baseline_net": cents(m.baseline.net_result),
                "projected_net": cents(m.projected.net_result),
            }
            for m in self.projection.months
        ]

    def chart(self, name: str = "Scenario"):  # type: ignore[no-untyped-def]
        months = self.projection.months
        return line_chart(
            title="Net result by month: baseline and scenario",
            labels=[day(m.month, "YEAR_MONTH_FORMAT") for m in months],
            series=[
                Series("Baseline (measured)", [cents(m.baseline.net_result) for m in months]),
                Series(name, [cents(m.projected.net_result) for m in months], dashed=True),
            ],
            fmt=money,
            floor_zero=False,
        )


def result_of(months: list, changes: Changes) -> Result | None:
    return Result(project(months, changes)) if months else None


def scenario_result(scenario: Scenario) -> Result | None:
    """The scenario recomputed from its member's last 12 measured months (None: nothing measured yet)."""
    return result_of(baseline_year(scenario.program), scenario.changes())


def csv_rows(scenario: Scenario, result: Result) -> list[list[object]]:
    """The projection as CSV: the year's figures, then each month's, baseline and scenario side by side."""
    who = [scenario.program.name, scenario.name]
    rows: list[list[object]] = [
        ["member", "scenario", "section", "month", "figure", "baseline", "scenario value", "difference"]
    ]
    for row in result.rows():
        rows.append([*who, "year", "", row.label, row.baseline, row.projected, row.difference])
    for m in result.projection.months:
        for key, label, _ in FIGURES:
            base, new = figure(m.baseline, key, 1), figure(m.projected, key, 1)
            difference = None if base is None or new is None else new - base
            rows.append([*who, "month", f"{m.month:%Y-%m}", label, base, new, difference])
    return rows
