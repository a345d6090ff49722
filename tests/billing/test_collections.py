"""The collections worklist as a call list: phones and emails on each row, rows told apart, search,
filters and sort over the whole list, paging, CSV, and a call with a promise logged in one step.

The worked example (T = alliance A's today; a charge outside an invoice is due the day it is posted):

| family (program)   | child | entries                                  | past due | days | buckets            |
|--------------------|-------|------------------------------------------|----------|------|--------------------|
| Adams family (X)   | Mia   | 400.00 on T-45                           |   400.00 |   45 | 31–60: 400         |
| Adams family (Y)   | Leo   | 250.00 on T-10                           |   250.00 |   10 | 1–30: 250          |
| Baker family (X)   | Ivy   | 300.00 on T-95, 200.00 on T-20           |   500.00 |   95 | >90: 300, 1–30: 200 |
| Chen family (X)    | Max   | 150.00 on T-5, paid 50.00 on T          |   100.00 |    5 | 1–30: 100          |
| Diaz family (Y)    | Rosa  | 600.00 on T (due today: current)         |     0.00 |    — | not past due       |
| Evans family (X)   | Eli   | 80.00 on T-70, paid 80.00 on T-60       |     0.00 |    — | nothing owed       |

So the list has 4 rows; oldest first: Baker 95, Adams (X) 45, Adams (Y) 10, Chen 5.
Promises: Adams (X) promised 100.00 by T+3 (pending); Baker promised 200.00 by T-2 and paid nothing
(broken); Chen promised 50.00 by T and paid 50.00 since (kept); Adams (Y) none.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from alliance.models import AuditEvent
from alliance.tenancy import alliance_scope
from billing.models import CollectionNote
from billing.views_collections import CollectionsView
from tests.csvrows import csv_rows


def _url(world, query: str = "") -> str:
    return f"/a/{world.a.slug}/billing/collections/" + (f"?{query}" if query else "")


def _families(response) -> list[tuple[str, str]]:
    """(family, program) of each row shown, in order."""
    return [(r.family_name, r.program_name) for r in response.context["rows"]]


class TestTheCallList:
    def test_it_lists_past_due_accounts_oldest_first_with_phones_and_emails(self, world, clients, book):
        page = clients.staff_a.get(_url(world))
        assert page.status_code == 200
        assert _families(page) == [
            ("Baker family", "Program X"),
            ("Adams family", "Program X"),
            ("Adams family", "Program Y"),
            ("Chen family", "Program X"),
        ]
        assert page.context["past_due_count"] == 4
        html = page.content.decode()
        assert 'href="tel:5550101001">(555) 010-1001</a>' in html
        assert 'href="mailto:pat@adams.example"' in html
        assert 'href="tel:5550102002">555.010.2002</a>' in html
        assert "kim@baker.example" in html
        # The two Adams rows are told apart by child, program and account number.
        assert f"Mia · Account {book.adams_x.account.pk:06d}" in html
        assert f"Leo · Account {book.adams_y.account.pk:06d}" in html
        assert "Max · Account" in html
        assert "County CCAP" in html
        assert [r.aging.past_due for r in page.context["rows"]] == [
            Decimal("500.00"),
            Decimal("400.00"),
            Decimal("250.00"),
            Decimal("100.00"),
        ]

    def test_every_column_sorts_the_whole_list(self, world, clients, book):
        def order(sort: str) -> list[tuple[str, str]]:
            return _families(clients.staff_a.get(_url(world, f"sort={sort}")))

        adams_x, adams_y = ("Adams family", "Program X"), ("Adams family", "Program Y")
        baker, chen = ("Baker family", "Program X"), ("Chen family", "Program X")
        assert order("family") == [adams_x, adams_y, baker, chen]
        assert order("-family") == [chen, baker, adams_y, adams_x]
        assert order("program") == [adams_x, baker, chen, adams_y]
        assert order("days") == [chen, adams_y, adams_x, baker]
        assert order("past_due") == [chen, adams_y, adams_x, baker]  # 100, 250, 400, 500
        assert order("-balance") == [baker, adams_x, adams_y, chen]
        # Promise dates: Baker T-2, Chen T, Adams (X) T+3; Adams (Y) has none and comes last.
        assert order("promise") == [baker, chen, adams_x, adams_y]
        assert order("-promise") == [adams_x, chen, baker, adams_y]
        assert order("nonsense") == order("-days")  # an unknown sort is the default, not an error

    def test_headers_link_to_the_sort_and_keep_the_filters(self, world, clients, book):
        page = clients.staff_a.get(_url(world, "program=" + str(world.x.pk) + "&sort=family"))
        html = page.content.decode()
        assert 'aria-sort="ascending"' in html
        assert f'href="?program={world.x.pk}&amp;sort=-family"' in html  # clicking again: descending
        assert f'href="?program={world.x.pk}&amp;sort=past_due"' in html

    def test_filters_narrow_the_whole_list(self, world, clients, book):
        def rows(query: str) -> list[tuple[str, str]]:
            return _families(clients.staff_a.get(_url(world, query)))

        assert rows(f"program={world.y.pk}") == [("Adams family", "Program Y")]
        assert rows("bucket=over_90") == [("Baker family", "Program X")]
        # Baker has 200.00 in 1–30 as well as 300.00 over 90.
        assert rows("bucket=1_30") == [
            ("Baker family", "Program X"),
            ("Adams family", "Program Y"),
            ("Chen family", "Program X"),
        ]
        assert rows("promise=pending") == [("Adams family", "Program X")]
        assert rows("promise=broken") == [("Baker family", "Program X")]
        assert rows("promise=kept") == [("Chen family", "Program X")]
        assert rows("promise=none") == [("Adams family", "Program Y")]
        assert rows(f"payer={book.county.pk}") == [("Chen family", "Program X")]
        assert rows(f"program={world.x.pk}&bucket=1_30") == [
            ("Baker family", "Program X"),
            ("Chen family", "Program X"),
        ]

    def test_search_finds_family_guardian_child_phone_and_email(self, world, clients, book):
        def rows(q: str) -> list[tuple[str, str]]:
            return _families(clients.staff_a.get(_url(world, f"q={q}")))

        assert rows("adams") == [("Adams family", "Program X"), ("Adams family", "Program Y")]
        assert rows("Ivy") == [("Baker family", "Program X")]  # a child's first name
        assert rows("Wei") == [("Chen family", "Program X")]  # a guardian's first name
        assert rows("pat%40adams") == [("Adams family", "Program X")]  # an email
        assert rows("010-2002") == [("Adams family", "Program Y")]  # a phone, punctuated another way
        assert rows("5550104004") == [("Chen family", "Program X")]
        assert rows("Rosa") == []  # Diaz owes nothing past due
        empty = clients.staff_a.get(_url(world, "q=Rosa"))
        assert b"No past-due account matches" in empty.content

    def test_it_pages_the_sorted_list_and_keeps_the_state(self, world, clients, book, monkeypatch):
        monkeypatch.setattr(CollectionsView, "paginate_by", 2)
        first = clients.staff_a.get(_url(world, "sort=family"))
        assert _families(first) == [("Adams family", "Program X"), ("Adams family", "Program Y")]
        assert b'href="?sort=family&amp;page=2"' in first.content
        second = clients.staff_a.get(_url(world, "sort=family&page=2"))
        assert _families(second) == [("Baker family", "Program X"), ("Chen family", "Program X")]
        assert b"Page 2 of 2" in second.content

    def test_the_csv_is_the_list_as_filtered_and_sorted(self, world, clients, book, today):
        response = clients.staff_a.get(f"/a/{world.a.slug}/billing/collections.csv?program={world.x.pk}&sort=family")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        rows = csv_rows(response)
        assert rows[0][:9] == [
            "account",
            "family",
            "children",
            "program",
            "guardian",
            "phone",
            "email",
            "days_past_due",
            "past_due",
        ]
        body = [row[:9] + row[14:19] for row in rows[1:]]
        promise_on = (today + datetime.timedelta(days=3)).isoformat()
        baker_on = (today - datetime.timedelta(days=2)).isoformat()
        assert body == [
            [
                f"{book.adams_x.account.pk:06d}", "Adams family", "Mia", "Program X", "Pat Adams", "(555) 010-1001",
                "pat@adams.example", "45", "400.00", "400.00", "pending", "100.00", promise_on, today.isoformat(),
            ],
            [
                f"{book.baker.account.pk:06d}", "Baker family", "Ivy", "Program X", "Kim Baker", "",
                "kim@baker.example", "95", "500.00", "500.00", "broken", "200.00", baker_on, today.isoformat(),
            ],
            [
                f"{book.chen.account.pk:06d}", "Chen family", "Max", "Program X", "Wei Chen", "555-010-4004",
                "", "5", "100.00", "100.00", "kept", "50.00", today.isoformat(), today.isoformat(),
            ],
        ]  # fmt: skip
        # Buckets of Baker: current 0, 1–30 200, 31–60 0, 61–90 0, over 90 300.
        assert rows[2][9:14] == ["0.00", "200.00", "0.00", "0.00", "300.00"]


class TestLoggingACall:
    def test_a_call_and_a_promise_are_logged_in_one_step_and_audited(self, world, clients, book, today):
        back = _url(world, "q=adams&sort=family")
        url = f"/a/{world.a.slug}/billing/accounts/{book.adams_y.account.pk}/notes/new/?next={back}"
        form = clients.staff_a.get(url)
        assert b'href="tel:5550102002"' in form.content  # the number to call is on the page
        response = clients.staff_a.post(
            url,
            {
                "outcome": "reached",
                "kind": "call",
                "note": "Spoke with Sam",
                "promised_amount": "120.00",
                "promised_on": (today + datetime.timedelta(days=7)).isoformat(),
                "next": back,
            },
        )
        assert response.status_code == 302
        assert response["Location"] == back
        with alliance_scope(world.a.pk):
            note = CollectionNote.objects.get(account=book.adams_y.account)
            assert (note.kind, note.outcome, note.promised_amount) == ("promise", "reached", Decimal("120.00"))
            assert AuditEvent.objects.filter(action="collections.note", object_id=str(note.pk)).count() == 1
        page = clients.staff_a.get(back)
        row = next(r for r in page.context["rows"] if r.account_id == book.adams_y.account.pk)
        assert row.promise_status == "pending"
        assert b"Spoke with the family" in page.content

    @pytest.mark.parametrize(
        ("amount", "days_ahead", "field", "message"),
        [
            ("120.00", -1, "promised_on", "not a past one"),
            ("250.01", 1, "promised_amount", "at most the balance owed, $250.00"),
            ("0.00", 1, "promised_amount", "more than zero"),
        ],
    )
    def test_a_bad_promise_is_refused_with_the_reason_and_nothing_saved(
        self, world, clients, book, today, amount, days_ahead, field, message
    ):
        url = f"/a/{world.a.slug}/billing/accounts/{book.adams_y.account.pk}/notes/new/"
        response = clients.staff_a.post(
            url,
            {
                "outcome": "reached",
                "kind": "promise",
                "note": "Promised",
                "promised_amount": amount,
                "promised_on": (today + datetime.timedelta(days=days_ahead)).isoformat(),
            },
        )
        assert response.status_code == 200
        assert message in " ".join(response.context["form"].errors[field])
        with alliance_scope(world.a.pk):
            assert not CollectionNote.objects.filter(account=book.adams_y.account).exists()

    def test_next_elsewhere_is_ignored(self, world, clients, book, today):
        url = f"/a/{world.a.slug}/billing/accounts/{book.adams_y.account.pk}/notes/new/"
        response = clients.staff_a.post(url, {"outcome": "no_answer", "kind": "call", "next": "https://evil.example/"})
        assert response.status_code == 302
        assert response["Location"] == _url(world)


class TestWhoMaySeeIt:
    def test_it_validates_ownership(self, world, clients, book):
        """A stranger of alliance B gets 404; a provider of A is refused (Hub staff's page)."""
        assert clients.staff_b.get(_url(world)).status_code == 404
        assert clients.staff_b.get(f"/a/{world.a.slug}/billing/collections.csv").status_code == 404
        assert clients.provider_x.get(_url(world)).status_code == 403
        assert clients.provider_x.get(f"/a/{world.a.slug}/billing/collections.csv").status_code == 403
        own = clients.staff_b.get(f"/a/{world.b.slug}/billing/collections/")
        assert own.status_code == 200
        assert own.context["past_due_count"] == 0  # none of A's families


def test_the_account_page_shows_how_to_reach_the_family(world, clients, book):
    page = clients.staff_a.get(f"/a/{world.a.slug}/billing/accounts/{book.adams_x.account.pk}/")
    html = page.content.decode()
    assert 'href="tel:5550101001">(555) 010-1001</a>' in html
    assert 'href="mailto:pat@adams.example"' in html
    assert f"Account {book.adams_x.account.pk:06d} · Mia" in html
    assert clients.provider_y.get(f"/a/{world.a.slug}/billing/accounts/{book.adams_x.account.pk}/").status_code == 404
