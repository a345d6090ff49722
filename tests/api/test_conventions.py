"""What the fuzzing found, pinned down: the API takes exactly the documented JSON types, answers
every bad input with 400 and errors by field, and every unknown path in JSON."""

from __future__ import annotations

import datetime
import json

from alliance.tenancy import alliance_scope
from tests.members.factories import SiteFactory


def api(world, path: str) -> str:  # type: ignore[no-untyped-def]
    return f"/api/a/{world.a.slug}/{path}"


def post(client, url: str, body: object):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(body), content_type="application/json")


class TestInput:
    def test_a_value_of_the_wrong_json_type_is_a_field_error(self, world, clients):
        site = SiteFactory(program=world.x)
        response = post(
            clients.staff_a,
            api(world, "staff/"),
            {
                "program": world.x.pk,
                "site": site.pk,
                "first_name": 5,
                "last_name": "Teacher",
                "category": "classroom",
                "fte": 1,
                "pay_basis": "hourly",
                "hourly_wage": 18.5,
                "started_on": "2026-01-05",
            },
        )
        assert response.status_code == 400
        errors = response.json()
        assert errors["first_name"] == ["Not a valid string."]
        assert errors["hourly_wage"] == errors["fte"] == ['A decimal number as a string, e.g. "12.50".']

    def test_text_must_be_text_and_an_id_a_number(self, world, clients):
        response = post(clients.staff_a, api(world, "families/"), {"name": "Ortiz family", "city": 7})
        assert response.status_code == 400
        assert list(response.json()) == ["city"]
        response = post(clients.staff_a, api(world, "sites/"), {"program": str(world.x.pk), "name": "Annex"})
        assert response.json()["program"] == ["Incorrect type. Expected pk value, received str."]
        response = post(clients.staff_a, api(world, "staff/"), {"program": world.x.pk, "site": ""})
        assert response.json()["site"] == ["Incorrect type. Expected pk value, received str."]

    def test_a_body_that_is_not_json_is_a_non_field_error(self, world, clients):
        response = clients.staff_a.post(api(world, "families/"), "{name: 'Ortiz'", content_type="application/json")
        assert response.status_code == 400
        assert list(response.json()) == ["non_field_errors"]
        form = clients.staff_a.post(api(world, "families/"), {"name": "Ortiz family"})
        assert form.status_code == 415  # the API takes JSON

    def test_json_nested_too_deep_is_a_non_field_error_and_changes_nothing(self, world, clients):
        from enrollment.models import Family

        with alliance_scope(world.a.pk):
            before = Family.objects.count()
        for depth in (100_000, 500, 33):  # past the decoder's recursion limit, below it, just past ours
            body = '{"name": ' + "[" * depth + "]" * depth + "}"
            response = clients.staff_a.post(api(world, "families/"), body, content_type="application/json")
            assert response.status_code == 400, depth
            assert response.json() == {"non_field_errors": ["JSON parse error - JSON nested more than 32 levels deep."]}
        # 32 levels is still JSON this API reads (and then refuses as the wrong type for a name).
        body = '{"name": ' + "[" * 31 + "]" * 31 + "}"
        response = clients.staff_a.post(api(world, "families/"), body, content_type="application/json")
        assert response.status_code == 400
        assert list(response.json()) == ["name"]
        with alliance_scope(world.a.pk):
            assert Family.objects.count() == before

    def test_a_new_classroom_cannot_be_closed_already(self, world, clients):
        site = SiteFactory(program=world.x)
        response = post(
            clients.staff_a,
            api(world, "classrooms/"),
            {
                "site": site.pk,
                "name": "Robins",
                "age_group": "preschool",
                "children_per_staff": 10,
                "operating_days": [0, 1, 2, 3, 4],
                "opens_at": "07:00",
                "closes_at": "18:00",
                "initial_licensed_capacity": 20,
                "closed_on": "2026-01-01",
            },
        )
        assert response.status_code == 400
        assert response.json() == {"closed_on": ["A new classroom is open; close it later with PATCH."]}

    def test_whose_a_record_is_cannot_change_on_update(self, world, clients):
        site = SiteFactory(program=world.x)
        url = api(world, f"sites/{site.pk}/")
        moved = clients.staff_a.patch(url, json.dumps({"program": world.y.pk}), content_type="application/json")
        assert moved.json() == {"program": ["Set when the record was added; it cannot change."]}
        wrong_type = clients.staff_a.patch(url, json.dumps({"program": "x"}), content_type="application/json")
        assert wrong_type.status_code == 400
        same = clients.staff_a.patch(
            url, json.dumps({"program": world.x.pk, "name": "Annex"}), content_type="application/json"
        )
        assert same.status_code == 200
        assert same.json()["program"] == world.x.pk


