"""Reads of shared services that pages, the API, billing and metrics share.

Fill rate = requests filled ÷ requests decided, where a request is decided once
it is filled (or delivered), closed as not filled, or still open after its day;
cancelled requests and open ones still ahead are left out. Time to fill runs
from the request to the booking.
"""

from __future__ import annotations

import datetime
import statistics
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from members.models import Classroom, MemberProgram
from sharedservices.models import (
    BOOKED,
    CoverRequest,
    CoverStatus,
    Delivery,
    MemberOrder,
    MemberOrderLine,
    PurchaseOrder,
    PurchasingCycle,
)
from sharedservices.models.base import ZERO


def _ratio(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), ROUND_HALF_UP) if whole else None


# --- Cover ---------------------------------------------------------------------
@dataclass
class FillRate:
    program_id: int | None
    program_name: str
    requested: int = 0
    filled: int = 0
    unfilled: int = 0
    pending: int = 0
    cancelled: int = 0
    hours_delivered: Decimal = ZERO
    fill_times: list[datetime.timedelta] = field(default_factory=list)

    @property
    def decided(self) -> int:
        return self.filled + self.unfilled

    @property
    def fill_rate(self) -> Decimal | None:
        return _ratio(self.filled, self.decided)

    @property
    def median_hours_to_fill(self) -> Decimal | None:
        if not self.fill_times:
            return None
        seconds = statistics.median(t.total_seconds() for t in self.fill_times)
        return (Decimal(str(seconds)) / 3600).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def average_hours_to_fill(self) -> Decimal | None:
        if not self.fill_times:
            return None
        seconds = sum(t.total_seconds() for t in self.fill_times) / len(self.fill_times)
        return (Decimal(str(seconds)) / 3600).quantize(Decimal("0.1"), ROUND_HALF_UP)

    def add(self, cover: CoverRequest, today: datetime.date) -> None:
        if cover.status == CoverStatus.CANCELLED:
            self.cancelled += 1
            return
        self.requested += 1
        if cover.status in BOOKED:
            self.filled += 1
            if cover.time_to_fill is not None:
                self.fill_times.append(cover.time_to_fill)
            self.hours_delivered += cover.hours_delivered or ZERO
        elif cover.status == CoverStatus.UNFILLED or cover.day < today:
            self.unfilled += 1
        else:
            self.pending += 1


def substitutes_covering(classroom: Classroom, day: datetime.date, at: datetime.time) -> list[str]:
    """Substitutes booked into the room on the day whose booked hours include `at` (from the
    start, before the end): what the room's ratio counts beside its own staff
    (registered in enrollment/room_cover.py by this app's AppConfig.ready)."""
    covers = CoverRequest.objects.filter(
        classroom=classroom, day=day, status__in=BOOKED, starts_at__lte=at, ends_at__gt=at
    ).select_related("substitute")
    return [f"{c.substitute.first_name} {c.substitute.last_name}" for c in covers if c.substitute]


def cover_fill_rates(
    covers: QuerySet[CoverRequest], *, start: datetime.date, end: datetime.date, today: datetime.date
) -> tuple[list[FillRate], FillRate]:
    """Fill rate and time to fill per program for requests whose day is in start..end,
    and the same over all of them."""
    rows: dict[int, FillRate] = {}
    total = FillRate(None, "All programs")
    for cover in (
        covers.filter(day__range=(start, end))
        .select_related(None)
        .select_related("program")
        .only("status", "day", "created_at", "filled_at", "hours_delivered", "program__name")
    ):
        row = rows.setdefault(cover.program_id, FillRate(cover.program_id, cover.program.name))
        row.add(cover, today)
        total.add(cover, today)
    return sorted(rows.values(), key=lambda r: r.program_name), total


def covers_to_charge(*, program_id: int, since: datetime.date, until: datetime.date) -> list[CoverRequest]:
    """Delivered cover not charged yet, worked between two days (billing's member fees).
    Locked until the caller's transaction ends, so hours cannot change while being charged."""
    return list(
        CoverRequest.objects.select_for_update()
        .filter(
            program_id=program_id,
            status=CoverStatus.DELIVERED,
            charged_invoice_number__isnull=True,
            day__range=(since, until),
        )
        .order_by("day", "pk")
    )


def delivered_covers(*, program_id: int, start: datetime.date, end: datetime.date) -> QuerySet[CoverRequest]:
    """A program's delivered cover in a period (each row links to its request)."""
    return (
        CoverRequest.objects.filter(program_id=program_id, status=CoverStatus.DELIVERED, day__range=(start, end))
        .select_related("substitute", "classroom")
        .order_by("day", "pk")
    )


# --- Purchasing ----------------------------------------------------------------
@dataclass(frozen=True)
class OrderTotals:
    lines: int
    amount: Decimal
    list_amount: Decimal

    @property
    def expected_savings(self) -> Decimal:
        return self.list_amount - self.amount


