"""Migration 0003: members created before join dates existed get one, under RLS."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

from django.db import connection

from members.models import MemberProgram, ProgramStatus
from tests.factories import MemberProgramFactory

backfill = importlib.import_module("members.migrations.0003_backfill_join_dates").backfill


def test_active_members_of_every_alliance_get_their_creation_date(world, in_a):
    applicant = MemberProgramFactory(alliance=world.a, name="Applicant", status=ProgramStatus.APPLICANT)
    # Runs as the app role here, so row-level security applies: the per-alliance
    # scope in the migration is what lets it see each alliance's rows.
    backfill(None, SimpleNamespace(connection=connection))
    with in_a():
        x = MemberProgram.objects.get(pk=world.x.pk)
        assert x.joined_on == x.created_at.date() == x.status_changed_on
        assert MemberProgram.objects.get(pk=applicant.pk).joined_on is None
    from alliance.tenancy import alliance_scope

    with alliance_scope(world.b.pk):  # the stranger alliance is backfilled too
        assert MemberProgram.objects.get(pk=world.z.pk).joined_on is not None
