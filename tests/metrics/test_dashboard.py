"""The Hub dashboard, a member's drill-down and the targets, on the worked example (conftest.py).

January 2026 after the rollup of 5–9 January:
  Program X: 12.80 FTE-days ÷ 78 capacity-days = 16.4% occupancy; attendance 12 ÷ 14 = 85.7%.
  Program Y: 5.00 ÷ 20 = 25.0%; attendance 0 ÷ 5 = 0.0%.
  Alliance:  17.80 ÷ 98 = 18.2%; attendance 12 ÷ 19 = 63.2%.
Both members are below the budgeted 85%, so both are flagged.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache

from alliance.tenancy import alliance_scope
from metrics.models import AllianceMonth, ProgramMonth, Targets
from metrics.rollups import rollup_alliance
from tests.csvrows import csv_rows
from tests.factories import MemberProgramFactory
from tests.metrics.conftest import FRI, MON

JAN = datetime.date(2026, 1, 1)


@pytest.fixture
def rolled(week):
    with alliance_scope(week.world.a.pk):
        rollup_alliance(start=MON, end=FRI)
    with alliance_scope(week.world.b.pk):
        rollup_alliance(start=MON, end=FRI)
    return week


def url(world, path=""):
    return f"/a/{world.a.slug}/dashboard/{path}"


class TestDashboard:
    def test_alliance_totals_members_and_flags(self, rolled, clients):
        page = clients.staff_a.get(url(rolled.world))
        assert page.status_code == 200
        html = page.content.decode()
        assert "18.2%" in html
        assert "63.2%" in html
        assert "16.4%" in html
        assert "25.0%" in html
        assert "Occupancy 16.4% is below the budgeted 85.0%" in html
        assert "Program Z" not in html
        assert "<svg" in html
        assert "<script>" not in html
        # Distance to the 95% target for X: 95.0 − 16.41 = 78.6 points.
        assert "78.6 pts" in html

    def test_members_table_sorts(self, rolled, clients):
        by_occupancy = clients.staff_a.get(url(rolled.world, "?sort=occupancy")).content.decode()
        assert by_occupancy.index("Program X") < by_occupancy.index("Program Y")
        descending = clients.staff_a.get(url(rolled.world, "?sort=-occupancy")).content.decode()
        assert descending.index("Program Y") < descending.index("Program X")

    def test_chart_and_members_csv(self, rolled, clients):
        chart = clients.staff_a.get(url(rolled.world, "occupancy.csv"))
        assert chart["Content-Type"].startswith("text/csv")
        rows = csv_rows(chart)
        assert rows[0] == ["month", "occupancy", "attendance"]
        # 17.80 ÷ 98 = 0.18163 → 0.1816; 12 ÷ 19 = 0.63158 → 0.6316.
        assert ["2026-01", "0.1816", "0.6316"] in rows
        members = csv_rows(clients.staff_a.get(url(rolled.world, "members.csv")))
        assert ["Program X", "2026-01", "0.1641"] in [r[:3] for r in members]
        assert "Program Z" not in {r[0] for r in members}
        assert clients.staff_a.get(url(rolled.world, "nope.csv")).status_code == 404

    def test_empty_alliance_explains_itself(self, world, clients):
        page = clients.staff_a.get(url(world))
        assert b"No Iron Triangle figures yet" in page.content

    def test_providers_and_funders_are_refused(self, rolled, clients):
        assert clients.provider_x.get(url(rolled.world)).status_code == 403
        assert clients.funder_a.get(url(rolled.world)).status_code == 403

    def test_it_validates_ownership(self, rolled, clients):
        assert clients.staff_b.get(url(rolled.world)).status_code == 404
        assert clients.admin_b.get(url(rolled.world, "members.csv")).status_code == 404


def _month_rows(alliance, programs, month=JAN):
    with alliance_scope(alliance.pk):
        AllianceMonth.objects.create(
            alliance=alliance,
            month=month,
            operating_days=20,
            licensed_capacity=400,
            target_capacity=400,
            enrolled_fte=Decimal("300.00"),
            enrolled_children=320,
            scheduled_child_days=300,
            attended_child_days=280,
        )
        ProgramMonth.objects.bulk_create(
            [
                ProgramMonth(
                    alliance=alliance,
                    program=p,
                    month=month,
                    operating_days=20,
                    licensed_capacity=200,
                    target_capacity=200,
                    enrolled_fte=Decimal(100 + i),
                    enrolled_children=110,
                    scheduled_child_days=100,
                    attended_child_days=90,
                )
                for i, p in enumerate(programs)
            ]
        )


class TestQueryCount:
    """The dashboard reads snapshots only: its query count does not grow with members."""

    # Session, user, alliance, memberships, scope settings and savepoints, session save: 29 (a
    # session that passed TOTP is read from the session, no query for the device); then seven reads
    # of metrics: targets, the window, alliance months and money, members' 12-month occupancy, and
    # their latest month's figures and money.
    QUERIES = 34

    def test_two_programs(self, world, clients, django_assert_num_queries):
        _month_rows(world.a, [world.x, world.y])
        clients.staff_a.get(url(world))  # signs the client in (the conftest signs in on first use)
        cache.clear()  # and the page is built afresh, not read from the cache
        with django_assert_num_queries(self.QUERIES):
            assert clients.staff_a.get(url(world)).status_code == 200

    def test_twenty_programs(self, world, clients, django_assert_num_queries):
        more = [MemberProgramFactory(alliance=world.a) for _ in range(18)]
        _month_rows(world.a, [world.x, world.y, *more])
        clients.staff_a.get(url(world))
        cache.clear()
        with django_assert_num_queries(self.QUERIES):
            page = clients.staff_a.get(url(world))
        assert page.status_code == 200
        assert page.content.count(b'class="sparkline"') == 20

    def test_the_page_is_cached_until_the_next_rollup(self, rolled, clients, django_assert_max_num_queries):
        clients.staff_a.get(url(rolled.world))
        with django_assert_max_num_queries(30):  # no metrics query: the body comes from the cache
            assert b"16.4%" in clients.staff_a.get(url(rolled.world)).content
        with alliance_scope(rolled.world.a.pk):
            rolled.ada.end_date = MON  # Ada leaves after Monday
            rolled.ada.save()
            rollup_alliance(start=MON, end=FRI)
        # X: R1 Mon 1.60, Tue/Wed 0.60 (Ben), Thu/Fri 0.50 (Cleo) = 3.80, R2 5.00 → 8.80 ÷ 78 = 11.3%.
        assert b"11.3%" in clients.staff_a.get(url(rolled.world)).content


class TestDrillDown:
    def test_member_against_the_alliance_median_and_quartiles(self, rolled, clients):
        page = clients.staff_a.get(url(rolled.world, f"programs/{rolled.world.x.pk}/"))
        html = page.content.decode()
        # Occupancy of X 0.1641 and Y 0.2500: Q1 = 0.1641 + 0.25 × 0.0859 = 0.1856 (18.6%),
        # median = 0.2071 (20.7%), Q3 = 0.2285 (22.9%).
        assert "16.4%" in html
        assert "18.6%" in html
        assert "20.7%" in html
        assert "22.9%" in html
        assert page.context["benchmark"].spreads["occupancy"][JAN].median == Decimal("0.2071")
        rows = csv_rows(clients.staff_a.get(url(rolled.world, f"programs/{rolled.world.x.pk}/occupancy.csv")))
        assert rows[0] == ["month", "Program X", "median of centres", "Q1 of centres", "Q3 of centres"]
        assert ["2026-01", "0.1641", "0.2071", "0.1856", "0.2285"] in rows

    def test_it_validates_ownership(self, rolled, clients):
        assert clients.staff_a.get(url(rolled.world, f"programs/{rolled.world.z.pk}/")).status_code == 404
        assert clients.staff_b.get(url(rolled.world, f"programs/{rolled.world.x.pk}/")).status_code == 404


class TestTargets:
    def test_admin_changes_targets_and_flags_follow(self, rolled, clients):
        response = clients.admin_a.post(
            url(rolled.world, "targets/"),
            {"budget_occupancy": "15", "target_occupancy": "95", "bad_debt_max": "2", "collection_min": "98"},
        )
        assert response.status_code == 302
        with alliance_scope(rolled.world.a.pk):
            assert Targets.objects.get().budget_occupancy == Decimal("0.1500")
        html = clients.staff_a.get(url(rolled.world)).content.decode()
        # X (16.4%) and Y (25.0%) are now above a 15% budget: no flags.
        assert "is below the budgeted" not in html

    def test_budget_above_target_is_refused(self, rolled, clients):
        response = clients.admin_a.post(
            url(rolled.world, "targets/"),
            {"budget_occupancy": "96", "target_occupancy": "95", "bad_debt_max": "2", "collection_min": "98"},
        )
        assert response.status_code == 200
        assert b"cannot exceed the target" in response.content

    def test_only_the_hub_admin_sets_targets(self, rolled, clients):
        assert clients.staff_a.get(url(rolled.world, "targets/")).status_code == 403
        assert clients.admin_b.get(url(rolled.world, "targets/")).status_code == 404