def order_totals(lines: list[MemberOrderLine]) -> OrderTotals:
    return OrderTotals(len(lines), sum((li.amount for li in lines), ZERO), sum((li.list_amount for li in lines), ZERO))


@dataclass(frozen=True)
class CycleOrderRow:
    order: MemberOrder
    totals: OrderTotals


def cycle_orders(cycle: PurchasingCycle, orders: QuerySet[MemberOrder]) -> list[CycleOrderRow]:
    """The cycle's member orders (as narrowed for the viewer) with their totals."""
    lines: dict[int, list[MemberOrderLine]] = {}
    for line in MemberOrderLine.objects.filter(order__cycle=cycle).order_by("pk"):
        lines.setdefault(line.order_id, []).append(line)
    return [
        CycleOrderRow(order, order_totals(lines.get(order.pk, [])))
        for order in orders.filter(cycle=cycle).select_related("program").order_by("program__name")
    ]


def cycle_counts() -> dict[int, dict[str, int]]:
    """Per cycle: member orders and purchase orders."""
    counts = PurchasingCycle.objects.annotate(
        n_orders=Count("orders", distinct=True), n_purchase_orders=Count("purchase_orders", distinct=True)
    )
    return {c.pk: {"member_orders": c.n_orders, "purchase_orders": c.n_purchase_orders} for c in counts}


def delivered_lines(*, program_id: int, start: datetime.date, end: datetime.date) -> QuerySet[MemberOrderLine]:
    """A program's order lines delivered in a period, each with the savings recorded on it."""
    return (
        MemberOrderLine.objects.filter(order__program_id=program_id, delivered_on__range=(start, end))
        .select_related("item", "item__vendor", "order", "order__cycle", "purchase_order")
        .order_by("delivered_on", "pk")
    )


def purchasing_savings(*, program_id: int, start: datetime.date, end: datetime.date) -> Decimal:
    return (
        MemberOrderLine.objects.filter(order__program_id=program_id, delivered_on__range=(start, end)).aggregate(
            s=Sum("savings")
        )["s"]
        or ZERO
    )


def purchasing_savings_by_program(*, start: datetime.date, end: datetime.date) -> dict[int, Decimal]:
    """Recorded savings of every program in a period, one query (the funder report)."""
    return dict(
        MemberOrderLine.objects.filter(delivered_on__range=(start, end))
        .values("order__program_id")
        .annotate(s=Sum("savings"))
        .values_list("order__program_id", "s")
    )


def cover_hours_by_program(*, start: datetime.date, end: datetime.date) -> dict[int, Decimal]:
    return dict(
        CoverRequest.objects.filter(status=CoverStatus.DELIVERED, day__range=(start, end))
        .values("program_id")
        .annotate(h=Sum("hours_delivered"))
        .values_list("program_id", "h")
    )


def members_with_savings_by_month(*, start: datetime.date, end: datetime.date) -> dict[datetime.date, int]:
    """How many programs recorded purchasing savings or received substitute cover in each month of a
    period (first days of months): the members a month's savings are made of, for the disclosure rule's
    thin-month check of period totals (alliance/disclosure.py). Two queries."""
    pairs = set(
        MemberOrderLine.objects.filter(delivered_on__range=(start, end), savings__gt=0)
        .annotate(month=TruncMonth("delivered_on"))
        .values_list("month", "order__program_id")
        .distinct()
    )
    pairs |= set(
        CoverRequest.objects.filter(status=CoverStatus.DELIVERED, day__range=(start, end), hours_delivered__gt=0)
        .annotate(month=TruncMonth("day"))
        .values_list("month", "program_id")
        .distinct()
    )
    counts: dict[datetime.date, int] = {}
    for month, _ in pairs:
        counts[month] = counts.get(month, 0) + 1
    return counts


def purchase_order_members(purchase_order: PurchaseOrder) -> list[dict[str, object]]:
    """Each member on a purchase order: its lines' totals and its delivery, if recorded."""
    deliveries = {d.program_id: d for d in Delivery.objects.filter(purchase_order=purchase_order)}
    rows = (
        MemberOrderLine.objects.filter(purchase_order=purchase_order)
        .values("order__program_id", "order__program__name", "order_id")
        .annotate(lines=Count("id"), quantity=Sum("quantity"))
        .order_by("order__program__name")
    )
    lines: dict[int, list[MemberOrderLine]] = {}
    for line in MemberOrderLine.objects.filter(purchase_order=purchase_order):
        lines.setdefault(line.order_id, []).append(line)
    return [
        {
            **row,
            "totals": order_totals(lines.get(row["order_id"], [])),
            "delivery": deliveries.get(row["order__program_id"]),
        }
        for row in rows
    ]


def programs_for_choice() -> QuerySet[MemberProgram]:
    return MemberProgram.objects.filter(~Q(status="left")).order_by("name")
