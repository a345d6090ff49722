"""A member program's 90-day cash-flow forecast: page, CSV, API and a worked example.

Actors: program X's provider (whose forecast it is), hub staff, program Y's provider (a stranger in
the same alliance: 404), alliance B's hub staff (404) and A's funder (403).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from alliance.tenancy import alliance_scope
from billing.ach import bank_account_set
from billing.models import Payer, PayerClaim, Remittance, RemittanceLine, SubsidyAuthorization
from billing.payments import payment_record
from budgets.cashflow import cash_flow_forecast, family_payment_lags, payer_lags
from members.models import MonthlyCost
from tests.billing.conftest import homes  # noqa: F401 (fixture)
from tests.billing.test_payments import three_months  # noqa: F401 (fixture)

TODAY = datetime.date(2026, 3, 5)


def d(text: str) -> Decimal:
    return Decimal(text)


@pytest.fixture
def history(world, homes, three_months):  # noqa: F811
    """Lopez at X: invoices of $1,000.00 due Jan 11, Feb 11 and Mar 11 2026. January paid on Jan 16 (5 days
    late), February on Feb 20 (9 days late); March open. The county paid its claim on January's invoice on
    Feb 10 (30 days after the due date) and owes $400.00 on March's. Costs: rent $3,100.00 in each of Dec
    2025, Jan and Feb 2026."""
    jan, _, mar = three_months
    with alliance_scope(world.a.pk):
        for amount, day in (("1000.00", datetime.date(2026, 1, 16)), ("1000.00", datetime.date(2026, 2, 20))):
            payment_record(actor=None, account=homes.lopez_x, amount=d(amount), method="card", received_on=day)
        county = Payer.objects.create(name="County")
        authorization = SubsidyAuthorization.objects.create(
            payer=county,
            child=homes.ana,
            program=world.x,
            case_number="C-1",
            starts_on=datetime.date(2026, 1, 1),
            ends_on=datetime.date(2026, 12, 31),
            authorized_amount=d("400.00"),
        )
        paid = PayerClaim.objects.create(
            payer=county,
            authorization=authorization,
            program=world.x,
            child=homes.ana,
            invoice=jan,
            period_start=datetime.date(2026, 1, 1),
            expected=d("400.00"),
            paid=d("400.00"),
            status="paid",
        )
        remittance = Remittance.objects.create(payer=county, received_on=datetime.date(2026, 2, 10), total=d("400.00"))
        RemittanceLine.objects.create(remittance=remittance, claim=paid, amount=d("400.00"))
        PayerClaim.objects.create(
            payer=county,
            authorization=authorization,
            program=world.x,
            child=homes.ana,
            invoice=mar,
            period_start=datetime.date(2026, 3, 1),
            expected=d("400.00"),
        )
        for month in (datetime.date(2025, 12, 1), datetime.date(2026, 1, 1), datetime.date(2026, 2, 1)):
            MonthlyCost.objects.create(program=world.x, month=month, category="occupancy", amount=d("3100.00"))
    return homes


def test_the_worked_example(world, history):
    """Today is Mar 5 2026 and the bank holds $10,000.00.

    Lopez's habit: (5 + 9) / 2 = 7 days late, so March's $1,000.00 (due Mar 11) is expected Mar 18.
    The county's lag: Feb 10 - Jan 11 = 30 days, so its $400.00 on March's invoice (due Mar 11) is expected
    Apr 10.
    Costs: (3,100 x 3) / 3 = $3,100.00 a month, spread by day: $100.00 a day in March (31 days), $103.33 or
    $103.34 a day in April (a month of 30 days still adds up to $3,100.00).
    Days 1-90 run Mar 6 to Jun 3: March 6-31 = 26 days x 100.00 = 2,600.00; April 3,100.00; May 3,100.00;
    June 1-3 = 3,100 x 3 / 30 = 310.00; out 9,110.00.
    Balance on Jun 3 = 10,000.00 + 1,000.00 + 400.00 - 9,110.00 = $2,290.00, the lowest (costs run on after
    the last receipt). On Mar 17, before Lopez pays: 10,000.00 - 12 x 100.00 = $8,800.00; Mar 18:
    8,800.00 + 1,000.00 - 100.00 = $9,700.00.
    """
    with alliance_scope(world.a.pk):
        assert family_payment_lags(world.x, today=TODAY) == {history.lopez_x.pk: 7}
        assert list(payer_lags(world.x).values()) == [30]
        forecast = cash_flow_forecast(world.x, starting_cash=d("10000.00"), today=TODAY)
    assert forecast.monthly_cost == d("3100.00")
    receipts = [(f.day, f.kind, f.amount) for f in forecast.inflows()]
    assert receipts == [
        (datetime.date(2026, 3, 18), "family", d("1000.00")),
        (datetime.date(2026, 4, 10), "third_party", d("400.00")),
    ]
    by_day = {day.day: day for day in forecast.days}
    assert len(forecast.days) == 90
    assert forecast.days[0].day == datetime.date(2026, 3, 6)
    assert forecast.end_day == datetime.date(2026, 6, 3)
    assert by_day[datetime.date(2026, 3, 17)].balance == d("8800.00")
    assert by_day[datetime.date(2026, 3, 18)].balance == d("9700.00")
    assert forecast.money_out == d("9110.00")
    assert sum((day.money_out for day in forecast.days if day.day.month == 4), d("0")) == d("3100.00")
    assert (forecast.lowest.day, forecast.lowest.balance) == (datetime.date(2026, 6, 3), d("2290.00"))


def test_an_autopay_family_is_expected_on_the_due_date(world, history):
    """With autopay on, Lopez's March $1,000.00 is debited on its due date, Mar 11, not Mar 18."""
    with alliance_scope(world.a.pk):
        bank_account_set(
            actor=world.users.staff_a,
            account=history.lopez_x,
            holder_name="Lopez",
            routing_number="011000015",
            account_number="12345678",
        )
        forecast = cash_flow_forecast(world.x, starting_cash=d("0.00"), today=TODAY)
    assert (forecast.inflows()[0].day, forecast.inflows()[0].kind) == (datetime.date(2026, 3, 11), "autopay")


