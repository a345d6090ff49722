"""Coaching visits and goals, and the licensing/QRIS calendar with its at-risk list
(worked example from the dates members keeps)."""

from __future__ import annotations

import datetime

from alliance.tenancy import alliance_scope
from members.models import Accreditation, InspectionOutcome, InspectionType, LicensingInspection, MemberProgram
from sharedservices.models import CoachingFocus, CoachingGoal, CoachVisit, GoalStatus
from sharedservices.quality import members_at_risk, quality_calendar
from tests.factories import MemberProgramFactory


def _in_years(day: datetime.date, years: int) -> datetime.date:
    if (day.month, day.day) == (2, 29):
        day -= datetime.timedelta(days=1)
    return day.replace(year=day.year + years)


def test_calendar_and_at_risk_worked_example(world, today):
    """X renewed its license the day before this month two years ago: due the last day of last
    month (overdue). X was rated so its re-rating (3 years) falls in 60 days. Y's renewal is due in
    45 days but a preparation visit 10 days ago covers it. W has no renewal on record."""
    x_due = today.replace(day=1) - datetime.timedelta(days=1)
    x_renewed = _in_years(x_due.replace(day=1), -2)
    x_renewed = (x_renewed + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    qris_due = today + datetime.timedelta(days=60)
    qris_due = qris_due - datetime.timedelta(days=1) if (qris_due.month, qris_due.day) == (2, 29) else qris_due
    y_due = today + datetime.timedelta(days=45)
    y_due = y_due - datetime.timedelta(days=1) if (y_due.month, y_due.day) == (2, 29) else y_due
    MemberProgramFactory(alliance=world.a, name="Program W")
    with alliance_scope(world.a.pk):
        MemberProgram.objects.filter(pk=world.x.pk).update(qris_rating=3, qris_rated_on=_in_years(qris_due, -3))
        MemberProgram.objects.filter(pk=world.y.pk).update(
            accreditation=Accreditation.NAEYC, accreditation_expires_on=today + datetime.timedelta(days=400)
        )
        for program, on in ((world.x, x_renewed), (world.y, _in_years(y_due, -2))):
            LicensingInspection.objects.create(
                program=program,
                inspected_on=on,
                outcome=InspectionOutcome.COMPLIANT,
                inspection_type=InspectionType.RENEWAL,
            )
        LicensingInspection.objects.create(
            program=world.x,
            inspected_on=today - datetime.timedelta(days=40),
            outcome=InspectionOutcome.FINDINGS,
            findings="Gate latch too low.",
            corrective_action_due=today - datetime.timedelta(days=10),
        )
        CoachingGoal.objects.create(
            program=world.x,
            title="Fix the gate",
            focus=CoachingFocus.LICENSING_QRIS,
            due_on=today - datetime.timedelta(days=1),
            status=GoalStatus.IN_PROGRESS,
        )
        CoachVisit.objects.create(
            program=world.y,
            coach_name="Lena",
            visited_on=today - datetime.timedelta(days=10),
            focus=CoachingFocus.LICENSING_QRIS,
            hours="2.00",
            summary="Walked the checklist.",
        )
        programs = MemberProgram.objects.all()
        calendar = quality_calendar(programs, today=today)
        at_risk = members_at_risk(programs, today=today)

    flat = [(heading, e.program.name, e.kind, e.due_on) for heading, events in calendar for e in events]
    assert flat[0] == ("Overdue", "Program X", "license_renewal", x_due)
    assert ("Program X", "qris_rerating", qris_due) in [f[1:] for f in flat]
    assert ("Program Y", "license_renewal", y_due) in [f[1:] for f in flat]
    assert all(f[2] != "accreditation" for f in flat)  # 400 days ahead: beyond the 180-day calendar
    assert {f"{qris_due:%B %Y}", f"{y_due:%B %Y}"} <= {heading for heading, _ in calendar}

    common = [
        "No licensing/QRIS preparation visit in the last 90 days.",
        f"Corrective action was due {today - datetime.timedelta(days=10)} and is not recorded as done.",
        "1 coaching goal overdue.",
    ]
    rows = [(r.program.name, r.event.kind if r.event else None, r.reasons) for r in at_risk]
    assert rows == [
        (
            "Program W",
            None,
            [
                "No license renewal on record: the renewal date is unknown.",
                "No licensing/QRIS preparation visit in the last 90 days.",
            ],
        ),
        ("Program X", "license_renewal", [f"Overdue since {x_due}.", *common]),
        ("Program X", "qris_rerating", common),
    ]  # Program Y is due in 45 days but was visited to prepare: not at risk


def test_visits_and_goals_through_the_pages(world, clients, link, today):
    logged = clients.staff_a.post(
        link("visit_create"),
        {
            "program": world.x.pk,
            "visited_on": today.isoformat(),
            "focus": "classroom_quality",
            "hours": "2.5",
            "summary": "Watched circle time.",
            "next_steps": "Try a visual schedule.",
        },
    )
    assert logged.status_code == 302
    with alliance_scope(world.a.pk):
        visit = CoachVisit.objects.get()
    future = clients.staff_a.post(
        link("visit_create"),
        {
            "program": world.x.pk,
            "visited_on": (today + datetime.timedelta(days=3)).isoformat(),
            "focus": "classroom_quality",
            "hours": "2",
            "summary": "Planned",
        },
    )
    assert "Log visits that have happened" in future.content.decode()
    goal = clients.staff_a.post(
        link("goal_create"),
        {
            "program": world.x.pk,
            "visit": visit.pk,
            "title": "Visual schedule in every room",
            "focus": "classroom_quality",
            "due_on": (today + datetime.timedelta(days=30)).isoformat(),
        },
    )
    assert goal.status_code == 302
    wrong_visit = clients.staff_a.post(
        link("goal_create"),
        {
            "program": world.y.pk,
            "visit": visit.pk,
            "title": "Mismatch",
            "focus": "classroom_quality",
            "due_on": (today + datetime.timedelta(days=30)).isoformat(),
        },
    )
    assert "Choose a visit to this program." in wrong_visit.content.decode()
    with alliance_scope(world.a.pk):
        goal_row = CoachingGoal.objects.get()
    assert (
        clients.staff_a.post(
            link("goal_edit", goal_row.pk),
            {"title": goal_row.title, "due_on": goal_row.due_on.isoformat(), "status": "met"},
        ).status_code
        == 302
    )
    # The provider sees its own coaching, not another program's; it cannot log visits or open the calendar.
    assert "Watched circle time." in clients.provider_x.get(link("visit_detail", visit.pk)).content.decode()
    assert clients.provider_y.get(link("visit_detail", visit.pk)).status_code == 404
    assert "Visual schedule" not in clients.provider_y.get(link("coaching_home")).content.decode()
    assert clients.provider_x.get(link("visit_create")).status_code == 403
    assert clients.provider_x.get(link("quality_calendar")).status_code == 403
    assert clients.staff_b.get(f"/a/{world.a.slug}/coaching/visits/{visit.pk}/").status_code == 404
    assert clients.staff_a.get(link("quality_calendar")).status_code == 200
    with alliance_scope(world.a.pk):
        goal_row.refresh_from_db()
        assert (goal_row.status, goal_row.status_changed_on) == (GoalStatus.MET, today)
