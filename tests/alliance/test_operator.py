"""Issue 23, part 1: the platform operator's console and an alliance's lifecycle (alliance/operator.py).

An operator (a `PlatformOperator`, no alliance role) creates an alliance with its settings and targets,
invites its first hub administrator through the usual invitation, suspends and reactivates it; every action
is an audit event in that alliance's own chain with the operator as actor. A suspended alliance's users get
one clear page (403) on every page and API call, its tasks do nothing, nothing is deleted. The same actions
as management commands. The console is 404 to everyone but operators, who need TOTP, and who get 404 on
every alliance page that shows families or children.
"""

from __future__ import annotations

import re
import subprocess
import sys
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from alliance.celery import queue_for_every_alliance
from alliance.models import Alliance, AuditEvent, Invitation, Membership, PlatformOperator, Role
from alliance.operator import (
    alliance_create,
    alliance_invite_admin,
    alliance_overview,
    alliance_reactivate,
    alliance_suspend,
)
from alliance.tasks import export_alliance_data
from alliance.tenancy import alliance_scope
from alliance.tokens import api_token_create
from tests.conftest import signed_in
from tests.enrollment.factories import ChildFactory, FamilyFactory
from tests.factories import UserFactory
from tests.worker import ROOT, celery_worker, database_url_of_test_run

NEW = {
    "name": "Lakeside Child Care Alliance",
    "slug": "lakeside",
    "region": "Lake County",
    "timezone": "America/New_York",
    "locale": "en-us",
    "fiscal_year_start_month": "7",
    "home_owner_hourly_wage": "16.50",
    "inquiry_contact_target_hours": "24",
    "digest_hour": "7",
    "budget_occupancy": "80",
    "target_occupancy": "92.5",
    "bad_debt_max": "3",
    "collection_min": "97",
}


@pytest.fixture
def operator(db):  # type: ignore[no-untyped-def]
    user = UserFactory(email="ops@hub.invalid", totp=True)
    PlatformOperator.objects.create(user=user)
    return user


@pytest.fixture
def console(operator) -> Client:  # type: ignore[no-untyped-def]
    return signed_in(operator)


def events(alliance: Alliance) -> list[AuditEvent]:
    with alliance_scope(alliance.pk):
        return list(AuditEvent.objects.order_by("chain_seq"))


