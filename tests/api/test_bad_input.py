"""The independent fuzzing's findings (issue #21, "Independent API fuzzing"), each pinned down: the
URL or body it quoted answers 400 naming the field, not a 500 or a 201 that fails later, and
nothing is saved. The classes behind them are closed at the root: dates are bounded by their kind
where they enter (alliance.dates; api_fields.DateField, api_params, filters, page forms), date
arithmetic raises DateOutOfRange rather than OverflowError, and every writable serializer refuses
fields it does not take (alliance.api_base.StrictInput)."""

from __future__ import annotations

import datetime
import json

import pytest

from alliance.dates import (
    BIRTH_DATE,
    BUSINESS_DATE,
    BUSINESS_MONTH,
    PAYMENT_DATE,
    RECORD_DATE,
    DateOutOfRange,
    add_days,
    add_months,
    date_or_none,
    month_or_none,
    months_between,
    next_month_start,
)
from alliance.tenancy import alliance_scope
from tests.members.factories import SiteFactory, classroom


def api(world, path: str) -> str:  # type: ignore[no-untyped-def]
    return f"/api/a/{world.a.slug}/{path}"


def send(client, method: str, url: str, body: object):  # type: ignore[no-untyped-def]
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


class TestDateArithmetic:
    def test_month_and_day_arithmetic_past_the_calendar_is_a_value_error_not_an_overflow(self):
        for call in (
            lambda: add_months(datetime.date(9999, 12, 1), 1),
            lambda: add_months(datetime.date(1, 1, 31), -1),
            lambda: next_month_start(datetime.date(9999, 12, 5)),
            lambda: add_days(datetime.date(1, 1, 1), -1),
            lambda: months_between(datetime.date(9999, 11, 1), datetime.date(9999, 12, 31)),
        ):
            with pytest.raises(DateOutOfRange):
                call()
        # Inside the calendar nothing changes: Jan 31 + 1 month is Feb 28; Dec 31 + 1 day is Jan 1.
        assert add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
        assert add_days(datetime.date(2026, 12, 31), 1) == datetime.date(2027, 1, 1)

    def test_each_kind_of_date_has_its_plausible_range(self):
        """Worked example, today 2026-12-06: business dates 2000-01-01 .. 2031-12-06 (5 years
        ahead); payments up to 31 days ahead (2027-01-06); birth dates 1926-12-06 .. 2031-12-06
        (an expected birth is on the waitlist; the family service narrows it to ten months);
        records such as a hire from 1950-01-01 to 10 years ahead; months 2000-01 .. 2031-12."""
        today = datetime.date(2026, 12, 6)
        assert BUSINESS_DATE.bounds(today) == (datetime.date(2000, 1, 1), datetime.date(2031, 12, 6))
        assert PAYMENT_DATE.bounds(today)[1] == datetime.date(2027, 1, 6)
        assert BIRTH_DATE.bounds(today) == (datetime.date(1926, 12, 6), datetime.date(2031, 12, 6))
        assert RECORD_DATE.bounds(today) == (datetime.date(1950, 1, 1), datetime.date(2036, 12, 6))
        assert BUSINESS_MONTH.check(datetime.date(2031, 12, 1), today) == datetime.date(2031, 12, 1)
        assert BUSINESS_MONTH.message(today) == "A month from 2000-01 to 2031-12."
        for kind, bad in ((BUSINESS_DATE, datetime.date(1999, 12, 31)), (BIRTH_DATE, datetime.date(2031, 12, 7))):
            with pytest.raises(DateOutOfRange):
                kind.check(bad, today)
        assert RECORD_DATE.check(datetime.date(1995, 8, 1), today) == datetime.date(1995, 8, 1)  # hired in 1995

    def test_a_pages_month_parameter_past_the_range_is_its_default(self):
        """Pages read `?from=`/`?to=` leniently (month_or_none): 9999-12 is no month, so the page
        shows its default period instead of doing month arithmetic past the calendar."""
        assert month_or_none("9999-12") is None
        assert month_or_none("0001-01") is None
        assert month_or_none("2026-03") == datetime.date(2026, 3, 1)

    def test_a_pages_date_parameter_past_the_range_is_its_default_not_a_500(self, world, clients):
        """`?as_of=`, `?to=`, `?from=` of pages are read by date_or_none: year 1 or 9999 is no
        business date, so aging says so and ages on today, cover fill rates show their last 90 days."""
        assert date_or_none("9999-12-31") is None
        assert date_or_none("2026-03-04") == datetime.date(2026, 3, 4)
        aging = clients.staff_a.get(f"/a/{world.a.slug}/billing/aging/?as_of=0001-01-01")
        assert aging.status_code == 200
        assert "Give the date as YYYY-MM-DD. A date from 2000-01-01 to" in aging.text
        for query in ("to=0001-01-01", "from=9999-12-31", "to=9999-12-31"):
            assert clients.staff_a.get(f"/a/{world.a.slug}/cover/fill-rates/?{query}").status_code == 200


