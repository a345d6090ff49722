"""Funder impact reports: aggregates only, small groups suppressed, HTML and PDF."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from alliance.formatting import pct
from alliance.tenancy import alliance_scope
from metrics.reports import impact_report
from metrics.rollups import rollup_alliance
from tests.factories import MemberProgramFactory
from tests.metrics.conftest import CHILD_NAMES, FAMILY_NAMES, FRI, MON
from tests.metrics.factories import enroll, room

JAN = datetime.date(2026, 1, 1)


def roll(world):
    with alliance_scope(world.a.pk):
        rollup_alliance(start=MON, end=FRI)


@pytest.fixture
def three(week):
    """A third member (W, a centre: room of 6, Wes 1.00 FTE) so the alliance's group reaches three."""
    program_w = MemberProgramFactory(alliance=week.world.a, name="Program W")
    enroll(room(program_w, licensed=6), first_name="Wes", start=datetime.date(2026, 1, 1))
    roll(week.world)
    week.w = program_w
    return week


def report_url(world, suffix="/", query="?from=2026-01&to=2026-01"):
    return f"/a/{world.a.slug}/reports/impact{suffix}{query}"


class TestFigures:
    def test_reach_and_the_iron_triangle_of_all_members(self, three):
        with alliance_scope(three.world.a.pk):
            report = impact_report(start=JAN, end=JAN)
        # X, Y, W; children Ada, Ben, Cleo, Dev, Eli, Wes (Zed is alliance B's).
        assert (report.members_served, report.children_served) == (3, 6)
        everyone = report.groups[0]
        # FTE-days 17.80 + W 5.00 = 22.80; capacity-days 98 + 30 = 128 → 17.8%.
        assert (everyone.label, everyone.programs, everyone.suppressed) == ("All members", 3, False)
        assert (everyone.occupancy, pct(everyone.occupancy)) == (Decimal("22.80") / 128, "17.8%")
        # Licensed slots a day in January: 128 ÷ 5 = 25.6; enrolled 22.80 ÷ 5 = 4.6 (4.56 to one place).
        assert (str(report.licensed_slots), str(report.enrolled_slots)) == ("25.6", "4.6")

    def test_groups_of_fewer_than_three_programs_are_suppressed(self, three):
        with alliance_scope(three.world.a.pk):
            report = impact_report(start=JAN, end=JAN)
        homes = report.groups[2]
        assert (homes.label, homes.programs, homes.suppressed, homes.occupancy) == (
            "Family child-care homes",
            0,
            True,
            None,
        )
        assert report.before_after.suppressed  # one week of history: no baseline to compare

    def test_two_members_suppress_every_program_figure(self, week, clients):
        roll(week.world)
        page = clients.funder_a.get(report_url(week.world))
        assert page.status_code == 200, page.get("Location")
        html = page.content.decode()
        assert "Suppressed: fewer than 3 members (2 members here), so the figure could identify one." in html
        assert "18.2%" not in html  # the two members' occupancy is not shown
        assert "<svg" not in html  # nor their trend


class TestFunderSeesAggregatesOnly:
    def test_html_names_no_child_family_or_program(self, three, clients):
        page = clients.funder_a.get(report_url(three.world))
        assert page.status_code == 200
        html = page.content.decode()
        assert "17.8%" in html
        assert "<svg" in html
        for name in [*CHILD_NAMES, *FAMILY_NAMES, "Wes", "Program X", "Program W"]:
            assert name not in html, name

    def test_pdf_names_no_child_or_family(self, three, clients):
        response = clients.funder_a.get(report_url(three.world, ".pdf"))
        assert response["Content-Type"] == "application/pdf"
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
        assert "impact report" in text
        assert "17.8%" in text
        for name in [*CHILD_NAMES, *FAMILY_NAMES, "Wes", "Program X"]:
            assert name not in text, name

    def test_report_list_offers_the_last_twelve_months(self, three, clients):
        page = clients.funder_a.get(f"/a/{three.world.a.slug}/reports/")
        assert b"The last 12 months (Feb 2025 \xe2\x80\x93 Jan 2026)" in page.content


class TestAccess:
    def test_providers_are_refused(self, three, clients):
        assert clients.provider_x.get(report_url(three.world)).status_code == 403

    def test_it_validates_ownership(self, three, clients):
        assert clients.funder_b.get(report_url(three.world)).status_code == 404
        assert clients.funder_b.get(report_url(three.world, ".pdf")).status_code == 404
