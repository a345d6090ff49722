"""The sustainability plan's pages, CSV, PDF and API, through the real stack.

Named actors: the Hub's staff (staff_a) build the plan; the funder of alliance A reads the aggregate
view; provider X is a stranger here (404); alliance B's staff are strangers too (404).
"""

from __future__ import annotations

import csv
import io
import json
import warnings
from decimal import Decimal

import pytest
from django.core.paginator import UnorderedObjectListWarning
from pypdf import PdfReader

from alliance.formatting import money
from alliance.models import AuditEvent
from alliance.tenancy import alliance_scope
from members.models import MemberProgram
from sustainability.models import Grant, Plan
from tests.factories import MemberProgramFactory

PLAN = {
    "start_year": "2027",
    "years": "3",
    "staff_cost": "10000.00",
    "overhead_cost": "2000.00",
    "growth_pct": "10",
    "fee_structure": "per_slot",
    "flat_fee": "300.00",
    "slot_fee": "10.00",
    "collections_share_pct": "1",
    "new_members_per_year": "1",
    "new_member_slots": "30",
    "new_member_collections": "240000.00",
}
GRANT = {
    "name": "Start-up grant",
    "funder": "State",
    "amount": "12000.00",
    "starts_on": "2027-01-01",
    "ends_on": "2027-12-31",
    "restriction": "Start-up staff only",
}
CONTRACT = {
    "name": "County contract",
    "counterparty": "County",
    "amount": "6000.00",
    "starts_on": "2027-07-01",
    "ends_on": "2028-06-30",
}


def url(world, path=""):
    return f"/a/{world.a.slug}/sustainability/{path}"


def api(world, path):
    return f"/api/a/{world.a.slug}/sustainability/{path}"


@pytest.fixture
def sized(world):
    """Program X has 50 licensed slots, Program Y 20 (no measured collections)."""
    with alliance_scope(world.a.pk):
        MemberProgram.objects.filter(pk=world.x.pk).update(licensed_capacity=50)
        MemberProgram.objects.filter(pk=world.y.pk).update(licensed_capacity=20)
    return world


def build_through_pages(world, client):
    assert client.post(url(world, "edit/"), PLAN).status_code == 302
    assert client.post(url(world, "grants/new/"), GRANT).status_code == 302
    assert client.post(url(world, "contracts/new/"), CONTRACT).status_code == 302


