"""Issue 19, finding 10: no member's figures can be read from a small benchmark or a small alliance.

The one rule (alliance/disclosure.py, DESIGN.md "Disclosure"): a provider sees the alliance's median and
quartiles only where at least five members besides its own have the figure; a funder reads an aggregate
only over at least three members, on every route a funder reaches (the access table's funder column):
pages, the PDF and the API. Below that the figure is withheld and the reader is told why.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from alliance.tenancy import alliance_scope
from metrics.models import AllianceFinanceMonth, AllianceMonth, ProgramFinanceMonth, ProgramMonth
from metrics.rollups import rollup_alliance
from sustainability.selectors import plan_of_alliance
from sustainability.services import plan_save
from tests.access_table import A_ROLES, TABLE
from tests.accessmatrix import collect_samples, url_of
from tests.csvrows import csv_rows
from tests.factories import MemberProgramFactory
from tests.metrics.conftest import FRI, MON
from tests.metrics.factories import enroll, members_with_one_child, room
from tests.urlwalk import alliance_routes

QUARTILES_WITHHELD = "Suppressed: the median and quartiles need at least 5 other"
MONTHS = [datetime.date(2026, m, 1) for m in (1, 2, 3)]


# --- A provider's benchmark ---------------------------------------------------------------------------
@pytest.fixture
def x_and_y(world):  # type: ignore[no-untyped-def]
    """Program X: a room of 10 with one child (occupancy 10%); program Y: a room of 4 with one (25%)."""
    for program, places in ((world.x, 10), (world.y, 4)):
        enroll(room(program, licensed=places), first_name=f"Kid of {program.name}", start=datetime.date(2026, 1, 1))
    return world


def provider_page_and_csv(world, clients, peers: list[int]) -> tuple[str, list[list[str]]]:  # type: ignore[no-untyped-def]
    """Program X's page and occupancy CSV in an alliance of X, Y and one more member per capacity."""
    members_with_one_child(world.a, peers)
    with alliance_scope(world.a.pk):
        rollup_alliance(start=MON, end=FRI)
    base = f"/a/{world.a.slug}/my-program/figures/"
    page = clients.provider_x.get(base)
    assert page.status_code == 200
    return page.content.decode(), csv_rows(clients.provider_x.get(base + "occupancy.csv"))


@pytest.mark.parametrize(
    ("peers", "programs"),
    [([5], 3), ([5, 8, 3], 5)],
    ids=["three programs", "five programs"],
)
def test_a_provider_among_few_programs_gets_no_quartiles(x_and_y, clients, peers, programs):
    html, rows = provider_page_and_csv(x_and_y, clients, peers)
    # X 10%, Y 25%, and 20%, 12.5%, 33.3%: any quartile of these would be another member's figure or lie
    # between two of them.
    occupancy = html[html.index(">Occupancy<") : html.index("</tr>", html.index(">Occupancy<"))]
    assert QUARTILES_WITHHELD in occupancy
    assert f"5 other centres ({programs - 1} here)" in occupancy
    assert "25.0%" not in html
    assert "20.0%" not in html
    assert "22.5%" not in html
    header, january = rows[0], next(r for r in rows if r[0] == "2026-01")
    assert header == ["month", "Program X", "median of centres", "Q1 of centres", "Q3 of centres", "note"]
    assert january[:5] == ["2026-01", "0.1000", "", "", ""]
    assert january[5].startswith(QUARTILES_WITHHELD)


def test_a_provider_with_five_other_programs_gets_the_quartiles(x_and_y, clients):
    html, rows = provider_page_and_csv(x_and_y, clients, [2, 3, 5, 8])
    # 10, 12.5, 20, 25, 33.33, 50 %: Q1 12.5 + ¼ × 7.5 = 14.4%, median 22.5%, Q3 25 + ¾ × 8.33 = 31.3%.
    occupancy = html[html.index(">Occupancy<") : html.index("</tr>", html.index(">Occupancy<"))]
    assert QUARTILES_WITHHELD not in occupancy
    assert all(q in occupancy for q in ("14.4%", "22.5%", "31.3%"))
    assert ["2026-01", "0.1000", "0.2250", "0.1438", "0.3125"] in rows