# --- Services ---------------------------------------------------------------------------------------------
class TestServices:
    def test_create_stores_settings_and_targets_and_audits_both_in_the_new_chain(self, operator):
        alliance = alliance_create(
            actor=operator,
            values={"name": "Lakeside", "slug": "Lakeside", "timezone": "America/New_York", "locale": "en-gb"},
            targets={"budget_occupancy": Decimal("0.8000"), "target_occupancy": Decimal("0.9250")},
        )
        assert alliance.slug == "lakeside"
        assert (alliance.timezone, alliance.locale) == ("America/New_York", "en-gb")
        from metrics.selectors import targets_of_alliance

        with alliance_scope(alliance.pk):
            targets = targets_of_alliance()
        assert (targets.budget_occupancy, targets.target_occupancy) == (Decimal("0.8000"), Decimal("0.9250"))
        chain = events(alliance)
        assert [e.action for e in chain] == ["alliance.created", "metrics.targets_updated"]
        assert {e.actor_id for e in chain} == {operator.pk}
        assert chain[0].after["slug"] == "lakeside"

    @pytest.mark.parametrize(
        ("values", "targets", "field"),
        [
            ({"name": "X", "slug": "x", "timezone": "Mars/Olympus"}, None, "timezone"),
            ({"name": "", "slug": "x"}, None, "name"),
            ({"name": "X", "slug": "not a slug"}, None, "slug"),
            (
                {"name": "X", "slug": "x"},
                {"budget_occupancy": Decimal("0.99"), "target_occupancy": Decimal("0.9")},
                "budget_occupancy",
            ),
        ],
    )
    def test_bad_input_creates_nothing(self, operator, values, targets, field):
        with pytest.raises(ValidationError) as refused:
            alliance_create(actor=operator, values=values, targets=targets)
        assert field in refused.value.message_dict
        assert not Alliance.objects.exists()

    def test_a_taken_slug_is_refused_by_name(self, operator):
        alliance_create(actor=operator, values={"name": "One", "slug": "one"})
        with pytest.raises(ValidationError, match="taken"):
            alliance_create(actor=operator, values={"name": "Two", "slug": "one"})
        assert Alliance.objects.count() == 1

    def test_only_an_operator_may_act(self, world):
        with pytest.raises(ValidationError, match="platform operator"):
            alliance_create(actor=world.users.admin_a, values={"name": "Mine", "slug": "mine"})
        with pytest.raises(ValidationError, match="platform operator"):
            alliance_suspend(actor=world.users.admin_a, alliance=world.b, reason="rival")
        assert not Alliance.objects.get(pk=world.b.pk).is_suspended

    def test_the_first_admin_is_invited_through_the_alliances_invitation(self, operator, world):
        invitation, token = alliance_invite_admin(actor=operator, alliance=world.a, email="Boss@Lakeside.org")
        assert (invitation.email, invitation.role, invitation.alliance_id) == (
            "boss@lakeside.org",
            Role.HUB_ADMIN,
            world.a.pk,
        )
        assert len(token) > 20
        created = events(world.a)[-1]
        assert (created.action, created.actor_id, created.after["role"]) == (
            "invitation.created",
            operator.pk,
            "hub_admin",
        )
        with pytest.raises(ValidationError, match="pending invitation"):
            alliance_invite_admin(actor=operator, alliance=world.a, email="boss@lakeside.org")

    def test_suspend_and_reactivate_need_a_reason_and_are_audited(self, operator, world):
        with pytest.raises(ValidationError) as refused:
            alliance_suspend(actor=operator, alliance=world.a, reason="  ")
        assert "reason" in refused.value.message_dict
        suspended = alliance_suspend(actor=operator, alliance=world.a, reason="Contract ended")
        assert suspended.is_suspended
        assert suspended.suspended_reason == "Contract ended"
        with pytest.raises(ValidationError, match="already suspended"):
            alliance_suspend(actor=operator, alliance=world.a, reason="again")
        with pytest.raises(ValidationError, match="reactivate it before inviting"):
            alliance_invite_admin(actor=operator, alliance=suspended, email="new@a.org")
        active = alliance_reactivate(actor=operator, alliance=world.a, reason="Contract renewed")
        assert not active.is_suspended
        assert active.suspended_reason == ""
        with pytest.raises(ValidationError, match="not suspended"):
            alliance_reactivate(actor=operator, alliance=world.a, reason="again")
        last = events(world.a)[-2:]
        assert [(e.action, e.actor_id, e.reason) for e in last] == [
            ("alliance.suspended", operator.pk, "Contract ended"),
            ("alliance.reactivated", operator.pk, "Contract renewed"),
        ]
        assert last[0].before == {"suspended_at": None, "suspended_reason": ""}
        assert events(world.b) == []

    def test_the_overview_counts_without_reading_families(self, operator, world):
        with alliance_scope(world.a.pk):
            family = FamilyFactory(alliance=world.a)
            ChildFactory(family=family)
            ChildFactory(family=family)
        overview = alliance_overview(world.a, rows=True)
        assert (overview.programs, overview.people, overview.admins, overview.children) == (2, 5, 1, 2)
        assert overview.last_invoice_run is None
        assert overview.rolled_up_to is None
        assert overview.failed_tasks == 0
        assert overview.rows_stored is not None
        assert overview.rows_stored >= 2 + 5 + 1 + 2


