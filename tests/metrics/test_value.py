"""Value of membership: a worked example of the savings arithmetic, the page that
traces each figure to its records, and the aggregate in the funder impact report.

Program X joined on 1 April 2026; the Hub has its figures from December 2025 (measured
before it joined). Period: April to June 2026.
- Hub fees (billing's member fees): $150.00 flat each month, plus May's cover,
  7.5 h × $28.00 = $210.00: 150 + 360 + 150 = $660.00; $300.00 paid.
- Purchasing, delivered in May: 10 cases of wipes, (30.00 − 24.50) × 10 = 55.00, and
  4 reams of paper, (12.99 − 9.49) × 4 = 14.00: $69.00. (July's delivery is outside.)
- Since joining: the baseline is its last three months with figures before it joined
  (December billed nothing), January–March:
  billed 30,000.00, written off 900.00 (3%), 960 FTE-days of 1,200 capacity-days (80%).
  Now: billed 36,000.00, written off 120.00, 1,140 FTE-days of 1,200 (95%).
  Bad debt avoided = 36,000 × 900 ÷ 30,000 − 120 = 1,080 − 120 = $960.00.
  Revenue from fuller rooms = 36,000 × (1,140 − 0.80 × 1,200) ÷ 1,140 = 36,000 × 180 ÷ 1,140
  = 5,684.2105… = $5,684.21.
- Measured value = 69.00 + 960.00 + 5,684.21 = $6,713.21; net of the fee = $6,053.21;
  $10.17 for each fee dollar (6,713.21 ÷ 660).
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from alliance.tenancy import alliance_scope
from billing.member_fees import member_fee_account, member_fees_invoice
from billing.payments import payment_record
from members.models import MemberProgram, PricingModel
from metrics.models import ProgramFinanceMonth, ProgramMonth
from metrics.value import member_value, savings_members_report
from sharedservices.models import CatalogueItem, CoverStatus, MemberOrder, MemberOrderLine, PurchasingCycle, Vendor
from tests.factories import MemberProgramFactory
from tests.members.factories import HubServiceFactory, SiteFactory, SubscriptionFactory, classroom
from tests.sharedservices.factories import SubstituteFactory, cover

APRIL, MAY, JUNE = datetime.date(2026, 4, 1), datetime.date(2026, 5, 1), datetime.date(2026, 6, 1)
JOINED = APRIL
PERIOD = "from=2026-04&to=2026-06"


def snapshots(program: MemberProgram, month: datetime.date, *, billed: str, written_off: str, fte: str) -> None:
    money = {
        name: Decimal("0.00")
        for name in (
            "collected_family",
            "collected_third_party",
            "aging_current",
            "aging_1_30",
            "aging_31_60",
            "aging_61_90",
            "aging_over_90",
            "cost",
            "personnel_admin",
            "personnel_classroom",
        )
    }
    ProgramFinanceMonth.objects.create(
        program=program, month=month, billed=Decimal(billed), written_off=Decimal(written_off), **money
    )
    ProgramMonth.objects.create(
        program=program,
        month=month,
        operating_days=20,
        licensed_capacity=400,
        target_capacity=400,
        enrolled_fte=Decimal(fte),
        enrolled_children=20,
        scheduled_child_days=0,
        attended_child_days=0,
    )


def delivered(
    program: MemberProgram, cycle: PurchasingCycle, item: CatalogueItem, quantity: int, on: datetime.date
) -> MemberOrderLine:
    order, _ = MemberOrder.objects.get_or_create(cycle=cycle, program=program)
    return MemberOrderLine.objects.create(
        order=order,
        item=item,
        quantity=quantity,
        alliance_price=item.alliance_price,
        list_price=item.list_price,
        delivered_quantity=quantity,
        delivered_on=on,
        savings=(item.list_price - item.alliance_price) * quantity,
    )


@pytest.fixture
def example(world):
    flat = HubServiceFactory(alliance=world.a, name="Bookkeeping", rate=Decimal("150.00"))
    hourly = HubServiceFactory(
        alliance=world.a,
        name="Substitute cover (hourly)",
        rate=Decimal("28.00"),
        pricing_model=PricingModel.PER_SUBSTITUTE_HOUR,
    )
    for service in (flat, hourly):
        SubscriptionFactory(program=world.x, service=service, starts_on=JOINED)
    room = classroom(SiteFactory(program=world.x), name="Butterflies")
    sub = SubstituteFactory(alliance=world.a, first_name="Ana", last_name="Alvarez")
    worked = cover(
        room,
        datetime.date(2026, 5, 6),
        "07:30",
        "15:30",
        status=CoverStatus.DELIVERED,
        substitute=sub,
        hours_delivered=Decimal("7.50"),
    )
    with alliance_scope(world.a.pk):
        MemberProgram.objects.filter(pk=world.x.pk).update(joined_on=JOINED)
        snapshots(world.x, datetime.date(2025, 12, 1), billed="0.00", written_off="0.00", fte="100")
        for month in (datetime.date(2026, 1, 1), datetime.date(2026, 2, 1), datetime.date(2026, 3, 1)):
            snapshots(world.x, month, billed="10000.00", written_off="300.00", fte="320")
        for month in (APRIL, MAY, JUNE):
            snapshots(world.x, month, billed="12000.00", written_off="40.00", fte="380")
        for month in (APRIL, MAY, JUNE):
            member_fees_invoice(month=month)
        payment_record(
            actor=None,
            account=member_fee_account(world.x.pk),
            amount=Decimal("300.00"),
            method="ach",
            received_on=datetime.date(2026, 5, 10),
        )
        vendor = Vendor.objects.create(name="Classroom Supply")
        wipes = CatalogueItem.objects.create(
            vendor=vendor, name="Wipes", unit="case", alliance_price=Decimal("24.50"), list_price=Decimal("30.00")
        )
        paper = CatalogueItem.objects.create(
            vendor=vendor, name="Paper", unit="ream", alliance_price=Decimal("9.49"), list_price=Decimal("12.99")
        )
        spring = PurchasingCycle.objects.create(name="Spring", closes_on=datetime.date(2026, 4, 20))
        summer = PurchasingCycle.objects.create(name="Summer", closes_on=datetime.date(2026, 7, 1))
        delivered(world.x, spring, wipes, 10, datetime.date(2026, 5, 4))
        delivered(world.x, spring, paper, 4, datetime.date(2026, 5, 4))
        delivered(world.x, summer, wipes, 100, datetime.date(2026, 7, 8))  # after the period
        delivered(world.y, spring, wipes, 2, datetime.date(2026, 5, 4))  # another member's
    return {"worked": worked, "spring": spring, "wipes": wipes}


def test_value_of_membership_worked_example(world, example):
    with alliance_scope(world.a.pk):
        value = member_value(MemberProgram.objects.get(pk=world.x.pk), start=APRIL, end=JUNE)
    assert (value.fee_charged, value.fee_paid) == (Decimal("660.00"), Decimal("300.00"))
    assert value.purchasing_savings == Decimal("69.00")
    assert (value.covers, value.cover_hours) == (1, Decimal("7.50"))
    assert value.baseline.months == (datetime.date(2026, 1, 1), datetime.date(2026, 2, 1), datetime.date(2026, 3, 1))
    assert (value.baseline.bad_debt_rate, value.now.bad_debt_rate) == (Decimal("0.0300"), Decimal("0.0033"))
    assert (value.baseline.occupancy, value.now.occupancy) == (Decimal("0.8000"), Decimal("0.9500"))
    assert value.bad_debt_avoided == Decimal("960.00")
    assert value.revenue_from_occupancy == Decimal("5684.21")
    assert (value.measured_value, value.net, value.value_per_fee_dollar) == (
        Decimal("6713.21"),
        Decimal("6053.21"),
        Decimal("10.17"),
    )
    assert [line.amount for line in value.fee_lines] == [
        Decimal("150.00"),
        Decimal("150.00"),
        Decimal("210.00"),
        Decimal("150.00"),
    ]


def test_a_member_that_joined_before_its_figures_begin_has_no_baseline(world, clients, example):
    """X joined in 2021, long before its first figures (January 2026, December billed nothing): the first
    months of the data are not its "before", so no comparison is made and the page says why."""
    with alliance_scope(world.a.pk):
        MemberProgram.objects.filter(pk=world.x.pk).update(joined_on=datetime.date(2021, 11, 1))
        value = member_value(MemberProgram.objects.get(pk=world.x.pk), start=APRIL, end=JUNE)
    assert value.baseline is None
    assert value.now is not None
    assert value.now.months == (APRIL, MAY, JUNE)
    assert (value.bad_debt_avoided, value.revenue_from_occupancy) == (None, None)
    assert value.measured_value == value.purchasing_savings == Decimal("69.00")
    assert value.baseline_note == (
        "There are no figures of Program X from before it joined on Nov 1, 2021; the Hub's figures for it "
        "begin January 2026 — measured, entered or imported — so no since-joining comparison is made."
    )
    # No other member has a baseline either: the alliance's measured effects are withheld, with the reason.
    assert value.effects is not None
    assert (value.effects.members, value.effects.baseline) == (0, None)
    body = clients.provider_x.get(f"/a/{world.a.slug}/value/programs/{world.x.pk}/?{PERIOD}").content.decode()
    assert "There are no figures of Program X from before it joined on Nov 1, 2021" in body
    assert "fewer than 3 members (0 members here)" in body


def test_the_page_shows_fee_against_savings_with_links_to_the_records(world, clients, example):
    url = f"/a/{world.a.slug}/value/programs/{world.x.pk}/?{PERIOD}"
    body = clients.provider_x.get(url).content.decode()
    for figure in ("$660.00", "$69.00", "$960.00", "$5,684.21", "$6,713.21", "$6,053.21", "$10.17 for each fee dollar"):
        assert figure in body, figure
    with alliance_scope(world.a.pk):
        invoice_id = value_invoice_id(world)
    assert f"/a/{world.a.slug}/billing/invoices/{invoice_id}/" in body
    assert f"/a/{world.a.slug}/purchasing/cycles/{example['spring'].pk}/programs/{world.x.pk}/order/" in body
    assert f"/a/{world.a.slug}/cover/{example['worked'].pk}/" in body
    assert clients.provider_x.get(f"/a/{world.a.slug}/billing/invoices/{invoice_id}/").status_code == 200
    # Strangers: another program's provider and another alliance get 404; funders see aggregates only.
    assert clients.provider_y.get(url).status_code == 404
    assert clients.staff_b.get(url).status_code == 404
    assert clients.funder_a.get(url).status_code == 403
    hub_list = clients.staff_a.get(f"/a/{world.a.slug}/value/?{PERIOD}").content.decode()
    assert "$6,713.21" in hub_list
    assert "Program Y" in hub_list
    assert clients.provider_x.get(f"/a/{world.a.slug}/value/").status_code == 403


def value_invoice_id(world) -> int:  # type: ignore[no-untyped-def]
    from billing.models import Invoice

    return Invoice.objects.filter(program=world.x, period_start=MAY).values_list("pk", flat=True).get()


def test_the_funder_report_adds_savings_up_and_suppresses_small_groups(world, clients, example):
    with alliance_scope(world.a.pk):
        two = savings_members_report(start=APRIL, end=JUNE)
        assert (two.members_with_savings, two.suppressed) == (2, True)
        w = MemberProgramFactory(alliance=world.a, name="Program W")
        delivered(w, example["spring"], example["wipes"], 1, datetime.date(2026, 5, 20))
        three = savings_members_report(start=APRIL, end=JUNE)
    # X 69.00 + Y (30.00 − 24.50) × 2 = 11.00 + W 5.50 = 85.50; fees 660.00 (X only).
    assert (three.members_with_savings, three.suppressed) == (3, False)
    assert (three.purchasing_savings, three.fee_charged, three.cover_hours) == (
        Decimal("85.50"),
        Decimal("660.00"),
        Decimal("7.50"),
    )
    assert (three.measured_members, three.since_joining_suppressed, three.bad_debt_avoided) == (1, True, None)
    body = clients.funder_a.get(f"/a/{world.a.slug}/reports/impact/?{PERIOD}").content.decode()
    assert "What members saved through the Hub" in body
    assert "$85.50" in body
    assert "fewer than 3 members have figures of before they joined (1 do)" in body
    assert "Program X" not in body  # aggregate only: no member is named
    pdf = clients.funder_a.get(f"/a/{world.a.slug}/reports/impact.pdf?{PERIOD}")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "What members saved through the Hub" in text
    assert "$85.50" in text


def test_the_api_gives_the_same_figures(world, clients, example):
    url = f"/api/a/{world.a.slug}/value-of-membership/{world.x.pk}/?{PERIOD}"
    body = clients.provider_x.get(url).json()
    assert (
        body["fee_charged"],
        body["purchasing_savings"],
        body["bad_debt_avoided"],
        body["revenue_from_occupancy"],
        body["measured_value"],
        body["net"],
    ) == ("660.00", "69.00", "960.00", "5684.21", "6713.21", "6053.21")
    assert body["cover_requests"] == [example["worked"].pk]
    assert len(body["invoices"]) == 3
    assert clients.provider_y.get(url).status_code == 404
    assert clients.staff_b.get(url).status_code == 404
    assert clients.funder_a.get(url).status_code == 403
    assert clients.provider_x.get(f"/api/a/{world.a.slug}/value-of-membership/").status_code == 403
    everyone = clients.staff_a.get(f"/api/a/{world.a.slug}/value-of-membership/?{PERIOD}").json()
    assert [row["name"] for row in everyone] == ["Program X", "Program Y"]
    assert clients.staff_a.get(f"/api/a/{world.a.slug}/value-of-membership/?from=2026-13").status_code == 400


def test_a_loss_is_written_as_negative_money(world, clients, example):
    """X's rooms emptied after it joined: April–June 300 FTE-days a month (900 of 1,200, 75%) against
    80% before. Revenue from fuller rooms = 36,000 × (900 − 0.80 × 1,200) ÷ 900 = −$2,400.00;
    measured = 69.00 + 960.00 − 2,400.00 = −$1,371.00; net −$2,031.00; −1,371 ÷ 660 = −$2.08 a fee dollar."""
    with alliance_scope(world.a.pk):
        ProgramMonth.objects.filter(program=world.x, month__gte=APRIL).update(enrolled_fte=Decimal("300"))
        value = member_value(MemberProgram.objects.get(pk=world.x.pk), start=APRIL, end=JUNE)
    assert (value.revenue_from_occupancy, value.measured_value, value.value_per_fee_dollar) == (
        Decimal("-2400.00"),
        Decimal("-1371.00"),
        Decimal("-2.08"),
    )
    body = clients.provider_x.get(f"/a/{world.a.slug}/value/programs/{world.x.pk}/?{PERIOD}").content.decode()
    for figure in ("-$2,400.00", "-$1,371.00", "-$2,031.00", "-$2.08 for each fee dollar"):
        assert figure in body, figure
    assert "$-" not in body


def test_savings_over_a_period_with_a_month_of_one_member_are_withheld(world, clients, example):
    """X, Y and W record savings in May, V alone in June: April to June beside April to May would give
    V's June savings by difference, so the longer period's savings are withheld and name June."""
    with alliance_scope(world.a.pk):
        w = MemberProgramFactory(alliance=world.a, name="Program W")
        v = MemberProgramFactory(alliance=world.a, name="Program V")
        delivered(w, example["spring"], example["wipes"], 1, datetime.date(2026, 5, 20))
        delivered(v, example["spring"], example["wipes"], 3, datetime.date(2026, 6, 2))
        to_june = savings_members_report(start=APRIL, end=JUNE)
        to_may = savings_members_report(start=APRIL, end=MAY)
    assert (to_june.members_with_savings, to_june.suppressed) == (4, True)
    assert to_june.withheld_reason is not None
    assert to_june.withheld_reason.startswith("Suppressed: in June 2026 only 1 member had figures")
    assert (to_may.members_with_savings, to_may.suppressed) == (3, False)
    body = clients.funder_a.get(f"/a/{world.a.slug}/reports/impact/?from=2026-04&to=2026-06").content.decode()
    assert "Suppressed: in June 2026 only 1 member had figures" in body