class TestPages:
    def test_the_page_shows_the_lowest_balance_and_its_date(self, world, clients):
        """Program X on the real today, before anything is owed or spent: $25,000.00 all the way."""
        url = f"/a/alliance-a/programs/{world.x.pk}/cash-flow/"
        empty = clients.provider_x.get(url)
        assert empty.status_code == 200
        assert "Type the cash in the bank today" in empty.content.decode()
        page = clients.provider_x.get(url + "?starting_cash=25,000.00")
        html = page.content.decode()
        assert page.status_code == 200
        assert "lowest balance ahead" in html
        assert "$25,000.00" in html  # nothing in, nothing out on the real today: the balance stays
        assert "Day by day" in html
        csv = clients.staff_a.get(url + "csv/?starting_cash=25000.00")
        assert csv.status_code == 200
        assert csv.content.decode().splitlines()[0] == '"section","date","description","money_in","money_out","balance"'

    def test_a_bad_amount_is_an_error_on_the_page(self, world, clients):
        page = clients.provider_x.get(f"/a/alliance-a/programs/{world.x.pk}/cash-flow/?starting_cash=lots")
        assert page.status_code == 400
        assert "Enter the cash in the bank today as an amount" in page.content.decode()

    def test_it_validates_ownership(self, world, clients):
        url = f"/a/alliance-a/programs/{world.x.pk}/cash-flow/"
        assert clients.provider_y.get(url).status_code == 404
        assert clients.funder_a.get(url).status_code == 403
        assert clients.staff_b.get(url).status_code == 404
        assert clients.provider_y.get(f"/api/a/alliance-a/cash-flow/{world.x.pk}/").status_code == 404

    def test_the_api(self, world, clients):
        api = f"/api/a/alliance-a/cash-flow/{world.x.pk}/"
        ok = clients.provider_x.get(api + "?starting_cash=500.00")
        assert ok.status_code == 200
        body = ok.json()
        assert body["starting_cash"] == "500.00"
        assert len(body["days"]) == 90
        assert body["lowest_balance"] == "500.00"
        bad = clients.provider_x.get(api + "?starting_cash=1.234")
        assert bad.status_code == 400
        assert "starting_cash" in bad.json()
