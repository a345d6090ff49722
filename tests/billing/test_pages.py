"""Billing pages and API: who sees what, forms and their errors, the run page."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from alliance.tenancy import alliance_scope
from billing.invoicing import invoice_program_for_period
from billing.models import Invoice, InvoiceRun, RatePlan
from tests.billing.factories import RatePlanFactory, enroll
from tests.billing.test_invoicing import MARCH


@pytest.fixture
def billed(world, homes):
    RatePlanFactory(program=world.x, tuition=Decimal("1000.00"))
    RatePlanFactory(program=world.y, tuition=Decimal("800.00"))
    enroll(homes.ana, homes.room_x, start=datetime.date(2026, 1, 5))
    enroll(homes.yuri, homes.room_y, start=datetime.date(2026, 1, 5))
    with alliance_scope(world.a.pk):
        for program in (world.x, world.y):
            invoice_program_for_period(program_id=program.pk, period_start=MARCH[0], period_end=MARCH[1])
        return {"x": Invoice.objects.get(program=world.x), "y": Invoice.objects.get(program=world.y)}


def url(world, path: str) -> str:  # type: ignore[no-untyped-def]
    return f"/a/{world.a.slug}/billing/{path}"


class TestAccountPages:
    def test_hub_staff_sees_every_account_and_the_balance(self, world, clients, homes, billed):
        page = clients.staff_a.get(url(world, "accounts/"))
        assert page.status_code == 200
        assert b"Lopez family" in page.content
        assert b"Young family" in page.content
        detail = clients.staff_a.get(url(world, f"accounts/{homes.lopez_x.pk}/"))
        assert b'id="balance">$1,000.00<' in detail.content

    def test_provider_sees_own_program_only(self, world, clients, homes, billed):
        page = clients.provider_x.get(url(world, "accounts/"))
        assert b"Lopez family" in page.content
        assert b"Young family" not in page.content
        assert clients.provider_x.get(url(world, f"accounts/{homes.young_y.pk}/")).status_code == 404
        assert clients.provider_x.get(url(world, f"invoices/{billed['y'].pk}/")).status_code == 404
        assert clients.provider_x.get(url(world, f"invoices/{billed['x'].pk}/")).status_code == 200

    def test_it_validates_ownership(self, world, clients, homes, billed):
        assert clients.staff_b.get(url(world, f"accounts/{homes.lopez_x.pk}/")).status_code == 404
        own_b = f"/a/{world.b.slug}/billing/accounts/{homes.lopez_x.pk}/"
        assert clients.staff_b.get(own_b).status_code == 404  # A's account under B's slug
        assert clients.funder_a.get(url(world, "accounts/")).status_code == 403
        assert clients.funder_a.get(url(world, f"invoices/{billed['x'].pk}/")).status_code == 403

    def test_invoice_page_shows_its_lines_and_total(self, world, clients, billed):
        page = clients.staff_a.get(url(world, f"invoices/{billed['x'].pk}/"))
        assert b"Tuition" in page.content
        assert b'id="invoice-total"><strong>$1,000.00<' in page.content


class TestRatePlans:
    def test_hub_adds_a_plan_and_the_old_one_ends(self, world, clients):
        old = RatePlanFactory(program=world.x, name="Old price", tuition=Decimal("900.00"))
        response = clients.staff_a.post(
            url(world, "rate-plans/new/"),
            {
                "program": world.x.pk,
                "name": "New price",
                "period": "monthly",
                "tuition": "950.00",
                "registration_fee": "0.00",
                "supply_fee": "0.00",
                "sibling_discount": "0.00",
                "staff_discount": "0.00",
                "effective_from": "2026-09-01",
            },
        )
        assert response.status_code == 302
        with alliance_scope(world.a.pk):
            old.refresh_from_db()
            assert old.effective_to == datetime.date(2026, 8, 31)
            assert RatePlan.objects.get(name="New price").tuition == Decimal("950.00")

    def test_bad_input_shows_errors_and_saves_nothing(self, world, clients):
        response = clients.staff_a.post(
            url(world, "rate-plans/new/"),
            {
                "program": world.x.pk,
                "name": "Odd",
                "period": "monthly",
                "tuition": "950.00",
                "registration_fee": "0.00",
                "supply_fee": "0.00",
                "sibling_discount_kind": "percent",
                "sibling_discount": "150.00",
                "staff_discount": "0.00",
                "effective_from": "2026-09-01",
            },
        )
        assert response.status_code == 200
        assert b"at most 100" in response.content
        with alliance_scope(world.a.pk):
            assert not RatePlan.objects.exists()

    def test_providers_read_but_cannot_add(self, world, clients):
        RatePlanFactory(program=world.x, name="X plan")
        RatePlanFactory(program=world.y, name="Y plan")
        page = clients.provider_x.get(url(world, "rate-plans/"))
        assert b"X plan" in page.content
        assert b"Y plan" not in page.content
        assert clients.provider_x.get(url(world, "rate-plans/new/")).status_code == 403

    def test_api_gives_field_errors_and_scopes_programs(self, world, clients):
        api = f"/api/a/{world.a.slug}/rate-plans/"
        bad = clients.staff_a.post(
            api,
            {"program": world.z.pk, "name": "x", "tuition": "1", "effective_from": "2026-01-01"},
            content_type="application/json",
        )
        assert bad.status_code == 400
        assert "program" in bad.json()
        ok = clients.staff_a.post(
            api,
            {"program": world.x.pk, "name": "API plan", "tuition": "812.50", "effective_from": "2026-01-01"},
            content_type="application/json",
        )
        assert ok.status_code == 201
        assert ok.json()["tuition"] == "812.50"
        assert clients.provider_x.post(api, {}, content_type="application/json").status_code == 403


class TestInvoiceRunPages:
    def test_hub_starts_a_run_and_follows_its_progress(
        self, world, clients, homes, billed, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = clients.staff_a.post(url(world, "runs/"), {"period": "monthly", "period_start": "2026-04-01"})
        assert response.status_code == 302
        with alliance_scope(world.a.pk):
            run = InvoiceRun.objects.get()
        assert response["Location"].endswith(f"/billing/runs/{run.pk}/")
        progress = clients.staff_a.get(url(world, f"runs/{run.pk}/progress/"))
        assert b"2 of 2 programs invoiced" in progress.content
        assert b"hx-get" not in progress.content

    def test_a_warning_names_program_and_room_and_links_to_the_room(
        self, world, clients, homes, billed, django_capture_on_commit_callbacks
    ):
        """Five programs may each have a "Home group": the warning says whose, and links to it."""
        from members.models import AgeGroup, Classroom
        from tests.billing.factories import ChildFactory, room_of

        home_group = room_of(world.y, age_group=AgeGroup.TODDLER)
        with alliance_scope(world.a.pk):
            Classroom.objects.filter(pk=home_group.pk).update(name="Home group")
        tia = ChildFactory(family=homes.young, first_name="Tia", last_name="Young")
        enroll(tia, home_group, start=datetime.date(2026, 3, 2), ref="home-ft")
        with django_capture_on_commit_callbacks(execute=True):
            clients.staff_a.post(url(world, "runs/"), {"period": "monthly", "period_start": "2026-04-01"})
        with alliance_scope(world.a.pk):
            run = InvoiceRun.objects.get()
        page = clients.staff_a.get(url(world, f"runs/{run.pk}/")).content.decode()
        assert "Tia Young (Program Y, Home group, from Mar 2, 2026): not invoiced" in page
        assert f'href="/a/{world.a.slug}/programs/{world.y.pk}/classrooms/{home_group.pk}/"' in page
        api = clients.staff_a.get(f"/api/a/{world.a.slug}/invoice-runs/{run.pk}/").json()
        assert api["warnings"][0].startswith("Tia Young (Program Y, Home group, from Mar 2, 2026)")

    def test_a_queued_run_polls(self, world, clients):
        with alliance_scope(world.a.pk):
            run = InvoiceRun.objects.create(period_start=MARCH[0], period_end=MARCH[1], programs_total=2)
        page = clients.staff_a.get(url(world, f"runs/{run.pk}/"))
        assert b'hx-trigger="every 1s"' in page.content
        assert b"0 of 2 programs invoiced" in page.content

    def test_bad_period_is_a_form_error(self, world, clients):
        response = clients.staff_a.post(url(world, "runs/"), {"period": "monthly", "period_start": "2026-04-02"})
        assert response.status_code == 200
        assert b"first of the month" in response.content

    def test_only_the_hub_runs_invoices(self, world, clients):
        assert clients.provider_x.get(url(world, "runs/")).status_code == 403
        assert clients.funder_a.get(url(world, "runs/")).status_code == 403
        api = f"/api/a/{world.a.slug}/invoice-runs/"
        assert (
            clients.provider_x.post(api, {"period_start": "2026-04-01"}, content_type="application/json").status_code
            == 403
        )

    def test_api_lists_accounts_with_balances_per_role(self, world, clients, homes, billed):
        api = f"/api/a/{world.a.slug}/billing-accounts/"
        rows = clients.provider_x.get(api).json()["results"]
        assert [(r["family_name"], r["balance"]) for r in rows] == [("Lopez family", "1000.00")]
        assert clients.funder_a.get(api).status_code == 403
        entries = clients.staff_a.get(f"/api/a/{world.a.slug}/ledger-entries/?account={homes.young_y.pk}").json()
        assert [e["amount"] for e in entries["results"]] == ["800.00"]


class TestNavigation:
    @pytest.mark.parametrize("who", ["staff_a", "provider_x"])
    def test_billing_is_in_the_menu_for_hub_and_providers(self, world, clients, who):
        page = getattr(clients, who).get(f"/a/{world.a.slug}/billing/")
        assert page.status_code == 200
        assert f'href="/a/{world.a.slug}/billing/">Billing</a>'.encode() in page.content

    def test_funders_have_no_billing(self, world, clients):
        assert clients.funder_a.get(f"/a/{world.a.slug}/billing/").status_code == 403
