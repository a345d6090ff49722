"""The Today page: exactly the due items, grouped with counts, for hub staff and for a provider.

Worked example (tests/today/conftest.py): hub staff see, across the alliance,
promises 3 (Adams in X 2 days late, Cole in X yesterday with $40 of $100 paid, Young in Y today;
Baker's is in 3 days, Dunn's was kept), offers 2 (Ava by
tomorrow, Yui today; Ben's the day after tomorrow is more than 48 h away), cover 2 (X tomorrow,
Y today; X in 3 days is the 4th day and the cancelled one is no work), inquiries 1 (30 h > 24 h;
the 2 h one is not late), credentials 2 (Carla in 10 days, Gia in 5; Eli's 45 days is outside 30),
autopay 1 (Adams), flags 1 (X at 50%), runs 1 (stalled; the done one is fine): 13 items. The hub
admin also sees the task failure of the last hour (not the 10-day-old one): 14.
Program X's provider sees only X's offers, cover and credentials: 1 + 1 + 1 = 3.
"""

from __future__ import annotations

import re

import pytest

from tests.today.conftest import DAY  # noqa: F401 - fixtures' module

pytestmark = pytest.mark.django_db


def url(alliance, query: str = "") -> str:  # type: ignore[no-untyped-def]
    return f"/a/{alliance.slug}/today/{query}"


def counts(body: str) -> dict[str, int]:
    """Each group's heading and its count badge, as the page shows them."""
    found = re.findall(r'<h2 id="today-([a-z_]+)-title">[^<]*<span class="badge[^"]*">(\d+)</span>', body)
    return {key: int(count) for key, count in found}


def test_hub_staff_see_every_due_item_of_the_alliance_and_none_not_yet_due(world, clients, due):
    page = clients.staff_a.get(url(world.a))
    assert page.status_code == 200
    body = page.content.decode()
    assert counts(body) == {
        "promises": 3,
        "offers": 2,
        "cover": 2,
        "inquiries": 1,
        "credentials": 2,
        "autopay": 1,
        "flags": 1,
        "runs": 1,
    }
    assert "13 items" in body
    for shown in (
        "Adams family",
        "Cole family",
        "Young family",
        "Ava Adams",
        "Yui Young",
        "Carla Diaz",
        "Gia Hill",
        "Dana1 Inquirer",
    ):
        assert shown in body, shown
    for hidden in ("Dunn family", "Baker family", "Ben Baker", "Eli Ford", "Dana2 Inquirer"):
        assert hidden not in body, hidden
    # Each item links to where it is done.
    assert f'href="/a/{world.a.slug}/billing/accounts/{due.promise_x.account_id}/"' in body
    assert f'href="/a/{world.a.slug}/offers/{due.offer_x.pk}/"' in body
    assert f'href="/a/{world.a.slug}/cover/{due.cover_x.pk}/"' in body
    assert f'href="/a/{world.a.slug}/inquiries/{due.inquiry_late.pk}/"' in body
    assert f'href="/a/{world.a.slug}/billing/runs/{due.run_stalled.pk}/"' in body
    assert f"/a/{world.a.slug}/billing/accounts/{due.bank_x.account_id}/bank/" in body
    assert "Promised $120.00" in body
    assert "Occupancy 50.0% is below the budgeted" in body
    # Task failures are the hub administrator's (their page is hers alone).
    assert "billing.invoice_batch" not in body


def test_the_hub_admin_also_sees_recent_task_failures(world, clients, due):
    body = clients.admin_a.get(url(world.a)).content.decode()
    assert counts(body)["task_failures"] == 1
    assert "billing.invoice_batch" in body
    assert "metrics.rollup_alliance" not in body  # 10 days old
    assert "14 items" in body


def test_dates_are_written_in_the_alliance_format(world, clients, due, today):
    from alliance.formatting import day
    from alliance.localization import alliance_local

    with alliance_local(world.a):
        late = day(today - 2 * DAY)
        expires = day(today + 10 * DAY)
    body = clients.staff_a.get(url(world.a)).content.decode()
    assert f"Due {late}, 2 days ago" in body
    assert f"Expires {expires}" in body


