"""The guided start: what a new alliance, and each new member, still has to do before the Hub runs.

Seven steps, each computed from the data (nothing is ticked by hand) and linked to the page that
does it. For the alliance (hub staff, on Today until every step is done, and on its own page):

1. **Targets set**: the alliance has its Iron Triangle targets (metrics' Targets row; an operator
   who gave targets when creating the alliance has done it).
2. **Members added**: at least one member program (not one that left) with a classroom.
3. **Data imported**: every member has its roster in: a committed families import, or enrollments
   entered by hand.
4. **Providers invited**: every member has a provider user, or an invitation not revoked.
5. **Rate plans set**: every member has a rate plan in force.
6. **First invoice run**: an invoice run has finished.
7. **First rollup**: the nightly rollup has written the alliance's figures (the dashboard's source).

For one member (hub staff and that member's provider, on its pages) the same steps narrowed to it:
the alliance's targets; its classrooms; its roster; its provider; its rate plans; an invoice of
its own; its own rolled-up figures. A member that left is not counted. All counts are a handful
of queries whatever the alliance's size (one per step).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Exists, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from alliance.dates import alliance_today
from alliance.models import Alliance, Invitation, Membership, Role
from billing.models import Invoice, InvoiceRun, RatePlan, RunStatus
from enrollment.models import Enrollment
from members.models import Classroom, ImportBatch, ImportKind, ImportStatus, MemberProgram, ProgramStatus
from metrics.models import AllianceMonth, ProgramMonth, Targets


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    done: bool
    detail: str
    url: str  # where it is done; "" when the viewer cannot do it (the detail says who can)
    action: str


@dataclass(frozen=True)
class Checklist:
    steps: list[Step]

    @property
    def done_count(self) -> int:
        return sum(1 for step in self.steps if step.done)

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def complete(self) -> bool:
        return self.done_count == self.total

    @property
    def progress(self) -> str:
        return f"{self.done_count} of {self.total} done"

    @property
    def percent(self) -> int:
        return round(100 * self.done_count / self.total) if self.total else 100

    @property
    def next_step(self) -> Step | None:
        return next((step for step in self.steps if not step.done), None)


def _current_members() -> QuerySet[MemberProgram]:
    return MemberProgram.objects.exclude(status=ProgramStatus.LEFT)


def _families_imported(program: object) -> QuerySet[ImportBatch]:
    """A program's committed families imports; `program` a program or OuterRef("pk")."""
    return ImportBatch.objects.filter(program=program, kind=ImportKind.FAMILIES, status=ImportStatus.COMMITTED)


def _with_roster(programs: QuerySet[MemberProgram]) -> QuerySet[MemberProgram]:
    return programs.filter(
        Exists(_families_imported(OuterRef("pk"))) | Exists(Enrollment.objects.filter(program=OuterRef("pk")))
    )


def _provider_users(program: object) -> QuerySet[Membership]:
    return Membership.objects.filter(program=program, role=Role.PROVIDER, is_active=True)


def _provider_invitations(program: object) -> QuerySet[Invitation]:
    """Invitations of a provider not revoked, accepted or still open."""
    return Invitation.objects.filter(program=program, role=Role.PROVIDER, revoked_at__isnull=True).filter(
        Q(accepted_at__isnull=False) | Q(expires_at__gt=timezone.now())
    )


def _with_provider(programs: QuerySet[MemberProgram]) -> QuerySet[MemberProgram]:
    return programs.filter(Exists(_provider_users(OuterRef("pk"))) | Exists(_provider_invitations(OuterRef("pk"))))


def _rate_plans_in_force(program: object, today: datetime.date) -> QuerySet[RatePlan]:
    return RatePlan.objects.filter(program=program, effective_from__lte=today).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=today)
    )


def _with_rate_plan(programs: QuerySet[MemberProgram]) -> QuerySet[MemberProgram]:
    return programs.filter(Exists(_rate_plans_in_force(OuterRef("pk"), alliance_today())))