# --- Pages ------------------------------------------------------------------------------------------------
class TestConsole:
    def test_the_console_lists_every_alliance_with_its_counts(self, console, world):
        page = console.get("/operator/")
        assert page.status_code == 200
        html = page.content.decode()
        assert "Alliance A" in html
        assert "Alliance B" in html
        row = html[html.index("Alliance A") :]
        row = row[: row.index("</tr>")]
        assert re.findall(r'<td class="num">(\d+)', row)[:3] == ["2", "5", "0"]  # programs, people, children

    def test_an_operator_creates_an_alliance_from_the_form(self, console, operator):
        response = console.post("/operator/alliances/new/", NEW)
        assert response.status_code == 302
        assert response["Location"] == "/operator/alliances/lakeside/"
        alliance = Alliance.objects.get(slug="lakeside")
        assert (alliance.name, alliance.timezone, alliance.home_owner_hourly_wage) == (
            NEW["name"],
            "America/New_York",
            Decimal("16.50"),
        )
        page = console.get(response["Location"]).content.decode()
        assert "is created at /a/lakeside/" in page
        assert "No invitation yet" in page

    def test_the_form_shows_errors_and_creates_nothing(self, console):
        bad = {**NEW, "timezone": "Mars/Olympus", "budget_occupancy": "96", "slug": "has spaces"}
        response = console.post("/operator/alliances/new/", bad)
        assert response.status_code == 200
        html = response.content.decode()
        assert "Select a valid choice" in html
        assert "The budgeted occupancy cannot exceed the target." in html
        assert "Enter a valid “slug”" in html
        assert NEW["name"] in html  # input kept
        assert not Alliance.objects.exists()

    def test_inviting_the_first_admin_emails_the_usual_link(
        self, console, operator, world, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = console.post(f"/operator/alliances/{world.a.slug}/invite/", {"email": "head@a.org"})
        assert response.status_code == 302
        assert len(mailoutbox) == 1
        assert mailoutbox[0].to == ["head@a.org"]
        link = re.search(r"http://testserver(/a/alliance-a/join/\S+/)", mailoutbox[0].body).group(1)
        page = console.get(f"/operator/alliances/{world.a.slug}/").content.decode()
        assert "head@a.org" in page
        assert "pending" in page
        # The invitee accepts at the usual link and becomes the alliance's hub administrator.
        newcomer = Client()
        accepted = newcomer.post(link, {"password1": "a-Long-pass-2026", "password2": "a-Long-pass-2026"})
        assert accepted.status_code == 302
        with alliance_scope(world.a.pk):
            assert Membership.objects.get(user__email="head@a.org").role == Role.HUB_ADMIN
        # A hub administrator without TOTP is sent to set it up before anything else.
        assert newcomer.get(f"/a/{world.a.slug}/today/")["Location"] == "/accounts/2fa/totp/activate/"

    def test_a_bad_invitation_shows_its_error_on_the_page(self, console, world):
        response = console.post(f"/operator/alliances/{world.a.slug}/invite/", {"email": world.users.staff_a.email})
        assert response.status_code == 200
        assert "is already a member of this alliance" in response.content.decode()
        response = console.post(f"/operator/alliances/{world.a.slug}/invite/", {"email": "nope"})
        assert "Enter a valid email address." in response.content.decode()

    def test_suspend_then_reactivate_from_the_page(self, console, world, clients):
        response = console.post(f"/operator/alliances/{world.a.slug}/suspend/", {"reason": ""})
        assert "This field is required." in response.content.decode()
        assert not Alliance.objects.get(pk=world.a.pk).is_suspended
        response = console.post(f"/operator/alliances/{world.a.slug}/suspend/", {"reason": "Unpaid invoice"})
        assert response.status_code == 302
        page = console.get(f"/operator/alliances/{world.a.slug}/").content.decode()
        assert "suspended" in page
        assert "Unpaid invoice" in page
        assert "Reactivate Alliance A" in page
        assert clients.admin_a.get(f"/a/{world.a.slug}/today/").status_code == 403
        console.post(f"/operator/alliances/{world.a.slug}/reactivate/", {"reason": "Paid"})
        assert clients.admin_a.get(f"/a/{world.a.slug}/today/").status_code == 200

    @pytest.mark.parametrize("path", ["/operator/", "/operator/alliances/new/", "/operator/alliances/alliance-a/"])
    def test_the_console_is_404_to_every_alliance_role_and_sign_in_to_visitors(self, world, clients, path):
        for name in ("admin_a", "staff_a", "provider_x", "funder_a", "admin_b"):
            assert getattr(clients, name).get(path).status_code == 404, name
        assert clients.admin_a.post("/operator/alliances/alliance-a/suspend/", {"reason": "x"}).status_code == 404
        assert not Alliance.objects.get(pk=world.a.pk).is_suspended
        anonymous = Client().get(path)
        assert anonymous.status_code == 302
        assert anonymous["Location"].startswith("/accounts/login/")

    def test_an_operator_needs_a_second_factor(self, db):
        without = UserFactory(email="new-ops@hub.invalid", totp=False)
        PlatformOperator.objects.create(user=without)
        client = Client()
        client.force_login(without, backend="django.contrib.auth.backends.ModelBackend")
        assert client.get("/operator/")["Location"] == "/accounts/2fa/totp/activate/"
        with_device = UserFactory(email="ops2@hub.invalid", totp=True)
        PlatformOperator.objects.create(user=with_device)
        client = Client()
        client.force_login(with_device, backend="django.contrib.auth.backends.ModelBackend")  # password only
        assert client.get("/operator/")["Location"].startswith("/accounts/2fa/reauthenticate/")
        assert signed_in(with_device).get("/operator/").status_code == 200

    def test_a_revoked_operator_gets_404(self, console, operator):
        PlatformOperator.objects.filter(user=operator).update(is_active=False)
        assert console.get("/operator/").status_code == 404

    def test_an_operator_sees_no_family_or_child_page_of_any_alliance(self, console, world):
        with alliance_scope(world.a.pk):
            family = FamilyFactory(alliance=world.a)
            child = ChildFactory(family=family)
        for path in (
            f"/a/{world.a.slug}/families/",
            f"/a/{world.a.slug}/families/{family.pk}/",
            f"/a/{world.a.slug}/children/{child.pk}/",
            f"/api/a/{world.a.slug}/children/",
            f"/api/a/{world.a.slug}/families/{family.pk}/",
        ):
            assert console.get(path).status_code == 404, path

    def test_home_sends_an_operator_to_the_console(self, console):
        assert console.get("/")["Location"] == "/operator/"


# --- Suspension -------------------------------------------------------------------------------------------
class TestSuspension:
    def test_every_page_and_api_call_says_suspended_and_nothing_is_deleted(self, operator, world, clients):
        with alliance_scope(world.a.pk):
            before = Membership.objects.count()
        alliance_suspend(actor=operator, alliance=world.a, reason="Contract ended")
        for client, path in (
            (clients.admin_a, f"/a/{world.a.slug}/dashboard/"),
            (clients.staff_a, f"/a/{world.a.slug}/billing/aging/"),
            (clients.provider_x, f"/a/{world.a.slug}/programs/{world.x.pk}/"),
            (clients.funder_a, f"/a/{world.a.slug}/reports/"),
        ):
            page = client.get(path)
            assert page.status_code == 403, path
            html = page.content.decode()
            assert "This alliance is suspended" in html
            assert "Contract ended" in html
            assert "Contact " in html
        posted = clients.admin_a.post(f"/a/{world.a.slug}/settings/", {"name": "Taken over"})
        assert posted.status_code == 403
        assert Alliance.objects.get(pk=world.a.pk).name == "Alliance A"
        api = clients.staff_a.get(f"/api/a/{world.a.slug}/programs/")
        assert api.status_code == 403
        assert "suspended" in api.json()["detail"]
        assert clients.admin_b.get(f"/a/{world.b.slug}/dashboard/").status_code == 200  # others go on
        assert clients.admin_b.get(f"/a/{world.a.slug}/dashboard/").status_code == 404  # and see no more
        with alliance_scope(world.a.pk):
            assert Membership.objects.count() == before

    def test_an_api_token_is_refused_too(self, operator, world):
        _, token = api_token_create(user=world.users.provider_x, name="Sync")
        api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        assert api.get(f"/api/a/{world.a.slug}/programs/").status_code == 200
        alliance_suspend(actor=operator, alliance=world.a, reason="Contract ended")
        refused = api.get(f"/api/a/{world.a.slug}/programs/")
        assert refused.status_code == 403
        assert "suspended" in refused.json()["detail"]
        alliance_reactivate(actor=operator, alliance=world.a, reason="Renewed")
        assert api.get(f"/api/a/{world.a.slug}/programs/").status_code == 200

    def test_the_public_page_and_an_invitation_link_say_suspended(self, operator, world):
        _, token = alliance_invite_admin(actor=operator, alliance=world.a, email="later@a.org")
        alliance_suspend(actor=operator, alliance=world.a, reason="Paused")
        assert Client().get(f"/care/{world.a.slug}/").status_code == 403
        join = Client().get(f"/a/{world.a.slug}/join/{token}/")
        assert join.status_code == 403
        assert b"This alliance is suspended" in join.content

    def test_beat_skips_a_suspended_alliance_and_its_tasks_do_nothing(self, operator, world):
        from alliance.models import DataExport

        alliance_suspend(actor=operator, alliance=world.a, reason="Paused")
        from celery import shared_task

        @shared_task(name="tests.noop")
        def noop(alliance_id: int) -> int:
            return alliance_id

        assert queue_for_every_alliance(noop) == [world.b.pk]
        with alliance_scope(world.a.pk):
            export = DataExport.objects.create(requested_by=world.users.admin_a)
        result = export_alliance_data.apply(args=[world.a.pk, export.pk]).get()
        assert result == {"alliance_id": world.a.pk, "skipped": "suspended"}
        with alliance_scope(world.a.pk):
            assert DataExport.objects.get(pk=export.pk).status == DataExport.Status.QUEUED
        alliance_reactivate(actor=operator, alliance=world.a, reason="Back")
        assert sorted(queue_for_every_alliance(noop)) == sorted([world.a.pk, world.b.pk])


def test_work_a_request_queued_waits_in_the_outbox_until_reactivation(
    operator, world, settings, tmp_path, django_capture_on_commit_callbacks
):
    """Work saved in the outbox is not sent while the alliance is suspended; the relay sends it after."""
    from alliance.models import DataExport, TaskOutbox
    from alliance.outbox import outbox_send, task_enqueue

    settings.HUB_EXPORT_DIR = str(tmp_path)
    alliance_suspend(actor=operator, alliance=world.a, reason="Paused")
    with django_capture_on_commit_callbacks(execute=True), alliance_scope(world.a.pk):
        export = DataExport.objects.create(requested_by=world.users.admin_a)
        row = task_enqueue(export_alliance_data.si(world.a.pk, export.pk), ref=f"dataexport:{export.pk}")
    assert TaskOutbox.objects.get(pk=row.pk).sent_at is None
    assert outbox_send(older_than=0) == 0
    alliance_reactivate(actor=operator, alliance=world.a, reason="Back")
    assert outbox_send(older_than=0) == 1
    with alliance_scope(world.a.pk):
        assert DataExport.objects.get(pk=export.pk).status == DataExport.Status.DONE


@pytest.mark.worker
def test_a_real_worker_does_nothing_for_a_suspended_alliance(transactional_db, settings, tmp_path):
    """The data export task through a real worker: skipped while suspended (the export stays queued, no
    file), done after reactivation."""
    from alliance.celery import app
    from alliance.models import DataExport
    from tests.factories import AllianceFactory, member

    settings.HUB_EXPORT_DIR = str(tmp_path)
    alliance = AllianceFactory(slug="paused")
    admin = member(alliance, Role.HUB_ADMIN)
    ops = UserFactory(email="ops@hub.invalid", totp=True)
    PlatformOperator.objects.create(user=ops)
    with alliance_scope(alliance.pk):
        export = DataExport.objects.create(requested_by=admin)
    alliance_suspend(actor=ops, alliance=alliance, reason="Paused")
    app.conf.task_always_eager = False
    try:
        with celery_worker(HUB_EXPORT_DIR=str(tmp_path)):
            skipped = export_alliance_data.delay(alliance.pk, export.pk).get(timeout=60)
            assert skipped == {"alliance_id": alliance.pk, "skipped": "suspended"}
            with alliance_scope(alliance.pk):
                assert DataExport.objects.get(pk=export.pk).status == DataExport.Status.QUEUED
            assert list(tmp_path.iterdir()) == []
            alliance_reactivate(actor=ops, alliance=alliance, reason="Back")
            done = export_alliance_data.delay(alliance.pk, export.pk).get(timeout=60)
            assert done["export_id"] == export.pk
    finally:
        app.conf.task_always_eager = True
    with alliance_scope(alliance.pk):
        assert DataExport.objects.get(pk=export.pk).status == DataExport.Status.DONE


# --- Commands ---------------------------------------------------------------------------------------------
class TestCommands:
    def test_the_lifecycle_from_a_script(self, operator, mailoutbox, django_capture_on_commit_callbacks):
        out = StringIO()
        call_command(
            "alliance_create",
            "--name=Hillside",
            "--slug=hillside",
            "--timezone=America/Denver",
            "--locale=en-ca",
            "--target-occupancy=90",
            "--operator=ops@hub.invalid",
            stdout=out,
        )
        assert "Created Hillside at /a/hillside/" in out.getvalue()
        alliance = Alliance.objects.get(slug="hillside")
        assert (alliance.timezone, alliance.locale) == ("America/Denver", "en-ca")
        out = StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("alliance_invite_admin", "hillside", "first@hillside.org", stdout=out)
        assert re.search(r"/a/hillside/join/\S+/", out.getvalue())
        assert mailoutbox[0].to == ["first@hillside.org"]
        call_command("alliance_suspend", "hillside", "--reason=Trial over", "--operator=ops@hub.invalid", stdout=out)
        assert Alliance.objects.get(pk=alliance.pk).is_suspended
        call_command("alliance_reactivate", "hillside", "--reason=Signed", stdout=out)
        assert not Alliance.objects.get(pk=alliance.pk).is_suspended
        chain = events(alliance)
        assert [(e.action, e.actor_label) for e in chain] == [
            ("alliance.created", "ops@hub.invalid"),
            ("metrics.targets_updated", "ops@hub.invalid"),
            ("invitation.created", "system"),
            ("invitation.sent", "system"),
            ("alliance.suspended", "ops@hub.invalid"),
            ("alliance.reactivated", "system"),
        ]

    @pytest.mark.parametrize(
        ("command", "args", "message"),
        [
            (
                "alliance_create",
                ["--name=X", "--slug=x", "--timezone=Mars/Olympus"],
                "--timezone: Select a valid choice",
            ),
            ("alliance_create", ["--name=X", "--slug=x", "--budget-occupancy=99"], "cannot exceed the target"),
            ("alliance_create", ["--name=X", "--slug=x", "--operator=nobody@x.org"], "not a platform operator"),
            ("alliance_invite_admin", ["no-such", "a@b.org"], "No alliance has the slug 'no-such'"),
            ("alliance_invite_admin", ["alliance-a", "not-an-email"], "Enter a valid email address"),
            ("alliance_suspend", ["alliance-a", "--reason= "], "Say why"),
            ("alliance_reactivate", ["alliance-a", "--reason=ok"], "is not suspended"),
            ("operator_add", ["someone@nowhere.org"], "No account has the email"),
        ],
    )
    def test_bad_input_is_a_clear_error_and_changes_nothing(self, world, command, args, message):
        count = AuditEvent.objects.unscoped().count()
        with pytest.raises(CommandError, match=re.escape(message)):
            call_command(command, *args, stdout=StringIO())
        assert AuditEvent.objects.unscoped().count() == count
        assert Alliance.objects.count() == 2
        assert not Alliance.objects.filter(suspended_at__isnull=False).exists()

    def test_operator_add_creates_the_account_when_asked(self, db):
        call_command("operator_add", "New.Ops@Hub.invalid", "--create", stdout=StringIO())
        operator = PlatformOperator.objects.get()
        assert operator.user.email == "new.ops@hub.invalid"
        assert not operator.user.has_usable_password()

    def test_a_bad_command_exits_non_zero(self, transactional_db):
        import os

        result = subprocess.run(
            [sys.executable, "manage.py", "alliance_suspend", "no-such-alliance", "--reason=x"],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": database_url_of_test_run()},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 1
        assert "No alliance has the slug 'no-such-alliance'" in result.stderr
        assert not Invitation.objects.unscoped().exists()