class TestServiceRefusals:
    """A service refuses with Django's ValidationError; the exception handler answers it as the
    same 400 as a serializer's, keyed by field, and nothing is saved."""

    def test_a_refusal_about_a_field_is_keyed_by_that_field(self, world, clients):
        url = api(world, f"programs/{world.x.pk}/status/")
        before = clients.admin_a.get(api(world, f"programs/{world.x.pk}/")).json()
        response = post(clients.admin_a, url, {"status": before["status"], "effective_on": "2026-01-05"})
        assert response.status_code == 400
        assert list(response.json()) == ["status"]
        assert response.json()["status"][0].startswith("The program is already")
        assert clients.admin_a.get(api(world, f"programs/{world.x.pk}/")).json() == before

    def test_a_refusal_of_the_whole_request_is_a_non_field_error(self, world, clients, today):
        closes_on = (today + datetime.timedelta(days=30)).isoformat()
        cycle = post(clients.staff_a, api(world, "purchasing-cycles/"), {"name": "Spring", "closes_on": closes_on})
        assert cycle.status_code == 201, cycle.json()
        url = api(world, f"purchasing-cycles/{cycle.json()['id']}/")
        response = post(clients.staff_a, url + "place-orders/", {})
        assert response.status_code == 400
        assert response.json() == {"non_field_errors": ["No member has ordered anything in this cycle yet."]}
        assert clients.staff_a.get(url).json()["status"] == cycle.json()["status"]


class TestQueries:
    def test_filters_refuse_empty_vague_or_repeated_values(self, world, clients):
        for query, field in (
            ("?active_on=", "active_on"),
            ("?program=1.5", "program"),
            ("?program=1&program=2", "program"),
            ("?category=", "category"),
        ):
            response = clients.staff_a.get(api(world, f"staff/{query}"))
            assert response.status_code == 400, query
            assert list(response.json()) == [field], query
        assert clients.staff_a.get(api(world, "services/?is_active=yes")).json() == {
            "is_active": ["Use true or false."]
        }

    def test_page_numbers_are_whole_numbers(self, world, clients):
        assert clients.staff_a.get(api(world, "programs/?page=")).json() == {"page": ["A page number: 1, 2, 3…"]}
        assert clients.staff_a.get(api(world, "programs/?page=abc")).status_code == 400
        assert clients.staff_a.get(api(world, "programs/?page=9")).status_code == 404
        assert clients.staff_a.get(api(world, "programs/?page=1")).json()["count"] == 2

    def test_report_parameters_are_checked(self, world, clients):
        assert clients.staff_a.get(api(world, "vacancies/?days=0")).json() == {"days": ["A whole number, 1 to 366."]}
        assert list(clients.staff_a.get(api(world, "vacancies/?start=9999-12-31")).json()) == ["start"]
        assert list(clients.staff_a.get(api(world, "aging/?as_of=")).json()) == ["as_of"]
        assert list(clients.staff_a.get(api(world, "vacancies/?area=%00")).json()) == ["area"]
        assert list(clients.staff_a.get(api(world, "metrics/program-months/?from=2026-13")).json()) == ["from"]
        assert clients.staff_a.get(api(world, f"programs/{world.x.pk}/monthly-costs/?months=61")).json() == {
            "months": ["A whole number, 1 to 60."]
        }
        assert len(clients.staff_a.get(api(world, f"programs/{world.x.pk}/monthly-costs/?months=3")).json()) == 3


def test_an_unknown_api_path_is_a_json_404(world, clients):
    response = clients.staff_a.get(api(world, "programs/1.5/"))
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert clients.staff_b.get(api(world, f"programs/{world.x.pk}/")).status_code == 404
    page = clients.staff_a.get(f"/a/{world.a.slug}/no-such-page/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")
