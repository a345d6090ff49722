"""What needs doing now: the Today list of a hub user or a provider, grouped, each item linked to the
page where it is done. The page, the top bar's count and the morning digest read it from here alone.

The groups and their rules (every date is the alliance's, `alliance/dates.py`):

- **Promised payments due**: an account's latest promise to pay (collections) dated today or earlier
  and not kept (the collections worklist's rule: payments since it was made short of the amount).
- **Offers expiring within 48 hours**: open waitlist offers whose respond-by day is today or tomorrow
  (an offer is open to the end of its respond-by day, so the day after tomorrow is more than 48 h off),
  and open ones already past it that the hourly lapse has not closed yet.
- **Unfilled cover, next 3 days**: cover requests still waiting for a substitute, today to the day
  after tomorrow.
- **Inquiries waiting for a first contact**: open inquiries received more than the alliance's target
  hours ago (`Alliance.inquiry_contact_target_hours`) without a first contact.
- **Credentials expiring within 30 days**: of current staff, expired or expiring (members' selector).
- **Failed autopay and ACH returns**: bank accounts whose last collection the bank returned (flagged)
  and not yet cleared.
- **Members flagged by the rollup**: members whose latest rolled-up month crosses a target (metrics).
- **Invoice runs stalled or failed**: stalled runs, and failed runs of a period no later run finished.
- **Task failures**: background tasks that failed in the last 7 days (hub administrators).

A provider sees offers, cover and credentials of their own program only; the other groups are the
Hub's work. Hub users may narrow the list to one program (groups that belong to no program, such as
inquiries, invoice runs and task failures, stay whole and say so).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse
from django.utils import timezone

from alliance.dates import alliance_date, alliance_zone
from alliance.formatting import day, money
from alliance.models import Alliance, Membership, Role, TaskFailure
from billing.models import (
    ZERO,
    BankAccount,
    CollectionNote,
    InvoiceRun,
    NoteKind,
    Payment,
    PaymentStatus,
    RunStatus,
)
from enrollment.models import Offer, OfferStatus
from members.models import Credential
from members.selectors import credentials_expiring
from outreach.models import Inquiry
from sharedservices.models import CoverRequest, CoverStatus

OFFER_HOURS = 48
COVER_DAYS = 3
CREDENTIAL_DAYS = 30
TASK_FAILURE_DAYS = 7
# A group lists this many items on the page and in the digest; its count is the whole number.
SHOWN = 25


@dataclass(frozen=True)
class TodayItem:
    who: str
    what: str
    when: str
    url: str
    program: str = ""
    overdue: bool = False


@dataclass
class TodayGroup:
    key: str
    title: str
    count: int
    items: list[TodayItem] = field(default_factory=list)
    list_url: str = ""
    alliance_wide: bool = False

    @property
    def more(self) -> int:
        return max(0, self.count - len(self.items))


@dataclass
class TodayContext:
    """Who is asking and for what: the alliance, its now, the membership's reach and a program filter."""

    alliance: Alliance
    membership: Membership
    program_id: int | None = None
    now: datetime.datetime = field(default_factory=timezone.now)

    @property
    def today(self) -> datetime.date:
        return alliance_date(self.now, self.alliance)

    @property
    def program_scope(self) -> int | None:
        """The one program whose rows count: a provider's own, or the hub's filter."""
        if self.membership.role == Role.PROVIDER:
            return self.membership.program_id
        return self.program_id

    def url(self, name: str, *args: Any) -> str:
        return reverse(name, args=[self.alliance.slug, *args])


