"""QRIS improvements in the funder impact report: ratings when the period began against
its end, from the rating history; counts only, small groups suppressed."""

from __future__ import annotations

import datetime
import io

import pytest
from pypdf import PdfReader

from alliance.formatting import pct
from alliance.tenancy import alliance_scope
from members import services
from metrics.reports import impact_report, qris_improvements
from metrics.rollups import rollup_alliance
from tests.factories import MemberProgramFactory
from tests.metrics.conftest import FRI, MON
from tests.metrics.factories import enroll, room

D = datetime.date


def history(world, program, *ratings):  # type: ignore[no-untyped-def]
    """Record (stars, rated on) changes through the profile service, in order."""
    with alliance_scope(world.a.pk):
        for rating, rated_on in ratings:
            services.program_update(
                actor=world.users.staff_a,
                program=program,
                data={"qris_rating": rating, "qris_rated_on": rated_on, "joined_on": D(2020, 1, 1)},
            )


def programs(world, count):  # type: ignore[no-untyped-def]
    return [
        world.x,
        world.y,
        *(MemberProgramFactory(alliance=world.a, name=f"Program {n}") for n in range(3, count + 1)),
    ]


def test_worked_example_of_a_year(world):
    """Period January to December 2024: ratings held on 31 Dec 2023 against 31 Dec 2024.

    P1  2★ 2022-03 → 3★ 2024-06 (→ 4★ 2025-02, after the period)   2 → 3  up
    P2  3★ 2021-01 → 5★ 2024-02                                    3 → 5  up
    P3  4★ 2023-12-31 → re-rated 4★ 2024-10                         4 → 4  held
    P4  5★ 2020-05 → 4★ 2024-09                                    5 → 4  down
    P5  first rated 3★ on 2024-01-01, the period's first day        – → 3  newly rated
    P6  first rated 4★ 2025-01-15, after the period                 – → –  neither
    Compared (rated at both dates): P1–P4 = 4: up 2, held 1, down 1; newly rated 1.
    4 or 5 stars of the 6 members: at the start P3, P4 = 2 ÷ 6 = 0.3333;
    at the end P2, P3, P4 = 3 ÷ 6 = 0.5000.
    """
    p1, p2, p3, p4, p5, p6 = programs(world, 6)
    history(world, p1, (2, D(2022, 3, 1)), (3, D(2024, 6, 1)), (4, D(2025, 2, 1)))
    history(world, p2, (3, D(2021, 1, 1)), (5, D(2024, 2, 1)))
    history(world, p3, (4, D(2023, 12, 31)), (4, D(2024, 10, 1)))
    history(world, p4, (5, D(2020, 5, 1)), (4, D(2024, 9, 1)))
    history(world, p5, (3, D(2024, 1, 1)))
    history(world, p6, (4, D(2025, 1, 15)))
    with alliance_scope(world.a.pk):
        q = qris_improvements(
            programs=[p.pk for p in (p1, p2, p3, p4, p5, p6)], start=D(2024, 1, 1), end=D(2024, 12, 1)
        )
    assert (q.programs, q.compared, q.moved_up, q.held, q.moved_down, q.newly_rated) == (6, 4, 2, 1, 1, 1)
    assert (q.top_start, q.top_end) == (2, 3)
    assert (pct(q.top_share_start), pct(q.top_share_end)) == ("33.3%", "50.0%")
    assert not q.suppressed
    assert not q.shares_suppressed


def test_fewer_than_three_compared_suppress_the_moves(world):
    """X 2★ → 3★ and Y 4★ held are compared; the third member was first rated in the
    period. Two compared: moves suppressed; the shares of three members stay (1 ÷ 3, 2 ÷ 3)."""
    x, y, third = programs(world, 3)
    history(world, x, (2, D(2022, 3, 1)), (3, D(2024, 6, 1)))
    history(world, y, (4, D(2022, 3, 1)))
    history(world, third, (5, D(2024, 3, 1)))
    with alliance_scope(world.a.pk):
        q = qris_improvements(programs=[x.pk, y.pk, third.pk], start=D(2024, 1, 1), end=D(2024, 12, 1))
    assert (q.suppressed, q.compared, q.moved_up, q.held, q.moved_down) == (True, 2, 0, 0, 0)
    assert (pct(q.top_share_start), pct(q.top_share_end), q.newly_rated) == ("33.3%", "66.7%", 1)


