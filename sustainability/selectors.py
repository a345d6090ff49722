"""Reads of the sustainability plan that pages, PDF, CSV and API share.

The plan starts from what the product measures (a documented read-only use of
metrics' snapshots, docs/architecture.md): the Hub's cost and the Hub fees of
the dashboard's twelve months (`AllianceFinanceMonth.hub_cost`, `member_fees`),
and each active member's licensed slots and collections (family + third
party) over the same months (`ProgramFinanceMonth`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum

from alliance.disclosure import withheld
from members.models import MemberProgram, ProgramStatus
from metrics.models import AllianceFinanceMonth, ProgramFinanceMonth
from metrics.reports import default_period
from sustainability.models import Contract, Grant, Plan
from sustainability.projection import (
    ZERO,
    Fee,
    FeeStructure,
    Funding,
    Member,
    PlanInputs,
    Projection,
    StructureComparison,
    compare_structures,
    project,
)


@dataclass(frozen=True)
class Measured:
    """The Hub's measured year: the months it covers, Hub cost and the Hub fees invoiced."""

    start: datetime.date | None
    end: datetime.date | None
    months: int
    hub_cost: Decimal
    member_fees: Decimal


def measured_hub_year() -> Measured:
    period = default_period()
    if period is None:
        return Measured(None, None, 0, ZERO, ZERO)
    sums = AllianceFinanceMonth.objects.filter(month__range=period).aggregate(
        months=Count("month"), cost=Sum("hub_cost"), fees=Sum("member_fees")
    )
    return Measured(period[0], period[1], sums["months"] or 0, sums["cost"] or ZERO, sums["fees"] or ZERO)


def plan_members() -> list[Member]:
    """The alliance's active members with their licensed slots and a year's measured collections."""
    period = default_period()
    collected: dict[int, Decimal] = {}
    if period is not None:
        rows = (
            ProgramFinanceMonth.objects.filter(month__range=period)
            .values("program_id")
            .annotate(family=Sum("collected_family"), third=Sum("collected_third_party"))
        )
        collected = {r["program_id"]: (r["family"] or ZERO) + (r["third"] or ZERO) for r in rows}
    programs = MemberProgram.objects.filter(status=ProgramStatus.ACTIVE).order_by("name", "pk")
    return [Member(p.name, p.licensed_capacity or 0, collected.get(p.pk, ZERO)) for p in programs]


def plan_of_alliance() -> Plan | None:
    return Plan.objects.first()


def plan_grants(plan: Plan) -> list[Grant]:
    return list(Grant.objects.filter(plan=plan))


def plan_contracts(plan: Plan) -> list[Contract]:
    return list(Contract.objects.filter(plan=plan))


def plan_fees(plan: Plan) -> list[Fee]:
    """The plan's rate of each fee structure, in the order of FeeStructure.ALL."""
    return [
        Fee(FeeStructure.FLAT, plan.flat_fee),
        Fee(FeeStructure.PER_SLOT, plan.slot_fee),
        Fee(FeeStructure.SHARE, plan.collections_share_pct),
    ]


def plan_inputs(plan: Plan, *, members: list[Member] | None = None) -> PlanInputs:
    chosen = next(f for f in plan_fees(plan) if f.structure == plan.fee_structure)
    return PlanInputs(
        start_year=plan.start_year,
        years=plan.years,
        staff_cost=plan.staff_cost,
        overhead_cost=plan.overhead_cost,
        growth_pct=plan.growth_pct,
        fee=chosen,
        members=plan_members() if members is None else members,
        new_members_per_year=plan.new_members_per_year,
        new_member_slots=plan.new_member_slots,
        new_member_collections=plan.new_member_collections,
        grants=[Funding(g.name, g.amount, g.starts_on, g.ends_on, g.restriction) for g in plan_grants(plan)],
        contracts=[Funding(c.name, c.amount, c.starts_on, c.ends_on) for c in plan_contracts(plan)],
    )


def plan_projection(plan: Plan) -> Projection:
    return project(plan_inputs(plan))


def plan_comparison(plan: Plan) -> list[StructureComparison]:
    return compare_structures(plan_inputs(plan), plan_fees(plan))


@dataclass(frozen=True)
class FunderYear:
    year: int
    cost: Decimal
    fees: Decimal | None
    contracts: Decimal
    grants: Decimal
    surplus: Decimal | None
    members: int


@dataclass(frozen=True)
class FunderView:
    """The plan as a funder sees it: totals a year and the coverage year, never a member's fee.

    Member fees are an aggregate over the members (and the surplus gives them by difference),
    so both, and the coverage year they decide, follow the disclosure rule; the Hub's own cost,
    contracts and grants are the Hub's figures and are always shown.
    """

    start_year: int
    end_year: int
    years: tuple[FunderYear, ...]
    coverage_year: int | None
    withheld: str | None


def plan_funder_view(plan: Plan, *, viewer_is_hub: bool = False) -> FunderView:
    projection = plan_projection(plan)
    reason = withheld(members=len(projection.inputs.members), viewer_is_hub=viewer_is_hub)
    years = tuple(
        FunderYear(
            year=y.year,
            cost=y.cost,
            fees=None if reason else y.fees,
            contracts=y.contracts,
            grants=y.grants,
            surplus=None if reason else y.surplus,
            members=y.members,
        )
        for y in projection.years
    )
    return FunderView(plan.start_year, plan.end_year, years, None if reason else projection.coverage_year, reason)
