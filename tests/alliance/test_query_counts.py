"""Exact query counts of the top page kinds of each role (issue 21, point 4).

A page that starts reading a row per family, per invoice or per program shows here as a changed
count, long before anyone measures it under load. The data: alliance A with Lopez at Program X
billed 1,000.00 for January, February and March (tests/billing/test_payments.py), Young at Y.

Every request pays the same fixed part (the session comes from the cache):
  user (1) + memberships with their alliances (1, inside the user scope: set and reset, 2)
  + the savepoint of the alliance scope and its release (2) + its set and reset (2) = 8
  (in production 7: there the user scope is its own whole transaction and skips the reset,
  alliance/tenancy.py; here pytest's transaction keeps it nested);
the counts below are that plus the page's own queries (a page's own count includes the
savepoints its own transactions open, and the aging ones the two counts of the ledger
fingerprint, billing/aging.py). When a count changes on purpose, write the
new one here with what the page now reads.
"""

from __future__ import annotations

import pytest

from tests.billing.conftest import homes  # noqa: F401 (fixture)
from tests.billing.test_payments import three_months  # noqa: F401 (fixture)

FIXED = 8

# (client, path in alliance A, the page's own queries)
PAGES = [
    ("admin_a", "dashboard/", 4),
    (
        "staff_a",
        "billing/aging/?as_of=2026-04-15",
        11,
    ),  # + the family list: names, programs, filters (one fingerprint for both)
    ("staff_a", "billing/collections/", 17),
    ("staff_a", "billing/accounts/", 7),
    ("admin_a", "programs/", 6),  # today from the alliance row; the unfiltered total is the paginator's count
    ("staff_a", "attendance/", 5),
    ("staff_a", "waitlist/", 6),
    ("staff_a", "families/", 8),
    ("provider_x", "my-program/figures/", 6),  # the benchmark comes from the shared cache (metrics/cache.py)
    ("funder_a", "reports/", 5),
]
API = [
    ("admin_a", "programs/", 6),
    ("staff_a", "billing-accounts/", 6),
    ("staff_a", "enrollments/", 6),  # the time zone for "today" comes from the membership's alliance row
    ("staff_a", "invoices/", 6),
    ("staff_a", "aging/?as_of=2026-04-15", 7),
    ("provider_x", "enrollments/", 6),
    ("funder_a", "metrics/alliance-months/", 6),
]


@pytest.mark.usefixtures("three_months")
@pytest.mark.parametrize(("who", "path", "own"), PAGES, ids=[f"{w}:{p}" for w, p, _ in PAGES])
def test_page_queries(world, clients, django_assert_num_queries, who, path, own):
    client = getattr(clients, who)
    url = f"/a/{world.a.slug}/{path}"
    assert client.get(url).status_code == 200  # warms the session and the shared caches
    with django_assert_num_queries(FIXED + own):
        assert client.get(url).status_code == 200


@pytest.mark.usefixtures("three_months")
@pytest.mark.parametrize(("who", "path", "own"), API, ids=[f"{w}:{p}" for w, p, _ in API])
def test_api_queries(world, clients, django_assert_num_queries, who, path, own):
    client = getattr(clients, who)
    url = f"/api/a/{world.a.slug}/{path}"
    assert client.get(url).status_code == 200
    with django_assert_num_queries(FIXED + own):
        assert client.get(url).status_code == 200
