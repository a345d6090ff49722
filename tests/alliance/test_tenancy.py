"""Lock 2 (ORM) and lock 3 (PostgreSQL RLS), each proven on its own."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, ProgrammingError, connection, transaction

from alliance.models import Membership
from alliance.tenancy import TenancyError, TenantModel, alliance_scope
from members.models import MemberProgram


def tenant_models():
    return [m for m in apps.get_models() if issubclass(m, TenantModel)]


class TestFailClosedManager:
    def test_a_query_without_scope_raises(self, world):
        with pytest.raises(TenancyError, match="no alliance scope"):
            list(MemberProgram.objects.all())

    @pytest.mark.parametrize("model", tenant_models(), ids=lambda m: m._meta.label)
    def test_every_tenant_model_fails_closed(self, world, model):
        with pytest.raises(TenancyError):
            model.objects.count()

    def test_scope_shows_only_its_alliance(self, world):
        with alliance_scope(world.a.pk):
            names = set(MemberProgram.objects.values_list("name", flat=True))
        assert names == {"Program X", "Program Y"}
        with alliance_scope(world.b.pk):
            assert list(MemberProgram.objects.values_list("name", flat=True)) == ["Program Z"]

    def test_saving_a_row_of_another_alliance_is_refused(self, world):
        with alliance_scope(world.b.pk):
            world.x.name = "Hijacked"
            with pytest.raises(TenancyError, match="Refusing to save"):
                world.x.save()

    def test_scope_is_restored_after_nesting(self, world):
        with alliance_scope(world.a.pk):
            with alliance_scope(world.b.pk):
                assert MemberProgram.objects.count() == 1
            assert MemberProgram.objects.count() == 2
        with pytest.raises(TenancyError):
            MemberProgram.objects.count()


class TestRowLevelSecurity:
    def test_tests_run_as_the_non_owner_app_role(self, db_role):
        user, is_super, bypass = db_role
        assert user == settings.HUB_DB_APP_ROLE  # hub_app, unless HUB_DB_APP_ROLE names another
        assert not is_super
        assert not bypass

    @pytest.mark.parametrize("model", tenant_models(), ids=lambda m: m._meta.label)
    def test_every_tenant_table_has_forced_rls_and_a_policy(self, db, model):
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = %s",
                [table],
            )
            assert cursor.fetchone() == (True, True), f"{table} lacks ENABLE/FORCE RLS"
            cursor.execute("SELECT count(*) FROM pg_policies WHERE tablename = %s", [table])
            assert cursor.fetchone()[0] >= 1

    def _raw_count(self, table: str, alliance_id: int | None) -> int:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('app.alliance_id', %s, true)", ["" if alliance_id is None else str(alliance_id)]
            )
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            return cursor.fetchone()[0]

    @pytest.mark.parametrize("model", tenant_models(), ids=lambda m: m._meta.label)
    def test_raw_sql_with_b_set_sees_none_of_as_rows(self, world, model):
        table = model._meta.db_table
        with connection.cursor() as cursor:
            with transaction.atomic():
                cursor.execute("SELECT set_config('app.alliance_id', %s, true)", [str(world.b.pk)])
                cursor.execute(f'SELECT count(*) FROM "{table}" WHERE alliance_id = %s', [world.a.pk])
                assert cursor.fetchone()[0] == 0

    def test_raw_sql_sees_b_rows_only_and_nothing_unset(self, world):
        assert self._raw_count("members_memberprogram", world.b.pk) == 1
        assert self._raw_count("members_memberprogram", world.a.pk) == 2
        assert self._raw_count("members_memberprogram", None) == 0
        assert self._raw_count("alliance_membership", None) == 0

    def test_inserting_a_row_for_another_alliance_is_rejected(self, world):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('app.alliance_id', %s, true)", [str(world.b.pk)])
            with pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
                cursor.execute(
                    "INSERT INTO members_memberprogram (alliance_id, name, kind, status, created_at)"
                    " VALUES (%s, 'Sneaky', 'centre', 'active', now())",
                    [world.a.pk],
                )

    def test_a_users_own_memberships_are_visible_across_alliances(self, world):
        user = world.users.admin_a
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('app.user_id', %s, true)", [str(user.pk)])
            cursor.execute("SELECT count(*) FROM alliance_membership")
            assert cursor.fetchone()[0] == 1
            cursor.execute("SELECT set_config('app.user_id', '', true)")
        assert Membership.objects.for_user(user.pk).count() == 0  # no user setting: RLS hides

    def test_the_app_role_cannot_truncate(self, world):
        with pytest.raises(ProgrammingError, match="permission denied"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("TRUNCATE members_memberprogram")


def test_membership_requires_program_for_providers_only(world):
    from alliance.models import Role

    with alliance_scope(world.a.pk):
        with pytest.raises(IntegrityError), transaction.atomic():
            Membership.objects.create(user=world.users.funder_b, role=Role.PROVIDER, program=None)


@pytest.mark.django_db(transaction=True)
def test_an_outermost_scope_leaves_no_setting_behind_without_resetting_it():
    """Outermost (as the request's memberships read and a task's scope are), the scope's own
    transaction ends with it and PostgreSQL drops its settings: no statement to set them back.
    Nested (a page inside the request's transaction), they are set back as before."""
    from django.test.utils import CaptureQueriesContext

    from alliance.tenancy import user_scope

    def settings_now() -> tuple[str | None, str | None]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('app.alliance_id', true), current_setting('app.user_id', true)")
            return cursor.fetchone()

    with CaptureQueriesContext(connection) as queries:
        with alliance_scope(41, user_id=7):
            assert settings_now() == ("41", "7")
    assert [q["sql"].count("set_config") for q in queries.captured_queries if "set_config" in q["sql"]] == [2]
    assert settings_now() in ((None, None), ("", ""))
    with CaptureQueriesContext(connection) as queries:
        with user_scope(7):
            assert settings_now()[1] == "7"
    assert len([q for q in queries.captured_queries if "set_config" in q["sql"]]) == 1
    assert settings_now()[1] in (None, "")
    with transaction.atomic():
        with alliance_scope(41, user_id=7):
            with alliance_scope(42):
                assert settings_now() == ("42", "7")
            assert settings_now() == ("41", "7")  # the inner scope set the outer one's back
        assert settings_now() in ((None, None), ("", ""))
