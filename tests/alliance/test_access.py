"""Lock 1 (request layer): strangers get 404 on every alliance URL.

Parametrised over every named URL pattern under /a/<slug>/ and
/api/a/<slug>/, so pages that later issues add are covered automatically.
"""

from __future__ import annotations

import pytest

from tests.urlwalk import alliance_routes

ROUTES = alliance_routes()
METHODS = ["get", "post"]


def test_the_walk_finds_the_pages_and_endpoints():
    names = {r.name for r in ROUTES}
    assert {"metrics:dashboard", "alliance:audit", "members:program_detail",
            "api:program-list"} <= names


STRANGERS = ["admin_b", "staff_b", "provider_z", "funder_b"]


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_users_of_another_alliance_get_404(world, clients, route):
    """Every role of alliance B, GET and POST, on alliance A's URL: 404, never data."""
    # Real ids of alliance A's rows where the route takes a pk.
    url = route.url(world.a.slug, pk=world.x.pk, program_pk=world.x.pk)
    outcomes = {
        (stranger, method): getattr(clients, stranger).generic(method.upper(), url).status_code
        for stranger in STRANGERS
        for method in METHODS
    }
    assert {k: v for k, v in outcomes.items() if v != 404} == {}, url


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_unknown_alliances_are_404_and_anonymous_visitors_sign_in(world, clients, client, route):
    assert clients.admin_a.get(route.url("no-such-alliance", pk=world.x.pk)).status_code == 404
    if route.name.endswith("invitation_accept"):
        return  # open to anyone holding a valid link; a forged one is 404 (test_invitations)
    response = client.get(route.url(world.a.slug, pk=world.x.pk))
    if route.is_api:
        assert response.status_code == 401
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


class TestProviderNarrowing:
    def test_provider_sees_own_program_page(self, world, clients):
        response = clients.provider_x.get(f"/a/{world.a.slug}/programs/{world.x.pk}/")
        assert response.status_code == 200
        assert b"Program X" in response.content

    def test_provider_of_another_program_gets_404(self, world, clients):
        response = clients.provider_x.get(f"/a/{world.a.slug}/programs/{world.y.pk}/")
        assert response.status_code == 404

    def test_provider_api_lists_only_own_program(self, world, clients):
        data = clients.provider_x.get(f"/api/a/{world.a.slug}/programs/").json()
        assert [row["name"] for row in data["results"]] == ["Program X"]

    def test_provider_api_detail_of_another_program_is_404(self, world, clients):
        response = clients.provider_x.get(f"/api/a/{world.a.slug}/programs/{world.y.pk}/")
        assert response.status_code == 404

    def test_hub_staff_sees_every_program(self, world, clients):
        data = clients.staff_a.get(f"/api/a/{world.a.slug}/programs/").json()
        assert {row["name"] for row in data["results"]} == {"Program X", "Program Y"}


class TestRolePages:
    @pytest.mark.parametrize("who", ["provider_x", "funder_a"])
    def test_hub_pages_refuse_other_roles(self, world, clients, who):
        for name in ("dashboard", "audit"):
            path = {"dashboard": "dashboard/", "audit": "audit/"}[name]
            assert getattr(clients, who).get(f"/a/{world.a.slug}/{path}").status_code == 403

    def test_funder_gets_no_program_rows_from_the_api(self, world, clients):
        assert clients.funder_a.get(f"/api/a/{world.a.slug}/programs/").status_code == 403

    def test_only_hub_admin_manages_invitations(self, world, clients):
        url = f"/a/{world.a.slug}/invitations/"
        assert clients.admin_a.get(url).status_code == 200
        assert clients.staff_a.get(url).status_code == 403
