"""Billing at 8 pm in Chicago takes the alliance's date, not the server's.

At 20:00 on 11 February in Chicago it is already 02:00 on the 12th in UTC (the server's zone). A
payment, a write-off, the aging page and the collections worklist must all say the 11th: February's
invoice (due the 11th) is due today, not a day past due. The clock is moved by patching
`django.utils.timezone.now`, which every date of the product reads through alliance.dates; a date
taken from the server's own calendar would be today's real date, far from February 2026.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from unittest import mock

import pytest

from alliance.dates import alliance_today, month_end
from alliance.tenancy import alliance_scope
from billing.invoicing import invoice_program_for_period
from billing.models import LedgerEntry, Payment
from tests.billing.factories import RatePlanFactory, enroll

EVENING_IN_CHICAGO = datetime.datetime(2026, 2, 12, 2, 0, tzinfo=datetime.UTC)  # 20:00 on 11 Feb, CST
CHICAGO_DAY = datetime.date(2026, 2, 11)


@pytest.fixture
def evening_in_chicago(world):
    assert world.a.timezone == "America/Chicago"
    with mock.patch("django.utils.timezone.now", return_value=EVENING_IN_CHICAGO):
        assert alliance_today(world.a) == CHICAGO_DAY
        yield


@pytest.fixture
def billed(world, homes):
    """Lopez at X billed 1000.00 for January and 1000.00 for February, each due the 11th."""
    RatePlanFactory(program=world.x, tuition=Decimal("1000.00"))
    enroll(homes.ana, homes.room_x, start=datetime.date(2025, 12, 1))
    with alliance_scope(world.a.pk):
        for first in (datetime.date(2026, 1, 1), datetime.date(2026, 2, 1)):
            invoice_program_for_period(program_id=world.x.pk, period_start=first, period_end=month_end(first))


def account_page(world, homes, what: str) -> str:
    return f"/a/{world.a.slug}/billing/accounts/{homes.lopez_x.pk}/{what}"


def test_the_payment_page_offers_the_alliances_today_and_records_it(world, clients, homes, evening_in_chicago):
    url = account_page(world, homes, "payments/new/")
    form = clients.staff_a.get(url).context["form"]
    assert form["received_on"].value() == CHICAGO_DAY
    response = clients.staff_a.post(
        url, {"amount": "120.00", "method": "check", "received_on": form["received_on"].value(), "reference": "1001"}
    )
    assert response.status_code == 302
    with alliance_scope(world.a.pk):
        assert Payment.objects.get(reference="1001").received_on == CHICAGO_DAY


def test_a_payment_through_the_api_without_a_date_is_received_on_the_alliances_today(
    world, clients, homes, evening_in_chicago
):
    response = clients.staff_a.post(
        f"/api/a/{world.a.slug}/payments/",
        {"account": homes.lopez_x.pk, "amount": "75.00", "method": "card"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["received_on"] == "2026-02-11"
    with alliance_scope(world.a.pk):
        payment = Payment.objects.get(pk=response.json()["id"])
        assert LedgerEntry.objects.get(payment=payment).posted_on == CHICAGO_DAY


def test_a_write_off_is_dated_the_alliances_today(world, clients, homes, billed, evening_in_chicago):
    response = clients.admin_a.post(
        account_page(world, homes, "write-off/"), {"reason": "Family moved away", "amount": "50.00"}
    )
    assert response.status_code == 302
    with alliance_scope(world.a.pk):
        write_off = LedgerEntry.objects.get(account=homes.lopez_x, kind="write_off")
        assert (write_off.posted_on, write_off.amount) == (CHICAGO_DAY, Decimal("-50.00"))


def test_aging_is_as_of_the_alliances_today(world, clients, homes, billed, evening_in_chicago):
    page = clients.staff_a.get(f"/a/{world.a.slug}/billing/aging/")
    assert page.context["as_of"] == CHICAGO_DAY
    assert 'value="2026-02-11"' in page.content.decode()
    buckets = page.context["total"].buckets
    # January's invoice (due 11 Jan) is 31 days past due; February's (due today) is still current.
    assert (buckets["31_60"], buckets["1_30"]) == (Decimal("1000.00"), Decimal("0.00"))

    api = clients.staff_a.get(f"/api/a/{world.a.slug}/aging/").json()
    assert api["as_of"] == "2026-02-11"
    assert (api["alliance"]["31_60"], api["alliance"]["1_30"]) == ("1000.00", "0.00")


def test_collections_count_days_past_due_to_the_alliances_today(world, clients, homes, billed, evening_in_chicago):
    page = clients.staff_a.get(f"/a/{world.a.slug}/billing/collections/")
    [row] = page.context["rows"]
    assert row.account_id == homes.lopez_x.pk
    assert (row.aging.days_past_due, row.aging.past_due) == (31, Decimal("1000.00"))