def _count(rows: QuerySet, column: str, *, distinct: bool = False) -> Subquery:
    """`SELECT COUNT([DISTINCT] column) FROM rows` as a scalar subquery (an aggregate without GROUP BY)."""
    template = "COUNT(DISTINCT %(expressions)s)" if distinct else "COUNT(%(expressions)s)"
    return Subquery(rows.order_by().values(n=Func(F(column), template=template, output_field=IntegerField())))


def _of(done: int, total: int, noun: str) -> str:
    return f"{done} of {total} {noun}"


def alliance_checklist(alliance: Alliance, *, is_admin: bool) -> Checklist:
    """The alliance's seven steps, for hub staff (links to administrator pages only for administrators)."""

    def url(name: str, *args: object) -> str:
        return reverse(name, args=[alliance.slug, *args])

    members = _current_members()
    total = members.count()
    with_rooms = members.filter(Exists(Classroom.objects.filter(site__program=OuterRef("pk")))).count()
    missing_roster = members.exclude(pk__in=_with_roster(members).values("pk")).order_by("name").first()
    rostered = _with_roster(members).count()
    invited = _with_provider(members).count()
    planned = _with_rate_plan(members).count()
    targets = Targets.objects.exists()
    first_member_url = url("members:program_list")
    steps = [
        Step(
            "targets",
            "Set the alliance's targets",
            targets,
            "Occupancy, bad debt and collection targets: every member is measured against them."
            if not targets
            else "The Iron Triangle targets are set.",
            url("metrics:targets") if is_admin else "",
            "Set targets" if is_admin else "A hub administrator sets them",
        ),
        Step(
            "members",
            "Add the member programs",
            total > 0 and with_rooms == total,
            _of(with_rooms, total, "members have their classrooms")
            if total
            else "No member programs yet: add each one with its sites and classrooms.",
            url("members:program_create") if not total else first_member_url,
            "Add a member" if not total else "See the members",
        ),
        Step(
            "imported",
            "Import each member's families and children",
            total > 0 and rostered == total,
            _of(rostered, total, "members have their roster in")
            + " (from Brightwheel, Procare or the Hub's template).",
            url("members:import_upload", missing_roster.pk, "families") if missing_roster else first_member_url,
            f"Import {missing_roster.name}'s roster" if missing_roster else "See the members",
        ),
        Step(
            "providers",
            "Invite each member's provider",
            total > 0 and invited == total,
            _of(invited, total, "members have a provider user or an invitation out"),
            url("alliance:invitations") if is_admin else "",
            "Invite providers" if is_admin else "A hub administrator invites them",
        ),
        Step(
            "rate_plans",
            "Set each member's rate plans",
            total > 0 and planned == total,
            _of(planned, total, "members have a rate plan in force"),
            url("billing:rate_plan_create"),
            "Add a rate plan",
        ),
        Step(
            "invoice_run",
            "Run the first invoices",
            InvoiceRun.objects.filter(status=RunStatus.DONE).exists(),
            "Bill every family for a month: preview the run, then issue it.",
            url("billing:run_preview"),
            "Preview an invoice run",
        ),
        Step(
            "rollup",
            "See the first rollup",
            AllianceMonth.objects.exists(),
            "The nightly rollup turns enrollment, attendance and billing into the dashboard's figures; "
            "it runs every night once members have data.",
            url("metrics:dashboard"),
            "Open the dashboard",
        ),
    ]
    return Checklist(steps)


