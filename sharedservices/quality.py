"""Upcoming licensing renewals, QRIS re-ratings and accreditation expiries across
members, from the dates members already keeps, and which members are at risk.

- License renewal due = the latest renewal inspection + LICENSE_TERM_MONTHS.
- QRIS re-rating due = the date of the current rating + QRIS_TERM_MONTHS.
- Accreditation expiry = the program's accreditation expiry date.

An event due within AT_RISK_DAYS (or already past) is at risk when any of these
holds, each given as a reason: it is overdue; no licensing/QRIS preparation
visit in the last PREP_LOOKBACK_DAYS; an inspection's corrective action is past
due and not recorded as done; coaching goals are overdue.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Max, QuerySet

from alliance.dates import add_months
from members.models import InspectionType, LicensingInspection, MemberProgram, ProgramStatus
from sharedservices.models import OPEN_GOAL_STATUSES, CoachingFocus, CoachingGoal, CoachVisit

LICENSE_TERM_MONTHS = 24
QRIS_TERM_MONTHS = 36
CALENDAR_DAYS = 180
AT_RISK_DAYS = 90
PREP_LOOKBACK_DAYS = 90

LICENSE_RENEWAL = "license_renewal"
QRIS_RERATING = "qris_rerating"
ACCREDITATION = "accreditation"
EVENT_LABELS = {
    LICENSE_RENEWAL: "License renewal",
    QRIS_RERATING: "QRIS re-rating",
    ACCREDITATION: "Accreditation expires",
}


@dataclass(frozen=True)
class QualityEvent:
    program: MemberProgram
    kind: str
    due_on: datetime.date
    basis: str

    @property
    def label(self) -> str:
        return EVENT_LABELS[self.kind]


@dataclass
class AtRisk:
    program: MemberProgram
    event: QualityEvent | None
    reasons: list[str] = field(default_factory=list)


def tracked_programs(programs: QuerySet[MemberProgram]) -> QuerySet[MemberProgram]:
    return programs.filter(status__in=[ProgramStatus.ACTIVE, ProgramStatus.PAUSED]).order_by("name")


def quality_events(programs: QuerySet[MemberProgram]) -> tuple[list[QualityEvent], list[MemberProgram]]:
    """Every dated event of these programs, and the programs with no renewal on record."""
    programs_list = list(tracked_programs(programs))
    renewals = dict(
        LicensingInspection.objects.filter(program__in=programs_list, inspection_type=InspectionType.RENEWAL)
        .values("program_id")
        .annotate(last=Max("inspected_on"))
        .values_list("program_id", "last")
    )
    events, missing = [], []
    for program in programs_list:
        renewed = renewals.get(program.pk)
        if renewed:
            events.append(
                QualityEvent(
                    program,
                    LICENSE_RENEWAL,
                    add_months(renewed, LICENSE_TERM_MONTHS),
                    f"renewal inspection on {renewed} + {LICENSE_TERM_MONTHS} months",
                )
            )
        else:
            missing.append(program)
        if program.qris_rated_on:
            events.append(
                QualityEvent(
                    program,
                    QRIS_RERATING,
                    add_months(program.qris_rated_on, QRIS_TERM_MONTHS),
                    f"rated {program.qris_rating} stars on {program.qris_rated_on} + {QRIS_TERM_MONTHS} months",
                )
            )
        if program.accreditation and program.accreditation_expires_on:
            events.append(
                QualityEvent(
                    program,
                    ACCREDITATION,
                    program.accreditation_expires_on,
                    f"{program.get_accreditation_display()} accreditation",
                )
            )
    events.sort(key=lambda e: (e.due_on, e.program.name, e.kind))
    return events, missing


def quality_calendar(
    programs: QuerySet[MemberProgram], *, today: datetime.date, days: int = CALENDAR_DAYS
) -> list[tuple[str, list[QualityEvent]]]:
    """Events overdue ("Overdue" first) or due in the next `days`, grouped by month."""
    events, _ = quality_events(programs)
    horizon = today + datetime.timedelta(days=days)
    overdue = [e for e in events if e.due_on < today]
    months: dict[datetime.date, list[QualityEvent]] = {}
    for event in events:
        if today <= event.due_on <= horizon:
            months.setdefault(event.due_on.replace(day=1), []).append(event)
    groups = [("Overdue", overdue)] if overdue else []
    return groups + [(f"{month:%B %Y}", month_events) for month, month_events in sorted(months.items())]


def members_at_risk(programs: QuerySet[MemberProgram], *, today: datetime.date) -> list[AtRisk]:
    events, missing = quality_events(programs)
    window_end = today + datetime.timedelta(days=AT_RISK_DAYS)
    due = [e for e in events if e.due_on <= window_end]
    ids = {e.program.pk for e in due} | {p.pk for p in missing}
    last_prep = dict(
        CoachVisit.objects.filter(program_id__in=ids, focus=CoachingFocus.LICENSING_QRIS)
        .values("program_id")
        .annotate(last=Max("visited_on"))
        .values_list("program_id", "last")
    )
    open_corrections: dict[int, datetime.date] = dict(
        LicensingInspection.objects.filter(
            program_id__in=ids, corrective_action_due__lt=today, corrected_on__isnull=True
        )
        .values("program_id")
        .annotate(due=Max("corrective_action_due"))
        .values_list("program_id", "due")
    )
    overdue_goals: dict[int, int] = {}
    for goal in CoachingGoal.objects.filter(program_id__in=ids, status__in=OPEN_GOAL_STATUSES, due_on__lt=today):
        overdue_goals[goal.program_id] = overdue_goals.get(goal.program_id, 0) + 1

    def common(program_id: int) -> list[str]:
        reasons = []
        prep = last_prep.get(program_id)
        if prep is None or (today - prep).days > PREP_LOOKBACK_DAYS:
            reasons.append(
                "No licensing/QRIS preparation visit in the last "
                f"{PREP_LOOKBACK_DAYS} days" + (f" (last on {prep})." if prep else ".")
            )
        if program_id in open_corrections:
            reasons.append(f"Corrective action was due {open_corrections[program_id]} and is not recorded as done.")
        if overdue_goals.get(program_id):
            count = overdue_goals[program_id]
            reasons.append(f"{count} coaching goal{'s' if count != 1 else ''} overdue.")
        return reasons

    result = [
        AtRisk(program, None, ["No license renewal on record: the renewal date is unknown."] + common(program.pk))
        for program in missing
    ]
    for event in due:
        reasons = []
        if event.due_on < today:
            reasons.append(f"Overdue since {event.due_on}.")
        reasons += common(event.program.pk)
        if reasons:
            result.append(AtRisk(event.program, event, reasons))
    return result


def upcoming_for_program(program: MemberProgram, *, today: datetime.date) -> list[QualityEvent]:
    events, _ = quality_events(MemberProgram.objects.filter(pk=program.pk))
    return [e for e in events if e.due_on <= today + datetime.timedelta(days=CALENDAR_DAYS)]


__all__ = [
    "AT_RISK_DAYS",
    "AtRisk",
    "QualityEvent",
    "members_at_risk",
    "quality_calendar",
    "quality_events",
    "upcoming_for_program",
]
