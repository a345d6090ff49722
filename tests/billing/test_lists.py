"""The aging family list and the invoice list: search, filters and sort over the whole list, paging,
CSV, and the invoice list's API twin with the same search and sort.

Aging uses the worked example of tests/billing/test_collections.py (as of T): balances other than
zero are Diaz 600.00 (current), Baker 500.00 (300.00 over 90, 200.00 in 1–30), Adams (X) 400.00
(31–60), Adams (Y) 250.00 (1–30), Chen 100.00 (1–30); Evans owes nothing and is left out.

Invoices: #101 Adams (X) for October, 400.00; #102 Baker (X) for November, 500.00, void;
#103 Adams (Y) for November, 250.00.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from alliance.tenancy import alliance_scope
from billing.models import Invoice
from billing.views_payments import AgingView
from tests.csvrows import csv_rows


def _aging(world, query: str = "") -> str:
    return f"/a/{world.a.slug}/billing/aging/" + (f"?{query}" if query else "")


def _names(response) -> list[str]:
    return [f"{r.family_name} ({r.program_name[-1]})" for r in response.context["families"]]


class TestAgingFamilies:
    def test_sort_filter_and_search_cover_the_whole_list(self, world, clients, book):
        def names(query: str = "") -> list[str]:
            return _names(clients.staff_a.get(_aging(world, query)))

        everyone = ["Diaz family (Y)", "Baker family (X)", "Adams family (X)", "Adams family (Y)", "Chen family (X)"]
        assert names() == everyone  # largest balance first
        assert names("sort=balance") == everyone[::-1]
        assert names("sort=-over_90") == [
            "Baker family (X)",  # 300.00 over 90; the rest 0.00, by family then program
            "Adams family (X)",
            "Adams family (Y)",
            "Chen family (X)",
            "Diaz family (Y)",
        ]
        assert names("bucket=current") == ["Diaz family (Y)"]
        assert names("bucket=1_30&sort=family") == ["Adams family (Y)", "Baker family (X)", "Chen family (X)"]
        assert names(f"program={world.y.pk}") == ["Diaz family (Y)", "Adams family (Y)"]
        assert names("q=adams") == ["Adams family (X)", "Adams family (Y)"]
        assert names("q=555-010-4004") == ["Chen family (X)"]

    def test_it_pages_and_the_totals_stay_the_alliances(self, world, clients, book, monkeypatch):
        """600 + 500 + 400 + 250 + 100 = 1,850.00 whatever page or filter is shown."""
        monkeypatch.setattr(AgingView, "paginate_by", 2)
        page = clients.staff_a.get(_aging(world, "q=a&page=3"))
        assert _names(page) == ["Chen family (X)"]
        assert b"Page 3 of 3" in page.content
        assert b'id="aging-balance">$1,850.00<' in page.content
        assert b'href="?q=a&amp;page=2"' in page.content

    def test_the_csv_is_the_list_as_filtered_and_sorted(self, world, clients, book, today):
        response = clients.staff_a.get(f"/a/{world.a.slug}/billing/aging.csv?program={world.y.pk}")
        assert response["Content-Type"].startswith("text/csv")
        rows = csv_rows(response)
        assert rows == [
            ["as_of", "account", "family", "program", "bucket_current", "bucket_1_30", "bucket_31_60",
             "bucket_61_90", "bucket_over_90", "unapplied_credit", "balance"],
            [today.isoformat(), f"{book.diaz.account.pk:06d}", "Diaz family", "Program Y",
             "600.00", "0.00", "0.00", "0.00", "0.00", "0.00", "600.00"],
            [today.isoformat(), f"{book.adams_y.account.pk:06d}", "Adams family", "Program Y",
             "0.00", "250.00", "0.00", "0.00", "0.00", "0.00", "250.00"],
        ]  # fmt: skip

    def test_it_validates_ownership(self, world, clients, book):
        """A provider sees their own program's families only; a stranger gets 404."""
        assert _names(clients.provider_y.get(_aging(world))) == ["Diaz family (Y)", "Adams family (Y)"]
        csv = csv_rows(clients.provider_x.get(f"/a/{world.a.slug}/billing/aging.csv"))
        assert [row[2] for row in csv[1:]] == ["Baker family", "Adams family", "Chen family"]
        assert clients.staff_b.get(f"/a/{world.a.slug}/billing/aging.csv").status_code == 404
        assert clients.funder_a.get(f"/a/{world.a.slug}/billing/aging.csv").status_code == 403


