"""seed_demo creates the demo's alliances and sign-ins, and is safe to rerun."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from alliance.management.commands.seed_demo import DEMO_PASSWORD, demo_sign_ins
from alliance.models import Alliance, Membership
from alliance.tenancy import alliance_scope
from members.models import MemberProgram


def counts() -> dict[str, int]:
    result = {"users": get_user_model().objects.count()}
    for alliance in Alliance.objects.all():
        with alliance_scope(alliance.pk):
            result[f"{alliance.slug}_programs"] = MemberProgram.objects.count()
            result[f"{alliance.slug}_members"] = Membership.objects.count()
    return result


def test_seed_demo_is_idempotent(db, settings):
    settings.HUB_MFA_EXEMPT_DEMO_USERS = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    first = counts()
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert counts() == first
    assert first["riverbend_programs"] == 12 and first["cascade_programs"] == 4
    assert first["users"] == len({email for email, _, _ in demo_sign_ins()})

    client = Client()
    for email, _role, _slug in demo_sign_ins():
        client.post("/accounts/login/", {"login": email, "password": DEMO_PASSWORD})
        landing = client.get("/", follow=True)
        assert landing.status_code == 200, email
        client.post("/accounts/logout/")
