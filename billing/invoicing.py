"""The invoice run: each program's families billed for one period.

Idempotent and safe when two runs of the same period go at once:

- programs are invoiced in batches (one Celery task each, a handful of
  statements per batch whatever its size), one transaction per batch, so every
  program is either fully invoiced or untouched; a batch that fails is retried
  one program at a time to isolate the failing program;
- inside it, the batch's family accounts are locked FOR UPDATE in primary-key
  order (one statement), then the alliance's invoice counter, then the run row —
  always in that order, so two runs queue rather than deadlock, however their
  batches are cut;
- an account that already has an invoice for the period is skipped (and the
  unique constraint (alliance, account, period_start) backs that up);
- invoice numbers come from the locked counter and are committed with the
  invoices, so they have no gaps.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from alliance.audit import Actor, audit_event_record, snapshot, user_of
from alliance.dates import month_bounds
from alliance.formatting import day
from alliance.outbox import task_enqueue
from alliance.tenancy import require_alliance_id
from billing.bulk import LEDGER_ENTRY_COLUMNS, insert_rows
from billing.ledger import to_cents
from billing.models import (
    ZERO,
    ChargeCategory,
    ClaimStatus,
    EntryKind,
    FamilyAccount,
    Invoice,
    InvoiceCounter,
    InvoiceRun,
    InvoiceStatus,
    LedgerEntry,
    PayerClaim,
    RatePeriod,
    RatePlan,
    RunStatus,
    SubsidyAuthorization,
)
from billing.pricing import discount_for, plan_for, tuition_for
from enrollment.models import Child, Enrollment
from members.models import Classroom, MemberProgram, ProgramStatus

ONE_DAY = datetime.timedelta(days=1)
DUE_AFTER_DAYS = 10
INVOICED_PROGRAM_STATUSES = [ProgramStatus.ACTIVE, ProgramStatus.PAUSED]


def period_bounds(period: str, start: datetime.date) -> tuple[datetime.date, datetime.date]:
    if period == RatePeriod.WEEKLY:
        if start.weekday() != 0:
            raise ValidationError({"period_start": "A weekly period starts on a Monday."})
        return start, start + datetime.timedelta(days=6)
    if start.day != 1:
        raise ValidationError({"period_start": "A monthly period starts on the first of the month."})
    return month_bounds(start)


@dataclass
class Line:
    kind: str
    category: str
    amount: Decimal
    description: str
    child_id: int | None = None
    enrollment_id: int | None = None
    authorization: SubsidyAuthorization | None = None


class RunWarning(str):
    """A warning's text, which names the program and room; the run stores it with their ids so
    its page links to the classroom."""

    program_id: int | None
    classroom_id: int | None
    enrollment_id: int | None

    def __new__(
        cls,
        text: str,
        *,
        program_id: int | None = None,
        classroom_id: int | None = None,
        enrollment_id: int | None = None,
    ) -> RunWarning:
        warning = super().__new__(cls, text)
        warning.program_id, warning.classroom_id, warning.enrollment_id = program_id, classroom_id, enrollment_id
        return warning

    def stored(self) -> dict[str, Any]:
        return {
            "text": str(self),
            "program": self.program_id,
            "classroom": self.classroom_id,
            "enrollment": self.enrollment_id,
        }


def warning_text(stored: Any) -> str:
    """A run's stored warning as text (runs before links were stored kept plain strings)."""
    return str(stored.get("text", "")) if isinstance(stored, dict) else str(stored)


@dataclass
class ProgramResult:
    invoices: int = 0
    amount: Decimal = ZERO
    skipped_accounts: int = 0
    warnings: list[RunWarning] = field(default_factory=list)


