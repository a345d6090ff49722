"""Issue 19, finding 1 (high): a provider could take over any family's family page.

Setting a guardian's e-mail to their own address (page or API) and asking for a sign-in link
opened the family's statements at every program, waitlist places and other programs' offers;
and a provider saw a family forever once a child had ever been enrolled with them.

Now only the Hub sets the address a family signs in with (a provider gives one only to the
first guardian of a household they create), and a provider sees a household only while a
child is enrolled or waiting there, or it owes the program money.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client, TestCase

from alliance.tenancy import alliance_scope
from billing.ledger import ledger_entry_post
from billing.models import EntryKind
from enrollment.models import Family, Guardian
from enrollment.services.families import CONTACT_EMAIL_HUB_ONLY
from tests.billing.factories import account_of
from tests.enrollment.conftest import rooms  # noqa: F401  (fixture)
from tests.enrollment.factories import ChildFactory, FamilyFactory, GuardianFactory, enroll, entry

PROVIDER_ADDRESS = "provider-x@takeover.example"


@pytest.fixture
def shared(world, rooms, today):  # noqa: F811
    """The Santos family: Mia at X (now) and her brother Leo at Y, one guardian with an address."""
    family = FamilyFactory(alliance=world.a, name="Santos family")
    guardian = GuardianFactory(family=family, first_name="Ana", last_name="Santos", email="ana@santos.example")
    mia = ChildFactory(family=family, first_name="Mia", last_name="Santos")
    leo = ChildFactory(family=family, first_name="Leo", last_name="Santos")
    enroll(mia, rooms.toddlers, today - datetime.timedelta(days=60))
    enroll(leo, rooms.preschool_y, today - datetime.timedelta(days=60))
    return family, guardian, mia


def stored_email(world, guardian) -> str:  # type: ignore[no-untyped-def]
    with alliance_scope(world.a.pk):
        return Guardian.objects.get(pk=guardian.pk).email


def ask_for_a_link(world, address: str) -> list[str]:  # type: ignore[no-untyped-def]
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        Client().post(f"/family/{world.a.slug}/sign-in/", {"email": address})
    return [message.to[0] for message in mail.outbox]


class TestOnlyTheHubSetsTheSignInAddress:
    def test_a_provider_cannot_change_a_guardians_email_on_the_page(self, world, clients, shared):
        family, guardian, _ = shared
        response = clients.provider_x.post(
            f"/a/{world.a.slug}/guardians/{guardian.pk}/edit/",
            {"first_name": "Ana", "last_name": "Santos", "relationship": "parent", "email": PROVIDER_ADDRESS},
        )
        assert response.status_code == 200
        assert "Only the Hub can set the e-mail address" in response.content.decode()
        assert stored_email(world, guardian) == "ana@santos.example"
        assert ask_for_a_link(world, PROVIDER_ADDRESS) == []

    def test_a_provider_cannot_change_it_through_the_api(self, world, clients, shared):
        _, guardian, _ = shared
        response = clients.provider_x.patch(
            f"/api/a/{world.a.slug}/guardians/{guardian.pk}/",
            {"email": PROVIDER_ADDRESS},
            content_type="application/json",
        )
        assert response.status_code == 400
        assert response.json()["email"] == [CONTACT_EMAIL_HUB_ONLY]
        assert stored_email(world, guardian) == "ana@santos.example"

    def test_a_provider_cannot_add_a_guardian_with_their_address(self, world, clients, shared):
        family, _, _ = shared
        page = clients.provider_x.post(
            f"/a/{world.a.slug}/families/{family.pk}/guardians/new/",
            {"first_name": "Eve", "last_name": "Santos", "relationship": "other", "email": PROVIDER_ADDRESS},
        )
        assert "Only the Hub can set the e-mail address" in page.content.decode()
        api = clients.provider_x.post(
            f"/api/a/{world.a.slug}/guardians/",
            {"family": family.pk, "first_name": "Eve", "last_name": "Santos", "email": PROVIDER_ADDRESS},
            content_type="application/json",
        )
        assert api.status_code == 400
        assert "email" in api.json()
        with alliance_scope(world.a.pk):
            assert not Guardian.objects.filter(email=PROVIDER_ADDRESS).exists()
        assert ask_for_a_link(world, PROVIDER_ADDRESS) == []

    def test_a_provider_may_still_edit_the_rest(self, world, clients, shared):
        _, guardian, _ = shared
        response = clients.provider_x.post(
            f"/a/{world.a.slug}/guardians/{guardian.pk}/edit/",
            {
                "first_name": "Ana",
                "last_name": "Santos",
                "relationship": "parent",
                "email": "ANA@santos.example ",
                "phone": "(555) 777-1000",
            },
        )
        assert response.status_code == 302
        with alliance_scope(world.a.pk):
            stored = Guardian.objects.get(pk=guardian.pk)
        assert (stored.email.lower(), stored.phone) == ("ana@santos.example", "(555) 777-1000")

    def test_the_hub_changes_it(self, world, clients, shared):
        _, guardian, _ = shared
        response = clients.staff_a.patch(
            f"/api/a/{world.a.slug}/guardians/{guardian.pk}/",
            {"email": "ana.new@santos.example"},
            content_type="application/json",
        )
        assert response.status_code == 200
        assert stored_email(world, guardian) == "ana.new@santos.example"


class TestAProviderSeesAHouseholdOnlyWhileItHasAReason:
    def urls(self, world, family, guardian, child):  # type: ignore[no-untyped-def]
        return [
            f"/a/{world.a.slug}/families/{family.pk}/",
            f"/api/a/{world.a.slug}/families/{family.pk}/",
            f"/api/a/{world.a.slug}/guardians/{guardian.pk}/",
            f"/api/a/{world.a.slug}/children/{child.pk}/",
        ]

    def test_while_a_child_is_enrolled_and_not_after_it_ended(self, world, clients, rooms, today):  # noqa: F811
        family = FamilyFactory(alliance=world.a, name="Okafor family")
        guardian = GuardianFactory(family=family, email="dee@okafor.example")
        child = ChildFactory(family=family, first_name="Obi")
        enrollment = enroll(child, rooms.toddlers, today - datetime.timedelta(days=90))
        for url in self.urls(world, family, guardian, child):
            assert clients.provider_x.get(url).status_code == 200, url
        with alliance_scope(world.a.pk):
            type(enrollment).objects.filter(pk=enrollment.pk).update(end_date=today - datetime.timedelta(days=1))
        for url in self.urls(world, family, guardian, child):
            assert clients.provider_x.get(url).status_code == 404, url
        listing = clients.provider_x.get(f"/api/a/{world.a.slug}/families/").json()["results"]
        assert family.pk not in [row["id"] for row in listing]
        assert clients.staff_a.get(f"/a/{world.a.slug}/families/{family.pk}/").status_code == 200

    def test_while_it_owes_the_program(self, world, clients, rooms, today):  # noqa: F811
        family = FamilyFactory(alliance=world.a, name="Berg family")
        guardian = GuardianFactory(family=family)
        child = ChildFactory(family=family)
        enroll(child, rooms.toddlers, today - datetime.timedelta(days=90), today - datetime.timedelta(days=10))
        account = account_of(family, world.x)
        with alliance_scope(world.a.pk):
            charge = ledger_entry_post(
                account=account, kind=EntryKind.CHARGE, amount=Decimal("300.00"), posted_on=today, description="Fees"
            )
        for url in self.urls(world, family, guardian, child):
            assert clients.provider_x.get(url).status_code == 200, url
        assert clients.provider_y.get(f"/a/{world.a.slug}/families/{family.pk}/").status_code == 404
        with alliance_scope(world.a.pk):
            ledger_entry_post(
                account=account, kind=EntryKind.PAYMENT, amount=-charge.amount, posted_on=today, description="Paid"
            )
        assert clients.provider_x.get(f"/a/{world.a.slug}/families/{family.pk}/").status_code == 404

    def test_while_a_child_waits_for_a_place_there(self, world, clients, today):
        family = FamilyFactory(alliance=world.a, name="Dahl family")
        child = ChildFactory(family=family)
        waiting = entry(child, program=world.x, added_on=today, desired_start=today + datetime.timedelta(days=30))
        assert clients.provider_x.get(f"/a/{world.a.slug}/families/{family.pk}/").status_code == 200
        with alliance_scope(world.a.pk):
            type(waiting).objects.filter(pk=waiting.pk).update(status="withdrawn")
        assert clients.provider_x.get(f"/a/{world.a.slug}/families/{family.pk}/").status_code == 404
        with alliance_scope(world.a.pk):
            assert Family.objects.filter(pk=family.pk).exists()
