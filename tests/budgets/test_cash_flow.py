"""A member program's 90-day cash-flow forecast: page, CSV, API and a worked example.

Actors: program X's provider (whose forecast it is), hub staff, program Y's provider (a stranger in
the same alliance: 404), alliance B's hub staff (404) and A's funder (403).
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from alliance.dates import month_end
from alliance.tenancy import alliance_scope
from billing.ach import bank_account_set
from billing.invoicing import invoice_program_for_period
from billing.models import Payer, PayerClaim, Remittance, RemittanceLine, SubsidyAuthorization
from billing.payments import payment_record
from budgets.cashflow import cash_flow_forecast, family_payment_lags, payer_lags
from members.models import MonthlyCost
from tests.billing.conftest import homes  # noqa: F401 (fixture)
from tests.billing.factories import RatePlanFactory, enroll
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
    Invoices not yet issued: Ana stays enrolled on the $1,000.00 plan, and the county's authorization (no
    co-pay, up to $400.00) now covers her, so the April run (issued Apr 1, due Apr 11) bills the county
    $400.00 and Lopez 1,000.00 - 400.00 = $600.00: Lopez's $600.00 on Apr 11 + 7 = Apr 18, the county's
    $400.00 on Apr 11 + 30 = May 11. May's run: Lopez's $600.00 on May 18; the county's on Jun 10, after
    the horizon. June's run is due Jun 11, after it too.
    Costs: (3,100 x 3) / 3 = $3,100.00 a month, spread by day: $100.00 a day in March (31 days), $103.33 or
    $103.34 a day in April (a month of 30 days still adds up to $3,100.00).
    Days 1-90 run Mar 6 to Jun 3: March 6-31 = 26 days x 100.00 = 2,600.00; April 3,100.00; May 3,100.00;
    June 1-3 = 3,100 x 3 / 30 = 310.00; out 9,110.00. In: 1,000 + 400 + 600 + 400 + 600 = 3,000.00.
    Balance on Jun 3 = 10,000.00 + 3,000.00 - 9,110.00 = $3,890.00, the lowest (nothing comes in after
    May 18 and costs run on: May 31 = 10,000 - 2,600 + 1,000 - 3,100 + 1,000 - 3,100 + 1,000 = 4,200.00).
    On Mar 17, before Lopez pays: 10,000.00 - 12 x 100.00 = $8,800.00; Mar 18: 8,800.00 + 1,000.00 - 100.00
    = $9,700.00.
    """
    with alliance_scope(world.a.pk):
        assert family_payment_lags(world.x, today=TODAY) == {history.lopez_x.pk: 7}
        assert list(payer_lags(world.x).values()) == [30]
        forecast = cash_flow_forecast(world.x, starting_cash=d("10000.00"), today=TODAY)
    assert forecast.monthly_cost == d("3100.00")
    receipts = [(f.day, f.kind, f.amount, f.to_be_issued) for f in forecast.inflows()]
    assert receipts == [
        (datetime.date(2026, 3, 18), "family", d("1000.00"), False),
        (datetime.date(2026, 4, 10), "third_party", d("400.00"), False),
        (datetime.date(2026, 4, 18), "family", d("600.00"), True),
        (datetime.date(2026, 5, 11), "third_party", d("400.00"), True),
        (datetime.date(2026, 5, 18), "family", d("600.00"), True),
    ]
    by_day = {day.day: day for day in forecast.days}
    assert len(forecast.days) == 90
    assert forecast.days[0].day == datetime.date(2026, 3, 6)
    assert forecast.end_day == datetime.date(2026, 6, 3)
    assert by_day[datetime.date(2026, 3, 17)].balance == d("8800.00")
    assert by_day[datetime.date(2026, 3, 18)].balance == d("9700.00")
    assert by_day[datetime.date(2026, 5, 31)].balance == d("4200.00")
    assert forecast.money_in == d("3000.00")
    assert forecast.money_out == d("9110.00")
    assert sum((day.money_out for day in forecast.days if day.day.month == 4), d("0")) == d("3100.00")
    assert (forecast.lowest.day, forecast.lowest.balance) == (datetime.date(2026, 6, 3), d("3890.00"))


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
    april = next(f for f in forecast.inflows() if f.to_be_issued and f.kind != "third_party")
    assert (april.day, april.kind, april.amount) == (datetime.date(2026, 4, 11), "autopay", d("600.00"))


# --- Invoices not yet issued ------------------------------------------------------------------------
LATER = datetime.date(2026, 3, 20)