class TestQueryDates:
    def test_cover_fill_rates_to_year_one_is_a_400_naming_to(self, world, clients):
        response = clients.staff_a.get(api(world, "cover-requests/fill-rates/?to=0001-01-01"))
        assert response.status_code == 400
        assert list(response.json()) == ["to"]
        assert response.json()["to"][0].startswith("A date from 2000-01-01 to ")
        assert list(clients.staff_a.get(api(world, "cover-requests/fill-rates/?from=9999-12-31")).json()) == ["from"]
        assert clients.staff_a.get(api(world, "cover-requests/fill-rates/?to=2026-11-30")).status_code == 200

    def test_vacancy_matches_from_year_9999_is_a_400_naming_start(self, world, clients):
        with alliance_scope(world.a.pk):
            room = classroom(SiteFactory(program=world.x))
        response = clients.staff_a.get(api(world, f"vacancies/{room.pk}/matches/?start=9999-12-31"))
        assert response.status_code == 400
        assert list(response.json()) == ["start"]

    def test_value_of_membership_to_year_9999_is_a_400_naming_to(self, world, clients):
        response = clients.staff_a.get(api(world, "value-of-membership/?to=9999-12"))
        assert response.status_code == 400
        assert list(response.json()) == ["to"]
        assert response.json()["to"][0].startswith("A month from 2000-01 to ")
        assert list(clients.staff_a.get(api(world, "value-of-membership/?from=0001-01")).json()) == ["from"]

    def test_a_date_filter_out_of_range_is_a_400_naming_it(self, world, clients):
        response = clients.staff_a.get(api(world, "ledger-entries/?since=0001-01-01"))
        assert response.status_code == 400
        assert list(response.json()) == ["since"]
        assert list(clients.staff_a.get(api(world, "costs/?month_to=9999-12-01")).json()) == ["month_to"]


class TestBodyDates:
    def test_an_invoice_run_for_9999_12_is_refused_and_none_is_queued(self, world, clients):
        from billing.models import InvoiceRun

        response = send(clients.admin_a, "post", api(world, "invoice-runs/"), {"period_start": "9999-12-01"})
        assert response.status_code == 400
        assert list(response.json()) == ["period_start"]
        with alliance_scope(world.a.pk):
            assert not InvoiceRun.objects.exists()

    def test_payments_costs_and_staff_dates_of_year_1_or_9999_are_field_errors(self, world, clients):
        payment = send(
            clients.staff_a,
            "post",
            api(world, "payments/"),
            {"account": 1, "amount": "10.00", "method": "card", "received_on": "9999-12-31"},
        )
        assert payment.status_code == 400
        assert payment.json()["received_on"][0].startswith("A date from 2000-01-01 to ")
        cost = send(
            clients.provider_x,
            "post",
            api(world, "costs/"),
            {"program": world.x.pk, "month": "0001-01-01", "category": "food", "amount": "10.00"},
        )
        assert cost.status_code == 400
        assert list(cost.json()) == ["month"]
        site = SiteFactory(program=world.x)
        staff = send(
            clients.staff_a,
            "post",
            api(world, "staff/"),
            {
                "program": world.x.pk,
                "site": site.pk,
                "first_name": "Ada",
                "last_name": "Teacher",
                "position": "Teacher",
                "category": "classroom",
                "fte": "1.00",
                "pay_basis": "hourly",
                "hourly_wage": "18.50",
                "started_on": "0001-01-05",
            },
        )
        assert staff.status_code == 400
        assert list(staff.json()) == ["started_on"]
        assert staff.json()["started_on"][0].startswith("A date from 1950-01-01 to ")