# --- The groups' rows ---------------------------------------------------------------------------
def promises_due(ctx: TodayContext) -> QuerySet[CollectionNote]:
    """Each account's latest promise to pay, dated today or earlier and not kept: the payments received
    from the day it was made (the alliance's date) add up to less than the amount promised. The same
    rule as the collections worklist's promise status (billing/worklist.py: pending due today, broken)."""
    latest = (
        CollectionNote.objects.filter(account=OuterRef("account"), kind=NoteKind.PROMISE, promised_on__isnull=False)
        .order_by("-created_at", "-id")
        .values("pk")[:1]
    )
    paid_since = (
        Payment.objects.filter(
            account=OuterRef("account"), status=PaymentStatus.RECORDED, received_on__gte=OuterRef("made_on")
        )
        .values("account")
        .annotate(total=Sum("amount"))
        .values("total")[:1]
    )
    rows = (
        CollectionNote.objects.filter(kind=NoteKind.PROMISE, promised_on__lte=ctx.today, pk=Subquery(latest))
        .annotate(made_on=TruncDate("created_at", tzinfo=alliance_zone(ctx.alliance)))
        .annotate(paid_since=Coalesce(Subquery(paid_since), Value(ZERO)))
        .filter(paid_since__lt=F("promised_amount"))
    )
    if ctx.program_scope:
        rows = rows.filter(account__program_id=ctx.program_scope)
    return rows.select_related("account__family", "account__program").order_by("promised_on", "id")