def test_a_provider_sees_only_their_own_programs_items(world, clients, due):
    page = clients.provider_x.get(url(world.a))
    assert page.status_code == 200
    body = page.content.decode()
    assert counts(body) == {"offers": 1, "cover": 1, "credentials": 1}
    assert "3 items" in body
    assert "Ava Adams" in body
    assert "Carla Diaz" in body
    assert "Bluebirds" in body
    for other in ("Yui Young", "Gia Hill", "Robins", "Young family", "Adams family", "Dana1", "Program Y"):
        assert other not in body, other


def test_hub_staff_narrow_the_list_to_one_program(world, clients, due):
    body = clients.staff_a.get(url(world.a, f"?program={world.y.pk}")).content.decode()
    found = counts(body)
    assert (found["promises"], found["offers"], found["cover"], found["credentials"], found["autopay"]) == (
        1,
        1,
        1,
        1,
        0,
    )
    assert found["flags"] == 0  # Y is at 100%
    assert "Yui Young" in body
    assert "Ava Adams" not in body
    assert "For the whole alliance" in body  # inquiries and runs belong to no program


def test_empty_groups_say_nothing_due(world, clients):
    body = clients.provider_y.get(url(world.a)).content.decode()
    assert body.count("Nothing due") == 3
    assert "0 items" in body


def test_the_top_bar_shows_the_count_and_links_to_today(world, clients, due):
    body = clients.provider_x.get(f"/a/{world.a.slug}/enrollments/").content.decode()
    assert re.search(
        rf'href="/a/{world.a.slug}/today/">Today <span class="nav-count nav-count-due"[^>]*>3</span>', body
    )


def test_signing_in_lands_hub_users_and_providers_on_today_and_funders_on_their_reports(world, clients):
    assert clients.staff_a.get(f"/a/{world.a.slug}/")["Location"] == url(world.a)
    assert clients.provider_x.get(f"/a/{world.a.slug}/")["Location"] == url(world.a)
    assert clients.funder_a.get(f"/a/{world.a.slug}/")["Location"] == f"/a/{world.a.slug}/reports/"


def test_it_validates_ownership(world, clients, due):
    """Another alliance's people get 404; another alliance's program in the filter is a 404 too;
    a funder has no Today (403)."""
    assert clients.staff_b.get(url(world.a)).status_code == 404
    assert clients.provider_z.get(url(world.a)).status_code == 404
    assert clients.staff_a.get(url(world.a, f"?program={world.z.pk}")).status_code == 404
    assert clients.staff_a.get(url(world.a, "?program=abc")).status_code == 404
    assert clients.funder_a.get(url(world.a)).status_code == 403
    # Alliance B's own Today holds none of A's rows.
    body = clients.staff_b.get(url(world.b)).content.decode()
    assert "Adams family" not in body
    assert "Nothing due" in body


def test_the_inquiry_target_follows_the_alliance_setting(world, clients, due):
    world.a.inquiry_contact_target_hours = 48
    world.a.save(update_fields=["inquiry_contact_target_hours"])
    body = clients.staff_a.get(url(world.a)).content.decode()
    assert counts(body)["inquiries"] == 0  # 30 h is within 48 h


def test_the_top_bar_count_costs_one_count_per_group_then_comes_from_the_cache(world, clients, due):
    """A provider's count is three COUNT queries (offers, cover, credentials) on the first page of the
    minute; the next page reads it from the cache, per alliance and person."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    page = f"/a/{world.a.slug}/enrollments/"
    with CaptureQueriesContext(connection) as first:
        clients.provider_x.get(page)
    with CaptureQueriesContext(connection) as second:
        body = clients.provider_x.get(page).content.decode()

    def counts_of_today(queries) -> int:  # type: ignore[no-untyped-def]
        tables = ('"enrollment_offer"', '"sharedservices_coverrequest"', '"members_credential"')
        return sum(1 for q in queries if "COUNT(*)" in q["sql"] and q["sql"].split(" FROM ")[1].startswith(tables))

    assert counts_of_today(first.captured_queries) == 3
    assert counts_of_today(second.captured_queries) == 0
    assert 'aria-label="3 items to do">3</span>' in body
    # Hub staff have a count of their own: the alliance's 13 (the provider's cached 3 is not theirs).
    assert 'aria-label="13 items to do">13</span>' in clients.staff_a.get(page).content.decode()
