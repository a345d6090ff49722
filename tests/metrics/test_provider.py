"""A provider's view of their own program: the same figures, the alliance's spread, no other member named."""

from __future__ import annotations

import pytest

from alliance.tenancy import alliance_scope
from metrics.rollups import rollup_alliance
from tests.csvrows import csv_rows
from tests.metrics.conftest import FRI, MON
from tests.metrics.factories import members_with_one_child


@pytest.fixture
def rolled(week):
    """X and Y, and four more members (occupancy 50%, 33.3%, 20%, 12.5%): five besides each provider's own, so
    the alliance's median and quartiles may be shown (alliance/disclosure.py)."""
    members_with_one_child(week.world.a, [2, 3, 5, 8])
    with alliance_scope(week.world.a.pk):
        rollup_alliance(start=MON, end=FRI)
    return week


def url(world, path=""):
    return f"/a/{world.a.slug}/my-program/figures/{path}"


class TestProviderView:
    def test_provider_sees_own_figures_and_the_alliance_median(self, rolled, clients):
        page = clients.provider_x.get(url(rolled.world))
        html = page.content.decode()
        assert page.status_code == 200
        # X: 16.4% occupancy, 85.7% attendance. The alliance's occupancy: 12.5, 16.41, 20, 25, 33.33, 50 %:
        # Q1 16.41 + ¼ × (20 − 16.41) = 17.3%, median 22.5%, Q3 25 + ¾ × (33.33 − 25) = 31.25 → 31.3%.
        assert "16.4%" in html
        assert "85.7%" in html
        assert ["17.3%", "22.5%", "31.3%"] == [q for q in ("17.3%", "22.5%", "31.3%") if q in html]
        assert "Program Y" not in html
        assert "Peer 1" not in html
        assert "25.0%" not in html  # Y's own occupancy

    def test_csv_names_no_other_member(self, rolled, clients):
        response = clients.provider_y.get(url(rolled.world, "occupancy.csv"))
        rows = csv_rows(response)
        assert rows[0] == ["month", "Program Y", "median of centres", "Q1 of centres", "Q3 of centres"]
        assert "Program X" not in response.content.decode()
        assert ["2026-01", "0.2500", "0.2250", "0.1731", "0.3125"] in rows

    def test_charts_kept_with_the_figures_follow_a_renamed_program_at_once(self, rolled, clients):
        """The charts are cached with the benchmark (metrics/views.py); the program's name, which
        they print, is part of the key."""
        assert csv_rows(clients.provider_y.get(url(rolled.world, "occupancy.csv")))[0][:2] == ["month", "Program Y"]
        with alliance_scope(rolled.world.a.pk):
            rolled.world.y.name = "Maple Street"
            rolled.world.y.save()
        rows = csv_rows(clients.provider_y.get(url(rolled.world, "occupancy.csv")))
        assert rows[0][:2] == ["month", "Maple Street"]
        assert "Maple Street" in clients.provider_y.get(url(rolled.world)).content.decode()

    def test_hub_pages_are_refused_to_providers(self, rolled, clients):
        assert (
            clients.provider_x.get(f"/a/{rolled.world.a.slug}/dashboard/programs/{rolled.world.y.pk}/").status_code
            == 403
        )
        assert clients.staff_a.get(url(rolled.world)).status_code == 403

    def test_it_validates_ownership(self, rolled, clients):
        assert clients.provider_z.get(url(rolled.world)).status_code == 404
        assert clients.provider_z.get(url(rolled.world, "occupancy.csv")).status_code == 404
