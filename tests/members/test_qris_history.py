"""A program's QRIS rating history: every change of the rating appends a row (and an
audit event), the quality page shows it, corrections supersede, migration 0006
backfills the rating on record."""

from __future__ import annotations

import datetime
import importlib
from types import SimpleNamespace

import pytest
from django.db import connection

from alliance.dates import alliance_today
from alliance.models import AuditEvent
from alliance.tenancy import TenancyError, alliance_scope
from members import services
from members.models import MemberProgram, QrisRating, QrisRatingSource
from members.selectors import qris_rating_on, qris_timelines
from tests.factories import MemberProgramFactory

D = datetime.date
backfill = importlib.import_module("members.migrations.0006_backfill_qris_history").backfill


def rate(world, user, program, rating, rated_on):  # type: ignore[no-untyped-def]
    with alliance_scope(world.a.pk):
        return services.program_update(
            actor=user,
            program=program,
            data={"qris_rating": rating, "qris_rated_on": rated_on, "joined_on": D(2020, 1, 1)},
        )


class TestEveryChangeAppendsARow:
    def test_a_new_rating_is_recorded_with_its_audit_event(self, world, in_a):
        staff = world.users.staff_a
        rate(world, staff, world.x, 3, D(2024, 5, 1))
        rate(world, staff, world.x, 4, D(2025, 6, 1))
        with in_a():
            rows = list(QrisRating.objects.filter(program=world.x).order_by("id"))
            assert [(r.rating, r.rated_on, r.recorded_by, r.source) for r in rows] == [
                (3, D(2024, 5, 1), staff, QrisRatingSource.ENTERED),
                (4, D(2025, 6, 1), staff, QrisRatingSource.ENTERED),
            ]
            event = AuditEvent.objects.filter(action="qris_rating.recorded").order_by("id").last()
            assert (event.object_id, event.program_id, event.actor) == (str(rows[1].pk), world.x.pk, staff)
            assert event.before == {"rating": 3, "rated_on": "2024-05-01"}
            assert event.after == {"rating": 4, "rated_on": "2025-06-01"}

    def test_other_profile_changes_and_repeats_add_nothing(self, world, in_a):
        rate(world, world.users.staff_a, world.x, 3, D(2024, 5, 1))
        rate(world, world.users.staff_a, world.x, 3, D(2024, 5, 1))
        with in_a():
            services.program_update(actor=world.users.staff_a, program=world.x, data={"city": "Fairview"})
            assert QrisRating.objects.filter(program=world.x).count() == 1

    def test_removing_the_rating_is_a_change_too(self, world, in_a):
        rate(world, world.users.staff_a, world.x, 3, D(2024, 5, 1))
        rate(world, world.users.staff_a, world.x, None, None)
        with in_a():
            removed = QrisRating.objects.filter(program=world.x).order_by("id").last()
            assert (removed.rating, removed.note) == (None, "Rating removed")
            assert qris_rating_on(qris_timelines([world.x.pk])[world.x.pk], alliance_today(world.a)) is None

    def test_a_program_created_with_a_rating_starts_its_history(self, world, in_a):
        with in_a():
            program = services.program_create(
                actor=world.users.admin_a,
                name="Rated",
                kind="centre",
                status="active",
                qris_rating=2,
                qris_rated_on=D(2025, 1, 1),
            )
            assert list(QrisRating.objects.filter(program=program).values_list("rating", "rated_on")) == [
                (2, D(2025, 1, 1))
            ]

    def test_the_history_is_never_edited(self, world, in_a):
        rate(world, world.users.staff_a, world.x, 3, D(2024, 5, 1))
        with in_a():
            row = QrisRating.objects.get(program=world.x)
            row.note = "changed"
            with pytest.raises(TenancyError):
                row.save()
            with pytest.raises(TenancyError):
                row.delete()

    def test_a_correction_supersedes_what_it_corrects(self, world, in_a):
        """Entered 5 stars on 1 May 2025 by mistake, then corrected to 4 stars on 1 April."""
        rate(world, world.users.staff_a, world.x, 3, D(2023, 3, 1))
        rate(world, world.users.staff_a, world.x, 5, D(2025, 5, 1))
        rate(world, world.users.staff_a, world.x, 4, D(2025, 4, 1))
        with in_a():
            line = qris_timelines([world.x.pk])[world.x.pk]
            assert [(s.rated_on, s.rating) for s in line] == [(D(2023, 3, 1), 3), (D(2025, 4, 1), 4)]
            assert [qris_rating_on(line, day) for day in (D(2023, 2, 28), D(2024, 1, 1), D(2025, 6, 1))] == [None, 3, 4]


class TestQualityPage:
    def test_hub_and_own_provider_see_the_history(self, world, clients, page):
        rate(world, world.users.staff_a, world.x, 2, D(2023, 3, 1))
        rate(world, world.users.staff_a, world.x, 4, D(2025, 4, 1))
        for client in (clients.staff_a, clients.provider_x):
            html = client.get(page("program_quality", world.x.pk)).content.decode()
            assert "QRIS rating history" in html
            assert "2 of 5 stars" in html
            assert "4 of 5 stars" in html
            assert "Entered in the Hub" in html

    def test_an_unrated_program_says_so(self, world, clients, page):
        html = clients.staff_a.get(page("program_quality", world.y.pk)).content.decode()
        assert "No QRIS rating has been recorded for this program." in html

    def test_it_validates_ownership(self, world, clients, page):
        rate(world, world.users.staff_a, world.x, 4, D(2025, 4, 1))
        assert clients.provider_y.get(page("program_quality", world.x.pk)).status_code == 404
        assert clients.admin_b.get(page("program_quality", world.x.pk)).status_code == 404
        other = f"/a/{world.b.slug}/programs/{world.x.pk}/quality/"
        assert clients.admin_b.get(other).status_code == 404


def test_backfill_records_the_rating_on_record_in_every_alliance_once(world, in_a):
    with in_a():
        MemberProgram.objects.filter(pk=world.x.pk).update(qris_rating=4, qris_rated_on=D(2024, 9, 1))
    MemberProgramFactory(alliance=world.b, name="Rated Z2", qris_rating=2, qris_rated_on=D(2023, 1, 1))
    # Runs as the app role, so row-level security applies: the per-alliance scope
    # in the migration is what lets it see and write each alliance's rows.
    backfill(None, SimpleNamespace(connection=connection))
    backfill(None, SimpleNamespace(connection=connection))  # a rerun adds nothing
    with in_a():
        assert list(QrisRating.objects.values_list("program_id", "rating", "rated_on", "source")) == [
            (world.x.pk, 4, D(2024, 9, 1), "backfill")
        ]  # Y has no rating: no row
    with alliance_scope(world.b.pk):
        assert list(QrisRating.objects.values_list("rating", "source")) == [(2, "backfill")]
