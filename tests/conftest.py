"""Fixtures every test needs: two alliances, a user per role, signed-in clients.

Named actors, as in healthchecks' tests: alliance A is Riverbend-like with two
programs (X and Y); alliance B is a stranger alliance with program Z.
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from alliance.dates import alliance_today
from alliance.models import Role
from tests.factories import AllianceFactory, MemberProgramFactory, member


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Hashing strength is Django's concern; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()


@pytest.fixture
def world(db):
    alliance_a = AllianceFactory(name="Alliance A", slug="alliance-a")
    alliance_b = AllianceFactory(name="Alliance B", slug="alliance-b")
    program_x = MemberProgramFactory(alliance=alliance_a, name="Program X")
    program_y = MemberProgramFactory(alliance=alliance_a, name="Program Y")
    program_z = MemberProgramFactory(alliance=alliance_b, name="Program Z")
    users = SimpleNamespace(
        admin_a=member(alliance_a, Role.HUB_ADMIN),
        staff_a=member(alliance_a, Role.HUB_STAFF),
        provider_x=member(alliance_a, Role.PROVIDER, program=program_x),
        provider_y=member(alliance_a, Role.PROVIDER, program=program_y),
        funder_a=member(alliance_a, Role.FUNDER),
        admin_b=member(alliance_b, Role.HUB_ADMIN),
        staff_b=member(alliance_b, Role.HUB_STAFF),
        provider_z=member(alliance_b, Role.PROVIDER, program=program_z),
        funder_b=member(alliance_b, Role.FUNDER),
    )
    return SimpleNamespace(a=alliance_a, b=alliance_b, x=program_x, y=program_y, z=program_z, users=users)


@pytest.fixture
def today(world) -> datetime.date:
    """Today in alliance A's own time zone, which is what its pages and services call today: in the
    evening in Chicago it is already tomorrow in UTC."""
    return alliance_today(world.a)


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    """A browser signed in as `user` the way the sign-in page leaves it: a password, then the
    TOTP code when the user has a TOTP device (allauth's own authentication records)."""
    from allauth.account.internal.flows.login import record_authentication
    from allauth.mfa.models import Authenticator
    from django.test import RequestFactory

    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    request = RequestFactory().get("/")
    request.session = client.session
    record_authentication(request, user, "password", email=user.email)
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if totp is not None:
        record_authentication(request, user, "mfa", type="totp", id=totp.pk)
    request.session.save()
    return client


class _SignedInClients:
    """`clients.staff_a` is a Client signed in as world.users.staff_a, made on first use."""

    def __init__(self, users: SimpleNamespace) -> None:
        self._users = users

    def __getattr__(self, name: str) -> Client:
        if name.startswith("_"):
            raise AttributeError(name)
        client = signed_in(getattr(self._users, name))
        setattr(self, name, client)
        return client


@pytest.fixture
def clients(world):
    return _SignedInClients(world.users)


@pytest.fixture
def db_role(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        return cursor.fetchone()