class TestPlanPages:
    def test_the_worked_example_entered_through_the_pages(self, sized, clients):
        """The projection module's worked example, typed in by the Hub's staff: X (50 slots) pays
        50 × 10.00 = 500.00 a month = 6,000.00 a year, Y (20) 2,400.00; fees 2027 = 8,400.00 against
        cost 10,000 + 2,000 = 12,000.00; the grant 12,000 over 2027, the contract 500.00 a month from
        July: surplus 8,400 + 3,000 + 12,000 − 12,000 = +11,400.00. 2028: cost 13,200, fees 12,000
        (a 30-slot member joins), surplus +1,800.00. 2029: cost 14,520, fees 15,600: fees alone
        cover cost from 2029, surplus +1,080.00."""
        client = clients.staff_a
        empty = client.get(url(sized))
        assert "no sustainability plan yet" in empty.content.decode()
        build_through_pages(sized, client)
        page = client.get(url(sized)).content.decode()
        assert "Member fees alone cover the Hub's cost from 2029." in page
        for figure in ("12,000.00", "8,400.00", "13,200.00", "14,520.00", "15,600.00", "11,400.00", "1,080.00"):
            assert money(Decimal(figure.replace(",", ""))) in page, figure
        assert "Start-up grant" in page
        assert "Start-up staff only" in page
        assert "County contract" in page
        assert "<svg" in page
        compare = client.get(url(sized, "fee-structures/")).content.decode()
        # Per slot: X 6,000.00, Y 2,400.00; flat 300.00 a month: 3,600.00 each; share 1 % of nothing: 0.00.
        assert compare.count(money(Decimal("3600.00"))) >= 2
        assert money(Decimal("6000.00")) in compare
        assert money(Decimal("2400.00")) in compare
        with alliance_scope(sized.a.pk):
            actions = set(AuditEvent.objects.values_list("action", flat=True))
        assert {
            "sustainability.plan_created",
            "sustainability.grant_created",
            "sustainability.contract_created",
        } <= actions

    def test_bad_input_shows_errors_and_saves_nothing(self, sized, clients):
        client = clients.staff_a
        response = client.post(url(sized, "edit/"), {**PLAN, "years": "7", "slot_fee": "0"})
        assert response.status_code == 200
        body = response.content.decode()
        assert "Ensure this value is less than or equal to 5." in body
        with alliance_scope(sized.a.pk):
            assert not Plan.objects.exists()
        build_through_pages(sized, client)
        response = client.post(url(sized, "grants/new/"), {**GRANT, "ends_on": "2026-01-01"})
        assert "The end date cannot be before the start date." in response.content.decode()
        response = client.post(url(sized, "edit/"), {**PLAN, "fee_structure": "per_slot", "slot_fee": "0"})
        assert "The chosen fee structure needs a rate above zero." in response.content.decode()
        with alliance_scope(sized.a.pk):
            assert Grant.objects.count() == 1
            assert Plan.objects.get().slot_fee == Decimal("10.00")

    def test_csv_and_pdf(self, sized, clients):
        client = clients.staff_a
        build_through_pages(sized, client)
        rows = list(csv.reader(io.StringIO(client.get(url(sized, "plan.csv")).content.decode())))
        totals = {row[0]: row for row in rows}
        assert totals["2027 total"][4:9] == ["12000.00", "8400.00", "3000.00", "12000.00", "11400.00"]
        assert totals["Fees alone cover cost from"][1] == "2029"
        assert len(rows) == 1 + 3 * 13 + 1
        pdf = client.get(url(sized, "plan.pdf"))
        assert pdf["Content-Type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")
        fees = list(csv.reader(io.StringIO(client.get(url(sized, "fee-structures.csv")).content.decode())))
        assert fees[1][:7] == ["Program X", "50", "0.00", "", "3600.00", "6000.00", "0.00"]

    def test_it_validates_ownership(self, sized, clients):
        build_through_pages(sized, clients.staff_a)
        with alliance_scope(sized.a.pk):
            grant = Grant.objects.get()
        for path in ("", "edit/", "fee-structures/", "plan.csv", f"grants/{grant.pk}/", "funders/"):
            assert clients.provider_x.get(url(sized, path)).status_code == 404, path
            assert clients.staff_b.get(url(sized, path)).status_code == 404, path
        assert clients.provider_x.get(api(sized, "projection/")).status_code == 404
        assert clients.provider_x.get(api(sized, "funder-view/")).status_code == 404
        assert clients.staff_b.get(api(sized, f"grants/{grant.pk}/")).status_code == 404
        # Alliance B's own grant page does not find A's grant either.
        assert clients.staff_b.get(f"/a/{sized.b.slug}/sustainability/grants/{grant.pk}/").status_code == 404