def _enrollments_of(program_ids: list[int], start: datetime.date, end: datetime.date) -> dict[int, list[Any]]:
    """The programs' enrollments touching the period, as light records (thousands per run), by program.

    Three plain lookups rather than one join: each stays on its own index
    whatever the planner knows about freshly filled tables."""
    rows = list(
        Enrollment.objects.filter(program_id__in=program_ids, start_date__lte=end)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
        .order_by()
        .values_list(
            "pk",
            "program_id",
            "child_id",
            "classroom_id",
            "start_date",
            "end_date",
            "weekdays",
            "day_length",
            "rate_plan_ref",
        )
    )
    children = {
        pk: (family_id, first, last)
        for pk, family_id, first, last in Child.objects.filter(pk__in={r[2] for r in rows})
        .order_by()
        .values_list("pk", "family_id", "first_name", "last_name")
    }
    rooms = {
        pk: (name, age_group)
        for pk, name, age_group in Classroom.objects.filter(pk__in={r[3] for r in rows})
        .order_by()
        .values_list("pk", "name", "age_group")
    }
    program_names = dict(MemberProgram.objects.filter(pk__in=program_ids).order_by().values_list("pk", "name"))
    records: dict[int, list[Any]] = {pk: [] for pk in program_ids}
    for pk, program_id, child_id, room_id, start_date, end_date, weekdays, day_length, ref in rows:
        family_id, first, last = children[child_id]
        name, age_group = rooms[room_id]
        records[program_id].append(
            SimpleNamespace(
                pk=pk,
                child_id=child_id,
                start_date=start_date,
                end_date=end_date,
                weekdays=weekdays,
                day_length=day_length,
                rate_plan_ref=ref,
                classroom=SimpleNamespace(
                    pk=room_id,
                    program_id=program_id,
                    program_name=program_names[program_id],
                    name=name,
                    age_group=age_group,
                ),
                child=SimpleNamespace(pk=child_id, family_id=family_id, first_name=first, full_name=f"{first} {last}"),
            )
        )
    for program_records in records.values():
        program_records.sort(key=lambda e: (e.child.family_id, e.child_id, e.start_date))
    return records


def _locked_counter() -> InvoiceCounter:
    counter = InvoiceCounter.objects.select_for_update().first()
    if counter is None:
        InvoiceCounter.objects.bulk_create([InvoiceCounter(alliance_id=require_alliance_id())], ignore_conflicts=True)
        counter = InvoiceCounter.objects.select_for_update().get()
    return counter


def _child_lines(
    enrollments: list[Enrollment],
    plans: list[RatePlan],
    *,
    start: datetime.date,
    end: datetime.date,
    staff: bool,
    first_fees: dict[str, set[int]],
    warnings: list[RunWarning],
    plan_of: dict[int, RatePlan],
) -> dict[int, list[Line]]:
    """Tuition, fees and staff discounts per child of one account (sibling discounts come after)."""
    lines: dict[int, list[Line]] = defaultdict(list)
    for enrollment in enrollments:
        child = enrollment.child
        first_day = max(enrollment.start_date, start)
        last_day = min(enrollment.end_date or end, end)
        choice = plan_for(
            plans,
            reference=enrollment.rate_plan_ref,
            age_group=enrollment.classroom.age_group,
            day_length=enrollment.day_length,
            days_per_week=len(enrollment.weekdays),
            day=first_day,
        )
        if choice.plan is None:
            room: Any = enrollment.classroom  # the light record of _enrollments_of, with its program's name
            warnings.append(
                RunWarning(
                    f"{child.full_name} ({room.program_name}, {room.name}, from {day(enrollment.start_date)}): "
                    f"not invoiced — {choice.warning}.",
                    program_id=room.program_id,
                    classroom_id=room.pk,
                    enrollment_id=enrollment.pk,
                )
            )
            continue
        plan = choice.plan
        tuition = to_cents(tuition_for(plan, enrollment.weekdays, first_day, last_day))
        if tuition > 0:
            lines[child.pk].append(
                Line(
                    EntryKind.CHARGE,
                    ChargeCategory.TUITION,
                    tuition,
                    f"Tuition {child.first_name}, {first_day:%b %d}–{last_day:%b %d} ({plan.name})",
                    child.pk,
                    enrollment.pk,
                )
            )
            if staff and plan.staff_discount_kind:
                staff_off = to_cents(discount_for(plan.staff_discount_kind, plan.staff_discount, tuition))
                if staff_off > 0:
                    lines[child.pk].append(
                        Line(
                            EntryKind.CREDIT,
                            ChargeCategory.STAFF_DISCOUNT,
                            -staff_off,
                            f"Staff discount {child.first_name}",
                            child.pk,
                            enrollment.pk,
                        )
                    )
        if plan.registration_fee > 0 and child.pk not in first_fees["registration"]:
            first_fees["registration"].add(child.pk)
            lines[child.pk].append(
                Line(
                    EntryKind.CHARGE,
                    ChargeCategory.REGISTRATION,
                    plan.registration_fee,
                    f"Registration fee {child.first_name}",
                    child.pk,
                    enrollment.pk,
                )
            )
        if plan.supply_fee > 0 and child.pk not in first_fees["supply"]:
            first_fees["supply"].add(child.pk)
            lines[child.pk].append(
                Line(
                    EntryKind.CHARGE,
                    ChargeCategory.SUPPLY,
                    plan.supply_fee,
                    f"Supply fee {child.first_name} ({start.year})",
                    child.pk,
                    enrollment.pk,
                )
            )
        plan_of[enrollment.pk] = plan
    return lines