def test_fewer_than_three_members_suppress_everything(world):
    history(world, world.x, (2, D(2022, 3, 1)), (3, D(2024, 6, 1)))
    with alliance_scope(world.a.pk):
        q = qris_improvements(programs=[world.x.pk, world.y.pk], start=D(2024, 1, 1), end=D(2024, 12, 1))
    assert q.shares_suppressed
    assert q.suppressed
    assert (q.moved_up, q.newly_rated, q.top_share_start, q.top_share_end) == (0, 0, None, None)


@pytest.fixture
def rated_three(week):
    """The week of January 2026 with a third member W, and the three members' ratings:
    X 3★ → 4★ on 20 Jan 2026 (up), Y 4★ since 2023 (held), W 5★ → 4★ on 10 Jan 2026 (down).
    4 or 5 stars when January began: Y, W = 2 of 3 (66.7%); at its end X, Y, W = 100.0%."""
    world = week.world
    program_w = MemberProgramFactory(alliance=world.a, name="Program W")
    enroll(room(program_w, licensed=6), first_name="Wes", start=D(2026, 1, 1))
    history(world, world.x, (3, D(2024, 3, 1)), (4, D(2026, 1, 20)))
    history(world, world.y, (4, D(2023, 5, 1)))
    history(world, program_w, (5, D(2022, 1, 1)), (4, D(2026, 1, 10)))
    with alliance_scope(world.a.pk):
        rollup_alliance(start=MON, end=FRI)
    return world


def test_the_report_counts_served_members_moves(rated_three):
    with alliance_scope(rated_three.a.pk):
        q = impact_report(start=D(2026, 1, 1), end=D(2026, 1, 1)).qris_improvements
    assert (q.programs, q.compared, q.moved_up, q.held, q.moved_down) == (3, 3, 1, 1, 1)
    assert (pct(q.top_share_start), pct(q.top_share_end)) == ("66.7%", "100.0%")


def test_the_funder_sees_the_section_without_any_program_name(rated_three, clients):
    url = f"/a/{rated_three.a.slug}/reports/impact{{}}?from=2026-01&to=2026-01"
    html = clients.funder_a.get(url.format("/")).content.decode()
    section = html[html.index("<h3>QRIS improvements</h3>") : html.index("What members saved")]
    assert 'Moved up at least one level</th><td class="num">1 of 3' in section
    assert "66.7%" in section
    assert "100.0%" in section
    for name in ("Program X", "Program Y", "Program W"):
        assert name not in html, name
    pdf = clients.funder_a.get(url.format(".pdf"))
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "QRIS improvements" in text
    assert "Moved up at least one level" in text
    assert "Program X" not in text


def test_two_members_suppress_the_section_on_the_page(week, clients):
    world = week.world
    history(world, world.x, (3, D(2024, 3, 1)), (4, D(2026, 1, 20)))
    with alliance_scope(world.a.pk):
        rollup_alliance(start=MON, end=FRI)
    html = clients.funder_a.get(f"/a/{world.a.slug}/reports/impact/?from=2026-01&to=2026-01").content.decode()
    assert "QRIS improvements: suppressed, fewer than 3 member programs in the period." in html
    assert "Moved up at least one level" not in html


def test_it_validates_ownership(rated_three, clients):
    url = f"/a/{rated_three.a.slug}/reports/impact/?from=2026-01&to=2026-01"
    assert clients.funder_b.get(url).status_code == 404
    assert clients.admin_b.get(url).status_code == 404
    assert clients.provider_x.get(url).status_code == 403


def test_a_share_is_rounded_once_from_the_exact_fraction(world):
    """11 members, 6 of them rated 4★ or 5★ throughout: 6 ÷ 11 = 0.54545… is 54.5%, not 54.6%
    (0.5455 rounded again)."""
    members = programs(world, 11)
    for index, program in enumerate(members):
        history(world, program, (4 if index < 6 else 2, D(2023, 3, 1)))
    with alliance_scope(world.a.pk):
        q = qris_improvements(programs=[p.pk for p in members], start=D(2024, 1, 1), end=D(2024, 12, 1))
    assert (q.top_start, q.top_end, q.programs) == (6, 6, 11)
    assert (pct(q.top_share_start), pct(q.top_share_end)) == ("54.5%", "54.5%")