class TestFunderView:
    def test_two_members_withheld_three_shown_and_never_a_member(self, sized, clients):
        """With two members the member fees (and the surplus, which gives them by difference) are
        withheld; with a third member (Program W, 10 slots: 100.00 a month) fees 2027 = 6,000 + 2,400 +
        1,200 = 9,600.00 are shown, and no member's name or fee appears."""
        build_through_pages(sized, clients.staff_a)
        page = clients.funder_a.get(url(sized, "funders/")).content.decode()
        assert "Suppressed: fewer than 3 members (2 members here)" in page
        assert money(Decimal("8400.00")) not in page
        assert money(Decimal("12000.00")) in page  # the Hub's own cost is shown
        body = clients.funder_a.get(api(sized, "funder-view/")).json()
        assert body["years"][0]["fees"] is None
        assert body["coverage_year"] is None
        assert body["suppressed_reason"].startswith("Suppressed")
        with alliance_scope(sized.a.pk):
            MemberProgramFactory(alliance=sized.a, name="Program W", licensed_capacity=10)
        page = clients.funder_a.get(url(sized, "funders/")).content.decode()
        assert money(Decimal("9600.00")) in page
        assert "Program X" not in page
        assert money(Decimal("6000.00")) not in page
        body = clients.funder_a.get(api(sized, "funder-view/")).json()
        assert body["years"][0]["fees"] == "9600.00"
        assert body["suppressed_reason"] is None
        assert clients.funder_a.get(url(sized)).status_code == 403
        assert clients.funder_a.get(api(sized, "projection/")).status_code == 403

    def test_pdf_and_csv_withhold_under_three_members_and_show_with_three(self, sized, clients):
        """The funder's view as files, under the same rule as its page. Two members: member fees, the
        surplus and the coverage year are blank in the CSV (the reason in the note column) and printed as
        withheld with the reason in the PDF; the Hub's cost (10,000 + 2,000 = 12,000.00, then +10 % a year:
        13,200.00, 14,520.00), contracts (500.00 a month from Jul 2027 to Jun 2028: 3,000.00 in 2027 and in
        2028) and grants (12,000.00 in 2027) are shown.
        Three members (Program W, 10 slots at 10.00 = 1,200.00 a year): fees 2027 = 6,000 + 2,400 + 1,200 =
        9,600.00, surplus 9,600 + 3,000 + 12,000 - 12,000 = +12,600.00; 2028 (a 30-slot member joins:
        + 3,600.00) fees 13,200.00 = cost 13,200.00, surplus +3,000.00, so fees alone cover cost from 2028;
        2029 (another): fees 16,800.00, surplus 16,800 - 14,520 = +2,280.00."""
        build_through_pages(sized, clients.staff_a)
        reason = "Suppressed: fewer than 3 members (2 members here), so the figure could identify one."
        rows = list(csv.reader(io.StringIO(clients.funder_a.get(url(sized, "funders.csv")).content.decode())))
        assert rows == [
            ["year", "members", "hub_cost", "member_fees", "contracts", "grants", "surplus", "note"],
            ["2027", "2", "12000.00", "", "3000.00", "12000.00", "", reason],
            ["2028", "3", "13200.00", "", "3000.00", "0.00", "", reason],
            ["2029", "4", "14520.00", "", "0.00", "0.00", "", reason],
            ["fees alone cover cost from", "", "", "", "", "", "", reason],
        ]
        pdf = clients.funder_a.get(url(sized, "funders.pdf"))
        assert pdf["Content-Type"] == "application/pdf"
        text = pdf_text(pdf.content)
        assert f"Member fees, the surplus and the year fees alone cover cost are withheld. {reason}" in text
        assert "2027 2 $12,000.00 withheld $3,000.00 $12,000.00 withheld" in text
        assert "2029 4 $14,520.00 withheld $0.00 $0.00 withheld" in text
        assert "8,400.00" not in text
        page = clients.funder_a.get(url(sized, "funders/")).content.decode()
        assert f'href="{url(sized, "funders.pdf")}"' in page
        assert f'href="{url(sized, "funders.csv")}"' in page

        with alliance_scope(sized.a.pk):
            MemberProgramFactory(alliance=sized.a, name="Program W", licensed_capacity=10)
        rows = list(csv.reader(io.StringIO(clients.funder_a.get(url(sized, "funders.csv")).content.decode())))
        assert rows[1:] == [
            ["2027", "3", "12000.00", "9600.00", "3000.00", "12000.00", "12600.00", ""],
            ["2028", "4", "13200.00", "13200.00", "3000.00", "0.00", "3000.00", ""],
            ["2029", "5", "14520.00", "16800.00", "0.00", "0.00", "2280.00", ""],
            ["fees alone cover cost from", "", "", "", "", "", "2028", ""],
        ]
        text = pdf_text(clients.funder_a.get(url(sized, "funders.pdf")).content)
        assert "Member fees alone cover the Hub's cost from 2028." in text
        assert "2027 3 $12,000.00 $9,600.00 $3,000.00 $12,000.00 +$12,600.00" in text
        assert "2028 4 $13,200.00 $13,200.00 $3,000.00 $0.00 +$3,000.00" in text
        assert "2029 5 $14,520.00 $16,800.00 $0.00 $0.00 +$2,280.00" in text
        assert "Program" not in text  # no member is named
        assert "withheld" not in text

    def test_the_files_validate_ownership(self, sized, clients):
        """Providers get 404 (the plan is not theirs to know of), as do alliance B's funder and staff;
        with no plan yet there is nothing to download (404)."""
        assert clients.funder_a.get(url(sized, "funders.csv")).status_code == 404
        build_through_pages(sized, clients.staff_a)
        for path in ("funders.csv", "funders.pdf"):
            assert clients.funder_a.get(url(sized, path)).status_code == 200, path
            assert clients.staff_a.get(url(sized, path)).status_code == 200, path
            assert clients.provider_x.get(url(sized, path)).status_code == 404, path
            assert clients.funder_b.get(url(sized, path)).status_code == 404, path
            assert clients.staff_b.get(url(sized, path)).status_code == 404, path


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


