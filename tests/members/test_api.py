"""The members API, scoped like the pages; writes go through the services."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest

from alliance.dates import alliance_today
from members.models import (
    Classroom,
    ClassroomCapacity,
    MemberProgram,
    MonthlyCost,
    ServiceSubscription,
    StaffMember,
)
from tests.members.factories import (
    ClassroomCapacityFactory,
    CredentialFactory,
    HubServiceFactory,
    InspectionFactory,
    MonthlyCostFactory,
    StaffMemberFactory,
    SubscriptionFactory,
)

D = datetime.date


def post(client, url, data):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(data), content_type="application/json")


def patch(client, url, data):  # type: ignore[no-untyped-def]
    return client.patch(url, json.dumps(data), content_type="application/json")


def results(response) -> list[dict]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.fixture
def joined(world, in_a):
    """Factory programs have no join date; active members need one to be edited."""
    with in_a():
        MemberProgram.objects.filter(pk__in=[world.x.pk, world.y.pk]).update(joined_on=D(2021, 10, 1))


@pytest.mark.usefixtures("joined")
class TestPrograms:
    def test_hub_staff_edit_a_profile(self, clients, world, api, in_a):
        response = patch(
            clients.staff_a, api(f"programs/{world.x.pk}/"), {"licensed_capacity": 64, "license_number": "CC-77"}
        )
        assert response.status_code == 200
        assert response.json()["licensed_capacity"] == 64
        with in_a():
            assert MemberProgram.objects.get(pk=world.x.pk).license_number == "CC-77"

    def test_a_duplicate_license_is_a_400_on_its_field_and_changes_nothing(self, clients, world, api, in_a):
        patch(clients.staff_a, api(f"programs/{world.y.pk}/"), {"license_number": "CC-77"})
        response = patch(
            clients.staff_a, api(f"programs/{world.x.pk}/"), {"license_number": "cc-77", "licensed_capacity": 9}
        )
        assert response.status_code == 400
        assert "license_number" in response.json()
        with in_a():
            assert MemberProgram.objects.get(pk=world.x.pk).licensed_capacity == 0

    def test_status_is_changed_only_by_the_hub_admin_through_its_action(self, clients, world, api, in_a):
        # A read-only field is refused by name, not quietly ignored; the status stays.
        assert patch(clients.staff_a, api(f"programs/{world.x.pk}/"), {"status": "left"}).json() == {
            "status": ["Read-only: it cannot be set or changed here."]
        }
        assert clients.staff_a.get(api(f"programs/{world.x.pk}/")).json()["status"] == "active"
        url = api(f"programs/{world.x.pk}/status/")
        body = {"status": "paused", "effective_on": "2026-01-10", "reason": "Renovation"}
        assert post(clients.staff_a, url, body).status_code == 403
        response = post(clients.admin_a, url, body)
        assert response.status_code == 200
        assert response.json()["status"] == "paused"

    def test_only_the_hub_admin_creates_programs(self, clients, api, in_a):
        body = {"name": "New Centre", "kind": "centre", "licensed_capacity": 40}
        assert post(clients.staff_a, api("programs/"), body).status_code == 403
        response = post(clients.admin_a, api("programs/"), body)
        assert response.status_code == 201
        assert response.json()["status"] == "applicant"
        assert post(clients.admin_a, api("programs/"), {**body, "name": "Gone", "status": "left"}).status_code == 400

    def test_providers_read_but_do_not_edit_their_profile(self, clients, world, api):
        assert clients.provider_x.get(api(f"programs/{world.x.pk}/")).status_code == 200
        assert patch(clients.provider_x, api(f"programs/{world.x.pk}/"), {"licensed_capacity": 1}).status_code == 403

    def test_monthly_costs_fill_personnel_from_the_roster(self, clients, world, api):
        StaffMemberFactory(program=world.x, started_on=D(2020, 1, 1))
        rows = clients.provider_x.get(api(f"programs/{world.x.pk}/monthly-costs/"), {"months": 2}).json()
        assert len(rows) == 2
        assert rows[0]["personnel"] == "3120.00"
        assert rows[0]["personnel_from_roster"] is True
        assert rows[0]["food"] is None
        assert rows[0]["total"] == "3120.00"

    def test_nothing_is_deleted(self, clients, world, api):
        assert clients.admin_a.delete(api(f"programs/{world.x.pk}/")).status_code == 405

    def test_an_active_member_without_a_join_date_must_get_one(self, clients, world, api, in_a):
        with in_a():
            MemberProgram.objects.filter(pk=world.x.pk).update(joined_on=None)
        response = patch(clients.staff_a, api(f"programs/{world.x.pk}/"), {"city": "Oak Park"})
        assert response.status_code == 400
        assert "joined_on" in response.json()
        response = patch(
            clients.staff_a, api(f"programs/{world.x.pk}/"), {"city": "Oak Park", "joined_on": "2020-09-01"}
        )
        assert response.status_code == 200


class TestSitesAndClassrooms:
    def test_hub_staff_add_a_site_providers_cannot(self, clients, world, api, in_a):
        body = {"program": world.x.pk, "name": "Annex"}
        assert post(clients.provider_x, api("sites/"), body).status_code == 403
        assert post(clients.staff_a, api("sites/"), body).status_code == 201
        duplicate = post(clients.staff_a, api("sites/"), {**body, "name": "annex"})
        assert duplicate.status_code == 400
        assert "name" in duplicate.json()

    def test_provider_creates_a_classroom_with_its_capacity(self, clients, x, api, in_a):
        response = post(
            clients.provider_x,
            api("classrooms/"),
            {
                "site": x.site.pk,
                "name": "Ladybugs",
                "age_group": "infant",
                "children_per_staff": 4,
                "operating_days": [4, 0, 1, 2, 3],
                "opens_at": "07:00",
                "closes_at": "18:00",
                "initial_licensed_capacity": 8,
                "effective_from": "2026-01-05",
            },
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["operating_days"] == [0, 1, 2, 3, 4]
        assert body["licensed_capacity"] == 8
        assert body["program"] == x.program.pk

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"children_per_staff": 9}, "children_per_staff"),
            ({"closes_at": "06:00"}, "closes_at"),
            ({"operating_days": [7]}, "operating_days"),
            ({"initial_desired_capacity": 9}, "desired_capacity"),
            ({"initial_licensed_capacity": -1}, "initial_licensed_capacity"),
        ],
    )
    def test_invalid_classrooms_are_400_with_the_field(self, clients, x, api, in_a, changes, field):
        body = {
            "site": x.site.pk,
            "name": "Ladybugs",
            "age_group": "infant",
            "children_per_staff": 4,
            "operating_days": [0, 1, 2, 3, 4],
            "opens_at": "07:00",
            "closes_at": "18:00",
            "initial_licensed_capacity": 8,
            **changes,
        }
        response = post(clients.provider_x, api("classrooms/"), body)
        assert response.status_code == 400
        assert field in response.json()
        with in_a():
            assert not Classroom.objects.filter(name="Ladybugs").exists()

    def test_a_site_of_another_program_does_not_exist_for_a_provider(self, clients, x, y, api, in_a):
        response = post(
            clients.provider_x,
            api("classrooms/"),
            {
                "site": y.site.pk,
                "name": "Sneaky",
                "age_group": "preschool",
                "children_per_staff": 10,
                "operating_days": [0],
                "opens_at": "07:00",
                "closes_at": "18:00",
                "initial_licensed_capacity": 10,
            },
        )
        assert response.status_code == 400
        assert "does not exist" in str(response.json()["site"])
        with in_a():
            assert not Classroom.objects.filter(name="Sneaky").exists()

    def test_capacity_on_a_date_through_the_api(self, clients, x, api):
        ClassroomCapacityFactory(classroom=x.room, effective_from=D(2026, 3, 1), licensed_capacity=16)
        before = results(clients.provider_x.get(api("classrooms/"), {"on": "2026-02-28"}))
        after = results(clients.provider_x.get(api("classrooms/"), {"on": "2026-03-01"}))
        assert [r["licensed_capacity"] for r in before] == [20]
        assert [r["licensed_capacity"] for r in after] == [16]
        assert clients.provider_x.get(api("classrooms/"), {"on": "soon"}).status_code == 400

    def test_capacity_changes_are_posted_not_patched_onto_the_classroom(self, clients, x, api, in_a):
        assert (
            patch(clients.provider_x, api(f"classrooms/{x.room.pk}/"), {"initial_licensed_capacity": 3}).status_code
            == 400
        )
        response = post(
            clients.provider_x,
            api("classroom-capacities/"),
            {"classroom": x.room.pk, "effective_from": "2026-09-01", "licensed_capacity": 18},
        )
        assert response.status_code == 201
        history = results(clients.provider_x.get(api("classroom-capacities/"), {"classroom": x.room.pk}))
        assert [(h["effective_from"], h["licensed_capacity"]) for h in history] == [
            ("2026-09-01", 18),
            ("2025-01-01", 20),
        ]
        assert clients.provider_x.delete(api(f"classroom-capacities/{history[0]['id']}/")).status_code == 405

    def test_a_provider_cannot_change_another_programs_capacity(self, clients, y, api, in_a):
        response = post(
            clients.provider_x,
            api("classroom-capacities/"),
            {"classroom": y.room.pk, "effective_from": "2026-09-01", "licensed_capacity": 1},
        )
        assert response.status_code == 400
        with in_a():
            assert ClassroomCapacity.objects.filter(classroom=y.room).count() == 1


class TestStaffAndCredentials:
    def test_provider_adds_staff_money_as_strings(self, clients, world, api):
        response = post(
            clients.provider_x,
            api("staff/"),
            {
                "program": world.x.pk,
                "first_name": "Maria",
                "last_name": "Lopez",
                "position": "Lead teacher",
                "category": "classroom",
                "fte": "1.00",
                "pay_basis": "hourly",
                "hourly_wage": "18.5",
                "started_on": "2025-08-18",
            },
        )
        assert response.status_code == 201, response.content
        assert response.json()["hourly_wage"] == "18.50"

    def test_pay_rules_are_400_on_their_fields(self, clients, world, api, in_a):
        response = post(
            clients.provider_x,
            api("staff/"),
            {
                "program": world.x.pk,
                "first_name": "Maria",
                "last_name": "Lopez",
                "position": "Director",
                "category": "administration",
                "fte": "1.00",
                "pay_basis": "salary",
                "hourly_wage": "18.50",
                "started_on": "2025-08-18",
            },
        )
        assert response.status_code == 400
        assert set(response.json()) == {"annual_salary", "hourly_wage"}
        with in_a():
            assert not StaffMember.objects.exists()

    def test_a_provider_cannot_add_staff_to_another_program(self, clients, world, api, in_a):
        response = post(
            clients.provider_x,
            api("staff/"),
            {
                "program": world.y.pk,
                "first_name": "A",
                "last_name": "B",
                "position": "C",
                "category": "classroom",
                "fte": "1.00",
                "pay_basis": "hourly",
                "hourly_wage": "15.00",
                "started_on": "2025-01-01",
            },
        )
        assert response.status_code == 400
        assert "program" in response.json()

    def test_active_on_filter(self, clients, world, api):
        StaffMemberFactory(program=world.x, first_name="Now")
        StaffMemberFactory(program=world.x, first_name="Then", ended_on=D(2025, 1, 1))
        rows = results(clients.staff_a.get(api("staff/"), {"active_on": "2026-01-01"}))
        assert [r["first_name"] for r in rows] == ["Now"]

    def test_expiring_credentials(self, clients, world, api):
        member = StaffMemberFactory(program=world.x)
        soon = alliance_today(world.a) + datetime.timedelta(days=30)
        CredentialFactory(staff=member, name="CPR", expires_on=soon)
        CredentialFactory(staff=member, name="CDA", expires_on=soon + datetime.timedelta(365))
        rows = results(clients.provider_x.get(api("credentials/"), {"expiring": "true"}))
        assert [r["name"] for r in rows] == ["CPR"]


class TestCosts:
    def test_provider_records_and_corrects_a_cost(self, clients, world, api, in_a):
        created = post(
            clients.provider_x,
            api("costs/"),
            {"program": world.x.pk, "month": "2026-01-17", "category": "food", "amount": "1850.2"},
        )
        assert created.status_code == 201, created.content
        assert (created.json()["month"], created.json()["amount"]) == ("2026-01-01", "1850.20")
        again = post(
            clients.provider_x,
            api("costs/"),
            {"program": world.x.pk, "month": "2026-01-01", "category": "food", "amount": "1"},
        )
        assert again.status_code == 400
        assert "category" in again.json()
        fixed = patch(clients.provider_x, api(f"costs/{created.json()['id']}/"), {"amount": "1900.00"})
        assert fixed.json()["amount"] == "1900.00"
        with in_a():
            assert MonthlyCost.objects.get().amount == Decimal("1900.00")

    @pytest.mark.parametrize("amount", ["-1.00", "1.001", "lots"])
    def test_invalid_amounts_are_400(self, clients, world, api, in_a, amount):
        response = post(
            clients.provider_x,
            api("costs/"),
            {"program": world.x.pk, "month": "2026-01-01", "category": "food", "amount": amount},
        )
        assert response.status_code == 400
        assert "amount" in response.json()
        with in_a():
            assert not MonthlyCost.objects.exists()

    def test_a_provider_lists_only_their_costs(self, clients, world, api):
        MonthlyCostFactory(program=world.x)
        MonthlyCostFactory(program=world.y)
        assert [r["program"] for r in results(clients.provider_x.get(api("costs/")))] == [world.x.pk]


class TestServicesAndAgreements:
    def test_the_catalogue_is_for_hub_roles_and_edited_by_the_admin(self, clients, world, api):
        HubServiceFactory(alliance=world.a, name="Coaching")
        assert clients.provider_x.get(api("services/")).status_code == 403
        assert [r["name"] for r in results(clients.staff_a.get(api("services/")))] == ["Coaching"]
        body = {"name": "QRIS support", "pricing_model": "flat_monthly", "rate": "75"}
        assert post(clients.staff_a, api("services/"), body).status_code == 403
        created = post(clients.admin_a, api("services/"), body)
        assert created.status_code == 201
        assert created.json()["rate"] == "75.00"

    def test_provider_sees_their_agreement_but_cannot_change_it(self, clients, world, api, in_a):
        agreement = SubscriptionFactory(program=world.x, rate=Decimal("325.00"))
        SubscriptionFactory(program=world.y)
        rows = results(clients.provider_x.get(api("subscriptions/")))
        assert [(r["id"], r["rate"], r["monthly_fee"]) for r in rows] == [(agreement.pk, "325.00", "325.00")]
        assert patch(clients.provider_x, api(f"subscriptions/{agreement.pk}/"), {"rate": "1.00"}).status_code == 403
        assert patch(clients.staff_a, api(f"subscriptions/{agreement.pk}/"), {"rate": "1.00"}).status_code == 403
        with in_a():
            assert ServiceSubscription.objects.get(pk=agreement.pk).rate == Decimal("325.00")

    def test_hub_admin_makes_agreements_and_overlaps_are_400(self, clients, world, api):
        service = HubServiceFactory(alliance=world.a, rate=Decimal("40.00"))
        first = post(
            clients.admin_a,
            api("subscriptions/"),
            {"program": world.x.pk, "service": service.pk, "starts_on": "2026-01-01"},
        )
        assert first.status_code == 201
        assert first.json()["rate"] == "40.00"
        overlap = post(
            clients.admin_a,
            api("subscriptions/"),
            {"program": world.x.pk, "service": service.pk, "starts_on": "2026-06-01"},
        )
        assert overlap.status_code == 400
        assert "starts_on" in overlap.json()

    def test_inspections_read_by_providers_written_by_hub(self, clients, world, api):
        InspectionFactory(program=world.x)
        assert len(results(clients.provider_x.get(api("inspections/")))) == 1
        body = {"program": world.x.pk, "inspected_on": "2026-01-01", "outcome": "compliant"}
        assert post(clients.provider_x, api("inspections/"), body).status_code == 403
        assert post(clients.staff_a, api("inspections/"), body).status_code == 201


ENDPOINTS = [
    "programs/",
    "sites/",
    "classrooms/",
    "classroom-capacities/",
    "staff/",
    "credentials/",
    "costs/",
    "services/",
    "subscriptions/",
    "inspections/",
]


class TestStrangers:
    @pytest.mark.parametrize("endpoint", ENDPOINTS)
    def test_it_validates_ownership(self, clients, world, api, endpoint):
        assert clients.admin_b.get(api(endpoint)).status_code == 404
        assert clients.funder_a.get(api(endpoint)).status_code == 403
        assert post(clients.funder_a, api(endpoint), {}).status_code == 403

    def test_provider_of_another_program_gets_404_on_each_row(self, clients, x, api):
        member = StaffMemberFactory(program=x.program)
        rows = {
            "programs": x.program.pk,
            "sites": x.site.pk,
            "classrooms": x.room.pk,
            "staff": member.pk,
            "credentials": CredentialFactory(staff=member).pk,
            "costs": MonthlyCostFactory(program=x.program).pk,
            "subscriptions": SubscriptionFactory(program=x.program).pk,
            "inspections": InspectionFactory(program=x.program).pk,
        }
        for endpoint, pk in rows.items():
            url = api(f"{endpoint}/{pk}/")
            assert clients.provider_y.get(url).status_code == 404, url
            assert clients.provider_x.get(url).status_code == 200, url
            assert patch(clients.provider_y, url, {"name": "x"}).status_code in (403, 404), url

    def test_another_alliances_rows_are_absent(self, clients, world, x, z, api):
        names = [r["name"] for r in results(clients.staff_b.get(f"/api/a/{world.b.slug}/classrooms/"))]
        assert names == ["Z room"]
        assert clients.staff_b.get(f"/api/a/{world.b.slug}/classrooms/{x.room.pk}/").status_code == 404
        assert clients.staff_b.get(api(f"classrooms/{x.room.pk}/")).status_code == 404
