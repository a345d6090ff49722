"""Hub admins invite people; accepting creates the membership."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from alliance.models import AuditEvent, Invitation, Membership, Role
from alliance.tenancy import alliance_scope


def invite(client, alliance, **data):  # type: ignore[no-untyped-def]
    return client.post(f"/a/{alliance.slug}/invitations/", data)


def count_invitations(alliance) -> int:  # type: ignore[no-untyped-def]
    with alliance_scope(alliance.pk):
        return Invitation.objects.count()


def accept_link(mail) -> str:  # type: ignore[no-untyped-def]
    return re.search(r"http://testserver(/a/\S+/join/\S+/)", mail.body).group(1)


class TestInviting:
    def test_admin_invites_a_provider_and_an_email_is_sent(
        self, world, clients, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = invite(
                clients.admin_a, world.a, email="New.Director@Example.org", role=Role.PROVIDER, program=world.y.pk
            )
        assert response.status_code == 302
        with alliance_scope(world.a.pk):
            invitation = Invitation.objects.get()
            assert invitation.email == "new.director@example.org"
            assert invitation.program == world.y
            assert invitation.status == "pending"
            assert AuditEvent.objects.filter(action="invitation.created").count() == 1
            assert AuditEvent.objects.filter(action="invitation.sent").count() == 1
        assert mailoutbox[0].to == ["new.director@example.org"]
        assert "/join/" in mailoutbox[0].body
        listing = clients.admin_a.get(f"/a/{world.a.slug}/invitations/")
        assert b"new.director@example.org" in listing.content

    def test_inviting_an_existing_member_is_a_form_error(self, world, clients):
        response = invite(clients.admin_a, world.a, email=world.users.staff_a.email, role=Role.HUB_STAFF)
        assert response.status_code == 200
        assert b"already a member of this alliance" in response.content
        assert count_invitations(world.a) == 0

    def test_a_member_of_another_alliance_may_be_invited(self, world, clients):
        response = invite(clients.admin_a, world.a, email=world.users.funder_b.email, role=Role.FUNDER)
        assert response.status_code == 302
        assert count_invitations(world.a) == 1

    @pytest.mark.parametrize(
        ("data", "field_error"),
        [
            ({"email": "not-an-email", "role": Role.HUB_STAFF}, b"Enter a valid email address"),
            ({"email": "p@example.org", "role": Role.PROVIDER}, b"Choose the member program"),
            ({"email": "f@example.org", "role": Role.FUNDER, "program": "PROGRAM_X"}, b"Only providers are tied"),
            ({"email": "f@example.org", "role": "overlord"}, b"Select a valid choice"),
        ],
    )
    def test_bad_input_is_shown_on_the_form_and_saves_nothing(self, world, clients, data, field_error):
        if data.get("program") == "PROGRAM_X":
            data = {**data, "program": world.x.pk}
        response = invite(clients.admin_a, world.a, **data)
        assert response.status_code == 200
        assert field_error in response.content
        assert data["email"].encode() in response.content  # input kept
        assert count_invitations(world.a) == 0

    def test_a_program_of_another_alliance_cannot_be_chosen(self, world, clients):
        response = invite(clients.admin_a, world.a, email="p@example.org", role=Role.PROVIDER, program=world.z.pk)
        assert response.status_code == 200
        assert count_invitations(world.a) == 0

    def test_hub_staff_cannot_invite(self, world, clients):
        response = invite(clients.staff_a, world.a, email="x@example.org", role=Role.HUB_STAFF)
        assert response.status_code == 403
        assert count_invitations(world.a) == 0

    def test_it_validates_ownership(self, world, clients):
        response = invite(clients.admin_b, world.a, email="x@example.org", role=Role.HUB_STAFF)
        assert response.status_code == 404
        assert count_invitations(world.a) == 0


class TestAccepting:
    @pytest.fixture
    def link(self, world, clients, mailoutbox, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            invite(clients.admin_a, world.a, email="dir@example.org", role=Role.PROVIDER, program=world.y.pk)
        return accept_link(mailoutbox[0])

    def test_a_newcomer_sets_a_password_and_lands_on_their_today_page(self, world, link):
        client = Client()
        page = client.get(link)
        assert page.status_code == 200
        assert b"Program Y" in page.content
        response = client.post(link, {"password1": "a-long-pass-phrase-1", "password2": "a-long-pass-phrase-1"})
        assert response.status_code == 302
        # A provider lands on their today page (what needs doing now), which links to their program.
        assert client.get("/").headers["Location"] == f"/a/{world.a.slug}/today/"
        assert f'href="/a/{world.a.slug}/programs/{world.y.pk}/"' in client.get(f"/a/{world.a.slug}/today/").text
        with alliance_scope(world.a.pk):
            membership = Membership.objects.get(user__email="dir@example.org")
            assert membership.role == Role.PROVIDER
            assert membership.program == world.y
            assert Invitation.objects.get().status == "accepted"

    def test_a_weak_or_mismatched_password_is_refused(self, world, link):
        client = Client()
        response = client.post(link, {"password1": "short", "password2": "short"})
        assert b"too short" in response.content
        response = client.post(link, {"password1": "a-long-pass-phrase-1", "password2": "a-long-pass-phrase-2"})
        assert b"The two passwords differ" in response.content
        with alliance_scope(world.a.pk):
            assert not Membership.objects.filter(user__email="dir@example.org").exists()

    def test_a_link_works_once(self, world, link):
        Client().post(link, {"password1": "a-long-pass-phrase-1", "password2": "a-long-pass-phrase-1"})
        again = Client().post(link, {"password1": "a-long-pass-phrase-1", "password2": "a-long-pass-phrase-1"})
        assert b"This invitation is accepted" in again.content

    def test_a_revoked_link_is_refused(self, world, clients, link):
        with alliance_scope(world.a.pk):
            pk = Invitation.objects.get().pk
        clients.admin_a.post(f"/a/{world.a.slug}/invitations/{pk}/revoke/")
        page = Client().get(link)
        assert b"This invitation is revoked" in page.content

    def test_a_forged_token_or_another_alliances_slug_is_404(self, world, link):
        assert Client().get(f"/a/{world.a.slug}/join/forged-token/").status_code == 404
        assert Client().get(link.replace(world.a.slug, world.b.slug)).status_code == 404