def _sibling_discounts(
    enrollments: list[Enrollment], lines: dict[int, list[Line]], plan_of: dict[int, RatePlan]
) -> None:
    """Every child after the family's first (the one with the highest tuition) gets the sibling discount."""
    tuition_of = {
        cid: sum((ln.amount for ln in ls if ln.category == ChargeCategory.TUITION), ZERO) for cid, ls in lines.items()
    }
    ranked = sorted((cid for cid in tuition_of if tuition_of[cid] > 0), key=lambda c: (-tuition_of[c], c))
    by_child = {e.child_id: e for e in enrollments if e.pk in plan_of}
    for child_id in ranked[1:]:
        enrollment = by_child[child_id]
        plan = plan_of[enrollment.pk]
        if not plan.sibling_discount_kind:
            continue
        off = to_cents(discount_for(plan.sibling_discount_kind, plan.sibling_discount, tuition_of[child_id]))
        if off > 0:
            lines[child_id].append(
                Line(
                    EntryKind.CREDIT,
                    ChargeCategory.SIBLING_DISCOUNT,
                    -off,
                    f"Sibling discount {enrollment.child.first_name}",
                    child_id,
                    enrollment.pk,
                )
            )


def _payer_shares(lines: dict[int, list[Line]], authorizations: dict[int, SubsidyAuthorization]) -> None:
    """Split each covered child's tuition: the payer pays above the co-pay, up to its authorized amount.
    Family share + payer share = the child's net tuition, to the cent (both are whole cents)."""
    for child_id, child_lines in lines.items():
        authorization = authorizations.get(child_id)
        if authorization is None:
            continue
        tuition = sum((ln.amount for ln in child_lines if ln.category in TUITION_CATEGORIES), ZERO)
        share = min(max(tuition - authorization.family_copay, ZERO), authorization.authorized_amount)
        if share > 0:
            child_lines.append(
                Line(
                    EntryKind.CREDIT,
                    ChargeCategory.PAYER_SHARE,
                    -share,
                    f"Paid by {authorization.payer.name} (case {authorization.case_number})",
                    child_id,
                    child_lines[0].enrollment_id,
                    authorization,
                )
            )


TUITION_CATEGORIES = (ChargeCategory.TUITION, ChargeCategory.SIBLING_DISCOUNT, ChargeCategory.STAFF_DISCOUNT)


def invoice_program_for_period(
    *,
    program_id: int,
    period_start: datetime.date,
    period_end: datetime.date,
    run: InvoiceRun | None = None,
    issued_on: datetime.date | None = None,
    actor: Actor = None,
) -> ProgramResult:
    """Invoice one program's families for one period, in one transaction. Safe to repeat."""
    return invoice_programs_for_period(
        program_ids=[program_id],
        period_start=period_start,
        period_end=period_end,
        run=run,
        issued_on=issued_on,
        actor=actor,
    )[program_id]


@dataclass
class ProgramWork:
    """What one program of a batch will write: its accounts to invoice and their lines."""

    program_id: int
    result: ProgramResult
    pending: list[tuple[Any, list[Line]]] = field(default_factory=list)
    skipped: list[Any] = field(default_factory=list)  # accounts already invoiced for the period


