"""Staff roster, credentials, the 60-day expiry list and personnel cost from the roster."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from members.models import Credential, StaffMember
from members.selectors import personnel_cost_from_roster
from tests.members.factories import CredentialFactory, StaffMemberFactory

D = datetime.date

STAFF_FORM = {
    "first_name": "Maria",
    "last_name": "Lopez",
    "email": "maria@x.example",
    "position": "Lead teacher",
    "category": "classroom",
    "fte": "1.00",
    "started_on": "2025-08-18",
    "pay_basis": "hourly",
    "hourly_wage": "18.50",
    "annual_salary": "",
    "benefits_annual": "2400.00",
}


class TestPersonnelCostFromRoster:
    def test_hourly_and_salaried_staff_split_by_category(self, world, in_a):
        StaffMemberFactory(
            program=world.x,
            category="classroom",
            pay_basis="hourly",
            hourly_wage=Decimal("18.00"),
            fte=Decimal("1.00"),
            benefits_annual=Decimal("1200.00"),
        )
        StaffMemberFactory(
            program=world.x,
            category="administration",
            pay_basis="salary",
            hourly_wage=None,
            annual_salary=Decimal("60000.00"),
            benefits_annual=Decimal("6000.00"),
        )
        with in_a():
            cost = personnel_cost_from_roster(world.x, D(2026, 3, 1))
        # 18.00 x 2080 / 12 = 3120.00, + 100.00 benefits; 60000 / 12 + 500.
        assert cost.classroom == Decimal("3220.00")
        assert cost.administration == Decimal("5500.00")
        assert cost.total == Decimal("8720.00")
        assert cost.administration_share == Decimal("63.1")

    def test_part_time_and_mid_month_starts_are_prorated(self, world, in_a):
        StaffMemberFactory(
            program=world.x, hourly_wage=Decimal("16.00"), fte=Decimal("0.50"), started_on=D(2026, 4, 16)
        )  # 15 of April's 30 days
        with in_a():
            cost = personnel_cost_from_roster(world.x, D(2026, 4, 1))
        assert cost.classroom == Decimal("693.33")  # 16 x 0.5 x 2080 / 12 / 2, half up

    def test_staff_who_left_cost_nothing_afterwards(self, world, in_a):
        StaffMemberFactory(program=world.x, ended_on=D(2026, 2, 28))
        with in_a():
            assert personnel_cost_from_roster(world.x, D(2026, 3, 1)).total == Decimal("0.00")
            assert personnel_cost_from_roster(world.x, D(2026, 2, 1)).total == Decimal("3120.00")

    def test_another_programs_staff_do_not_count(self, world, in_a):
        StaffMemberFactory(program=world.y)
        with in_a():
            assert personnel_cost_from_roster(world.x, D(2026, 3, 1)).total == Decimal("0.00")


class TestRosterPage:
    def test_provider_sees_current_staff_and_the_cost_split(self, clients, world, page):
        StaffMemberFactory(program=world.x, first_name="Ana", last_name="Current")
        StaffMemberFactory(program=world.x, first_name="Ben", last_name="Gone", ended_on=D(2025, 1, 31))
        response = clients.provider_x.get(page("program_staff", world.x.pk))
        assert response.status_code == 200
        assert b"Current, Ana" in response.content
        assert b"Gone, Ben" not in response.content
        assert b"Include 1 former staff" in response.content
        everyone = clients.provider_x.get(page("program_staff", world.x.pk), {"show": "all"})
        assert b"Gone, Ben" in everyone.content

    def test_provider_adds_a_staff_member(self, clients, world, in_a, page):
        response = clients.provider_x.post(page("staff_create", world.x.pk), STAFF_FORM)
        assert response.status_code == 302
        with in_a():
            maria = StaffMember.objects.get(last_name="Lopez")
            assert maria.program_id == world.x.pk
            assert maria.hourly_wage == Decimal("18.50")

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"hourly_wage": ""}, "hourly_wage"),
            ({"annual_salary": "40000"}, "annual_salary"),
            ({"pay_basis": "salary", "hourly_wage": ""}, "annual_salary"),
            ({"fte": "0"}, "fte"),
            ({"fte": "2.00"}, "fte"),
            ({"hourly_wage": "18.505"}, "hourly_wage"),
            ({"benefits_annual": "-1"}, "benefits_annual"),
            ({"ended_on": "2025-01-01"}, "ended_on"),
            ({"category": "cook"}, "category"),
        ],
    )
    def test_invalid_staff_change_nothing(self, clients, world, in_a, page, changes, field):
        response = clients.provider_x.post(page("staff_create", world.x.pk), {**STAFF_FORM, **changes})
        assert response.status_code == 200
        assert field in response.context["form"].errors
        with in_a():
            assert not StaffMember.objects.exists()

    def test_ending_employment_keeps_the_person(self, clients, world, in_a, page):
        member = StaffMemberFactory(program=world.x, first_name="Maria", last_name="Lopez")
        response = clients.provider_x.post(
            page("staff_edit", world.x.pk, member.pk),
            {
                **STAFF_FORM,
                "hourly_wage": "18.00",
                "benefits_annual": "0",
                "started_on": "2024-01-01",
                "ended_on": "2026-06-30",
            },
        )
        assert response.status_code == 302
        with in_a():
            assert StaffMember.objects.get(pk=member.pk).ended_on == D(2026, 6, 30)


class TestCredentials:
    def test_provider_adds_a_credential(self, clients, world, in_a, page):
        member = StaffMemberFactory(program=world.x)
        response = clients.provider_x.post(
            page("credential_create", world.x.pk, member.pk),
            {"name": "Food handler permit", "issued_on": "2025-01-10", "expires_on": "2028-01-10"},
        )
        assert response.status_code == 302
        detail = clients.provider_x.get(page("staff_detail", world.x.pk, member.pk))
        assert b"Food handler permit" in detail.content

    def test_a_credential_cannot_expire_before_it_was_issued(self, clients, world, in_a, page):
        member = StaffMemberFactory(program=world.x)
        response = clients.provider_x.post(
            page("credential_create", world.x.pk, member.pk),
            {"name": "CDA", "issued_on": "2025-01-10", "expires_on": "2024-01-10"},
        )
        assert "expires_on" in response.context["form"].errors
        with in_a():
            assert not Credential.objects.exists()


class TestExpiringCredentials:
    @pytest.fixture
    def expiring(self, world, today):
        x_staff = StaffMemberFactory(program=world.x, first_name="Xena", last_name="Soon")
        y_staff = StaffMemberFactory(program=world.y, first_name="Yuri", last_name="Soon")
        former = StaffMemberFactory(
            program=world.x, first_name="Finn", last_name="Former", ended_on=today - datetime.timedelta(days=1)
        )
        CredentialFactory(staff=x_staff, name="CPR", expires_on=today + datetime.timedelta(59))
        CredentialFactory(staff=x_staff, name="CDA", expires_on=today + datetime.timedelta(61))
        CredentialFactory(staff=x_staff, name="Lapsed", expires_on=today - datetime.timedelta(3))
        CredentialFactory(staff=x_staff, name="Forever", expires_on=None)
        CredentialFactory(staff=y_staff, name="CPR", expires_on=today + datetime.timedelta(10))
        CredentialFactory(staff=former, name="CPR", expires_on=today + datetime.timedelta(10))

    def listed(self, response) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
        return [(c.staff.first_name, c.name) for c in response.context["credentials"]]

    def test_hub_sees_every_programs_expiring_and_expired_credentials(self, clients, expiring, page):
        response = clients.staff_a.get(page("credentials_expiring"))
        assert self.listed(response) == [("Xena", "Lapsed"), ("Yuri", "CPR"), ("Xena", "CPR")]
        assert b"expired" in response.content

    def test_provider_sees_only_their_own(self, clients, expiring, page):
        response = clients.provider_x.get(page("credentials_expiring"))
        assert self.listed(response) == [("Xena", "Lapsed"), ("Xena", "CPR")]

    def test_hub_can_narrow_to_one_program(self, clients, world, expiring, page):
        response = clients.staff_a.get(page("credentials_expiring"), {"program": world.y.pk})
        assert self.listed(response) == [("Yuri", "CPR")]

    def test_a_provider_cannot_narrow_to_another_program(self, clients, world, expiring, page):
        response = clients.provider_x.get(page("credentials_expiring"), {"program": world.y.pk})
        assert response.status_code == 404


class TestStrangers:
    def test_it_validates_ownership(self, clients, world, page):
        member = StaffMemberFactory(program=world.x)
        credential = CredentialFactory(staff=member)
        urls = [
            page("program_staff", world.x.pk),
            page("staff_create", world.x.pk),
            page("staff_detail", world.x.pk, member.pk),
            page("staff_edit", world.x.pk, member.pk),
            page("credential_create", world.x.pk, member.pk),
            page("credential_edit", world.x.pk, member.pk, credential.pk),
        ]
        for url in urls:
            assert clients.admin_b.get(url).status_code == 404, url
            assert clients.provider_y.get(url).status_code == 404, url
            assert clients.funder_a.get(url).status_code == 403, url
        assert clients.funder_a.get(page("credentials_expiring")).status_code == 403
        assert clients.admin_b.get(page("credentials_expiring")).status_code == 404

    def test_staff_of_another_program_is_404_under_ones_own(self, clients, world, in_a, page):
        other = StaffMemberFactory(program=world.y)
        assert clients.provider_x.get(page("staff_detail", world.x.pk, other.pk)).status_code == 404
        response = clients.provider_x.post(page("staff_edit", world.x.pk, other.pk), {**STAFF_FORM})
        assert response.status_code == 404
        with in_a():
            assert StaffMember.objects.get(pk=other.pk).last_name == "Teacher"
