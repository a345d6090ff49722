"""Issue 19, finding 4: per-user API tokens — shown once, stored hashed, revocable, scoped."""

from __future__ import annotations

import hashlib

from django.test import Client

from alliance.models import ApiToken
from tests.factories import PASSWORD


def reauthenticate(client) -> None:  # type: ignore[no-untyped-def]
    """Confirm the password again, as the token page asks before it makes a token."""
    response = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302, "the password was accepted"


def create_token(client, name="Report script"):  # type: ignore[no-untyped-def]
    reauthenticate(client)
    response = client.post("/accounts/tokens/", {"name": name})
    return response, response.context["new_token"]


class TestTokens:
    def test_a_token_is_shown_once_and_stored_hashed(self, world, clients):
        response, token = create_token(clients.staff_a)
        assert token.startswith("hub_")
        assert token.encode() in response.content
        row = ApiToken.objects.get(user=world.users.staff_a)
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in row.prefix + row.token_hash + row.name
        listing = clients.staff_a.get("/accounts/tokens/")
        assert token.encode() not in listing.content
        assert row.prefix.encode() in listing.content

    def test_the_api_accepts_a_bearer_token_within_the_users_alliances(self, world, clients):
        _, token = create_token(clients.staff_a)
        api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        response = api.get(f"/api/a/{world.a.slug}/programs/")
        assert response.status_code == 200
        assert {row["name"] for row in response.json()["results"]} == {"Program X", "Program Y"}
        assert api.get(f"/api/a/{world.b.slug}/programs/").status_code == 404
        assert ApiToken.objects.get().last_used_at is not None

    def test_a_provider_token_sees_only_their_program(self, world, clients):
        _, token = create_token(clients.provider_x)
        data = Client(HTTP_AUTHORIZATION=f"Token {token}").get(f"/api/a/{world.a.slug}/programs/").json()
        assert [row["name"] for row in data["results"]] == ["Program X"]

    def test_a_revoked_or_forged_token_is_refused(self, world, clients):
        _, token = create_token(clients.staff_a)
        row = ApiToken.objects.get()
        clients.staff_a.post("/accounts/tokens/", {"revoke": row.pk})
        api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        assert api.get(f"/api/a/{world.a.slug}/programs/").status_code == 401
        forged = Client(HTTP_AUTHORIZATION="Bearer hub_forged")
        assert forged.get(f"/api/a/{world.a.slug}/programs/").status_code == 401

    def test_a_token_needs_a_name(self, world, clients):
        reauthenticate(clients.staff_a)
        response = clients.staff_a.post("/accounts/tokens/", {"name": "  "})
        assert b"Give the token a name" in response.content
        assert not ApiToken.objects.exists()

    def test_it_validates_ownership(self, world, clients):
        create_token(clients.staff_a)
        row = ApiToken.objects.get()
        response = clients.staff_b.post("/accounts/tokens/", {"revoke": row.pk})
        assert response.status_code == 404
        assert ApiToken.objects.get().revoked_at is None
        assert b"Report script" not in clients.staff_b.get("/accounts/tokens/").content

    def test_anonymous_visitors_are_sent_to_sign_in(self, db):
        assert Client().get("/accounts/tokens/").status_code == 302