@pytest.fixture
def paid_on_the_16th(world, homes):  # noqa: F811
    """One family (Lopez, child Ana) at X on a $1,200.00 monthly plan since Dec 2025. The invoice run issued
    January, February and March on the 1st (due the 11th, billing's DUE_AFTER_DAYS = 10); Lopez paid each
    $1,200.00 on the 16th, 5 days late. Costs: $1,550.00 of rent in each of Dec 2025, Jan and Feb 2026."""
    RatePlanFactory(program=world.x, tuition=d("1200.00"))
    enroll(homes.ana, homes.room_x, start=datetime.date(2025, 12, 1))
    with alliance_scope(world.a.pk):
        for month in (1, 2, 3):
            first = datetime.date(2026, month, 1)
            invoice_program_for_period(program_id=world.x.pk, period_start=first, period_end=month_end(first))
            payment_record(
                actor=None,
                account=homes.lopez_x,
                amount=d("1200.00"),
                method="card",
                received_on=datetime.date(2026, month, 16),
            )
        for month in (datetime.date(2025, 12, 1), datetime.date(2026, 1, 1), datetime.date(2026, 2, 1)):
            MonthlyCost.objects.create(program=world.x, month=month, category="occupancy", amount=d("1550.00"))
    return homes


def test_the_coming_months_invoices_are_forecast(world, paid_on_the_16th):
    """Today is Mar 20 2026, the bank holds $1,000.00 and nothing is owed (March was paid on the 16th).

    Lopez's habit: each invoice was due on the 11th and paid on the 16th: (5 + 5 + 5) / 3 = 5 days late.
    The coming runs bill $1,200.00 on Apr 1, May 1 and Jun 1 (due the 11th), so each is expected on the
    11th + 5 = the 16th: Apr 16, May 16 and Jun 16; days 1-90 run Mar 21 to Jun 18.
    Costs: $1,550.00 a month, by day: $50.00 in March and May (31 days), 1,550 / 30 = $51.67 or $51.66 in
    April and June (cumulative shares rounded: Apr 1-15 = 1,550 x 15 / 30 = 775.00, Apr 1-16 = 826.67).
    Mar 31: 1,000.00 - 11 x 50.00 = 450.00. Apr 15: 450.00 - 775.00 = -325.00. Apr 16: -325.00 + 1,200.00
    - 51.67 = 823.33. Apr 30: 450.00 + 1,200.00 - 1,550.00 = 100.00. May 15: 100.00 - 15 x 50.00 =
    -650.00. May 31: 100.00 + 1,200.00 - 1,550.00 = -250.00. Jun 15: -250.00 - 775.00 = -1,025.00, the
    lowest: the day before June's $1,200.00 arrives. Jun 18: -250.00 + 1,200.00 - 1,550 x 18 / 30 (930.00)
    = $20.00. In 3 x 1,200.00 = 3,600.00; out 550.00 + 1,550.00 + 1,550.00 + 930.00 = 4,580.00.
    """
    with alliance_scope(world.a.pk):
        assert family_payment_lags(world.x, today=LATER) == {paid_on_the_16th.lopez_x.pk: 5}
        forecast = cash_flow_forecast(world.x, starting_cash=d("1000.00"), today=LATER)
    receipts = [(f.day, f.kind, f.amount, f.to_be_issued) for f in forecast.inflows()]
    assert receipts == [
        (datetime.date(2026, 4, 16), "family", d("1200.00"), True),
        (datetime.date(2026, 5, 16), "family", d("1200.00"), True),
        (datetime.date(2026, 6, 16), "family", d("1200.00"), True),
    ]
    assert forecast.inflows()[0].description == "Lopez family: Apr 2026 invoice (to be issued)"
    by_day = {day.day: day.balance for day in forecast.days}
    assert by_day[datetime.date(2026, 3, 31)] == d("450.00")
    assert by_day[datetime.date(2026, 4, 15)] == d("-325.00")
    assert by_day[datetime.date(2026, 4, 16)] == d("823.33")
    assert by_day[datetime.date(2026, 5, 15)] == d("-650.00")
    assert by_day[datetime.date(2026, 5, 31)] == d("-250.00")
    assert (forecast.money_in, forecast.money_out) == (d("3600.00"), d("4580.00"))
    assert (forecast.end_day, forecast.end_balance) == (datetime.date(2026, 6, 18), d("20.00"))
    assert (forecast.lowest.day, forecast.lowest.balance) == (datetime.date(2026, 6, 15), d("-1025.00"))


