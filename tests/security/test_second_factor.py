"""Issue 19, findings 4 and 5: hub pages and hub API calls need a session or a token that
passed the second factor — not merely a user who owns a TOTP device.

- A password-only session (the Django admin's old sign-in, or a sign-in that stopped before
  the code) is sent to enter a code; the API refuses it with 403.
- The Django admin signs in through the Hub's sign-in and is held to the same rule.
- API tokens expire, are made only after the password is confirmed again, and stop working
  when their holder gets a hub role without TOTP.
- The demo's exemption refuses to start in production.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from alliance.models import ApiToken, Membership, Role
from alliance.tenancy import alliance_scope
from alliance.tokens import api_token_create
from tests.alliance.test_settings import start
from tests.alliance.test_signin import current_code
from tests.factories import PASSWORD, AllianceFactory, member
from tests.security.test_api_tokens import create_token, reauthenticate


def password_only(user) -> Client:  # type: ignore[no-untyped-def]
    """Signed in with the password, never with the code (what /django-admin/login/ used to give)."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


class TestSessions:
    def test_a_password_only_session_of_a_hub_user_with_totp_must_enter_a_code(self, world):
        client = password_only(world.users.staff_a)
        for url in (f"/a/{world.a.slug}/dashboard/", f"/a/{world.a.slug}/billing/aging/"):
            response = client.get(url)
            assert response.status_code == 302
            assert response["Location"] == f"/accounts/2fa/reauthenticate/?next={url}"
        api = client.get(f"/api/a/{world.a.slug}/programs/")
        assert api.status_code == 403
        assert "authenticator code" in api.json()["detail"]
        passed = client.post("/accounts/2fa/reauthenticate/", {"code": current_code(world.users.staff_a.totp_secret)})
        assert passed.status_code == 302
        assert client.get(f"/a/{world.a.slug}/dashboard/").status_code == 200
        assert client.get(f"/api/a/{world.a.slug}/programs/").status_code == 200

    def test_a_session_that_passed_the_code_works(self, world, clients):
        assert clients.staff_a.get(f"/a/{world.a.slug}/dashboard/").status_code == 200

    def test_providers_and_funders_need_no_second_factor(self, world):
        assert password_only(world.users.provider_x).get(f"/a/{world.a.slug}/programs/{world.x.pk}/").status_code == 200


class TestDjangoAdmin:
    def test_its_sign_in_is_the_hubs_sign_in(self, db):
        response = Client().get("/django-admin/login/?next=/django-admin/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")

    def test_a_superuser_signed_in_with_a_password_only_is_sent_to_set_up_or_pass_totp(self, db):
        admin = get_user_model().objects.create_superuser("root@hub.invalid", "root@hub.invalid", PASSWORD)
        response = password_only(admin).get("/django-admin/")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/2fa/totp/activate/"

    def test_a_superuser_with_totp_must_enter_the_code(self, db):
        user = member(AllianceFactory(), Role.FUNDER, totp=True)
        get_user_model().objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
        response = password_only(user).get("/django-admin/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/2fa/reauthenticate/")


