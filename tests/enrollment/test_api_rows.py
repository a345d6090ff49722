"""The API's enrollment lists, read as rows (alliance/api_rows.py), answer exactly what their
serializers answer for the same rows: same fields, order, formats and nested guardians."""

from __future__ import annotations

import datetime
import json

import pytest
from rest_framework.renderers import JSONRenderer

from alliance.localization import alliance_local
from alliance.tenancy import alliance_scope
from enrollment.api_attendance import AttendanceSerializer
from enrollment.api_enrollments import EnrollmentSerializer
from enrollment.api_families import ChildSerializer, FamilySerializer
from enrollment.models import AttendanceRecord, Child, Enrollment, Family
from tests.enrollment.factories import ChildFactory, FamilyFactory, GuardianFactory, enroll, months_before


@pytest.fixture
def households(world, rooms, today):
    """Families at both programs: guardians (none, one, two), ended, running and upcoming
    enrollments, and days checked in, checked out and absent."""
    lopez = FamilyFactory(alliance=world.a, name="Lopez family", notes="Prefers text")
    GuardianFactory(family=lopez, first_name="Ana", is_primary_contact=True, email="ana@example.com")
    GuardianFactory(family=lopez, first_name="Luis", is_primary_contact=False, consent_photos=True)
    maya = ChildFactory(family=lopez, first_name="Maya", date_of_birth=months_before(today, 24), needs_notes="Nuts")
    running = enroll(maya, rooms.toddlers, today - datetime.timedelta(days=30), weekdays=[4, 0, 2])
    enroll(maya, rooms.infants, today - datetime.timedelta(days=400), today - datetime.timedelta(days=31))
    chen = FamilyFactory(alliance=world.a, name="Chen family")
    leo = ChildFactory(family=chen, first_name="Leo", last_name="Chen", date_of_birth=months_before(today, 40))
    upcoming = enroll(leo, rooms.preschool_y, today + datetime.timedelta(days=7))
    with alliance_scope(world.a.pk):
        day = today - datetime.timedelta(days=1)
        while day.weekday() > 4:  # a day the rooms are open, so the write test may check in again
            day -= datetime.timedelta(days=1)
        AttendanceRecord.objects.create(
            alliance=world.a, enrollment=running, day=day, check_in=datetime.time(8, 5), note="Late bus"
        )
        AttendanceRecord.objects.create(
            alliance=world.a,
            enrollment=running,
            day=day - datetime.timedelta(days=1),
            check_in=datetime.time(8),
            check_out=datetime.time(16, 30),
        )
        AttendanceRecord.objects.create(
            alliance=world.a, enrollment=upcoming, day=day, absence_reason="sick", source="api"
        )
    return world


def _as_json(data):  # type: ignore[no-untyped-def]
    return json.loads(JSONRenderer().render(data))


def _serialized(world, serializer_class, queryset, ids, today):  # type: ignore[no-untyped-def]
    """What the serializer answers for these rows, in the list's order."""
    with alliance_scope(world.a.pk), alliance_local(world.a):
        rows = {row.pk: row for row in queryset.filter(pk__in=ids)}
        data = serializer_class([rows[i] for i in ids], many=True, context={"today": today}).data
        return _as_json(data)


@pytest.mark.parametrize("who", ["staff_a", "provider_x", "provider_y"])
def test_lists_answer_what_their_serializers_answer(households, clients, who, today):
    world = households
    lists = [
        ("families/", FamilySerializer, Family.objects.prefetch_related("guardians")),
        ("children/", ChildSerializer, Child.objects.all()),
        ("enrollments/", EnrollmentSerializer, Enrollment.objects.select_related("child")),
        ("attendance/", AttendanceSerializer, AttendanceRecord.objects.select_related("enrollment")),
    ]
    for path, serializer_class, queryset in lists:
        response = clients.__getattr__(who).get(f"/api/a/{world.a.slug}/{path}")
        assert response.status_code == 200, path
        results = response.json()["results"]
        assert results, path
        assert response.json()["count"] == len(results), path  # one page: the count counts these rows
        expected = _serialized(world, serializer_class, queryset, [row["id"] for row in results], today)
        assert results == expected, path
        assert [list(row) for row in results] == [list(row) for row in expected], path


def test_every_attendance_state_and_enrollment_status_is_listed(households, clients):
    world = households
    attendance = clients.staff_a.get(f"/api/a/{world.a.slug}/attendance/").json()["results"]
    assert sorted(row["state"] for row in attendance) == ["absent", "checked_in", "checked_out"]
    enrollments = clients.staff_a.get(f"/api/a/{world.a.slug}/enrollments/").json()["results"]
    assert sorted(row["status"] for row in enrollments) == ["active", "ended", "upcoming"]
    families = clients.staff_a.get(f"/api/a/{world.a.slug}/families/").json()["results"]
    assert [[g["first_name"] for g in f["guardians"]] for f in families] == [[], ["Ana", "Luis"]]


def test_a_list_counts_its_rows_without_the_joins_of_their_columns(households, clients):
    """The attendance list reads each day's child and room through its enrollment; its COUNT
    does not join the enrollments (PostgreSQL took twice as long over a large alliance)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        data = clients.staff_a.get(f"/api/a/{households.a.slug}/attendance/").json()
    [count] = [q["sql"] for q in queries.captured_queries if "COUNT(*)" in q["sql"]]
    assert "JOIN" not in count
    assert data["count"] == 3


def test_writes_of_the_load_mix_read_no_row_twice(households, clients, today):
    """Clear and check in again, and change terms: the time zone comes from the membership's
    alliance row and the child and room with the enrollment, not one query each (issue 21)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    world = households
    api = f"/api/a/{world.a.slug}"
    record = next(r for r in clients.staff_a.get(f"{api}/attendance/").json()["results"] if r["state"] == "checked_in")
    with CaptureQueriesContext(connection) as queries:
        cleared = clients.staff_a.post(
            f"{api}/attendance/{record['id']}/clear/", {"reason": "mistake"}, content_type="application/json"
        )
        again = clients.staff_a.post(
            f"{api}/attendance/check-in/",
            {"enrollment": record["enrollment"], "day": record["day"], "at": record["check_in"]},
            content_type="application/json",
        )
        enrollment = again.json()["enrollment"]
        terms = clients.staff_a.post(
            f"{api}/enrollments/{enrollment}/terms/",
            {"funding_source": "employer", "rate_plan_ref": ""},
            content_type="application/json",
        )
    assert (cleared.status_code, again.status_code, terms.status_code) == (204, 201, 200)
    assert (again.json()["check_in"], terms.json()["child_name"]) == (record["check_in"], "Maya Lopez")
    sql = [q["sql"] for q in queries.captured_queries]
    assert not [s for s in sql if s.startswith('SELECT "alliance_alliance"."timezone"')]
    assert not [
        s for s in sql if s.startswith('SELECT "enrollment_child"') or s.startswith('SELECT "members_classroom"')
    ]
