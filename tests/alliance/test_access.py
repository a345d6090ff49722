"""Lock 1 (request layer): providers narrowed to their program, role pages.

The walk over every named URL pattern under /a/<slug>/ and /api/a/<slug>/, for
every role of two alliances and anonymous, is the access matrix
(tests/alliance/test_access_matrix.py, table in tests/access_table.py).
"""

from __future__ import annotations

import pytest

from tests.urlwalk import alliance_routes

ROUTES = alliance_routes()
METHODS = ["get", "post"]


def test_the_walk_finds_the_pages_and_endpoints():
    names = {r.name for r in ROUTES}
    assert {"metrics:dashboard", "alliance:audit", "members:program_detail", "api:program-list"} <= names


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
