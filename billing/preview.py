"""The invoice run's preview: what issuing a period would invoice, account by account, and what to fix.

Priced by the run's own code (`invoicing.invoices_priced`, the path the run takes under its locks), so
the preview's totals are the invoices the run then writes, to the cent. It reads only. Its
fingerprint is a hash of every previewed line: issuing from a preview (`invoice_run_issue_previewed`)
recomputes it and refuses when the data changed since it was shown.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from alliance.audit import Actor
from alliance.dates import month_bounds
from alliance.formatting import day, money
from alliance.tenancy import require_alliance_id
from billing import invoicing
from billing.models import ZERO, ChargeCategory, InvoiceRun, RatePeriod, RunStatus
from enrollment.models import Family, Guardian
from members.models import MemberProgram
from members.selectors import classroom_capacities_on


class WarningKind:
    NO_RATE_PLAN = "no_rate_plan"
    NO_SCHEDULE = "no_schedule"
    OVER_CAPACITY = "over_capacity"
    NO_PAYER = "no_payer"
    DUPLICATE_FAMILY = "duplicate_family"
    NOT_POSITIVE = "not_positive"
    ALREADY_INVOICED = "already_invoiced"

    CHOICES = [
        (NO_RATE_PLAN, "No rate plan"),
        (NO_SCHEDULE, "Enrollment without a schedule"),
        (OVER_CAPACITY, "Room over capacity"),
        (NO_PAYER, "Account without a payer"),
        (DUPLICATE_FAMILY, "Duplicate-looking family"),
        (NOT_POSITIVE, "Zero or negative amount"),
        (ALREADY_INVOICED, "Already invoiced for the period"),
    ]


@dataclass(frozen=True)
class PreviewWarning:
    """A thing to fix before issuing, pointing at the record where it is fixed (one of the ids)."""

    kind: str
    text: str
    program_id: int
    enrollment_id: int | None = None
    classroom_id: int | None = None
    account_id: int | None = None
    family_id: int | None = None


@dataclass(frozen=True)
class PreviewLine:
    category: str
    description: str
    amount: Decimal
    child_id: int | None
    enrollment_id: int | None

    @property
    def category_label(self) -> str:
        return str(ChargeCategory(self.category).label)


@dataclass
class PreviewAccount:
    """One invoice the run would issue: an account (None: the run opens it) and its lines."""

    program_id: int
    family_id: int
    family_name: str
    account_id: int | None
    lines: list[PreviewLine]

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)


@dataclass
class ProgramPreview:
    program_id: int
    name: str
    accounts: list[PreviewAccount] = field(default_factory=list)
    warnings: list[PreviewWarning] = field(default_factory=list)
    already_invoiced: int = 0

    @property
    def invoices(self) -> int:
        return len(self.accounts)

    @property
    def total(self) -> Decimal:
        return sum((a.total for a in self.accounts), ZERO)


@dataclass
class InvoicePreview:
    period_start: datetime.date
    period_end: datetime.date
    programs: list[ProgramPreview]
    fingerprint: str

    @property
    def invoices(self) -> int:
        return sum(p.invoices for p in self.programs)

    @property
    def total(self) -> Decimal:
        return sum((p.total for p in self.programs), ZERO)

    @property
    def warnings(self) -> list[PreviewWarning]:
        return [w for p in self.programs for w in p.warnings]

    @property
    def accounts(self) -> list[PreviewAccount]:
        return [a for p in self.programs for a in p.accounts]

    def issue_label(self) -> str:
        return f"Issue {self.invoices} invoice{'s' if self.invoices != 1 else ''} totalling {money(self.total)}"


def _fingerprint(period_start: datetime.date, programs: list[ProgramPreview]) -> str:
    """A hash of everything the run would write (accounts, lines, amounts) and of who is skipped."""
    content = [
        period_start.isoformat(),
        [
            [
                p.program_id,
                p.already_invoiced,
                [
                    [a.family_id, a.account_id, [[ln.category, str(ln.amount), ln.enrollment_id] for ln in a.lines]]
                    for a in sorted(p.accounts, key=lambda a: a.family_id)
                ],
            ]
            for p in programs
        ],
    ]
    return hashlib.sha256(json.dumps(content, separators=(",", ":")).encode()).hexdigest()[:32]


def invoice_run_preview(*, period_start: datetime.date, program_ids: list[int] | None = None) -> InvoicePreview:
    """The month's invoices as the run would issue them now, per program, with warnings. Reads only.

    `program_ids` narrows it (a provider's own program); by default every program the run invoices."""
    start, end = month_bounds(period_start)
    every = invoicing.programs_to_invoice()
    ids = every if program_ids is None else [pk for pk in every if pk in set(program_ids)]
    work, enrollments = invoicing.invoices_priced(program_ids=ids, period_start=start, period_end=end)
    names = dict(MemberProgram.objects.filter(pk__in=ids).values_list("pk", "name"))
    family_ids = {e.child.family_id for records in enrollments.values() for e in records}
    families = dict(Family.objects.filter(pk__in=family_ids).order_by().values_list("pk", "name"))
    contacts: dict[int, set[str]] = defaultdict(set)
    with_guardian: set[int] = set()
    for family_id, email, phone in (
        Guardian.objects.filter(family_id__in=family_ids).order_by().values_list("family_id", "email", "phone")
    ):
        with_guardian.add(family_id)
        contacts[family_id].update(c.strip().lower() for c in (email, phone) if c and c.strip())

    programs: list[ProgramPreview] = []
    for program_id in ids:
        program = ProgramPreview(program_id, names[program_id])
        result = work[program_id]
        program.already_invoiced = len(result.skipped)
        for account, lines in result.pending:
            program.accounts.append(
                PreviewAccount(
                    program_id,
                    account.family_id,
                    families.get(account.family_id, ""),
                    account.pk,
                    [
                        PreviewLine(ln.category, ln.description, ln.amount, ln.child_id, ln.enrollment_id)
                        for ln in lines
                    ],
                )
            )
        program.accounts.sort(key=lambda a: (a.family_name.lower(), a.family_id))
        program.warnings = _warnings(
            program,
            result,
            enrollments.get(program_id, []),
            families=families,
            contacts=contacts,
            with_guardian=with_guardian,
            start=start,
        )
        programs.append(program)
    programs.sort(key=lambda p: p.name.lower())
    return InvoicePreview(start, end, programs, _fingerprint(start, sorted(programs, key=lambda p: p.program_id)))


def _warnings(
    program: ProgramPreview,
    result: Any,
    enrollments: list[Any],
    *,
    families: dict[int, str],
    contacts: dict[int, set[str]],
    with_guardian: set[int],
    start: datetime.date,
) -> list[PreviewWarning]:
    pid = program.program_id
    found: list[PreviewWarning] = [
        PreviewWarning(
            WarningKind.NO_RATE_PLAN,
            str(w),
            pid,
            enrollment_id=w.enrollment_id,
            classroom_id=w.classroom_id,
        )
        for w in result.result.warnings
    ]
    for e in enrollments:
        if not e.weekdays:
            found.append(
                PreviewWarning(
                    WarningKind.NO_SCHEDULE,
                    f"{e.child.full_name} ({e.classroom.name}, from {day(e.start_date)}) has no days in the "
                    "schedule: no tuition is charged.",
                    pid,
                    enrollment_id=e.pk,
                )
            )
    # Rooms holding more children on the period's first day than their licensed capacity.
    children_in: dict[int, set[int]] = defaultdict(set)
    rooms: dict[int, Any] = {}
    for e in enrollments:
        if e.start_date <= start and (e.end_date is None or e.end_date >= start):
            children_in[e.classroom.pk].add(e.child_id)
            rooms[e.classroom.pk] = e.classroom
    capacities = classroom_capacities_on(children_in, start)
    for room_id, children in sorted(children_in.items()):
        capacity = capacities.get(room_id)
        if capacity is not None and len(children) > capacity.licensed:
            found.append(
                PreviewWarning(
                    WarningKind.OVER_CAPACITY,
                    f"{rooms[room_id].name}: {len(children)} children enrolled on {day(start)}, "
                    f"licensed for {capacity.licensed}.",
                    pid,
                    classroom_id=room_id,
                )
            )
    for account in program.accounts:
        if account.family_id not in with_guardian:
            found.append(
                PreviewWarning(
                    WarningKind.NO_PAYER,
                    f"{account.family_name} has no guardian on file: nobody to send the invoice to.",
                    pid,
                    account_id=account.account_id,
                    family_id=account.family_id,
                )
            )
        if account.total <= 0:
            found.append(
                PreviewWarning(
                    WarningKind.NOT_POSITIVE,
                    f"{account.family_name}: the invoice would be {money(account.total)}.",
                    pid,
                    account_id=account.account_id,
                    family_id=account.family_id,
                )
            )
    for account in result.skipped:
        found.append(
            PreviewWarning(
                WarningKind.ALREADY_INVOICED,
                f"{families.get(account.family_id, '')} already has an invoice for {start:%B %Y}: "
                "the run leaves this account out.",
                pid,
                account_id=account.pk,
                family_id=account.family_id,
            )
        )
    found.extend(_duplicates(program, enrollments, families=families, contacts=contacts))
    return found


def _duplicates(
    program: ProgramPreview, enrollments: list[Any], *, families: dict[int, str], contacts: dict[int, set[str]]
) -> list[PreviewWarning]:
    """Families of one program with the same name that also share a guardian's email or phone, or a
    child's first name: likely one household entered twice (it would get two invoices)."""
    first_names: dict[int, set[str]] = defaultdict(set)
    for e in enrollments:
        first_names[e.child.family_id].add(e.child.first_name.strip().lower())
    by_name: dict[str, list[int]] = defaultdict(list)
    for family_id in sorted(first_names):
        by_name[" ".join(families.get(family_id, "").lower().split())].append(family_id)
    found: list[PreviewWarning] = []
    for family_ids in by_name.values():
        for n, first in enumerate(family_ids):
            for second in family_ids[n + 1 :]:
                if contacts[first] & contacts[second] or first_names[first] & first_names[second]:
                    found.append(
                        PreviewWarning(
                            WarningKind.DUPLICATE_FAMILY,
                            f"{families[second]} looks like a second record of {families[first]} "
                            "(same name and a shared child's name, email or phone).",
                            program.program_id,
                            family_id=second,
                        )
                    )
    return found


# --- Issuing from a preview ----------------------------------------------------------
class PreviewStale(ValidationError):
    """The data changed since the preview was shown: its fingerprint no longer matches."""


class RunAlreadyGoing(ValidationError):
    """A run of the same period is queued, running or stalled: issuing again would only wait behind it."""

    def __init__(self, run: InvoiceRun) -> None:
        super().__init__(
            f"An invoice run for {run.period_start:%B %Y} is already {run.get_status_display().lower()}.",
            code="run_going",
        )
        self.run = run


def invoice_run_issue_previewed(
    *, actor: Actor, period_start: datetime.date, fingerprint: str
) -> tuple[InvoiceRun, InvoicePreview]:
    """Start the month's run through the run machinery (outbox, idempotent) if the preview still holds.

    Two requests at once are serialised by a transaction-level lock on (alliance, month): the second
    finds the first's run going and is refused, rather than queueing a second run. A stale fingerprint
    is refused (PreviewStale) and nothing is started. Returns the run and the preview it issues."""
    start, _ = month_bounds(period_start)
    if period_start != start:
        raise ValidationError({"period_start": "A monthly period starts on the first of the month."})
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [require_alliance_id(), start.toordinal()])
        going = (
            InvoiceRun.objects.filter(
                period=RatePeriod.MONTHLY,
                period_start=start,
                status__in=[RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.STALLED],
            )
            .order_by("-pk")
            .first()
        )
        if going is not None:
            raise RunAlreadyGoing(going)
        current = invoice_run_preview(period_start=start)
        if current.fingerprint != fingerprint:
            raise PreviewStale(
                {
                    "preview_fingerprint": (
                        "The invoices changed since this preview was made (enrollments, rate plans, accounts "
                        f"or invoices were edited): now {current.invoices} invoices totalling "
                        f"{money(current.total)}. Check the new preview, then issue."
                    )
                },
                code="stale",
            )
        run = invoicing.invoice_run_create(
            actor=actor, period_start=start, period=RatePeriod.MONTHLY, preview_fingerprint=fingerprint
        )
    return run, current