def invoice_programs_for_period(
    *,
    program_ids: list[int],
    period_start: datetime.date,
    period_end: datetime.date,
    run: InvoiceRun | None = None,
    issued_on: datetime.date | None = None,
    actor: Actor = None,
) -> dict[int, ProgramResult]:
    """Invoice a batch of programs' families for one period, in one transaction. Safe to repeat.

    A batch reads and writes with a fixed number of statements however many programs it holds (one
    per program costs a round trip each, which dominated the run). All of it commits or none of it does,
    so every program is either fully invoiced or untouched; `invoice_run_programs` retries a failed batch
    one program at a time to find and isolate the program that fails."""
    issued_on = issued_on or period_start
    alliance_id = require_alliance_id()
    # What the run does not write (enrollments, rate plans, authorizations) is read before any lock.
    inputs = _pricing_inputs(program_ids, period_start, period_end)
    with transaction.atomic():
        families = inputs.families()
        now = timezone.now()
        insert_rows(
            FamilyAccount,
            ["alliance_id", "family_id", "program_id", "staff_discount", "created_at"],
            [(alliance_id, f, pk, False, now) for pk in program_ids for f in families[pk]],
            on_conflict_nothing=True,
        )
        # Lock order: the batch's family accounts in primary-key order (one statement), then the counter,
        # then the run row. Whatever the batches of two runs, their locks are taken in that one order.
        work = _priced_work(inputs, period_start=period_start, period_end=period_end, lock=True)
        pending = [(w, account, lines) for w in work.values() for account, lines in w.pending]
        if pending:
            _write_invoices(
                pending,
                alliance_id=alliance_id,
                run=run,
                period_start=period_start,
                period_end=period_end,
                issued_on=issued_on,
                actor=actor,
                now=now,
            )
        _record_progress(run, list(work.values()))
    return {pk: w.result for pk, w in work.items()}


@dataclass
class _PricingInputs:
    """What pricing reads and the run never writes: enrollments, rate plans, payers' authorizations."""

    program_ids: list[int]
    enrollments: dict[int, list[Any]]
    plans: dict[int, list[RatePlan]]
    authorizations: dict[tuple[int, int], SubsidyAuthorization]

    def families(self) -> dict[int, list[int]]:
        return {pk: sorted({e.child.family_id for e in self.enrollments[pk]}) for pk in self.program_ids}


def _pricing_inputs(program_ids: list[int], start: datetime.date, end: datetime.date) -> _PricingInputs:
    plans: dict[int, list[RatePlan]] = defaultdict(list)
    for plan in RatePlan.objects.filter(program_id__in=program_ids, effective_from__lte=end).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=start)
    ):
        plans[plan.program_id].append(plan)
    authorizations: dict[tuple[int, int], SubsidyAuthorization] = {}
    for authorization in (
        SubsidyAuthorization.objects.filter(program_id__in=program_ids, starts_on__lte=end, ends_on__gte=start)
        .select_related("payer")
        .order_by("-starts_on", "pk")
    ):
        authorizations.setdefault((authorization.program_id, authorization.child_id), authorization)
    return _PricingInputs(program_ids, _enrollments_of(program_ids, start, end), plans, authorizations)


