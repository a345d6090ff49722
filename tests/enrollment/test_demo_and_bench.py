"""The demo seed (idempotent, never over capacity) and `manage.py bench vacancy`."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from alliance.dates import alliance_today
from alliance.tenancy import alliance_scope
from enrollment.demo import seed_enrollment_demo
from enrollment.models import AttendanceRecord, Child, Enrollment, Offer, WaitlistEntry
from enrollment.vacancy import vacancy_report
from members.models import AgeGroup
from tests.factories import AllianceFactory, MemberProgramFactory
from tests.members.factories import ClassroomCapacityFactory, SiteFactory, classroom


@pytest.fixture
def demo_alliance(db):
    alliance = AllianceFactory(slug="demo-town", name="Demo Town")
    today = alliance_today(alliance)
    opened = today.replace(year=today.year - 2)
    for number, city in enumerate(["Riverbend", "Millbrook"]):
        site = SiteFactory(program=MemberProgramFactory(alliance=alliance, name=f"Centre {number}"), city=city)
        for group, size in ((AgeGroup.INFANT, 8), (AgeGroup.TODDLER, 12), (AgeGroup.PRESCHOOL, 20)):
            room = classroom(site, name=f"{group} room", age_group=group, licensed=size, opened_on=opened)
        ClassroomCapacityFactory(
            classroom=room, effective_from=today - datetime.timedelta(days=120), licensed_capacity=16
        )
    home = SiteFactory(program=MemberProgramFactory(alliance=alliance, name="A family home"), city="Riverbend")
    classroom(home, name="Home group", age_group=AgeGroup.MIXED, licensed=8, opened_on=opened)
    return alliance


def counts() -> dict[str, int]:
    return {
        "children": Child.objects.count(),
        "enrollments": Enrollment.objects.count(),
        "attendance": AttendanceRecord.objects.count(),
        "waiting": WaitlistEntry.objects.count(),
        "offers": Offer.objects.count(),
    }


def test_the_seed_is_idempotent_and_never_over_capacity(demo_alliance):
    with alliance_scope(demo_alliance.pk):
        seed_enrollment_demo(demo_alliance)
        first = counts()
        seed_enrollment_demo(demo_alliance)
        assert counts() == first
        today = alliance_today(demo_alliance)
        year = vacancy_report(start=today - datetime.timedelta(days=365), end=today + datetime.timedelta(days=90))
        scheduled_only = AttendanceRecord.objects.filter(day__gt=today - datetime.timedelta(days=1)).count()
        per_child_day = (
            AttendanceRecord.objects.values("enrollment__child_id", "day")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .count()
        )
        open_offers = Offer.objects.filter(status="open").count()
    assert first["enrollments"] > 80
    assert first["attendance"] > 5000
    assert first["waiting"] >= 12
    assert all(c.figures.open_min >= 0 for c in year.classrooms)  # no day over the licensed capacity
    assert 60 <= year.total.occupancy <= 100
    assert scheduled_only == 0
    assert per_child_day == 0
    assert open_offers >= 1


def run_bench(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("bench", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_bench_vacancy_prints_progress_then_one_json_line(demo_alliance):
    with alliance_scope(demo_alliance.pk):
        seed_enrollment_demo(demo_alliance)
    out, err = run_bench("vacancy", "--alliance", "demo-town", "--runs", "5")
    figures = json.loads(out.strip().splitlines()[-1])
    assert (figures["bench"], figures["alliance"], figures["days"], figures["runs"]) == ("vacancy", "demo-town", 90, 5)
    assert figures["queries"] == 2
    assert figures["classrooms"] == 7
    assert figures["median_seconds"] < 1
    assert "[vacancy] first run" in err
    assert "[vacancy] run 5/5" in err


def test_bench_lists_and_refuses_unknown_names(db):
    out, _ = run_bench()
    assert "vacancy" in out
    with pytest.raises(CommandError, match="No benchmark 'nope'"):
        run_bench("nope")
    with pytest.raises(CommandError, match="No alliance 'nowhere'"):
        run_bench("vacancy", "--alliance", "nowhere")