class TestFieldsThatCannotChange:
    def test_patching_a_coaching_goals_program_is_a_400_not_a_silent_200(self, world, clients, today):
        url = api(world, "coaching-goals/")
        goal = send(
            clients.staff_a,
            "post",
            url,
            {"program": world.x.pk, "title": "Drill log", "focus": "licensing_qris", "due_on": today.isoformat()},
        )
        assert goal.status_code == 201, goal.content
        detail = url + f"{goal.json()['id']}/"
        moved = send(clients.staff_a, "patch", detail, {"program": world.y.pk})
        assert moved.status_code == 400
        assert list(moved.json()) == ["program"]
        assert clients.staff_a.get(detail).json()["program"] == world.x.pk
        # The same program again (a PUT of what a GET answered) is not a change.
        same = send(clients.staff_a, "patch", detail, {"program": world.x.pk, "title": "Drill log, monthly"})
        assert same.status_code == 200, same.content
        assert same.json()["title"] == "Drill log, monthly"

    def test_an_unknown_or_read_only_field_in_a_body_is_a_400_naming_it(self, world, clients):
        site = SiteFactory(program=world.x)
        url = api(world, f"sites/{site.pk}/")
        typo = send(clients.staff_a, "patch", url, {"nmae": "Annex"})
        assert typo.status_code == 400
        assert typo.json() == {"nmae": ["Not a field of this request."]}
        new_id = send(clients.staff_a, "patch", url, {"id": site.pk + 1000})
        assert new_id.json() == {"id": ["Read-only: it cannot be set or changed here."]}
        assert clients.staff_a.get(url).json()["name"] == site.name
        # Repeating the id it has is harmless (a PUT of what GET answered).
        assert send(clients.staff_a, "patch", url, {"id": site.pk, "name": "Annex"}).status_code == 200


class TestPageForms:
    def test_a_page_forms_date_out_of_range_is_a_form_error(self, world):
        from members.forms import HubForm

        class Form(HubForm):
            from django import forms

            effective_on = forms.DateField()
            date_of_birth = forms.DateField()

        with alliance_scope(world.a.pk):
            form = Form(data={"effective_on": "9999-12-31", "date_of_birth": "1800-01-01"})
            assert not form.is_valid()
            assert form.errors["effective_on"][0].startswith("A date from 2000-01-01 to ")
            assert set(form.errors) == {"effective_on", "date_of_birth"}


class TestSchemaLimits:
    def test_limits_and_nulls_are_in_the_schema_itself(self, db):
        from tests.api.test_schemathesis import RAW_SCHEMA

        operations = [
            (path, method, op)
            for path, item in RAW_SCHEMA["paths"].items()
            for method, op in item.items()
            if method in ("get", "post", "put", "patch")
        ]
        parameters = [(path, p) for path, _, op in operations for p in op.get("parameters", [])]
        pages = [p["schema"] for _, p in parameters if p["name"] == "page"]
        assert pages
        assert all(schema == {"type": "integer", "minimum": 1} for schema in pages)
        # Ids and counts are integers, never "any number"; counts carry their bounds.
        assert [(path, p["name"]) for path, p in parameters if p["schema"].get("type") == "number"] == []
        days = next(p for path, p in parameters if path.endswith("/vacancies/") and p["name"] == "days")
        assert days["schema"] == {"type": "integer", "minimum": 1, "maximum": 366}
        months = [p for path, p in parameters if path.endswith("/value-of-membership/") and p["name"] in ("from", "to")]
        assert all("pattern" in p["schema"] for p in months)
        assert len(months) == 2
        # Every operation with a body says a business rule may refuse valid input (400 with the reason).
        assert all(op.get("x-hub-business-rules") for _, _, op in operations if "requestBody" in op)
        cover = RAW_SCHEMA["components"]["schemas"]["CoverRequest"]["properties"]
        assert cover["substitute_name"]["nullable"] is True
