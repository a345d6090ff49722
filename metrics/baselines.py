"""A member's baseline: its figures of before it joined the alliance, and nothing else.

Every figure that compares a member "since joining" (the value of membership,
the funder impact report's before-and-after and its savings since joining)
takes its baseline from here, so all of them count the same members over the
same months:

- the baseline is the last BASELINE_MONTHS months *before the month the member
  joined* that have figures in the nightly rollups: money billed and licensed
  capacity. Those months' records may have been measured by the Hub, entered
  by hand (costs, enrollments) or imported (CSV imports); what counts is that
  they are of months before the join date;
- "since joining" months are the month of joining and after;
- where there are no such months before joining (or no join date), there is
  no baseline, and `reason` says so in words a page can print. The first
  months of the data are never used instead: a member that joined before the
  Hub's figures begin has nothing to compare with.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from alliance.dates import month_start
from alliance.formatting import day

BASELINE_MONTHS = 3


@dataclass(frozen=True)
class Baseline:
    """Which months are a member's baseline, or why it has none."""

    joined_on: datetime.date | None
    months: tuple[datetime.date, ...] = ()
    reason: str | None = None

    @property
    def joined_month(self) -> datetime.date | None:
        return month_start(self.joined_on) if self.joined_on else None

    def since_joining(self, months: Iterable[datetime.date]) -> list[datetime.date]:
        """The months given that are of the member's membership (the month it joined and after)."""
        joined = self.joined_month
        return sorted(m for m in months if joined is not None and m >= joined)


def baseline_of(
    *, name: str, joined_on: datetime.date | None, months_with_figures: Iterable[datetime.date]
) -> Baseline:
    """The member's baseline months: the last BASELINE_MONTHS months with figures before the month it
    joined. `months_with_figures`: the months its rollups have money billed and licensed capacity in."""
    if joined_on is None:
        return Baseline(None, reason=f"{name} has no join date on record, so there is no before to compare with.")
    joined = month_start(joined_on)
    figures = sorted(set(months_with_figures))
    before = [m for m in figures if m < joined][-BASELINE_MONTHS:]
    if not before:
        since = f"; the Hub's figures for it begin {day(figures[0], 'YEAR_MONTH_FORMAT')}" if figures else ""
        return Baseline(
            joined_on,
            reason=(
                f"There are no figures of {name} from before it joined on {day(joined_on)}{since} — "
                "measured, entered or imported — so no since-joining comparison is made."
            ),
        )
    return Baseline(joined_on, tuple(before))


def has_figures(*, billed: Decimal | None, licensed_capacity: int | None) -> bool:
    """A month counts towards a baseline when something was billed and there were places to fill."""
    return (billed or 0) > 0 and (licensed_capacity or 0) > 0


__all__ = ["BASELINE_MONTHS", "Baseline", "baseline_of", "has_figures"]