def _priced_work(
    inputs: _PricingInputs, *, period_start: datetime.date, period_end: datetime.date, lock: bool
) -> dict[int, ProgramWork]:
    """Every account's lines for the period: the one pricing path of the run (lock=True, inside its
    transaction, accounts locked FOR UPDATE) and of the preview (lock=False, reads only; a family
    without an account yet is priced as the new account the run would open for it)."""
    program_ids = inputs.program_ids
    families = inputs.families()
    work = {pk: ProgramWork(pk, ProgramResult()) for pk in program_ids}
    wanted = {(pk, f) for pk in program_ids for f in families[pk]}
    invoiced = Invoice.objects.filter(account=OuterRef("pk"), period_start=period_start)
    accounts: dict[int, list[Any]] = defaultdict(list)
    rows = FamilyAccount.objects.filter(program_id__in=[p for p in program_ids if families[p]], family__isnull=False)
    if lock:
        rows = rows.select_for_update(of=("self",))
    seen: set[tuple[int, int]] = set()
    for pk, program_id, family_id, staff, has_invoice in (
        rows.order_by("pk")
        .annotate(has_invoice=Exists(invoiced))
        .values_list("pk", "program_id", "family_id", "staff_discount", "has_invoice")
    ):
        if (program_id, family_id) not in wanted:
            continue
        seen.add((program_id, family_id))
        account = SimpleNamespace(pk=pk, family_id=family_id, staff_discount=staff)
        if has_invoice:
            work[program_id].result.skipped_accounts += 1
            work[program_id].skipped.append(account)
        else:
            accounts[program_id].append(account)
    for program_id, family_id in [] if lock else sorted(wanted - seen):  # the preview's families without one yet
        accounts[program_id].append(SimpleNamespace(pk=None, family_id=family_id, staff_discount=False))
    # Fees charged once (registration ever, supply once a year), read under the accounts' locks.
    first_fees: dict[int, dict[str, set[int]]] = {pk: {"registration": set(), "supply": set()} for pk in program_ids}
    for program_id, category, child_id in (
        LedgerEntry.objects.order_by()
        .filter(program_id__in=program_ids, reversed_by__isnull=True, kind=EntryKind.CHARGE)
        .filter(
            Q(category=ChargeCategory.REGISTRATION)
            | Q(category=ChargeCategory.SUPPLY, posted_on__year=period_start.year)
        )
        .values_list("program_id", "category", "child_id")
    ):
        first_fees[program_id][category].add(child_id)
    for program_id in program_ids:
        _program_lines(
            work[program_id],
            inputs.enrollments[program_id],
            accounts[program_id],
            inputs.plans[program_id],
            inputs.authorizations,
            first_fees[program_id],
            start=period_start,
            end=period_end,
        )
    return work


def invoices_priced(
    *, program_ids: list[int], period_start: datetime.date, period_end: datetime.date
) -> tuple[dict[int, ProgramWork], dict[int, list[Any]]]:
    """What the run would write for these programs now, by the run's own pricing, with the enrollments
    it priced (light records, by program); writes nothing (the preview of billing/preview.py)."""
    inputs = _pricing_inputs(program_ids, period_start, period_end)
    return _priced_work(inputs, period_start=period_start, period_end=period_end, lock=False), inputs.enrollments


def _program_lines(
    work: ProgramWork,
    enrollments: list[Any],
    accounts: list[Any],
    plans: list[RatePlan],
    authorizations: dict[tuple[int, int], SubsidyAuthorization],
    first_fees: dict[str, set[int]],
    *,
    start: datetime.date,
    end: datetime.date,
) -> None:
    """Each account's lines: tuition, fees and discounts per child, then siblings, then payers' shares."""
    by_family: dict[int, list[Any]] = defaultdict(list)
    for enrollment in enrollments:
        by_family[enrollment.child.family_id].append(enrollment)
    covered = {child_id: a for (program_id, child_id), a in authorizations.items() if program_id == work.program_id}
    for account in accounts:
        family_enrollments = by_family[account.family_id]
        plan_of: dict[int, RatePlan] = {}
        lines = _child_lines(
            family_enrollments,
            plans,
            start=start,
            end=end,
            staff=account.staff_discount,
            first_fees=first_fees,
            warnings=work.result.warnings,
            plan_of=plan_of,
        )
        _sibling_discounts(family_enrollments, lines, plan_of)
        _payer_shares(lines, covered)
        flat = [line for child_lines in lines.values() for line in child_lines]
        if flat:
            work.pending.append((account, flat))


