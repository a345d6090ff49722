"""Sign-in, TOTP for hub roles, and where each role lands."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.test import Client

from alliance.models import Role
from tests.factories import PASSWORD, AllianceFactory, member


def current_code(secret: str) -> str:
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))


def sign_in(client: Client, user) -> object:  # type: ignore[no-untyped-def]
    return client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})


class TestPasswordSignIn:
    def test_wrong_password_is_refused_with_a_message(self, world):
        client = Client()
        response = client.post("/accounts/login/", {"login": world.users.provider_x.email, "password": "wrong"})
        assert response.status_code == 200
        assert b"not correct" in response.content
        assert "_auth_user_id" not in client.session

    def test_repeated_failures_are_rate_limited(self, world):
        client = Client()
        for _ in range(6):
            response = client.post("/accounts/login/", {"login": world.users.provider_x.email, "password": "wrong"})
        assert b"Too many failed login attempts" in response.content
        response = client.post("/accounts/login/", {"login": world.users.provider_x.email, "password": PASSWORD})
        assert "_auth_user_id" not in client.session

    def test_sign_out(self, world, clients):
        response = clients.provider_x.post("/accounts/logout/")
        assert response.status_code == 302
        assert clients.provider_x.get(f"/a/{world.a.slug}/programs/{world.x.pk}/").status_code == 302

    def test_password_reset_sends_an_email(self, world, mailoutbox, django_capture_on_commit_callbacks):
        # Sent by a task once the request commits (alliance/adapters.py), not inside the request.
        with django_capture_on_commit_callbacks(execute=False) as queued:
            response = Client().post("/accounts/password/reset/", {"email": world.users.provider_x.email})
        assert mailoutbox == []
        for callback in queued:
            callback()
        assert response.status_code == 302
        assert len(mailoutbox) == 1
        assert "/accounts/password/reset/key/" in mailoutbox[0].body


class TestTOTPForHubRoles:
    def test_hub_user_with_totp_must_enter_a_code(self, world):
        client = Client()
        user = world.users.staff_a
        response = sign_in(client, user)
        assert response.status_code == 302
        assert response["Location"] == "/accounts/2fa/authenticate/"
        assert "_auth_user_id" not in client.session
        response = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
        assert "_auth_user_id" not in client.session
        response = client.post("/accounts/2fa/authenticate/", {"code": current_code(user.totp_secret)})
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(user.pk)
        assert client.get("/", follow=True).redirect_chain[-1][0] == f"/a/{world.a.slug}/today/"

    @pytest.mark.parametrize("role", [Role.HUB_ADMIN, Role.HUB_STAFF])
    def test_hub_user_without_totp_is_sent_to_set_it_up(self, db, role):
        alliance = AllianceFactory()
        user = member(alliance, role, totp=False)
        client = Client()
        sign_in(client, user)
        explained = client.get("/", follow=True)
        assert b"needs two-factor authentication" in explained.content
        for url in ("/", f"/a/{alliance.slug}/dashboard/", f"/a/{alliance.slug}/audit/"):
            response = client.get(url)
            assert response.status_code == 302
            assert response["Location"] == "/accounts/2fa/totp/activate/"
        assert client.get(f"/api/a/{alliance.slug}/programs/").status_code == 403
        # allauth asks for the password again before adding an authenticator.
        response = client.get("/accounts/2fa/totp/activate/", follow=True)
        assert response.redirect_chain[-1][0].startswith("/accounts/reauthenticate/")
        client.post("/accounts/reauthenticate/", {"password": PASSWORD})
        page = client.get("/accounts/2fa/totp/activate/")
        assert page.status_code == 200
        secret = page.context["form"].secret
        response = client.post("/accounts/2fa/totp/activate/", {"code": current_code(secret)})
        assert response.status_code == 302
        # This session signed in with a password only: one code from the new device passes it.
        dashboard = f"/a/{alliance.slug}/dashboard/"
        response = client.get(dashboard)
        assert response["Location"] == f"/accounts/2fa/reauthenticate/?next={dashboard}"
        passed = client.post(response["Location"], {"code": current_code(secret)})
        assert passed.status_code == 302
        assert passed["Location"] == dashboard
        assert client.get(dashboard).status_code == 200

    def test_provider_and_funder_need_no_totp(self, world):
        for user, landing in (
            (world.users.provider_x, f"/a/{world.a.slug}/today/"),
            (world.users.funder_a, f"/a/{world.a.slug}/reports/"),
        ):
            client = Client()
            sign_in(client, user)
            assert client.get("/", follow=True).redirect_chain[-1][0] == landing

    def test_demo_exemption_covers_only_demo_accounts_and_only_when_set(self, db, settings):
        alliance = AllianceFactory()
        demo_user = member(alliance, Role.HUB_ADMIN, totp=False, email="admin@demo.example")
        real_user = member(alliance, Role.HUB_ADMIN, totp=False, email="admin@hub.org")
        settings.HUB_MFA_EXEMPT_DEMO_USERS = True
        demo, real = Client(), Client()
        sign_in(demo, demo_user)
        sign_in(real, real_user)
        assert demo.get(f"/a/{alliance.slug}/dashboard/").status_code == 200
        assert real.get(f"/a/{alliance.slug}/dashboard/").status_code == 302
        settings.HUB_MFA_EXEMPT_DEMO_USERS = False
        assert demo.get(f"/a/{alliance.slug}/dashboard/").status_code == 302


class TestLanding:
    def test_each_role_lands_on_its_page(self, world, clients):
        expected = {
            # Hub users and providers start on what needs doing today (today/).
            "admin_a": f"/a/{world.a.slug}/today/",
            "staff_a": f"/a/{world.a.slug}/today/",
            "provider_x": f"/a/{world.a.slug}/today/",
            "funder_a": f"/a/{world.a.slug}/reports/",
        }
        for name, url in expected.items():
            response = getattr(clients, name).get("/")
            assert response.status_code == 302, name
            assert response["Location"] == url, name
            assert getattr(clients, name).get(url).status_code == 200

    def test_a_user_of_several_alliances_chooses_and_can_switch(self, world):
        from tests.conftest import signed_in
        from tests.factories import MembershipFactory

        consultant = member(world.a, Role.HUB_STAFF)
        MembershipFactory(alliance=world.b, user=consultant, role=Role.FUNDER)
        client = signed_in(consultant)
        page = client.get("/")
        assert page.status_code == 200
        assert b"Alliance A" in page.content
        assert b"Alliance B" in page.content
        dashboard = client.get(f"/a/{world.a.slug}/dashboard/")
        assert b'<span class="visually-hidden">Switch alliance: </span>Alliance A</summary>' in dashboard.content
        assert client.get(f"/a/{world.b.slug}/").headers["Location"] == f"/a/{world.b.slug}/reports/"
        assert client.get(f"/a/{world.b.slug}/dashboard/").status_code == 403

    def test_a_user_with_no_membership_sees_how_to_get_one(self, db):
        from tests.conftest import signed_in
        from tests.factories import UserFactory

        page = signed_in(UserFactory()).get("/")
        assert page.status_code == 200
        assert b"not a member of any alliance" in page.content

    def test_dashboard_shows_real_counts(self, world, clients):
        # The dashboard reads the metrics snapshots: before a rollup it says so and shows no figure.
        page = clients.staff_a.get(f"/a/{world.a.slug}/dashboard/")
        assert page.status_code == 200
        assert b"No Iron Triangle figures yet" in page.content
        assert b"member flagged" not in page.content
        assert b'class="sparkline"' not in page.content
        assert b"Program Z" not in page.content

    def test_funder_report_list_explains_the_empty_state(self, world, clients):
        page = clients.funder_a.get(f"/a/{world.a.slug}/reports/")
        assert b"No impact reports have been published" in page.content