def test_a_month_already_invoiced_is_not_forecast_twice(world, paid_on_the_16th):
    """The April run went early, on Mar 20 (its invoices dated Apr 1, as the run dates them): April's
    $1,200.00 is an issued invoice (due Apr 11, expected Apr 11 + 5 = Apr 16), and the coming runs add only
    May's and June's. The balances are the worked example's."""
    with alliance_scope(world.a.pk):
        april = datetime.date(2026, 4, 1)
        invoice_program_for_period(program_id=world.x.pk, period_start=april, period_end=month_end(april))
        forecast = cash_flow_forecast(world.x, starting_cash=d("1000.00"), today=LATER)
    assert [(f.day, f.amount, f.to_be_issued) for f in forecast.inflows()] == [
        (datetime.date(2026, 4, 16), d("1200.00"), False),
        (datetime.date(2026, 5, 16), d("1200.00"), True),
        (datetime.date(2026, 6, 16), d("1200.00"), True),
    ]
    assert (forecast.lowest.day, forecast.lowest.balance) == (datetime.date(2026, 6, 15), d("-1025.00"))


def test_a_new_child_fee_charged_once_and_a_new_family_on_its_due_date(world, paid_on_the_16th):
    """Yuri (Young family, no account at X yet, so no habit) starts at X on May 1, three days a week, on plan
    "REG" (for three days a week, so Ana stays on hers): $800.00 a month
    and a $50.00 registration fee. May's run bills 800.00 + 50.00 = $850.00, expected on its due date,
    May 11; June's only the $800.00 (the May run will have charged the fee), on Jun 11."""
    RatePlanFactory(program=world.x, code="REG", days_per_week=3, tuition=d("800.00"), registration_fee=d("50.00"))
    enroll(
        paid_on_the_16th.yuri, paid_on_the_16th.room_x, start=datetime.date(2026, 5, 1), weekdays=[0, 2, 4], ref="REG"
    )
    with alliance_scope(world.a.pk):
        forecast = cash_flow_forecast(world.x, starting_cash=d("0.00"), today=LATER)
    young = [(f.day, f.amount) for f in forecast.inflows() if f.description.startswith("Young family")]
    assert young == [(datetime.date(2026, 5, 11), d("850.00")), (datetime.date(2026, 6, 11), d("800.00"))]
    assert forecast.money_in == d("3600.00") + d("850.00") + d("800.00")


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


def test_the_pdf_shows_the_worked_example(world, clients, paid_on_the_16th, monkeypatch):
    """The forecast of test_the_coming_months_invoices_are_forecast (today Mar 20 2026, $1,000.00 in the bank),
    as the page and the PDF show it: in 3,600.00, out 4,580.00, $20.00 on Jun 18, lowest -$1,025.00 on
    Jun 15; the three receipts of $1,200.00, to be issued."""
    monkeypatch.setattr("budgets.views.alliance_today", lambda alliance=None: LATER)
    url = f"/a/alliance-a/programs/{world.x.pk}/cash-flow/"
    page = clients.provider_x.get(url + "?starting_cash=1000.00").content.decode()
    assert f'href="{url}pdf/?starting_cash=1000.00"' in page
    assert "-$1,025.00" in page
    response = clients.provider_x.get(url + "pdf/?starting_cash=1000.00")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="cash-flow-{world.x.pk}-2026-03-20.pdf"'
    text = pdf_text(response.content)
    assert "Program X: cash-flow forecast" in text
    assert "Cash in the bank on Mar 20, 2026 $1,000.00" in text
    assert "Expected in over 90 days $3,600.00" in text
    assert "($1,550.00 a month, 3 months averaged) $4,580.00" in text
    assert "Balance on Jun 18, 2026 $20.00" in text
    assert "Lowest balance ahead, on Jun 15, 2026 -$1,025.00" in text
    for month, paid_on in (("Apr", "Apr 16"), ("May", "May 16"), ("Jun", "Jun 16")):
        assert (
            f"{paid_on}, 2026 Lopez family: {month} 2026 invoice (to be issued) Family To be issued $1,200.00" in text
        )
    assert "Apr 15, 2026 $0.00 $51.67 -$325.00" in text
    assert "Jun 15, 2026 (lowest) $0.00 $51.67 -$1,025.00" in text
    assert "90 days $3,600.00 $4,580.00 $20.00" in text


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
        assert clients.provider_y.get(url + "pdf/").status_code == 404
        assert clients.staff_b.get(url + "pdf/").status_code == 404
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
