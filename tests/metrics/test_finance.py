"""Finance rollups against a hand-computed January 2026 (occupancy from conftest.py's week).

Program X, one family account:
  1 Dec 2025  charge 1,500.00 (unpaid December tuition)
  1 Jan       charge 1,000.00     1 Jan  credit −50.00 (sibling discount)
  10 Jan      payment −600.00     15 Jan subsidy payment −300.00
  20 Jan      late fee 25.00      25 Jan write-off −20.00
  28 Jan      charge 200.00, reversed 29 Jan
Members' costs in January: personnel 3,000.00 + rent 900.00 = 3,900.00.
Roster: a director on 36,000.00 a year; a teacher at 18.00 × 1.00 FTE × 2,080 h + 2,400.00 benefits.
Hub: a flat 250.00 agreement (X), 2.00 per licensed slot (Y, 4 places); Hub cost 1,000.00, a grant 500.00,
a contract 200.00.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from alliance.tenancy import alliance_scope
from billing.ledger import ledger_entry_post, ledger_entry_reverse
from billing.models import ChargeCategory, EntryKind, FamilyAccount
from members.models import CostCategory, PayBasis, PricingModel, StaffCategory
from metrics.figures import Finance, HubSustainability, Occupancy
from metrics.models import AllianceFinanceMonth, AllianceMonth, HubMoney, ProgramFinanceMonth, ProgramMonth
from metrics.rollups import rollup_alliance
from tests.billing.factories import account_of
from tests.csvrows import csv_rows
from tests.members.factories import HubServiceFactory, MonthlyCostFactory, StaffMemberFactory, SubscriptionFactory
from tests.metrics.conftest import FRI, MON

JAN = datetime.date(2026, 1, 1)
D = Decimal


@pytest.fixture
def money(week):
    world = week.world
    account = account_of(week.ada.child.family, world.x)
    with alliance_scope(world.a.pk):

        def post(kind, amount, day):
            return ledger_entry_post(account=account, kind=kind, amount=D(amount), posted_on=day, description=kind)

        post(EntryKind.CHARGE, "1500.00", datetime.date(2025, 12, 1))
        post(EntryKind.CHARGE, "1000.00", JAN)
        post(EntryKind.CREDIT, "-50.00", JAN)
        post(EntryKind.PAYMENT, "-600.00", datetime.date(2026, 1, 10))
        post(EntryKind.SUBSIDY_PAYMENT, "-300.00", datetime.date(2026, 1, 15))
        post(EntryKind.LATE_FEE, "25.00", datetime.date(2026, 1, 20))
        post(EntryKind.WRITE_OFF, "-20.00", datetime.date(2026, 1, 25))
        mistake = post(EntryKind.CHARGE, "200.00", datetime.date(2026, 1, 28))
        ledger_entry_reverse(entry=mistake, actor=None, reason="Charged twice", posted_on=datetime.date(2026, 1, 29))
        world.y.licensed_capacity = 4
        world.y.save()
        HubMoney.objects.create(month=JAN, kind="cost", amount=D("1000.00"))
        HubMoney.objects.create(month=JAN, kind="grant", amount=D("500.00"))
        HubMoney.objects.create(month=JAN, kind="contract", amount=D("200.00"))
    MonthlyCostFactory(program=world.x, month=JAN, category=CostCategory.PERSONNEL, amount=D("3000.00"))
    MonthlyCostFactory(program=world.x, month=JAN, category=CostCategory.OCCUPANCY, amount=D("900.00"))
    StaffMemberFactory(
        program=world.x,
        category=StaffCategory.ADMINISTRATION,
        pay_basis=PayBasis.SALARY,
        hourly_wage=None,
        annual_salary=D("36000.00"),
    )
    StaffMemberFactory(program=world.x, category=StaffCategory.CLASSROOM, benefits_annual=D("2400.00"))
    SubscriptionFactory(program=world.x, service=HubServiceFactory(alliance=world.a, rate=D("250.00")))
    SubscriptionFactory(
        program=world.y,
        service=HubServiceFactory(alliance=world.a, pricing_model=PricingModel.PER_LICENSED_SLOT, rate=D("2.00")),
    )
    with alliance_scope(world.a.pk):
        rollup_alliance(start=MON, end=FRI)
    return week


def x_january(world):
    with alliance_scope(world.a.pk):
        row = ProgramFinanceMonth.objects.get(program=world.x, month=JAN)
        occupancy = Occupancy.of(ProgramMonth.objects.get(program=world.x, month=JAN))
    return row, Finance.of(row, occupancy)


class TestProgramMonth:
    def test_billed_collected_written_off(self, money):
        row, figures = x_january(money.world)
        # Billed: 1,000 − 50 + 25 + 200 − 200 (the reversal counts against the charge) = 975.00.
        assert (row.billed, row.collected_family, row.collected_third_party, row.written_off) == (
            D("975.00"),
            D("600.00"),
            D("300.00"),
            D("20.00"),
        )
        # Collection (600 + 300) ÷ 975 = 92.31%: family 61.54%, third parties 30.77%; bad debt 20 ÷ 975 = 2.05%.
        assert (
            figures.collection_rate,
            figures.family_collection_rate,
            figures.third_party_collection_rate,
            figures.bad_debt_rate,
        ) == (D("0.9231"), D("0.6154"), D("0.3077"), D("0.0205"))

    def test_a_refund_counts_against_what_was_collected_not_as_billed(self, money):
        world = money.world
        with alliance_scope(world.a.pk):
            account = FamilyAccount.objects.get(family=money.ada.child.family, program=world.x)
            ledger_entry_post(
                account=account,
                kind=EntryKind.CHARGE,
                category=ChargeCategory.REFUND,
                amount=D("50.00"),
                posted_on=datetime.date(2026, 1, 12),
                description="Refund of card payment",
            )
            rollup_alliance(start=MON, end=FRI)
        row, figures = x_january(world)
        assert (row.billed, row.collected_family) == (D("975.00"), D("550.00"))
        assert figures.family_collection_rate == D("0.5641")  # 550 ÷ 975

    def test_aging_at_month_end_oldest_paid_first(self, money):
        row, _ = x_january(money.world)
        # As of 9 Jan (the rollup's last day, so the month so far): balance = 1,500 + 1,000 − 50 = 2,450
        # (the payment of 10 Jan is not yet in). Newest debits first: 1 Jan 1,000 (8 days past due → 1–30)
        # fully open; 1 Dec 1,500: 2,450 − 1,000 = 1,450 open, 39 days past due → 31–60.
        assert (row.aging_current, row.aging_1_30, row.aging_31_60, row.aging_61_90, row.aging_over_90) == (
            D("0.00"),
            D("1000.00"),
            D("1450.00"),
            D("0.00"),
            D("0.00"),
        )

    def test_aging_of_a_whole_month(self, money):
        with alliance_scope(money.world.a.pk):
            rollup_alliance(start=JAN, end=datetime.date(2026, 1, 31))
        row, _ = x_january(money.world)
        # As of 31 Jan: balance 1,500 + 1,000 − 50 − 600 − 300 + 25 − 20 = 1,555 (the reversed charge nets out).
        # Late fee 25 (11 days) and 1 Jan charge 1,000 (30 days) → 1–30: 1,025;
        # 1 Dec charge: 1,555 − 1,025 = 530 open, 61 days past due → 61–90.
        assert (row.aging_1_30, row.aging_61_90, row.aging_31_60) == (D("1025.00"), D("530.00"), D("0.00"))

    def test_cost_revenue_per_child_and_break_even(self, money):
        row, figures = x_january(money.world)
        # Average enrolled FTE 12.80 FTE-days ÷ 5 days = 2.56.
        # Cost per child 3,900 ÷ 2.56 = 1,523.44; revenue per child 975 ÷ 2.56 = 380.86; gap −1,142.58.
        assert (figures.cost_per_child, figures.revenue_per_child, figures.gap_per_child) == (
            D("1523.44"),
            D("380.86"),
            D("-1142.58"),
        )
        # Break-even occupancy = occupancy × cost ÷ revenue = (12.80 ÷ 78) × (3,900 ÷ 975) = 0.6564.
        assert figures.break_even_occupancy == D("0.6564")

    def test_staffing(self, money):
        row, figures = x_january(money.world)
        # Director 36,000 ÷ 12 = 3,000.00; teacher (18 × 2,080 + 2,400) ÷ 12 = 39,840 ÷ 12 = 3,320.00.
        assert (row.personnel_admin, row.personnel_classroom) == (D("3000.00"), D("3320.00"))
        # Administration share 3,000 ÷ 6,320 = 47.47%; staffing per child 6,320 ÷ 2.56 = 2,468.75.
        assert (figures.admin_share, figures.staffing_cost_per_child) == (D("0.4747"), D("2468.75"))

    def test_a_payer_share_is_billed_and_its_remittance_collected_from_third_parties(self, money):
        from billing.models import ChargeCategory, Invoice, Payer, PayerClaim, SubsidyAuthorization
        from billing.payers import remittance_record

        world = money.world
        with alliance_scope(world.a.pk):
            child = money.dev.child
            account = account_of(child.family, world.x)
            invoice = Invoice.objects.create(
                account=account,
                program=world.x,
                number=900,
                period_start=JAN,
                period_end=datetime.date(2026, 1, 31),
                issued_on=JAN,
                due_on=datetime.date(2026, 1, 10),
                total=D("500.00"),
            )
            ledger_entry_post(
                account=account,
                kind=EntryKind.CHARGE,
                amount=D("800.00"),
                posted_on=JAN,
                description="Tuition",
                invoice=invoice,
            )
            ledger_entry_post(
                account=account,
                kind=EntryKind.CREDIT,
                category=ChargeCategory.PAYER_SHARE,
                amount=D("-300.00"),
                posted_on=JAN,
                description="Paid by the county",
                invoice=invoice,
            )
            payer = Payer.objects.create(name="County")
            authorization = SubsidyAuthorization.objects.create(
                payer=payer,
                child=child,
                program=world.x,
                case_number="C-1",
                starts_on=JAN,
                ends_on=datetime.date(2026, 12, 31),
                authorized_amount=D("300.00"),
            )
            claim = PayerClaim.objects.create(
                payer=payer,
                authorization=authorization,
                program=world.x,
                child=child,
                invoice=invoice,
                period_start=JAN,
                expected=D("300.00"),
            )
            remittance_record(
                actor=None,
                payer=payer,
                received_on=datetime.date(2026, 1, 20),
                reference="R-1",
                lines=[(claim, D("250.00"))],
            )
            rollup_alliance(start=MON, end=FRI)
        row, _ = x_january(world)
        # Billed: 975.00 (Ada's account) + 800.00 (the county's 300.00 credit is billed to the county) = 1,775.00.
        # Third parties: the 300.00 subsidy payment on Ada's ledger + 250.00 remitted by the county = 550.00.
        assert (row.billed, row.collected_third_party) == (D("1775.00"), D("550.00"))


class TestAllianceMonth:
    def test_hub_sustainability(self, money):
        with alliance_scope(money.world.a.pk):
            row = AllianceFinanceMonth.objects.get(month=JAN)
            assert AllianceMonth.objects.filter(month=JAN).exists()
        # Member fees: X flat 250.00 + Y 2.00 × 4 places = 258.00.
        assert (row.member_fees, row.hub_cost, row.grants, row.contracts) == (
            D("258.00"),
            D("1000.00"),
            D("500.00"),
            D("200.00"),
        )
        hub = HubSustainability.of(row)
        # Fees cover 258 ÷ 1,000 = 25.8%; with the grant and the contract (258 + 500 + 200) ÷ 1,000 = 95.8%.
        assert (hub.fee_coverage, hub.total_coverage) == (D("0.2580"), D("0.9580"))
        assert (row.billed, row.cost) == (D("975.00"), D("3900.00"))  # only X has money

    def test_substitute_cover_at_an_hourly_rate_counts_as_member_fees(self, money):
        from sharedservices.models import CoverStatus
        from tests.billing.factories import room_of
        from tests.sharedservices.factories import SubstituteFactory, cover

        world = money.world
        SubscriptionFactory(
            program=world.x,
            service=HubServiceFactory(
                alliance=world.a, pricing_model=PricingModel.PER_SUBSTITUTE_HOUR, rate=D("28.00")
            ),
        )
        room, substitute = room_of(world.x), SubstituteFactory(alliance=world.a)
        for day, starts, ends in ((JAN.replace(day=6), "08:00", "15:30"), (JAN.replace(day=7), "09:00", "13:15")):
            cover(
                room,
                day,
                starts,
                ends,
                status=CoverStatus.DELIVERED,
                substitute=substitute,
                hours_delivered=D("7.50") if day.day == 6 else D("4.25"),
            )
        cover(room, JAN.replace(day=8), status=CoverStatus.CANCELLED)  # no hours, no fee
        with alliance_scope(world.a.pk):
            rollup_alliance(start=JAN, end=JAN.replace(day=31))
            row = AllianceFinanceMonth.objects.get(month=JAN)
        # 258.00 as above + (7.50 h + 4.25 h) × 28.00 = 258.00 + 329.00 = 587.00.
        assert row.member_fees == D("587.00")

    def test_rerun_is_identical_and_other_alliances_see_nothing(self, money):
        with alliance_scope(money.world.a.pk):
            before = list(ProgramFinanceMonth.objects.order_by("pk").values())
            result = rollup_alliance(start=MON, end=FRI)
            assert list(ProgramFinanceMonth.objects.order_by("pk").values()) == before
        assert result.tables["metrics_programfinancemonth"][1:] == (0, 0)
        with alliance_scope(money.world.b.pk):
            assert not ProgramFinanceMonth.objects.exists()


def test_the_nightly_rollup_reads_finance_beside_and_writes_what_one_connection_would(
    transactional_db, money, settings
):
    """Committed rows and a transaction that has written nothing (the nightly task's case): the program
    finance source is read on a second connection while this one writes occupancy. Its rows are the
    hand-computed ones, and reading everything on one connection afterwards changes none of them."""
    world = money.world
    with alliance_scope(world.a.pk):
        beside = rollup_alliance(start=MON, end=FRI)
        rows = list(ProgramFinanceMonth.objects.order_by("pk").values())
    assert beside.read_beside_seconds is not None  # the second connection was used
    row, _ = x_january(world)
    # As in TestProgramMonth: billed 975.00, collected 600.00 + 300.00, written off 20.00; aging as of 9 Jan.
    assert (row.billed, row.collected_family, row.collected_third_party, row.written_off) == (
        D("975.00"),
        D("600.00"),
        D("300.00"),
        D("20.00"),
    )
    assert (row.aging_1_30, row.aging_31_60) == (D("1000.00"), D("1450.00"))

    settings.HUB_ROLLUP_READ_BESIDE = False
    with alliance_scope(world.a.pk):
        alone = rollup_alliance(start=MON, end=FRI)
        assert list(ProgramFinanceMonth.objects.order_by("pk").values()) == rows
    assert alone.read_beside_seconds is None
    assert alone.tables["metrics_programfinancemonth"] == (len(rows), 0, 0)
    # The second connection saw alliance A's rows only (row-level security and the explicit filter).
    with alliance_scope(world.b.pk):
        assert not ProgramFinanceMonth.objects.exists()


def test_a_rollup_inside_a_transaction_that_wrote_reads_everything_on_one_connection(money):
    """A test's (or a service's) transaction has written rows a second connection cannot see: the rollup
    then reads its finance source on its own connection, and still finds those rows."""
    with alliance_scope(money.world.a.pk):
        result = rollup_alliance(start=MON, end=FRI)
    assert result.read_beside_seconds is None
    row, _ = x_january(money.world)
    assert row.billed == D("975.00")


class TestDashboardMoney:
    def test_finance_flags_and_aging_on_the_dashboard(self, money, clients):
        html = clients.staff_a.get(f"/a/{money.world.a.slug}/dashboard/").content.decode()
        # X: collection 92.3% < 98%; bad debt 2.1% > 2%; cost per child 1,523.44 > revenue 380.86.
        assert "Collection 92.3% is below 98.0%" in html
        assert "Bad debt 2.1% of billed is above 2.0%" in html
        assert "Cost per child $1,523.44 is above revenue per child $380.86" in html
        assert "$1,450.00" in html  # 31–60 days bucket of the alliance
        assert "25.8%" in html  # Hub cost covered by member fees

    def test_drill_down_shows_money_beside_the_alliance(self, money, clients):
        page = clients.staff_a.get(f"/a/{money.world.a.slug}/dashboard/programs/{money.world.x.pk}/")
        html = page.content.decode()
        assert "$1,523.44" in html
        assert "65.6%" in html
        csv = clients.staff_a.get(f"/a/{money.world.a.slug}/dashboard/programs/{money.world.x.pk}/gap.csv")
        assert ["2026-01", "-1142.58"] in [r[:2] for r in csv_rows(csv)]
        assert '"2026-01",-1142.58' in csv.content.decode()  # written as a number: bare, no leading quote


class TestHubMoneyPage:
    def test_admin_records_a_grant(self, world, clients):
        response = clients.admin_a.post(
            f"/a/{world.a.slug}/dashboard/hub-money/",
            {"month": "2026-01-17", "kind": "grant", "amount": "1200.00", "description": "County grant"},
        )
        assert response.status_code == 302
        with alliance_scope(world.a.pk):
            entry = HubMoney.objects.get()
        assert (entry.month, entry.amount) == (JAN, D("1200.00"))

    def test_staff_is_refused_and_strangers_get_404(self, world, clients):
        assert clients.staff_a.get(f"/a/{world.a.slug}/dashboard/hub-money/").status_code == 403
        assert clients.admin_b.get(f"/a/{world.a.slug}/dashboard/hub-money/").status_code == 404