def program_checklist(alliance: Alliance, program: MemberProgram, *, is_hub: bool, is_admin: bool) -> Checklist:
    """One member's seven steps, for hub staff and that member's provider."""

    def url(name: str, *args: object) -> str:
        return reverse(name, args=[alliance.slug, *args])

    # Every step's count in one query of flat subqueries about this program (the member's page
    # shows this card on each visit, issue 21).
    facts = (
        MemberProgram.objects.filter(pk=program.pk)
        .values(
            targets=Exists(Targets.objects.all()),
            rooms=_count(Classroom.objects.filter(site__program=program), "pk"),
            imported=Exists(_families_imported(program)),
            children=_count(Enrollment.objects.filter(program=program), "child_id", distinct=True),
            users=Exists(_provider_users(program)),
            invitations=Exists(_provider_invitations(program)),
            planned=Exists(_rate_plans_in_force(program, alliance_today(alliance))),
            invoiced=Exists(Invoice.objects.filter(program=program)),
            rolled=Exists(ProgramMonth.objects.filter(program=program)),
        )
        .get()
    )
    targets, rooms, children = facts["targets"], facts["rooms"], facts["children"]
    planned, invoiced, rolled = facts["planned"], facts["invoiced"], facts["rolled"]
    rostered = facts["imported"] or children > 0  # a child counted is an enrollment of the program
    invited = facts["users"] or facts["invitations"]
    hub_only = "" if is_hub else "the Hub does this"
    steps = [
        Step(
            "targets",
            "The alliance's targets are set",
            targets,
            "This member is measured against the alliance's occupancy and collection targets.",
            url("metrics:targets") if is_admin else "",
            "Set targets" if is_admin else "A hub administrator sets them",
        ),
        Step(
            "members",
            "Sites and classrooms added",
            rooms > 0,
            f"{rooms} classroom{'s' if rooms != 1 else ''}." if rooms else "Add the sites and classrooms first.",
            url("members:program_sites", program.pk),
            "Sites & classrooms",
        ),
        Step(
            "imported",
            "Families and children imported",
            rostered,
            f"{children} child{'ren' if children != 1 else ''} enrolled."
            if rostered
            else "From Brightwheel, "
            "Procare or the Hub's template: families, guardians, children and enrollments in one file.",
            url("members:import_upload", program.pk, "families"),
            "Import the roster",
        ),
        Step(
            "providers",
            "Provider invited",
            invited,
            "The member's director has a user or an invitation out." if invited else "No provider user yet.",
            url("alliance:invitations") if is_admin else "",
            "Invite the provider" if is_admin else (hub_only or "A hub administrator invites them"),
        ),
        Step(
            "rate_plans",
            "Rate plans set",
            planned,
            "A rate plan is in force." if planned else "Tuition by age group and schedule, for billing.",
            url("billing:rate_plan_create") if is_hub else url("billing:rate_plan_list"),
            "Add a rate plan" if is_hub else "See the rate plans",
        ),
        Step(
            "invoice_run",
            "First invoices issued",
            invoiced,
            "Invoices have been issued." if invoiced else "The Hub's monthly invoice run bills this member's families.",
            url("billing:run_preview") if is_hub else "",
            "Preview an invoice run" if is_hub else hub_only,
        ),
        Step(
            "rollup",
            "First figures rolled up",
            rolled,
            "This member's occupancy and finances are on the dashboard."
            if rolled
            else "The nightly rollup adds this member's figures once it has enrollments.",
            url("metrics:program", program.pk) if is_hub else url("metrics:my_program"),
            "See the figures",
        ),
    ]
    return Checklist(steps)


@dataclass(frozen=True)
class MemberProgress:
    program: MemberProgram
    rooms: bool
    roster: bool
    provider: bool
    rate_plan: bool

    @property
    def done_count(self) -> int:
        return sum((self.rooms, self.roster, self.provider, self.rate_plan))


def members_progress(limit: int) -> list[MemberProgress]:
    """Each current member's own steps (classrooms, roster, provider, rate plans), in one query."""
    members = _current_members()
    rows = members.annotate(
        has_rooms=Exists(Classroom.objects.filter(site__program=OuterRef("pk"))),
        has_roster=Exists(_with_roster(members).filter(pk=OuterRef("pk"))),
        has_provider=Exists(_with_provider(members).filter(pk=OuterRef("pk"))),
        has_plan=Exists(_with_rate_plan(members).filter(pk=OuterRef("pk"))),
    ).order_by("name")[:limit]
    return [MemberProgress(p, p.has_rooms, p.has_roster, p.has_provider, p.has_plan) for p in rows]
