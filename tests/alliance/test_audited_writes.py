"""The one audited create and update (alliance/audit.py) as every app's services use it:
fields a service does not allow are refused, decimals are rounded half up once,
and the event keeps what changed, before and after."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from alliance.models import AuditEvent
from alliance.tenancy import alliance_scope
from enrollment.models import Child, Family, Guardian
from enrollment.services import child_create, child_update, family_create, family_update, guardian_update
from members.models import HubService
from members.services import hub_service_create, hub_service_update
from sharedservices.services import catalogue_item_create, catalogue_item_update
from tests.enrollment.factories import ChildFactory, FamilyFactory, GuardianFactory
from tests.members.factories import HubServiceFactory
from tests.sharedservices.factories import VendorFactory


@pytest.fixture
def in_a(world):
    with alliance_scope(world.a.pk):
        yield


@pytest.fixture
def family(world, in_a):
    return FamilyFactory(alliance=world.a, name="Lopez family", city="Riverbend")


class TestEnrollmentRefusesFieldsItDoesNotAllow:
    """The enrollment copy used to skip this check in its helper; now the helper holds it."""

    def test_a_family_change_of_its_alliance_is_refused_and_changes_nothing(self, world, family):
        with pytest.raises(ValidationError, match="These fields cannot be set here: alliance_id"):
            family_update(actor=world.users.staff_a, family=family, data={"city": "Lakeside", "alliance_id": 99})
        assert Family.objects.get(pk=family.pk).city == "Riverbend"
        assert not AuditEvent.objects.filter(action="family.updated").exists()

    def test_a_new_family_with_an_unknown_field_is_refused(self, world, in_a):
        with pytest.raises(ValidationError, match="These fields cannot be set here: balance"):
            family_create(actor=world.users.staff_a, name="Nguyen family", balance=Decimal("10"))
        assert not Family.objects.filter(name="Nguyen family").exists()
        assert not AuditEvent.objects.filter(action="family.created").exists()

    def test_a_child_cannot_be_moved_to_another_family_by_an_update(self, world, family):
        child = ChildFactory(alliance=world.a, family=family, first_name="Ana")
        other = FamilyFactory(alliance=world.a, name="Other family")
        with pytest.raises(ValidationError, match="These fields cannot be set here: family"):
            child_update(actor=world.users.staff_a, child=child, data={"family": other})
        assert Child.objects.get(pk=child.pk).family_id == family.pk

    def test_a_guardian_change_of_an_unknown_field_is_refused(self, world, family):
        guardian = GuardianFactory(alliance=world.a, family=family, first_name="Rosa")
        with pytest.raises(ValidationError, match="These fields cannot be set here: created_at"):
            guardian_update(actor=world.users.staff_a, guardian=guardian, data={"created_at": None})
        assert Guardian.objects.get(pk=guardian.pk).first_name == "Rosa"

    def test_allowed_changes_still_record_before_and_after(self, world, family):
        family_update(actor=world.users.staff_a, family=family, data={"city": " Lakeside ", "notes": ""})
        event = AuditEvent.objects.get(action="family.updated")
        # The service's own rule (names stripped) ran; only what changed is recorded.
        assert (event.before, event.after) == ({"city": "Riverbend"}, {"city": "Lakeside"})
        assert event.actor_label == world.users.staff_a.email

    def test_a_change_to_nothing_new_records_no_event(self, world, family):
        family_update(actor=world.users.staff_a, family=family, data={"city": "Riverbend"})
        assert not AuditEvent.objects.filter(action="family.updated").exists()

    def test_a_new_child_is_audited_with_the_row_as_saved(self, world, family, today):
        child = child_create(
            actor=world.users.staff_a,
            family=family,
            first_name=" Ana ",
            last_name="Lopez",
            date_of_birth=today - datetime.timedelta(days=400),
        )
        event = AuditEvent.objects.get(action="child.created")
        assert event.object_id == str(child.pk)
        assert event.after["first_name"] == "Ana"
        assert event.after["alliance_id"] == world.a.pk


class TestMoneyIsRoundedOnceHalfUp:
    def test_a_computed_rate_is_rounded_half_up_on_create(self, world, in_a):
        # Half-even would give 12.34; money is rounded half up, once, where it is written.
        service = hub_service_create(
            actor=world.users.admin_a, name="Payroll", pricing_model="flat_monthly", rate=Decimal("12.345")
        )
        assert HubService.objects.get(pk=service.pk).rate == Decimal("12.35")
        assert AuditEvent.objects.get(action="hub_service.created").after["rate"] == "12.35"

    def test_an_update_keeps_two_places_and_records_them(self, world, in_a):
        service = HubServiceFactory(alliance=world.a, rate=Decimal("325.00"))
        hub_service_update(actor=world.users.admin_a, service=service, data={"rate": Decimal("18.5")})
        assert str(HubService.objects.get(pk=service.pk).rate) == "18.50"
        event = AuditEvent.objects.get(action="hub_service.updated")
        assert (event.before, event.after) == ({"rate": "325.00"}, {"rate": "18.50"})

    def test_shared_services_prices_go_through_the_same_rounding(self, world, in_a):
        vendor = VendorFactory(alliance=world.a)
        item = catalogue_item_create(
            actor=world.users.admin_a,
            vendor=vendor,
            name="Wipes",
            unit="case",
            alliance_price=Decimal("9.995"),
            list_price=Decimal("12.5"),
        )
        assert (str(item.alliance_price), str(item.list_price)) == ("10.00", "12.50")
        with pytest.raises(ValidationError, match="These fields cannot be set here: vendor"):
            catalogue_item_update(
                actor=world.users.admin_a, item=item, data={"vendor": VendorFactory(alliance=world.a)}
            )
