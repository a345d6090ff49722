"""One formatter (alliance/formatting.py): money, numbers, percentages and dates in the alliance's locale,
alike on billing pages and figures pages."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from alliance import formatting
from alliance.models import Locale
from alliance.tenancy import alliance_scope
from billing.ledger import ledger_entry_post
from billing.models import EntryKind, FamilyAccount
from enrollment.models import Family
from metrics.models import HubMoney, HubMoneyKind

DAY = datetime.date(2026, 1, 5)  # a Monday


@pytest.mark.parametrize(
    ("locale", "money", "negative", "date", "weekday"),
    [
        ("en-us", "$1,200.00", "-$12.50", "Jan 5, 2026", "Mon Jan 5, 2026"),
        ("en-ca", "$1,200.00", "-$12.50", "2026-01-05", "Mon 2026-01-05"),
        ("en-gb", "£1,200.00", "-£12.50", "5 Jan 2026", "Mon 5 Jan 2026"),
        ("en-au", "$1,200.00", "-$12.50", "5 Jan 2026", "Mon 5 Jan 2026"),
    ],
)
def test_each_locale_writes_its_own_money_and_dates(locale, money, negative, date, weekday):
    with translation.override(locale):
        assert formatting.money(Decimal("1200")) == money
        assert formatting.money(Decimal("-12.5")) == negative
        assert formatting.day(DAY) == date
        assert formatting.weekday_day(DAY) == weekday


def test_rounding_signs_and_missing_values():
    with translation.override("en-us"):
        assert formatting.money(Decimal("1523.445")) == "$1,523.45"  # half up, once
        assert formatting.money(Decimal("1523.5"), places=0) == "$1,524"
        assert formatting.money(Decimal("-0.001")) == "$0.00"  # no "-$0.00"
        assert formatting.signed_money(Decimal("20")) == "+$20.00"
        assert formatting.signed_money(Decimal("-20")) == "-$20.00"
        assert formatting.pct(Decimal("0.8512")) == "85.1%"
        assert formatting.percent(Decimal("87.5")) == "87.5%"
        assert formatting.number(Decimal("12345.678"), 1) == "12,345.7"
        assert [formatting.money(None), formatting.pct(""), formatting.day(None)] == ["—", "—", "—"]


@pytest.fixture
def twelve_hundred(world):
    """$1,200.00 owed on a billing page and $1,200.00 of Hub cost on a figures page, in alliance A."""
    with alliance_scope(world.a.pk):
        family = Family.objects.create(name="Lopez family")
        account = FamilyAccount.objects.create(family=family, program=world.x)
        ledger_entry_post(
            account=account,
            kind=EntryKind.CHARGE,
            amount=Decimal("1200.00"),
            posted_on=DAY,
            description="January tuition",
        )
        HubMoney.objects.create(month=DAY.replace(day=1), kind=HubMoneyKind.COST, amount=Decimal("1200.00"))
    return account


def pages(world, clients, account) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    billing = clients.admin_a.get(f"/a/{world.a.slug}/billing/accounts/{account.pk}/").content.decode()
    figures = clients.admin_a.get(f"/a/{world.a.slug}/dashboard/hub-money/").content.decode()
    return billing, figures


def test_billing_and_figures_pages_write_money_alike(world, clients, twelve_hundred):
    billing, figures = pages(world, clients, twelve_hundred)
    assert 'id="balance">$1,200.00<' in billing
    assert "$1,200.00" in figures
    assert "1200.00" not in billing  # no bare amounts left on the billing page


def test_an_en_gb_alliance_sees_pounds_on_both(world, clients, twelve_hundred):
    world.a.locale = Locale.EN_GB
    world.a.save()
    billing, figures = pages(world, clients, twelve_hundred)
    assert 'id="balance">£1,200.00<' in billing
    assert "£1,200.00" in figures
    assert "$1,200.00" not in billing
    assert "$1,200.00" not in figures
    assert "5 Jan 2026" in billing  # the ledger's date in the alliance's style too


@pytest.mark.parametrize("locale", ["en-us", "en-ca", "en-gb", "en-au"])
def test_the_fast_writing_of_amounts_and_dates_is_djangos_text(locale):
    """money/number write amounts directly and keep dates' text (alliance/formatting.py): the same
    characters as Django's number_format and date_format, for every locale."""
    from django.utils.formats import date_format, number_format

    values = [Decimal(v) for v in ("0", "-0.00", "-0.004", "0.005", "7", "-12.5", "999.995", "1234567.891")]
    values += [Decimal(n) / 100 for n in range(-123456, 123457, 7919)]
    with translation.override(locale):
        symbol = formatting.currency_symbol()
        for value in values:
            for places in (0, 1, 2):
                rounded = formatting._rounded(value, places)
                django_text = number_format(abs(rounded), places, use_l10n=True, force_grouping=True)
                assert formatting.money(value, places) == ("-" if rounded < 0 else "") + symbol + django_text
                assert formatting.number(value, places) == number_format(
                    rounded, places, use_l10n=True, force_grouping=True
                )
            assert formatting.number(value) == number_format(value, None, use_l10n=True, force_grouping=True)
        for offset in range(0, 400, 37):
            day = DAY + datetime.timedelta(days=offset)
            for fmt in ("DATE_FORMAT", "MONTH_DAY_FORMAT", "SHORT_DATE_FORMAT"):
                assert formatting.day(day, fmt) == date_format(day, fmt, use_l10n=True)
                assert formatting.day(day, fmt) == date_format(day, fmt, use_l10n=True)  # kept: the same
    assert formatting.money(Decimal("1234.5")) == "$1,234.50"  # outside the override: en-us again


@pytest.mark.parametrize("locale", ["en-us", "en-gb"])
def test_the_date_filter_keeps_djangos_text(locale):
    """`|date` in templates keeps a date's text per format and language (hub_format); a datetime
    is still written in the time zone it is shown in."""
    from django.template import Context, Template
    from django.template.defaultfilters import date as django_date
    from django.utils import timezone

    page = Template("{{ d|date }}|{{ d|date:'D j M Y' }}|{{ d|date:'SHORT_DATE_FORMAT' }}|{{ at|date:'H:i' }}")
    at = datetime.datetime(2026, 1, 5, 23, 30, tzinfo=datetime.UTC)
    with translation.override(locale):
        for offset in range(0, 60, 7):
            day = DAY + datetime.timedelta(days=offset)
            expected = f"{django_date(day)}|{django_date(day, 'D j M Y')}|{django_date(day, 'SHORT_DATE_FORMAT')}|"
            for zone, time in (("UTC", "23:30"), ("America/Chicago", "17:30")):
                with timezone.override(zone):
                    assert page.render(Context({"d": day, "at": at})) == expected + time
    assert Template("{{ d|date:'D j M Y' }}").render(Context({"d": DAY})) == "Mon 5 Jan 2026"