def _write_invoices(
    pending: list[tuple[ProgramWork, Any, list[Line]]],
    *,
    alliance_id: int,
    run: InvoiceRun | None,
    period_start: datetime.date,
    period_end: datetime.date,
    issued_on: datetime.date,
    actor: Actor,
    now: datetime.datetime,
) -> None:
    """Number and write the batch's invoices, ledger lines and payer claims: one statement per table."""
    counter = _locked_counter()
    due_on = issued_on + datetime.timedelta(days=DUE_AFTER_DAYS)
    run_id = run.pk if run else None
    totals = [sum((ln.amount for ln in lines), ZERO) for _, _, lines in pending]
    invoice_ids = insert_rows(
        Invoice,
        [
            "alliance_id",
            "account_id",
            "program_id",
            "run_id",
            "number",
            "period_start",
            "period_end",
            "issued_on",
            "due_on",
            "total",
            "status",
            "void_reason",
            "created_at",
        ],
        [
            (
                alliance_id,
                account.pk,
                w.program_id,
                run_id,
                counter.next_number + offset,
                period_start,
                period_end,
                issued_on,
                due_on,
                total,
                InvoiceStatus.ISSUED,
                "",
                now,
            )
            for offset, ((w, account, _), total) in enumerate(zip(pending, totals, strict=True))
        ],
        returning=True,
    )
    user_id = getattr(user_of(actor), "pk", None)
    rows = list(zip(invoice_ids, pending, strict=True))
    insert_rows(
        LedgerEntry,
        LEDGER_ENTRY_COLUMNS,
        [
            (
                alliance_id,
                account.pk,
                w.program_id,
                line.kind,
                line.category,
                line.amount,
                issued_on,
                line.description[:200],
                line.child_id,
                line.enrollment_id,
                invoice_id,
                None,
                user_id,
                now,
            )
            for invoice_id, (w, account, lines) in rows
            for line in lines
        ],
    )
    insert_rows(
        PayerClaim,
        [
            "alliance_id",
            "payer_id",
            "authorization_id",
            "program_id",
            "child_id",
            "invoice_id",
            "period_start",
            "expected",
            "paid",
            "status",
            "resolution_note",
        ],
        [
            (
                alliance_id,
                line.authorization.payer_id,
                line.authorization.pk,
                w.program_id,
                line.child_id,
                invoice_id,
                period_start,
                -line.amount,
                ZERO,
                ClaimStatus.OPEN,
                "",
            )
            for invoice_id, (w, _, lines) in rows
            for line in lines
            if line.authorization is not None
        ],
    )
    # Per program: its invoices, numbers (consecutive: the batch is numbered program by program) and lines.
    numbers: dict[int, list[int]] = defaultdict(list)
    entries: dict[int, int] = defaultdict(int)
    results: dict[int, ProgramResult] = {}
    for offset, ((w, _, lines), total) in enumerate(zip(pending, totals, strict=True)):
        numbers[w.program_id].append(counter.next_number + offset)
        entries[w.program_id] += len(lines)
        w.result.invoices += 1
        w.result.amount += total
        results[w.program_id] = w.result
    counter.next_number += len(invoice_ids)
    counter.save(update_fields=["next_number"])
    for program_id, program_numbers in numbers.items():
        result = results[program_id]
        audit_event_record(
            actor=actor,
            action="invoice.issued",
            object_type="billing.invoicerun",
            object_id=str(run.pk) if run else "",
            program_id=program_id,
            after={
                "period_start": period_start,
                "invoices": result.invoices,
                "total": result.amount,
                "numbers": [program_numbers[0], program_numbers[-1]],
                "entries": entries[program_id],
            },
        )


def _record_progress(run: InvoiceRun | None, works: list[ProgramWork]) -> None:
    """Count the batch's programs on the run, once: the run row is locked (last in the lock order)
    and a program already in `programs_completed` (a batch delivered twice) is not counted again."""
    if run is None:
        return
    locked = InvoiceRun.objects.select_for_update().get(pk=run.pk)
    completed = set(locked.programs_completed)
    new = [w for w in works if w.program_id not in completed]
    warnings = [warning.stored() for w in new for warning in w.result.warnings]
    programs_completed = [*locked.programs_completed, *(w.program_id for w in new)]
    InvoiceRun.objects.filter(pk=run.pk).update(
        programs_completed=programs_completed,
        programs_done=len(programs_completed),
        invoices_created=F("invoices_created") + sum(w.result.invoices for w in new),
        amount_invoiced=F("amount_invoiced") + sum((w.result.amount for w in new), ZERO),
        warnings=[*locked.warnings, *warnings],
        progress_at=timezone.now(),
        # A stalled run that moves again (its message came back after all) is running.
        status=RunStatus.RUNNING if locked.status in (RunStatus.QUEUED, RunStatus.STALLED) else locked.status,
    )


# --- Runs -------------------------------------------------------------------
def programs_to_invoice() -> list[int]:
    return list(
        MemberProgram.objects.filter(status__in=INVOICED_PROGRAM_STATUSES).order_by("pk").values_list("pk", flat=True)
    )