def test_a_centre_is_compared_with_centres_only(x_and_y, clients):
    """Y is a family child-care home (25%): it is not X's peer. With four other centres (50, 33.3, 20,
    12.5 %) X's quartiles are withheld; a fifth (5%) opens them, over centres only: 5, 10, 12.5, 20,
    33.3, 50 % → Q1 10 + ¼ × 2.5 = 10.6%, median 16.3%, Q3 20 + ¾ × 13.33 = 30.0% (with Y's 25% the
    median would be 20.0%)."""
    with alliance_scope(x_and_y.a.pk):
        type(x_and_y.y).objects.filter(pk=x_and_y.y.pk).update(kind="family_home")
    html, rows = provider_page_and_csv(x_and_y, clients, [2, 3, 5, 8])
    occupancy = html[html.index(">Occupancy<") : html.index("</tr>", html.index(">Occupancy<"))]
    assert "Suppressed: the median and quartiles need at least 5 other centres (4 here)" in occupancy
    members_with_one_child(x_and_y.a, [20], name="Fifth")
    html, rows = provider_page_and_csv(x_and_y, clients, [])
    occupancy = html[html.index(">Occupancy<") : html.index("</tr>", html.index(">Occupancy<"))]
    assert QUARTILES_WITHHELD not in occupancy
    assert all(q in occupancy for q in ("10.6%", "16.3%", "30.0%")), occupancy
    assert "Median of centres" in html
    assert ["2026-01", "0.1000", "0.1625", "0.1063", "0.3000"] in rows


def test_a_home_among_four_other_homes_gets_no_quartiles_with_its_reason(x_and_y, clients):
    """Y, a family child-care home, beside four other homes and five centres: homes are its peers, and
    four are too few for quartiles; the centres do not make up the number."""
    with alliance_scope(x_and_y.a.pk):
        type(x_and_y.y).objects.filter(pk=x_and_y.y.pk).update(kind="family_home")
    members_with_one_child(x_and_y.a, [6, 8, 12, 6], name="Home", kind="family_home")
    members_with_one_child(x_and_y.a, [2, 3, 5, 8, 20])
    with alliance_scope(x_and_y.a.pk):
        rollup_alliance(start=MON, end=FRI)
    html = clients.provider_y.get(f"/a/{x_and_y.a.slug}/my-program/figures/").content.decode()
    occupancy = html[html.index(">Occupancy<") : html.index("</tr>", html.index(">Occupancy<"))]
    reason = "Suppressed: the median and quartiles need at least 5 other family child-care homes (4 here)"
    assert reason in occupancy
    assert "compared with the alliance&#x27;s family child-care homes only" in html or (
        "compared with the alliance's family child-care homes only" in html
    )


def test_the_hub_sees_the_quartiles_of_two_programs(x_and_y, clients):
    """The Hub sees every member's figures anyway: its drill-down is not withheld."""
    with alliance_scope(x_and_y.a.pk):
        rollup_alliance(start=MON, end=FRI)
    html = clients.staff_a.get(f"/a/{x_and_y.a.slug}/dashboard/programs/{x_and_y.x.pk}/").content.decode()
    occupancy = html[html.index(">Occupancy<") : html.index("</tr>", html.index(">Occupancy<"))]
    assert QUARTILES_WITHHELD not in occupancy
    assert "17.5%" in occupancy  # the median of X's 10% and Y's 25%


