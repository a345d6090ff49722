"""The invoice run: prorating and discounts worked through, idempotence, gapless
numbers, warnings listed not guessed, failure midway, and the task itself."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from alliance.tenancy import alliance_scope
from billing import invoicing
from billing.invoicing import invoice_program_for_period, invoice_run_create, invoice_run_signature
from billing.models import (
    ChargeCategory,
    DiscountKind,
    FamilyAccount,
    Invoice,
    InvoiceRun,
    LedgerEntry,
    RatePeriod,
    RunStatus,
)
from billing.selectors import account_balance
from members.models import AgeGroup
from tests.billing.factories import ChildFactory, RatePlanFactory, enroll, room_of

MARCH = (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))
APRIL = (datetime.date(2026, 4, 1), datetime.date(2026, 4, 30))


@pytest.fixture
def priced(world, homes):
    """Lopez at X: Ana full time from March 16, Ben two days a week until March 11.
    Young at Y (a staff family): Yuri full time, weekly plan."""
    sibling = {
        "sibling_discount_kind": DiscountKind.PERCENT,
        "sibling_discount": Decimal("10.00"),
        "registration_fee": Decimal("50.00"),
    }
    RatePlanFactory(
        program=world.x,
        name="Preschool full time",
        age_group=AgeGroup.PRESCHOOL,
        days_per_week=5,
        tuition=Decimal("1000.00"),
        **sibling,
    )
    RatePlanFactory(
        program=world.x,
        name="Preschool 2 days",
        age_group=AgeGroup.PRESCHOOL,
        days_per_week=2,
        tuition=Decimal("433.33"),
        **sibling,
    )
    RatePlanFactory(
        program=world.y,
        name="Weekly",
        period=RatePeriod.WEEKLY,
        tuition=Decimal("200.00"),
        staff_discount_kind=DiscountKind.AMOUNT,
        staff_discount=Decimal("25.00"),
    )
    enroll(homes.ana, homes.room_x, start=datetime.date(2026, 3, 16))
    enroll(homes.ben, homes.room_x, start=datetime.date(2026, 1, 5), end=datetime.date(2026, 3, 11), weekdays=[0, 2])
    enroll(homes.yuri, homes.room_y, start=datetime.date(2026, 1, 5))
    with alliance_scope(world.a.pk):
        FamilyAccount.objects.filter(pk=homes.young_y.pk).update(staff_discount=True)
    return homes


def run_all(world, period=MARCH):  # type: ignore[no-untyped-def]
    with alliance_scope(world.a.pk):
        return [
            invoice_program_for_period(program_id=p.pk, period_start=period[0], period_end=period[1])
            for p in (world.x, world.y)
        ]


def lines_of(account):  # type: ignore[no-untyped-def]
    return sorted((e.category, e.amount) for e in LedgerEntry.objects.filter(account=account))


class TestWorkedExamples:
    def test_march_prorated_with_sibling_and_registration(self, world, priced):
        run_all(world)
        with alliance_scope(world.a.pk):
            # Ana: 12 of March's 22 weekdays at 1000.00 = 545.4545… -> 545.45
            # Ben: 4 of March's 9 Mondays and Wednesdays at 433.33 = 192.5911… -> 192.59,
            #      and as the second child 10% sibling discount: 19.259 -> 19.26
            assert lines_of(priced.lopez_x) == sorted(
                [
                    (ChargeCategory.TUITION, Decimal("545.45")),
                    (ChargeCategory.TUITION, Decimal("192.59")),
                    (ChargeCategory.REGISTRATION, Decimal("50.00")),
                    (ChargeCategory.REGISTRATION, Decimal("50.00")),
                    (ChargeCategory.SIBLING_DISCOUNT, Decimal("-19.26")),
                ]
            )
            invoice = Invoice.objects.get(account=priced.lopez_x)
            assert invoice.total == Decimal("818.78") == account_balance(priced.lopez_x)

    def test_weekly_plan_and_staff_discount(self, world, priced):
        run_all(world)
        with alliance_scope(world.a.pk):
            # 22 weekdays at 200.00 a five-day week = 880.00, less 25.00 staff discount
            assert lines_of(priced.young_y) == sorted(
                [(ChargeCategory.TUITION, Decimal("880.00")), (ChargeCategory.STAFF_DISCOUNT, Decimal("-25.00"))]
            )

    def test_next_month_charges_registration_no_more(self, world, priced):
        run_all(world)
        run_all(world, APRIL)
        with alliance_scope(world.a.pk):
            april = Invoice.objects.get(account=priced.lopez_x, period_start=APRIL[0])
            assert april.total == Decimal("1000.00")
            assert account_balance(priced.lopez_x) == Decimal("1818.78")


class TestRunRules:
    def test_running_twice_yields_one_invoice_per_account_and_gapless_numbers(self, world, priced):
        first = run_all(world)
        second = run_all(world)
        with alliance_scope(world.a.pk):
            assert [r.invoices for r in first] == [1, 1]
            assert [r.invoices for r in second] == [0, 0]
            assert sorted(Invoice.objects.values_list("number", flat=True)) == [1, 2]
            run_all(world, APRIL)
            assert sorted(Invoice.objects.values_list("number", flat=True)) == [1, 2, 3, 4]

    def test_enrollments_without_a_rate_plan_are_listed_not_guessed(self, world, priced):
        toddler_room = room_of(world.x, age_group=AgeGroup.TODDLER)
        tia = ChildFactory(family=priced.lopez, first_name="Tia")
        enroll(tia, toddler_room, start=datetime.date(2026, 2, 1))
        result = run_all(world)[0]
        assert len(result.warnings) == 1
        assert "Tia" in result.warnings[0]
        with alliance_scope(world.a.pk):
            assert not LedgerEntry.objects.filter(child=tia).exists()

    def test_invoice_numbers_are_per_alliance(self, world, priced):
        run_all(world)
        enroll(priced.zoe, priced.room_z, start=datetime.date(2026, 1, 5))
        RatePlanFactory(program=world.z, tuition=Decimal("700.00"))
        with alliance_scope(world.b.pk):
            invoice_program_for_period(program_id=world.z.pk, period_start=MARCH[0], period_end=MARCH[1])
            assert list(Invoice.objects.values_list("number", flat=True)) == [1]


class TestRunTask:
    def test_the_run_goes_through_its_tasks_and_sums_up(self, world, priced, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True), alliance_scope(world.a.pk):
            run = invoice_run_create(actor=world.users.staff_a, period_start=MARCH[0])
        with alliance_scope(world.a.pk):
            run.refresh_from_db()
            assert run.status == RunStatus.DONE
            assert run.programs_done == run.programs_total == 2
            assert run.invoices_created == 2
            assert run.amount_invoiced == Decimal("1673.78")

    def test_a_failure_midway_leaves_the_program_untouched_and_a_rerun_completes(self, world, priced, monkeypatch):
        real = invoicing.audit_event_record

        def fail_on_program_y(**kwargs):  # type: ignore[no-untyped-def]
            if kwargs.get("program_id") == world.y.pk:
                raise RuntimeError("database went away")
            return real(**kwargs)

        monkeypatch.setattr(invoicing, "audit_event_record", fail_on_program_y)
        with alliance_scope(world.a.pk):
            run = invoice_run_create(actor=None, period_start=MARCH[0], queue=False)
            invoice_run_signature(world.a.pk, run.pk).apply()
            run.refresh_from_db()
            assert run.status == RunStatus.FAILED
            assert "database went away" in run.error
            assert run.programs_done == 1
            # X is fully invoiced; Y has no invoice, no ledger line and used no invoice number.
            assert list(Invoice.objects.values_list("program_id", "number")) == [(world.x.pk, 1)]
            assert not LedgerEntry.objects.filter(program=world.y).exists()

        monkeypatch.setattr(invoicing, "audit_event_record", real)
        with alliance_scope(world.a.pk):
            rerun = invoice_run_create(actor=None, period_start=MARCH[0], queue=False)
            invoice_run_signature(world.a.pk, rerun.pk).apply()
            rerun.refresh_from_db()
            assert rerun.status == RunStatus.DONE
            assert rerun.invoices_created == 1
            assert sorted(Invoice.objects.values_list("program_id", "number")) == sorted(
                [(world.x.pk, 1), (world.y.pk, 2)]
            )

    def test_a_failing_program_in_a_batch_is_isolated_and_the_programs_before_it_are_invoiced(
        self, world, priced, monkeypatch
    ):
        monkeypatch.setattr(invoicing, "PROGRESS_STEPS", 1)  # both programs in one batch, one task
        assert invoicing.program_batches([world.x.pk, world.y.pk]) == [[world.x.pk, world.y.pk]]
        real = invoicing.audit_event_record

        def fail_on_program_y(**kwargs):  # type: ignore[no-untyped-def]
            if kwargs.get("program_id") == world.y.pk:
                raise RuntimeError("disk full")
            return real(**kwargs)

        monkeypatch.setattr(invoicing, "audit_event_record", fail_on_program_y)
        with alliance_scope(world.a.pk):
            run = invoice_run_create(actor=None, period_start=MARCH[0], queue=False)
            invoice_run_signature(world.a.pk, run.pk).apply()
            run.refresh_from_db()
            # The batch was undone as a whole, then retried program by program: X invoiced, Y untouched.
            assert run.status == RunStatus.FAILED
            assert run.error.startswith("Program Y: RuntimeError: disk full")
            assert run.programs_done == 1
            assert run.invoices_created == 1
            assert list(Invoice.objects.values_list("program_id", "number")) == [(world.x.pk, 1)]
            assert not LedgerEntry.objects.filter(program=world.y).exists()

    def test_a_batch_costs_the_same_statements_whatever_its_number_of_programs(self, world, priced):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        may = (datetime.date(2026, 5, 1), datetime.date(2026, 5, 31))
        run_all(world)  # March: the alliance's invoice counter now exists
        counts = []
        for period, programs in ((APRIL, [world.x.pk]), (may, [world.x.pk, world.y.pk])):
            with alliance_scope(world.a.pk), CaptureQueriesContext(connection) as queries:
                results = invoicing.invoice_programs_for_period(
                    program_ids=programs, period_start=period[0], period_end=period[1]
                )
            assert all(r.invoices == 1 for r in results.values())
            counts.append(len(queries))
        assert counts[1] == counts[0] + 1  # one more audit event (one per program), nothing else

    def test_batches_keep_the_progress_bar_moving(self):
        assert invoicing.program_batches([1, 2, 3]) == [[1], [2], [3]]
        batches = invoicing.program_batches(list(range(140)))
        assert len(batches) == 20
        assert {len(b) for b in batches} == {7}
        assert max(len(b) for b in invoicing.program_batches(list(range(1000)))) == invoicing.PROGRAMS_PER_TASK

    def test_a_period_must_start_where_its_kind_starts(self, world):
        with alliance_scope(world.a.pk), pytest.raises(Exception, match="first of the month"):
            invoice_run_create(actor=None, period_start=datetime.date(2026, 3, 2))
        with alliance_scope(world.a.pk):
            assert not InvoiceRun.objects.exists()