def invoice_run_create(
    *,
    actor: Actor,
    period_start: datetime.date,
    period: str = RatePeriod.MONTHLY,
    queue: bool = True,
    preview_fingerprint: str = "",
) -> InvoiceRun:
    """Record a run and queue its tasks through the outbox (alliance/outbox.py): the outbox row is
    written in this transaction and sent once it commits, or by the relay when the broker is back."""
    start, end = period_bounds(period, period_start)
    with transaction.atomic():
        program_ids = programs_to_invoice()
        run = InvoiceRun.objects.create(
            period=period,
            period_start=start,
            period_end=end,
            programs_total=len(program_ids),
            program_ids=program_ids,
            progress_at=timezone.now(),
            started_by=user_of(actor),
        )
        after = snapshot(run, RUN_AUDIT_FIELDS)
        if preview_fingerprint:  # issued from a preview (billing/preview.py) that still held
            after["preview_fingerprint"] = preview_fingerprint
        audit_event_record(actor=actor, action="invoice_run.started", target=run, after=after)
        if queue:
            task_enqueue(invoice_run_signature(require_alliance_id(), run.pk, program_ids), ref=run.outbox_ref)
    return run


RUN_AUDIT_FIELDS = [
    "period",
    "period_start",
    "period_end",
    "status",
    "programs_total",
    "programs_done",
    "invoices_created",
    "amount_invoiced",
]


PROGRAMS_PER_TASK = 10
PROGRESS_STEPS = 20