# --- What a funder reads -----------------------------------------------------------------------------
def snapshots(alliance, programs) -> list[str]:  # type: ignore[no-untyped-def]
    """Three months of snapshot rows as the rollup writes them: each member's, and the alliance's as their
    sums. Returns every member figure, and every alliance total, in the forms a page, PDF, CSV or the API
    would write it: what a funder must not find while the alliance has fewer than three members."""
    needles: set[str] = set()
    with alliance_scope(alliance.pk):
        for month in MONTHS:
            rows = []
            for n, program in enumerate(programs):
                capacity, fte = 2741 + 131 * n + month.month, Decimal("1873.29") + 97 * n + month.month
                money = {
                    "billed": Decimal("48213.57") + 1009 * n + month.month,
                    "collected_family": Decimal("31877.19") + 1013 * n,
                    "collected_third_party": Decimal("9133.41") + 1019 * n,
                    "written_off": Decimal("413.77") + 7 * n,
                    "aging_current": Decimal("3119.71") + 23 * n,
                    "aging_1_30": Decimal("2377.13") + 11 * n,
                    "aging_31_60": Decimal("1291.83") + 13 * n,
                    "aging_61_90": Decimal("611.29") + 3 * n,
                    "aging_over_90": Decimal("287.51") + 5 * n,
                    "cost": Decimal("52917.61") + 1021 * n + month.month,
                    "personnel_admin": Decimal("8813.27") + 17 * n,
                    "personnel_classroom": Decimal("27191.53") + 19 * n,
                }
                occupancy = {
                    "operating_days": 21,
                    "licensed_capacity": capacity,
                    "target_capacity": capacity,
                    "enrolled_fte": fte,
                    "enrolled_children": 1931 + n,
                    "scheduled_child_days": 1877 + n,
                    "attended_child_days": 1733 + n,
                }
                ProgramMonth.objects.create(alliance=alliance, program=program, month=month, **occupancy)
                ProgramFinanceMonth.objects.create(alliance=alliance, program=program, month=month, **money)
                rows.append((occupancy, money))
            occupancy_total = {k: sum(o[k] for o, _ in rows) for k in rows[0][0]}
            occupancy_total["operating_days"] = 21
            money_total = {k: sum((m[k] for _, m in rows), Decimal(0)) for k in rows[0][1]}
            AllianceMonth.objects.create(alliance=alliance, month=month, **occupancy_total)
            AllianceFinanceMonth.objects.create(
                alliance=alliance,
                month=month,
                member_fees=Decimal("1717.43"),
                grants=Decimal("0.00"),
                contracts=Decimal("0.00"),
                hub_cost=Decimal("40000.00"),
                **money_total,
            )
            for figures in [*(o for o, _ in rows), *(m for _, m in rows), occupancy_total, money_total]:
                for name, value in figures.items():
                    if name == "operating_days":
                        continue
                    needles.add(str(value))
                    if isinstance(value, Decimal):
                        needles |= {f"{value:,.2f}", f"${value:,.0f}"}
            occupancy_ratio = (occupancy_total["enrolled_fte"] / occupancy_total["licensed_capacity"]).quantize(
                Decimal("0.0001")
            )
            needles |= {str(occupancy_ratio), f"{occupancy_ratio * 100:.1f}%"}
    needles |= {"1717.43", "$1,717"}
    return sorted(needles)


def funder_routes():  # type: ignore[no-untyped-def]
    """Every route the access table lets a funder open (200, or a redirect to a page)."""
    funder = A_ROLES.index("funder")
    routes = [r for r in alliance_routes() if TABLE.get(r.name, "").split()[funder:][:1] in (["200"], ["302"])]
    assert {r.name for r in routes} >= {
        "api:metrics-alliance-month-list",
        "api:metrics-alliance-finance-month-detail",
        "metrics:impact_report",
        "metrics:impact_report_pdf",
    }
    return routes


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    if response.get("Content-Type", "").startswith("application/pdf"):
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    return response.content.decode()


SUSTAINABILITY_PLAN = {
    "start_year": 2027,
    "years": 3,
    "staff_cost": Decimal("10000.00"),
    "overhead_cost": Decimal("2000.00"),
    "slot_fee": Decimal("10.00"),
}


def everything_a_funder_reads(client, alliance, program, hub_admin) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with alliance_scope(alliance.pk):
        # The Hub's road to sustainability, so its funder page, CSV and PDF are read too (without a
        # plan the files are a 404: nothing to download).
        if plan_of_alliance() is None:
            plan_save(actor=hub_admin, data=SUSTAINABILITY_PLAN)
        samples = collect_samples(program.pk)
    read = {}
    for route in funder_routes():
        url = url_of(route, alliance.slug, samples)
        for query in ("",) if "<pk>" in route.route else ("", "?from=2026-01&to=2026-03", "?from=2026-03&to=2026-03"):
            response = client.get(url + query, follow=True)
            assert response.status_code == 200, (url, query, response.status_code)
            read[url + query] = text_of(response)
    return read


def leaks(read: dict[str, str], needles: list[str]) -> list[tuple[str, str]]:
    return [(url, needle) for url, text in read.items() for needle in needles if needle in text]