@pytest.fixture
def invoices(world, book):
    with alliance_scope(world.a.pk):
        made = {}
        for number, row, start, total, status in [
            (101, book.adams_x, datetime.date(2026, 10, 1), "400.00", "issued"),
            (102, book.baker, datetime.date(2026, 11, 1), "500.00", "void"),
            (103, book.adams_y, datetime.date(2026, 11, 1), "250.00", "issued"),
        ]:
            made[number] = Invoice.objects.create(
                account=row.account,
                program=row.account.program,
                number=number,
                period_start=start,
                period_end=start.replace(day=28),
                issued_on=start,
                due_on=start + datetime.timedelta(days=10),
                total=Decimal(total),
                status=status,
            )
    return made


class TestInvoiceList:
    def test_sort_filter_and_search(self, world, clients, invoices):
        def numbers(query: str = "") -> list[int]:
            page = clients.staff_a.get(f"/a/{world.a.slug}/billing/invoices/" + (f"?{query}" if query else ""))
            return [i.number for i in page.context["invoices"]]

        assert numbers() == [103, 102, 101]  # newest period first
        assert numbers("sort=family") == [101, 103, 102]  # Adams (101), Adams (103), Baker
        assert numbers("sort=total") == [103, 101, 102]  # 250, 400, 500
        assert numbers("sort=-number") == [103, 102, 101]
        assert numbers("q=adams") == [103, 101]
        assert numbers("q=%23102") == [102]
        assert numbers(f"program={world.y.pk}") == [103]
        assert numbers("status=void") == [102]
        assert numbers("period=2026-11-01&sort=number") == [102, 103]

    def test_the_csv_holds_every_matching_invoice(self, world, clients, invoices):
        response = clients.staff_a.get(f"/a/{world.a.slug}/billing/invoices.csv?q=adams&sort=number")
        assert csv_rows(response) == [
            ["number", "family", "program", "period_start", "period_end", "issued_on", "due_on", "status", "total"],
            ["101", "Adams family", "Program X", "2026-10-01", "2026-10-28", "2026-10-01", "2026-10-11", "issued",
             "400.00"],
            ["103", "Adams family", "Program Y", "2026-11-01", "2026-11-28", "2026-11-01", "2026-11-11", "issued",
             "250.00"],
        ]  # fmt: skip

    def test_the_api_searches_and_sorts_the_same_way(self, world, clients, invoices):
        url = f"/api/a/{world.a.slug}/invoices/"
        data = clients.staff_a.get(url + "?search=adams&sort=number").json()
        assert [i["number"] for i in data["results"]] == [101, 103]
        assert [i["number"] for i in clients.staff_a.get(url + "?sort=-total").json()["results"]] == [102, 101, 103]
        bad = clients.staff_a.get(url + "?sort=colour")
        assert bad.status_code == 400
        assert "sort" in bad.json()

    def test_it_validates_ownership(self, world, clients, invoices):
        page = clients.provider_y.get(f"/a/{world.a.slug}/billing/invoices/")
        assert [i.number for i in page.context["invoices"]] == [103]
        assert [i["number"] for i in clients.provider_y.get(f"/api/a/{world.a.slug}/invoices/").json()["results"]] == [
            103
        ]
        assert clients.staff_b.get(f"/a/{world.a.slug}/billing/invoices.csv").status_code == 404
