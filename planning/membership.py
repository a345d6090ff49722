"""What membership does for you: a member's own before and after since joining, or, for a prospective
member of a given size, the alliance's measured effects applied to its figures.

The effects are those the value of membership and the funder impact report measure (metrics/value.py):
the members with a baseline of their own (metrics/baselines.py), their baseline months against their months
since joining in the last 12 complete months, added up — occupancy (FTE-days ÷ capacity-days), bad debt
(written off ÷ billed), collection (collected ÷ billed) — and purchasing savings as a share of what their
food and supplies would have cost without them (savings ÷ (food and supplies entered + savings)). What is
worked out for a prospective member leaves the Hub, so the aggregate follows the disclosure rule as it does
for anyone outside it (alliance/disclosure.py): fewer than three measured members, no effects.

Applied to a prospect: occupancy, collection rate and bad debt rate move by the measured difference in
percentage points (occupancy and collection at most 100 %, bad debt at least 0), purchasing savings take the
measured share off its food and supplies, and its Hub fee is added as typed.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from alliance.dates import add_months, alliance_today, month_start
from alliance.disclosure import withheld
from members.models import CostCategory, MemberProgram, MonthlyCost, ProgramStatus
from metrics.figures import ratio
from metrics.models import ProgramFinanceMonth
from metrics.value import members_value
from planning.projection import ZERO, BaselineMonth, Changes
from planning.report import Result, result_of

ONE = Decimal("1")


@dataclass(frozen=True)
class Effects:
    members: int
    start: datetime.date
    end: datetime.date
    withheld: str | None = None
    occupancy_before: Decimal | None = None
    occupancy_now: Decimal | None = None
    bad_debt_before: Decimal | None = None
    bad_debt_now: Decimal | None = None
    collection_before: Decimal | None = None
    collection_now: Decimal | None = None
    purchasing_savings: Decimal | None = None  # share of food and supplies saved

    @staticmethod
    def _change(before: Decimal | None, now: Decimal | None) -> Decimal:
        return now - before if before is not None and now is not None else ZERO

    @property
    def occupancy_change(self) -> Decimal:
        return self._change(self.occupancy_before, self.occupancy_now)

    @property
    def bad_debt_change(self) -> Decimal:
        return self._change(self.bad_debt_before, self.bad_debt_now)

    @property
    def collection_change(self) -> Decimal:
        return self._change(self.collection_before, self.collection_now)


def measured_alliance_effects(*, today: datetime.date | None = None) -> Effects:
    """The alliance's measured effects over the last 12 complete months (aggregate, disclosure rule applied)."""
    end = add_months(month_start(today or alliance_today()), -1)
    start = add_months(end, -11)
    programs = list(MemberProgram.objects.exclude(status=ProgramStatus.APPLICANT).order_by("pk"))
    values = [v for v in members_value(programs, start=start, end=end) if v.baseline and v.now]
    reason = withheld(members=len(values), viewer_is_hub=False)
    if reason is not None:
        return Effects(len(values), start, end, withheld=reason)
    ids = [v.program.pk for v in values]
    collected: dict[tuple[int, datetime.date], Decimal] = {
        (p, m): f + t
        for p, m, f, t in ProgramFinanceMonth.objects.filter(program_id__in=ids).values_list(
            "program_id", "month", "collected_family", "collected_third_party"
        )
    }
    purchased: dict[tuple[int, datetime.date], Decimal] = defaultdict(lambda: ZERO)
    for row in (
        MonthlyCost.objects.filter(
            program_id__in=ids, category__in=[CostCategory.FOOD, CostCategory.SUPPLIES], month__range=(start, end)
        )
        .values("program_id", "month")
        .annotate(total=Sum("amount"))
    ):
        purchased[(row["program_id"], row["month"])] = row["total"]
    before = [v.baseline for v in values if v.baseline]
    now = [v.now for v in values if v.now]
    billed_before = sum((s.billed for s in before), ZERO)
    billed_now = sum((s.billed for s in now), ZERO)
    collected_before = sum(
        (collected.get((v.program.pk, m), ZERO) for v in values if v.baseline for m in v.baseline.months), ZERO
    )
    collected_now = sum((collected.get((v.program.pk, m), ZERO) for v in values if v.now for m in v.now.months), ZERO)
    savings = sum((v.purchasing_savings for v in values), ZERO)
    spent = sum((purchased[(v.program.pk, m)] for v in values if v.now for m in v.now.months), ZERO)
    return Effects(
        len(values),
        start,
        end,
        occupancy_before=ratio(sum((s.enrolled_fte for s in before), ZERO), sum(s.licensed_capacity for s in before)),
        occupancy_now=ratio(sum((s.enrolled_fte for s in now), ZERO), sum(s.licensed_capacity for s in now)),
        bad_debt_before=ratio(sum((s.written_off for s in before), ZERO), billed_before) if billed_before else None,
        bad_debt_now=ratio(sum((s.written_off for s in now), ZERO), billed_now) if billed_now else None,
        collection_before=ratio(collected_before, billed_before) if billed_before else None,
        collection_now=ratio(collected_now, billed_now) if billed_now else None,
        purchasing_savings=ratio(savings, spent + savings) if spent + savings > 0 else None,
    )


@dataclass(frozen=True)
class Prospect:
    """A prospective member's month as typed in (rates are ratios)."""

    licensed_places: Decimal
    enrolled: Decimal
    billed: Decimal
    collection_rate: Decimal
    bad_debt_rate: Decimal
    personnel: Decimal
    food_supplies: Decimal
    other_cost: Decimal
    hub_fee: Decimal

    def month(self, on: datetime.date) -> BaselineMonth:
        return BaselineMonth(
            month=on,
            licensed_capacity=self.licensed_places,
            enrolled_fte=self.enrolled,
            billed=self.billed,
            collected=self.billed * self.collection_rate,
            written_off=self.billed * self.bad_debt_rate,
            personnel=self.personnel,
            costs={"supplies": self.food_supplies, "other": self.other_cost},
        )

    def changes(self, effects: Effects) -> Changes:
        occupancy = self.enrolled / self.licensed_places if self.licensed_places else ZERO
        return Changes(
            occupancy=min(ONE, max(ZERO, occupancy + effects.occupancy_change)),
            collection_rate=min(ONE, max(ZERO, self.collection_rate + effects.collection_change)),
            bad_debt_rate=min(ONE, max(ZERO, self.bad_debt_rate + effects.bad_debt_change)),
            purchasing_savings=effects.purchasing_savings or ZERO,
            hub_fee=self.hub_fee,
        )


def prospect_result(prospect: Prospect, effects: Effects, *, on: datetime.date) -> Result | None:
    """A month of the prospect as it is, and as the alliance's measured effects would make it."""
    if effects.withheld is not None:
        return None
    return result_of([prospect.month(on)], prospect.changes(effects))