class TestTokens:
    def test_a_token_is_made_only_after_the_password_is_confirmed_again(self, world, clients):
        response = clients.staff_a.post("/accounts/tokens/", {"name": "Sync"})
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/")
        assert "reauthenticate" in response["Location"]
        assert not ApiToken.objects.exists()
        reauthenticate(clients.staff_a)
        assert clients.staff_a.post("/accounts/tokens/", {"name": "Sync"}).status_code == 200
        assert ApiToken.objects.count() == 1

    def test_tokens_expire_after_90_days_and_the_page_says_when(self, world, clients):
        _, token = create_token(clients.staff_a)
        row = ApiToken.objects.get()
        assert abs(row.expires_at - (row.created_at + datetime.timedelta(days=90))) < datetime.timedelta(minutes=1)
        api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        assert api.get(f"/api/a/{world.a.slug}/programs/").status_code == 200
        ApiToken.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
        refused = api.get(f"/api/a/{world.a.slug}/programs/")
        assert refused.status_code == 401
        assert "expired" in refused.json()["detail"]
        assert b"expired" in clients.staff_a.get("/accounts/tokens/").content

    def test_the_tokens_page_shows_last_use_and_expiry_in_the_alliances_time_zone(self, world, clients):
        """Two hub-staff tokens made on the page; one is used on an API list. Alliance A keeps
        Chicago time, so the use shows as Chicago's wall clock (5 or 6 hours behind UTC), the
        other token says "never", and each shows the day it expires (90 days on)."""
        _, used_token = create_token(clients.staff_a, name="Payroll sync")
        create_token(clients.staff_a, name="Board report")
        listed = Client(HTTP_AUTHORIZATION=f"Bearer {used_token}").get(f"/api/a/{world.a.slug}/programs/")
        assert listed.status_code == 200
        assert listed.json()["count"] == 2
        used = ApiToken.objects.get(name="Payroll sync")
        assert used.last_used_at is not None
        assert timezone.now() - used.last_used_at < datetime.timedelta(minutes=1)

        page = clients.staff_a.get("/accounts/tokens/").content.decode()
        rows = {
            name: row
            for row in page[page.index("<tbody>") : page.index("</tbody>")].split("<tr>")[1:]
            for name in ("Payroll sync", "Board report")
            if f"<td>{name}</td>" in row
        }
        chicago = ZoneInfo("America/Chicago")
        assert world.a.timezone == "America/Chicago"
        local_use = timezone.localtime(used.last_used_at, chicago)
        shown = f"{local_use:%b} {local_use.day}, {local_use.year} {local_use.hour % 12 or 12}:{local_use:%M}"
        shown += f" {'a.m.' if local_use.hour < 12 else 'p.m.'} {local_use.tzname()}"  # "Dec 6, 2026 5:42 p.m. CST"
        assert f"<td>{shown}</td>" in rows["Payroll sync"]
        utc_use = timezone.localtime(used.last_used_at, datetime.UTC)
        assert f"{utc_use.hour % 12 or 12}:{utc_use:%M} " not in rows["Payroll sync"]
        assert "<td>never</td>" not in rows["Payroll sync"]
        assert "<td>never</td>" in rows["Board report"]
        for name, row in rows.items():
            expires = timezone.localtime(ApiToken.objects.get(name=name).expires_at, chicago).date()
            assert expires == (timezone.localtime(used.created_at, chicago) + datetime.timedelta(days=90)).date()
            assert f"<td>{expires:%b} {expires.day}, {expires.year}</td>" in row

    def test_a_token_stops_working_when_its_holder_becomes_hub_staff_without_totp(self, world):
        provider = member(world.a, Role.PROVIDER, program=world.x)
        _, token = api_token_create(user=provider, name="Old script")
        api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        assert api.get(f"/api/a/{world.a.slug}/programs/").status_code == 200
        with alliance_scope(world.a.pk):
            Membership.objects.filter(user=provider).update(role=Role.HUB_STAFF, program=None)
        refused = api.get(f"/api/a/{world.a.slug}/programs/")
        assert refused.status_code == 401
        assert "two-factor" in refused.json()["detail"]
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

        TOTP.activate(provider, generate_totp_secret())
        assert api.get(f"/api/a/{world.a.slug}/programs/").status_code == 200


def test_the_demo_exemption_refuses_to_start_in_production():
    result = start(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="a-production-like-secret-" + "k" * 40,
        DJANGO_ALLOWED_HOSTS="hub.example.org",
        HUB_MFA_EXEMPT_DEMO_USERS="true",
    )
    assert result.returncode != 0
    assert "HUB_MFA_EXEMPT_DEMO_USERS" in result.stderr
