"""The demo data: realistic member programs a hub user can browse and a provider can
maintain, and a rerun that changes nothing."""

from __future__ import annotations

import hashlib

import pytest
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management import call_command
from django.test import Client

from alliance.dates import add_months, alliance_today, month_start
from alliance.models import Alliance
from alliance.tenancy import alliance_scope
from members.models import (
    Classroom,
    ClassroomCapacity,
    Credential,
    HubService,
    MemberProgram,
    MonthlyCost,
    QrisRating,
    ServiceSubscription,
    Site,
    StaffMember,
)
from members.selectors import qris_timelines
from metrics.reports import default_period, impact_report
from metrics.value import member_value, members_value

MODELS = [
    MemberProgram,
    Site,
    Classroom,
    ClassroomCapacity,
    StaffMember,
    Credential,
    MonthlyCost,
    HubService,
    ServiceSubscription,
    QrisRating,
]


def fingerprint() -> str:
    digest = hashlib.sha256()
    for alliance in Alliance.objects.order_by("slug"):
        with alliance_scope(alliance.pk):
            for model in MODELS:
                digest.update(serializers.serialize("json", model.objects.order_by("pk")).encode())
    return digest.hexdigest()


@pytest.fixture
def demo(db, settings):
    settings.HUB_MFA_EXEMPT_DEMO_USERS = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    return Alliance.objects.get(slug="riverbend")


def signed_in(email: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(email=email), backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_the_demo_is_realistic_browsable_maintainable_and_a_rerun_changes_nothing(demo):
    """One seed, several checks: seeding is the slow part (about 22 s)."""
    programs_are_realistic(demo)
    baselines_are_of_before_joining(demo)
    a_hub_user_browses_all_twelve_riverbend_programs()
    the_demo_provider_maintains_only_their_program(demo)
    # Seeding again changes nothing, and keeps what the provider has just changed.
    before = fingerprint()
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert fingerprint() == before


def programs_are_realistic(demo: Alliance) -> None:
    for slug in ("riverbend", "cascade"):
        with alliance_scope(Alliance.objects.get(slug=slug).pk):
            for p in MemberProgram.objects.all():
                low, high = (40, 150) if p.kind == "centre" else (6, 12)
                assert low <= p.licensed_capacity <= high, p
                assert p.license_number
                assert p.director_name
                p.full_clean()  # the demo obeys the rules the forms enforce
                if p.status != "applicant":
                    assert StaffMember.objects.filter(program=p).exists(), p
                    # The rollups' thirteen complete months (history_range), before joining too.
                    assert MonthlyCost.objects.filter(program=p).values("month").distinct().count() == 13, p
                    assert ServiceSubscription.objects.filter(program=p).exists(), p
                rooms = Classroom.objects.filter(site__program=p)
                assert rooms.exists(), p
                for room in rooms:
                    room.full_clean()
    with alliance_scope(demo.pk):
        assert len({p.qris_rating for p in MemberProgram.objects.all()}) >= 4  # mixed ratings
        assert (
            ClassroomCapacity.objects.values("classroom").distinct().count() < ClassroomCapacity.objects.count()
        )  # some classrooms changed capacity
        categories = set(StaffMember.objects.values_list("category", flat=True))
        assert categories == {"administration", "classroom"}
        assert MonthlyCost.objects.filter(month=add_months(month_start(alliance_today()), -1)).exists()
        for program in MemberProgram.objects.exclude(qris_rating=None):  # history ends at the current rating
            last = qris_timelines([program.pk])[program.pk][-1]
            assert (last.rated_on, last.rating) == (program.qris_rated_on, program.qris_rating), program
        start, end = default_period()
        qris = impact_report(start=start, end=end).qris_improvements
        # The funder report shows improvements.
        assert not qris.suppressed, qris
        assert qris.moved_up >= 2, qris


def a_hub_user_browses_all_twelve_riverbend_programs() -> None:
    client = signed_in("staff@riverbend.example")
    directory = client.get("/a/riverbend/programs/")
    assert directory.context["paginator"].count == 12
    for program in directory.context["programs"]:
        for tab in ("", "sites/", "staff/", "costs/", "quality/", "services/", "edit/"):
            url = f"/a/riverbend/programs/{program.pk}/{tab}"
            assert client.get(url).status_code == 200, url


def the_demo_provider_maintains_only_their_program(demo: Alliance) -> None:
    client = signed_in("provider@riverbend.example")
    with alliance_scope(demo.pk):
        own = MemberProgram.objects.get(name="Little Oaks Learning Center")
        other = MemberProgram.objects.get(name="Sunrise Kids Academy")
    assert client.get(f"/a/riverbend/programs/{own.pk}/staff/").status_code == 200
    assert client.get(f"/a/riverbend/programs/{own.pk}/staff/new/").status_code == 200
    assert client.get(f"/a/riverbend/programs/{other.pk}/").status_code == 404
    assert client.get("/a/cascade/programs/").status_code == 404


def baselines_are_of_before_joining(demo: Alliance) -> None:
    """The members that joined within the history have figures of before they joined (their baseline);
    Little Oaks joined in 2021, before its figures begin, and has none: the impact report and the value
    pages count the same four members, and no baseline month is of after a member joined."""
    with alliance_scope(demo.pk):
        start, end = default_period()
        report = impact_report(start=start, end=end)
        assert report.before_after.programs == report.savings.measured_members == 4
        assert not report.before_after.suppressed
        programs = list(MemberProgram.objects.exclude(status="applicant"))
        values = members_value(programs, start=start, end=end)
        with_baseline = [v for v in values if v.baseline is not None]
        assert len(with_baseline) == 4
        for v in with_baseline:
            assert v.program.joined_on
            assert all(m < month_start(v.program.joined_on) for m in v.baseline.months)
        little_oaks = member_value(MemberProgram.objects.get(name="Little Oaks Learning Center"), start=start, end=end)
        assert little_oaks.baseline is None
        assert "from before it joined on" in little_oaks.baseline_note
        assert little_oaks.effects is not None
        assert little_oaks.effects.members == 4