def program_batches(program_ids: list[int]) -> list[list[int]]:
    """The run's programs in batches, one task each: at most PROGRAMS_PER_TASK per batch, and small enough
    that the progress bar moves in about PROGRESS_STEPS steps (one program per task in small alliances)."""
    size = max(1, min(PROGRAMS_PER_TASK, -(-len(program_ids) // PROGRESS_STEPS)))
    return [program_ids[n : n + size] for n in range(0, len(program_ids), size)]


def invoice_run_signature(
    alliance_id: int,
    run_id: int,  # type: ignore[no-untyped-def]
    program_ids: list[int] | None = None,
):
    """The run as a Celery chain: one task per batch of programs (each its own transaction), then the summary."""
    from celery import chain

    from billing import tasks

    ids = programs_to_invoice() if program_ids is None else program_ids
    return chain(
        tasks.invoice_run_start.si(alliance_id, run_id),
        *[tasks.invoice_run_programs.si(alliance_id, run_id, batch) for batch in program_batches(ids)],
        tasks.invoice_run_finish.si(alliance_id, run_id),
    )


def invoice_run_start(*, run_id: int) -> None:
    InvoiceRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, progress_at=timezone.now()
    )


def invoice_run_programs(*, run_id: int, program_ids: list[int]) -> bool:
    """Invoice a batch of a run's programs. If the batch fails, nothing of it was written; it is retried
    one program at a time, so the programs before the failing one are invoiced, the failing one is left
    untouched and the run is marked failed with its name and error (the rest wait for a rerun).

    Safe to repeat (a message redelivered after its worker died, or a resumed run): programs the run
    has completed are left out, and accounts already invoiced for the period are skipped."""
    run = InvoiceRun.objects.get(pk=run_id)
    if run.status in (RunStatus.FAILED, RunStatus.DONE):
        return run.status == RunStatus.DONE
    completed = set(run.programs_completed)
    program_ids = [pk for pk in program_ids if pk not in completed]
    if not program_ids:
        return True
    try:
        invoice_programs_for_period(
            program_ids=program_ids, period_start=run.period_start, period_end=run.period_end, run=run
        )
        return True
    except Exception as exc:  # the batch's savepoint is rolled back
        if len(program_ids) > 1:
            return all(invoice_run_programs(run_id=run_id, program_ids=[pk]) for pk in program_ids)
        program = MemberProgram.objects.filter(pk=program_ids[0]).values_list("name", flat=True).first()
        InvoiceRun.objects.filter(pk=run_id).update(
            status=RunStatus.FAILED,
            finished_at=timezone.now(),
            error=f"{program}: {type(exc).__name__}: {exc}. Programs invoiced so far are complete; "
            f"start the run again to finish the rest.",
        )
        return False


def invoice_run_finish(*, run_id: int) -> InvoiceRun:
    """Mark the run done (the chain's last task, after every batch); once: a repeated finish does nothing."""
    run = InvoiceRun.objects.select_for_update().get(pk=run_id)
    if run.is_finished:
        return run
    run.status = RunStatus.DONE
    run.finished_at = timezone.now()
    run.progress_at = run.finished_at
    run.save(update_fields=["status", "finished_at", "progress_at"])
    audit_event_record(actor=None, action="invoice_run.finished", target=run, after=snapshot(run, RUN_AUDIT_FIELDS))
    return run


# --- Stalled runs ----------------------------------------------------------------
class RunStalled(Exception):
    """What the task failures page records for a run that stopped making progress."""


def invoice_runs_check_stalled() -> list[int]:
    """Mark the scope's runs without progress for HUB_RUN_STALLED_AFTER_SECONDS as stalled: each is
    recorded as a task failure and its page offers Resume. A run whose work still waits in the outbox
    for the broker is not stalled (its page says it will start when the queue is reachable).
    Returns the ids marked."""
    from alliance.observability import task_failure_record
    from alliance.outbox import outbox_waiting

    after = settings.HUB_RUN_STALLED_AFTER_SECONDS
    cutoff = timezone.now() - datetime.timedelta(seconds=after)
    marked: list[int] = []
    with transaction.atomic():
        for run in (
            InvoiceRun.objects.select_for_update(skip_locked=True)
            .filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING])
            .filter(Q(progress_at__lt=cutoff) | Q(progress_at__isnull=True, created_at__lt=cutoff))
            .order_by("pk")
        ):
            if outbox_waiting(ref=run.outbox_ref):
                continue
            before = snapshot(run, RUN_AUDIT_FIELDS)
            run.status = RunStatus.STALLED
            run.save(update_fields=["status"])
            minutes = max(1, round(after / 60))
            message = (
                f"{run}: no progress for {minutes} minute{'s' if minutes != 1 else ''} "
                f"({run.programs_done} of {run.programs_total} programs invoiced). Resume it from its page."
            )
            audit_event_record(
                actor=None,
                action="invoice_run.stalled",
                target=run,
                before=before,
                after=snapshot(run, RUN_AUDIT_FIELDS),
            )
            task_failure_record(
                alliance_id=require_alliance_id(),
                task_name="billing.invoice_run_programs",
                task_id=None,
                exc=RunStalled(message),
            )
            marked.append(run.pk)
    return marked


def invoice_run_resume(*, run: InvoiceRun, actor: Actor) -> InvoiceRun:
    """Queue a stalled or failed run's remaining batches again, through the outbox. Programs it completed
    are not queued (and would be skipped if they were): nothing is invoiced twice. A failed run's failing
    program is tried again (fix its data first)."""
    with transaction.atomic():
        locked = InvoiceRun.objects.select_for_update().get(pk=run.pk)
        if locked.status not in (RunStatus.STALLED, RunStatus.FAILED):
            raise ValidationError(
                f"Only a stalled or failed run can be resumed; this one is {locked.get_status_display().lower()}.",
                code="not_stalled",
            )
        program_ids = locked.program_ids or programs_to_invoice()
        completed = set(locked.programs_completed)
        remaining = [pk for pk in program_ids if pk not in completed]
        before = snapshot(locked, RUN_AUDIT_FIELDS)
        locked.status = RunStatus.QUEUED
        locked.program_ids = program_ids
        locked.progress_at = timezone.now()
        locked.error, locked.finished_at = "", None  # a failed run's error is for the attempt before
        locked.save(update_fields=["status", "program_ids", "progress_at", "error", "finished_at"])
        audit_event_record(
            actor=actor,
            action="invoice_run.resumed",
            target=locked,
            before=before,
            after={**snapshot(locked, RUN_AUDIT_FIELDS), "programs_remaining": len(remaining)},
        )
        task_enqueue(invoice_run_signature(require_alliance_id(), locked.pk, remaining), ref=locked.outbox_ref)
    return locked