def test_a_funder_of_a_one_member_alliance_reads_no_members_figures(world, clients):
    needles = snapshots(world.b, [world.z])
    read = everything_a_funder_reads(clients.funder_b, world.b, world.z, world.users.admin_b)
    assert not leaks(read, needles)
    api_rows = f"/api/a/{world.b.slug}/metrics/alliance-finance-months/?from=2026-01&to=2026-03"
    assert "Suppressed: fewer than 3 members (1 member here)" in read[api_rows]
    assert "Suppressed: fewer than 3 members (1 member here)" in read[f"/a/{world.b.slug}/reports/impact/"]
    # The Hub's plan: the fees one member pays are its own figures, so the funder's file withholds them.
    assert "Suppressed: fewer than 3 members (1 member here)" in read[f"/a/{world.b.slug}/sustainability/funders.csv"]


def test_a_funder_of_a_two_member_alliance_reads_no_members_figures(world, clients):
    needles = snapshots(world.a, [world.x, world.y])
    read = everything_a_funder_reads(clients.funder_a, world.a, world.x, world.users.admin_a)
    assert not leaks(read, needles)
    pdf = f"/a/{world.a.slug}/reports/impact.pdf?from=2026-01&to=2026-03"
    assert "Suppressed: fewer than 3 members (2 members here)" in read[pdf].replace("\n", " ")


def test_with_three_members_the_same_routes_show_the_alliance_figures(world, clients):
    """The control: the same needles are found once the alliance has three members, so the two tests
    above would see a figure if one were shown."""
    third = MemberProgramFactory(alliance=world.a, name="Program W")
    needles = snapshots(world.a, [world.x, world.y, third])
    read = everything_a_funder_reads(clients.funder_a, world.a, world.x, world.users.admin_a)
    found = {needle for _, needle in leaks(read, needles)}
    with alliance_scope(world.a.pk):
        march = AllianceFinanceMonth.objects.get(month=MONTHS[-1])
    assert str(march.billed) in found  # the alliance's total, through the API
    api = [text for url, text in read.items() if url.startswith("/api/")]
    assert api
    assert all('"suppressed_reason":null' in text and '"suppressed_reason":"' not in text for text in api)


def test_the_api_names_the_reason_and_nulls_every_figure(world, clients):
    snapshots(world.a, [world.x, world.y])
    for endpoint in ("alliance-months", "alliance-finance-months"):
        rows = clients.funder_a.get(f"/api/a/{world.a.slug}/metrics/{endpoint}/?from=2026-01&to=2026-03").json()
        rows = rows["results"] if isinstance(rows, dict) else rows
        assert [r["month"] for r in rows] == ["2026-01-01", "2026-02-01", "2026-03-01"]
        for row in rows:
            assert row["suppressed_reason"].startswith("Suppressed: fewer than 3 members (2 members here)")
            assert {k for k, v in row.items() if v is not None} == {
                "id",
                "month",
                "suppressed_reason",
            }  # the row, never a figure
        hub_rows = clients.staff_a.get(f"/api/a/{world.a.slug}/metrics/{endpoint}/?from=2026-01&to=2026-03").json()
        hub_rows = hub_rows["results"] if isinstance(hub_rows, dict) else hub_rows
        assert all(r["suppressed_reason"] is None for r in hub_rows)  # the Hub sees its members' figures


# --- Differencing -------------------------------------------------------------------------------------
def test_a_group_beside_all_members_is_withheld_when_it_leaves_out_fewer_than_three(x_and_y, clients):
    """Four centres and one home: "all members" (5) and "centres" (4) side by side would give the home's
    figures by difference, so the centres' row is withheld as well as the homes'."""
    world = x_and_y
    members_with_one_child(world.a, [4, 5])
    home = MemberProgramFactory(alliance=world.a, name="Home H", kind="family_home")
    enroll(room(home, licensed=6), first_name="Hal", start=datetime.date(2026, 1, 1))
    with alliance_scope(world.a.pk):
        rollup_alliance(start=MON, end=FRI)
    html = clients.funder_a.get(f"/a/{world.a.slug}/reports/impact/?from=2026-01&to=2026-01").content.decode()
    centres = html[html.index(">Centres<") : html.index("</tr>", html.index(">Centres<"))]
    assert "it would give the 1 member it leaves out by difference" in centres
    assert "%" not in centres
    everyone = html[html.index(">All members<") : html.index("</tr>", html.index(">All members<"))]
    assert "%" in everyone