def offers_expiring(ctx: TodayContext) -> QuerySet[Offer]:
    last_day = ctx.today + datetime.timedelta(days=OFFER_HOURS // 24 - 1)
    rows = Offer.objects.filter(status=OfferStatus.OPEN, respond_by__lte=last_day)
    if ctx.program_scope:
        rows = rows.filter(program_id=ctx.program_scope)
    return rows.select_related("entry__child", "classroom", "program").order_by("respond_by", "id")


def cover_unfilled(ctx: TodayContext) -> QuerySet[CoverRequest]:
    last_day = ctx.today + datetime.timedelta(days=COVER_DAYS - 1)
    rows = CoverRequest.objects.filter(status=CoverStatus.OPEN, day__gte=ctx.today, day__lte=last_day)
    if ctx.program_scope:
        rows = rows.filter(program_id=ctx.program_scope)
    return rows.select_related("classroom", "program").order_by("day", "starts_at", "id")


def inquiries_waiting(ctx: TodayContext) -> QuerySet[Inquiry]:
    due_before = ctx.now - datetime.timedelta(hours=ctx.alliance.inquiry_contact_target_hours)
    return (
        Inquiry.objects.filter(first_contact_at__isnull=True, closed_at__isnull=True, received_at__lte=due_before)
        .select_related("guardian", "family")
        .order_by("received_at", "id")
    )


def credentials_due(ctx: TodayContext) -> QuerySet[Credential]:
    rows = Credential.objects.all()
    if ctx.program_scope:
        rows = rows.filter(staff__program_id=ctx.program_scope)
    return credentials_expiring(rows, within_days=CREDENTIAL_DAYS, today=ctx.today)


def autopay_failed(ctx: TodayContext) -> QuerySet[BankAccount]:
    rows = BankAccount.objects.filter(flagged=True)
    if ctx.program_scope:
        rows = rows.filter(account__program_id=ctx.program_scope)
    return rows.select_related("account__family", "account__program").order_by("account__family__name", "id")


def runs_in_trouble(ctx: TodayContext) -> QuerySet[InvoiceRun]:
    finished_later = InvoiceRun.objects.filter(
        period_start=OuterRef("period_start"), status=RunStatus.DONE, created_at__gt=OuterRef("created_at")
    )
    return (
        InvoiceRun.objects.filter(status__in=[RunStatus.STALLED, RunStatus.FAILED])
        .exclude(Exists(finished_later))
        .order_by("-created_at", "-id")
    )


def task_failures_recent(ctx: TodayContext) -> QuerySet[TaskFailure]:
    return TaskFailure.objects.filter(failed_at__gte=ctx.now - datetime.timedelta(days=TASK_FAILURE_DAYS))


# --- Items ----------------------------------------------------------------------------------------
def _overdue_text(due: datetime.date, today: datetime.date, *, verb: str) -> str:
    late = (today - due).days
    if late <= 0:
        return f"{verb} today" if due == today else f"{verb} {day(due)}"
    return f"{verb} {day(due)}, {late} day{'s' if late != 1 else ''} ago"


def _promise_item(ctx: TodayContext, note: CollectionNote) -> TodayItem:
    assert note.promised_on is not None
    return TodayItem(
        who=note.account.holder_name,
        what=f"Promised {money(note.promised_amount)}",
        when=_overdue_text(note.promised_on, ctx.today, verb="Due"),
        url=ctx.url("billing:account_detail", note.account_id),
        program=note.account.program.name,
        overdue=note.promised_on < ctx.today,
    )


def _offer_item(ctx: TodayContext, offer: Offer) -> TodayItem:
    child = offer.entry.child
    if offer.respond_by < ctx.today:
        when = f"Lapsed {day(offer.respond_by)}"
    elif offer.respond_by == ctx.today:
        when = "Answer due by the end of today"
    else:
        when = f"Answer due by the end of {day(offer.respond_by)}"
    return TodayItem(
        who=f"{child.first_name} {child.last_name}",
        what=f"Place in {offer.classroom.name} from {day(offer.start_date)}",
        when=when,
        url=ctx.url("enrollment:offer_detail", offer.pk),
        program=offer.program.name,
        overdue=offer.respond_by < ctx.today,
    )


def _cover_item(ctx: TodayContext, cover: CoverRequest) -> TodayItem:
    times = f"{day(_at(cover.day, cover.starts_at), 'TIME_FORMAT')}–{day(_at(cover.day, cover.ends_at), 'TIME_FORMAT')}"
    label = "Today" if cover.day == ctx.today else day(cover.day)
    return TodayItem(
        who=cover.classroom.name,
        what=f"No substitute yet ({cover.get_reason_display().lower()})",
        when=f"{label}, {times}",
        url=ctx.url("sharedservices:cover_detail", cover.pk),
        program=cover.program.name,
        overdue=cover.day == ctx.today,
    )


def _at(on: datetime.date, at: datetime.time) -> datetime.datetime:
    return datetime.datetime.combine(on, at)  # noqa: DTZ001 - a wall-clock time of the alliance, for its format


def _inquiry_item(ctx: TodayContext, inquiry: Inquiry) -> TodayItem:
    hours = int((ctx.now - inquiry.received_at).total_seconds() // 3600)
    return TodayItem(
        who=f"{inquiry.guardian.first_name} {inquiry.guardian.last_name} ({inquiry.family.name})",
        what=f"Inquiry #{inquiry.number}: no first contact, waiting {hours} h "
        f"(target {ctx.alliance.inquiry_contact_target_hours} h)",
        when=f"Received {day(timezone.localtime(inquiry.received_at), 'DATETIME_FORMAT')}",
        url=ctx.url("outreach:inquiry_detail", inquiry.pk),
        overdue=True,
    )


def _credential_item(ctx: TodayContext, credential: Credential) -> TodayItem:
    staff = credential.staff
    assert credential.expires_on is not None
    expired = credential.expires_on < ctx.today
    return TodayItem(
        who=f"{staff.first_name} {staff.last_name}",
        what=credential.name,
        when=f"{'Expired' if expired else 'Expires'} {day(credential.expires_on)}",
        url=ctx.url("members:credential_edit", staff.program_id, staff.pk, credential.pk),
        program=staff.program.name,
        overdue=expired,
    )


def _autopay_item(ctx: TodayContext, bank: BankAccount) -> TodayItem:
    return TodayItem(
        who=bank.account.holder_name,
        what=f"Autopay debit returned from account {bank.masked_number}",
        when=bank.flag_reason or "Returned by the bank",
        url=ctx.url("billing:bank_account", bank.account_id),
        program=bank.account.program.name,
        overdue=True,
    )


def _run_item(ctx: TodayContext, run: InvoiceRun) -> TodayItem:
    since = run.progress_at or run.created_at
    return TodayItem(
        who=f"Invoice run {day(run.period_start)} – {day(run.period_end)}",
        what=f"{run.get_status_display()}: {run.programs_done} of {run.programs_total} programs done",
        when=f"Last progress {day(timezone.localtime(since), 'DATETIME_FORMAT')}",
        url=ctx.url("billing:run_detail", run.pk),
        overdue=True,
    )


def _failure_item(ctx: TodayContext, failure: TaskFailure) -> TodayItem:
    return TodayItem(
        who=failure.task_name,
        what=f"{failure.exception_type}: {failure.message[:120]}",
        when=f"Failed {day(timezone.localtime(failure.failed_at), 'DATETIME_FORMAT')}",
        url=ctx.url("alliance:task_failures"),
        overdue=True,
    )


# --- The list -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GroupKind:
    key: str
    title: str
    roles: frozenset[str]
    rows: Callable[[TodayContext], QuerySet[Any]]
    item: Callable[[TodayContext, Any], TodayItem]
    list_url: str
    alliance_wide: bool = False


HUB = frozenset({Role.HUB_ADMIN, Role.HUB_STAFF})
HUB_AND_PROVIDER = HUB | {Role.PROVIDER}

GROUPS: list[GroupKind] = [
    GroupKind("promises", "Promised payments due", HUB, promises_due, _promise_item, "billing:collections"),
    GroupKind(
        "offers", "Offers expiring within 48 hours", HUB_AND_PROVIDER, offers_expiring, _offer_item,
        "enrollment:offer_list",
    ),
    GroupKind(
        "cover", "Unfilled cover, next 3 days", HUB_AND_PROVIDER, cover_unfilled, _cover_item,
        "sharedservices:cover_list",
    ),
    GroupKind(
        "inquiries", "Inquiries waiting for a first contact", HUB, inquiries_waiting, _inquiry_item,
        "outreach:inquiry_list", alliance_wide=True,
    ),
    GroupKind(
        "credentials", "Staff credentials expiring within 30 days", HUB_AND_PROVIDER, credentials_due,
        _credential_item, "members:credentials_expiring",
    ),
    GroupKind("autopay", "Failed autopay and ACH returns", HUB, autopay_failed, _autopay_item, "billing:ach"),
    GroupKind(
        "runs", "Invoice runs stalled or failed", HUB, runs_in_trouble, _run_item, "billing:run_list",
        alliance_wide=True,
    ),
    GroupKind(
        "task_failures", "Background tasks that failed (7 days)", frozenset({Role.HUB_ADMIN}),
        task_failures_recent, _failure_item, "alliance:task_failures", alliance_wide=True,
    ),
]  # fmt: skip


def _flag_group(ctx: TodayContext) -> TodayGroup:
    """Members whose latest rolled-up month crosses a target: the nightly rollup's flags, as the
    dashboard shows them (metrics' selector; 7 queries whatever the number of members)."""
    from metrics.selectors import alliance_figures

    figures = alliance_figures(today=ctx.today)
    month = figures.latest_month
    flagged = [p for p in figures.flagged if not ctx.program_scope or p.program_id == ctx.program_scope]
    items = [
        TodayItem(
            who=program.name,
            what="; ".join(flag.message for flag in program.flags),
            when=f"Rollup of {day(month, 'YEAR_MONTH_FORMAT')}" if month else "",
            url=ctx.url("metrics:program", program.program_id),
            program=program.name,
        )
        for program in flagged
    ]
    return TodayGroup(
        key="flags",
        title="Members flagged by the nightly rollup",
        count=len(items),
        items=items[:SHOWN],
        list_url=ctx.url("metrics:dashboard"),
    )


FLAGS_AFTER = "autopay"


def _groups_for(ctx: TodayContext) -> list[GroupKind]:
    return [kind for kind in GROUPS if ctx.membership.role in kind.roles]


def today_groups(ctx: TodayContext) -> list[TodayGroup]:
    """The Today list of `ctx.membership` (call inside the alliance's scope and locale)."""
    groups: list[TodayGroup] = []
    for kind in _groups_for(ctx):
        rows = kind.rows(ctx)
        shown = list(rows[:SHOWN])
        count = len(shown) if len(shown) < SHOWN else rows.count()
        groups.append(
            TodayGroup(
                key=kind.key,
                title=kind.title,
                count=count,
                items=[kind.item(ctx, row) for row in shown],
                list_url=ctx.url(kind.list_url),
                alliance_wide=kind.alliance_wide and bool(ctx.program_scope),
            )
        )
        if kind.key == FLAGS_AFTER:
            groups.append(_flag_group(ctx))
    return groups


def today_count(ctx: TodayContext) -> int:
    """How many items the Today list holds: one COUNT per group (and the flags' figures for the Hub)."""
    total = sum(kind.rows(ctx).count() for kind in _groups_for(ctx))
    if any(kind.key == FLAGS_AFTER for kind in _groups_for(ctx)):
        total += _flag_group(ctx).count
    return total
