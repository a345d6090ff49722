"""The signed-in user is loaded by SQL compiled once per process (alliance/users.py, issue 21)."""

from __future__ import annotations

import pytest
from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext


@pytest.mark.parametrize("backend", [ModelBackend, AuthenticationBackend])
def test_the_session_backends_load_the_same_user_as_the_orm(world, backend):
    user = world.users.staff_a
    with CaptureQueriesContext(connection) as queries:
        got = backend().get_user(str(user.pk))
    assert len(queries.captured_queries) == 1
    assert got == get_user_model().objects.get(pk=user.pk)
    assert {f.attname: getattr(got, f.attname) for f in got._meta.concrete_fields} == {
        f.attname: getattr(user, f.attname) for f in user._meta.concrete_fields
    }
    assert not got._state.adding
    assert got._state.db == "default"
    assert got.get_session_auth_hash() == user.get_session_auth_hash()


def test_no_user_for_an_unknown_or_garbled_id_or_an_inactive_user(world):
    backend = ModelBackend()
    assert backend.get_user(987654321) is None
    assert backend.get_user("not a number") is None
    user = world.users.staff_a
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert backend.get_user(user.pk) is None


def test_a_signed_in_page_still_knows_its_user_and_a_deactivated_one_is_signed_out(world, clients):
    url = f"/a/{world.a.slug}/audit/"
    assert clients.staff_a.get(url).status_code == 200
    user = world.users.staff_a
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    response = clients.staff_a.get(url)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