def post(client, path, body, method="post"):
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


class TestAPI:
    def test_the_plan_list_pages_in_a_stable_order(self, sized, clients):
        """The list is paginated over an ordered queryset: no UnorderedObjectListWarning, the one plan."""
        build_through_pages(sized, clients.staff_a)
        with warnings.catch_warnings():
            warnings.simplefilter("error", UnorderedObjectListWarning)
            response = clients.staff_a.get(api(sized, "plans/"))
        assert response.status_code == 200
        assert [(plan["start_year"], plan["years"]) for plan in response.json()["results"]] == [(2027, 3)]

    def test_plan_crud_grants_and_projection(self, sized, clients):
        client = clients.staff_a
        body = {
            k: (int(v) if k in ("start_year", "years", "new_members_per_year", "new_member_slots") else v)
            for k, v in PLAN.items()
        }
        created = post(client, api(sized, "plans/"), body)
        assert created.status_code == 201, created.json()
        assert post(client, api(sized, "plans/"), body).status_code == 400
        bad = post(client, api(sized, "grants/"), {**GRANT, "ends_on": "2026-01-01"})
        assert bad.status_code == 400
        assert "ends_on" in bad.json()
        assert post(client, api(sized, "grants/"), GRANT).status_code == 201
        assert post(client, api(sized, "contracts/"), CONTRACT).status_code == 201
        projection = client.get(api(sized, "projection/")).json()
        assert projection["coverage_year"] == 2029
        assert [y["surplus"] for y in projection["years"]] == ["11400.00", "1800.00", "1080.00"]
        assert projection["years"][0]["months"][0]["grants"] == "1000.00"
        assert projection["member_fees"][0] == {
            "name": "Program X",
            "licensed_slots": 50,
            "annual_collections": "0.00",
            "joins_in": None,
            "flat": "3600.00",
            "per_slot": "6000.00",
            "share": "0.00",
        }
        plan_id = created.json()["id"]
        changed = post(client, api(sized, f"plans/{plan_id}/"), {"years": 9}, method="patch")
        assert changed.status_code == 400
        assert "years" in changed.json()
        changed = post(client, api(sized, f"plans/{plan_id}/"), {"slot_fee": "20.00"}, method="patch")
        assert changed.status_code == 200
        assert client.get(api(sized, "projection/")).json()["coverage_year"] == 2027
        with alliance_scope(sized.a.pk):
            assert AuditEvent.objects.filter(action="sustainability.plan_updated").count() == 1