def test_a_period_with_a_month_of_one_member_withholds_its_totals(world, clients):
    """Three members in January and February, only X in March: the report of January to March beside
    the report of January to February would give X's March by difference, so the longer period's totals
    are withheld and say which month is too thin; the shorter period's are shown."""
    third = MemberProgramFactory(alliance=world.a, name="Program W")
    snapshots(world.a, [world.x, world.y, third])
    with alliance_scope(world.a.pk):
        for model in (ProgramMonth, ProgramFinanceMonth):
            model.objects.filter(month=MONTHS[-1]).exclude(program=world.x).delete()
        x_march = ProgramFinanceMonth.objects.get(program=world.x, month=MONTHS[-1])
    reason = "Suppressed: in March 2026 only 1 member had figures"
    page = f"/a/{world.a.slug}/reports/impact/"
    with_march = clients.funder_a.get(page + "?from=2026-01&to=2026-03").content.decode()
    assert reason in with_march
    without_march = clients.funder_a.get(page + "?from=2026-01&to=2026-02").content.decode()
    assert "Suppressed: in" not in without_march
    assert '>Children served</th><td class="suppressed">' not in without_march
    assert '>Children served</th><td class="suppressed">' + reason in with_march
    pdf = clients.funder_a.get(f"/a/{world.a.slug}/reports/impact.pdf?from=2026-01&to=2026-03")
    assert reason in text_of(pdf).replace("\n", " ")
    api = clients.funder_a.get(f"/api/a/{world.a.slug}/metrics/alliance-finance-months/?from=2026-03&to=2026-03")
    rows = api.json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    assert rows[0]["billed"] is None
    assert rows[0]["suppressed_reason"].startswith("Suppressed: fewer than 3")
    assert str(x_march.billed) not in with_march + text_of(pdf) + api.content.decode()


def test_members_since_joining_are_withheld_when_they_leave_out_one_member_of_the_months_totals(world, clients):
    """Same months, two member sets: Y, W, U (joined in April, with figures of before) against every
    member. X joined long before the figures begin, so it has no baseline. Alliance-finance-months
    gives April to June's billed of all four, 4 × 12,000.00 = 48,000.00 a month; the report's "Revenue,
    an average month, now" of Y, W, U would be 36,000.00, so 48,000.00 − 36,000.00 = 12,000.00 is X's
    own month (and 36,000 − 27,000 of cost X's 9,000.00). The report withholds it, saying why; with
    three members left out (X, T, S) nothing single can be solved and the figures are shown."""
    from tests.metrics.test_report_consistency import members_since_april

    members_since_april(world, without_baseline=1)
    api = clients.funder_a.get(f"/api/a/{world.a.slug}/metrics/alliance-finance-months/?from=2026-04&to=2026-06")
    rows = api.json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    assert [row["billed"] for row in rows] == ["48000.00"] * 3  # what the funder reads, every member
    page = f"/a/{world.a.slug}/reports/impact/?from=2026-01&to=2026-06"
    html = clients.funder_a.get(page).content.decode()
    section = html[html.index("<h2>Members since joining</h2>") : html.index("<h2>Quality</h2>")]
    assert "it would give the 1 member it leaves out by difference" in section
    for figure in ("$36,000.00", "$30,000.00", "$27,000.00", "$24,000.00", "$400.00", "$391.30"):
        assert figure not in section, figure
    pdf = clients.funder_a.get(f"/a/{world.a.slug}/reports/impact.pdf?from=2026-01&to=2026-06")
    pdf_text = " ".join(text_of(pdf).split())
    assert "it would give the 1 member it leaves out by difference" in pdf_text
    assert "36,000.00" not in pdf_text


def test_members_since_joining_are_shown_when_three_members_are_left_out(world, clients):
    from tests.metrics.test_report_consistency import members_since_april

    members_since_april(world, without_baseline=3)
    html = clients.funder_a.get(f"/a/{world.a.slug}/reports/impact/?from=2026-01&to=2026-06").content.decode()
    section = html[html.index("<h2>Members since joining</h2>") : html.index("<h2>Quality</h2>")]
    assert "leaves out by difference" not in section
    assert "$36,000.00 (+$6,000.00)" in section  # Y, W, U: 3 × 12,000.00 now against 3 × 10,000.00
