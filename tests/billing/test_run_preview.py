"""The invoice run's preview: the same figures as the invoices issued after it, a warning of each kind
linked to where it is fixed, issuing from it (and refusing a stale one), writing nothing, and access."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from alliance.models import AuditEvent, TaskOutbox
from alliance.tenancy import alliance_scope
from billing.invoicing import invoice_program_for_period
from billing.models import (
    DiscountKind,
    FamilyAccount,
    Invoice,
    InvoiceRun,
    LedgerEntry,
    Payer,
    PayerClaim,
    RatePeriod,
    SubsidyAuthorization,
)
from billing.preview import WarningKind, invoice_run_preview
from enrollment.models import Enrollment
from members.models import AgeGroup
from tests.billing.factories import ChildFactory, FamilyFactory, RatePlanFactory, enroll
from tests.enrollment.factories import GuardianFactory
from tests.members.factories import SiteFactory, classroom

MARCH = datetime.date(2026, 3, 1)


def page(world) -> str:  # type: ignore[no-untyped-def]
    return f"/a/{world.a.slug}/billing/runs/preview/"


def api(world) -> str:  # type: ignore[no-untyped-def]
    return f"/api/a/{world.a.slug}/invoice-runs/"


@pytest.fixture
def three(world, homes):
    """Three families, March 2026 (22 weekdays):

    - Lopez at X: Ana full time from March 16 — 12 of 22 days at 1000.00 = 545.45; Ben Mondays and
      Wednesdays until March 11 — 4 of 9 days at 433.33 = 192.59, less the 10% sibling discount 19.26;
      registration 50.00 each. 545.45 + 192.59 − 19.26 + 50.00 + 50.00 = 818.78.
    - Young at Y, a staff family: weekly plan 200.00 × 22/5 = 880.00, less 25.00 staff discount = 855.00.
    - Ng at X (no account yet): Nia full time, 1000.00 + 50.00 registration; the county pays above the
      100.00 co-pay up to 600.00: min(1000.00 − 100.00, 600.00) = 600.00. 1000.00 + 50.00 − 600.00 = 450.00.

    Program X: 818.78 + 450.00 = 1,268.78; Y: 855.00; the alliance: 2,123.78 in 3 invoices."""
    sibling = {
        "sibling_discount_kind": DiscountKind.PERCENT,
        "sibling_discount": Decimal("10.00"),
        "registration_fee": Decimal("50.00"),
    }
    RatePlanFactory(
        program=world.x, name="Preschool full time", age_group=AgeGroup.PRESCHOOL, days_per_week=5, **sibling
    )
    RatePlanFactory(
        program=world.x,
        name="Preschool 2 days",
        age_group=AgeGroup.PRESCHOOL,
        days_per_week=2,
        tuition=Decimal("433.33"),
        **sibling,
    )
    RatePlanFactory(
        program=world.y,
        name="Weekly",
        period=RatePeriod.WEEKLY,
        tuition=Decimal("200.00"),
        staff_discount_kind=DiscountKind.AMOUNT,
        staff_discount=Decimal("25.00"),
    )
    enroll(homes.ana, homes.room_x, start=datetime.date(2026, 3, 16))
    enroll(homes.ben, homes.room_x, start=datetime.date(2026, 1, 5), end=datetime.date(2026, 3, 11), weekdays=[0, 2])
    enroll(homes.yuri, homes.room_y, start=datetime.date(2026, 1, 5))
    ng = FamilyFactory(alliance=world.a, name="Ng family")
    nia = ChildFactory(family=ng, first_name="Nia")
    enroll(nia, homes.room_x, start=datetime.date(2026, 2, 2))
    for family in (homes.lopez, homes.young, ng):
        GuardianFactory(family=family, email=f"{family.name.split()[0].lower()}@example.org")
    with alliance_scope(world.a.pk):
        FamilyAccount.objects.filter(pk=homes.young_y.pk).update(staff_discount=True)
        county = Payer.objects.create(name="County")
        SubsidyAuthorization.objects.create(
            payer=county,
            child=nia,
            program=world.x,
            case_number="C-1",
            starts_on=datetime.date(2026, 1, 1),
            ends_on=datetime.date(2026, 12, 31),
            authorized_amount=Decimal("600.00"),
            family_copay=Decimal("100.00"),
        )
    homes.ng, homes.nia = ng, nia
    return homes


def counts(world) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with alliance_scope(world.a.pk):
        return {
            model.__name__: model.objects.count()
            for model in (Invoice, LedgerEntry, FamilyAccount, PayerClaim, InvoiceRun, AuditEvent)
        } | {"outbox": TaskOutbox.objects.count()}


class TestWorkedExample:
    def test_preview_totals_are_the_invoices_issued_after_it_to_the_cent(
        self, world, clients, three, django_capture_on_commit_callbacks
    ):
        with alliance_scope(world.a.pk):
            preview = invoice_run_preview(period_start=MARCH)
        by_family = {a.family_name: a.total for a in preview.accounts}
        assert by_family == {
            "Lopez family": Decimal("818.78"),
            "Young family": Decimal("855.00"),
            "Ng family": Decimal("450.00"),
        }
        assert {p.name: p.total for p in preview.programs} == {
            "Program X": Decimal("1268.78"),
            "Program Y": Decimal("855.00"),
        }
        assert (preview.invoices, preview.total) == (3, Decimal("2123.78"))
        assert preview.warnings == []

        shown = clients.staff_a.get(page(world), {"month": "2026-03"}).content.decode()
        assert "Issue 3 invoices totalling $2,123.78" in shown
        assert "$1,268.78" in shown
        assert "2123.78" not in shown

        with django_capture_on_commit_callbacks(execute=True):
            response = clients.staff_a.post(
                f"/a/{world.a.slug}/billing/runs/issue/", {"month": "2026-03", "fingerprint": preview.fingerprint}
            )
        assert response.status_code == 302
        with alliance_scope(world.a.pk):
            run = InvoiceRun.objects.get()
            issued = {i.account.family.name: i.total for i in Invoice.objects.select_related("account__family")}
            assert run.amount_invoiced == Decimal("2123.78")
            assert run.invoices_created == 3
            started = AuditEvent.objects.get(action="invoice_run.started")
            assert started.after["preview_fingerprint"] == preview.fingerprint
        assert issued == by_family
        assert response["Location"].endswith(f"/billing/runs/{run.pk}/")
        followed = clients.staff_a.get(response["Location"]).content.decode()
        assert "3 invoices totalling $2,123.78" in followed
        # The audit page writes the run's total in the alliance's money format too, not as saved.
        audit = clients.staff_a.get(f"/a/{world.a.slug}/audit/", {"action": "invoice_run"}).content.decode()
        assert "$2,123.78" in audit
        assert "2123.78" not in audit

    def test_a_program_page_lists_each_family_with_its_lines(self, world, clients, three):
        shown = clients.staff_a.get(page(world), {"month": "2026-03", "program": world.x.pk}).content.decode()
        assert "Program X: 2 invoices, $1,268.78" in shown
        assert "Sibling discount Ben" in shown
        assert "-$19.26" in shown
        assert "Paid by County (case C-1)" in shown
        assert "-$600.00" in shown
        assert "new account" in shown  # the Ng family has none until the run opens it
        assert "Young family" not in shown

    def test_previewing_writes_nothing(self, world, clients, three):
        before = counts(world)
        assert clients.staff_a.get(page(world), {"month": "2026-03"}).status_code == 200
        assert clients.staff_a.get(api(world) + "preview/", {"month": "2026-03"}).status_code == 200
        assert counts(world) == before


class TestIssuing:
    def test_a_stale_preview_is_refused_and_the_new_one_shown(self, world, clients, three):
        with alliance_scope(world.a.pk):
            old = invoice_run_preview(period_start=MARCH)
            FamilyAccount.objects.filter(pk=three.young_y.pk).update(staff_discount=False)  # +25.00
        response = clients.staff_a.post(
            f"/a/{world.a.slug}/billing/runs/issue/", {"month": "2026-03", "fingerprint": old.fingerprint}
        )
        assert response.status_code == 302
        assert response["Location"].endswith("/billing/runs/preview/?month=2026-03")
        shown = clients.staff_a.get(response["Location"]).content.decode()
        assert "changed since this preview" in shown
        assert "Issue 3 invoices totalling $2,148.78" in shown
        with alliance_scope(world.a.pk):
            assert not InvoiceRun.objects.exists()

        refused = clients.staff_a.post(
            api(world), {"period_start": "2026-03-01", "preview_fingerprint": old.fingerprint}, "application/json"
        )
        assert refused.status_code == 409
        assert refused.json()["code"] == "stale"
        with alliance_scope(world.a.pk):
            assert not InvoiceRun.objects.exists()

    def test_issuing_twice_starts_one_run(self, world, clients, three):
        with alliance_scope(world.a.pk):
            preview = invoice_run_preview(period_start=MARCH)
        issue = f"/a/{world.a.slug}/billing/runs/issue/"
        first = clients.staff_a.post(issue, {"month": "2026-03", "fingerprint": preview.fingerprint})
        second = clients.staff_a.post(issue, {"month": "2026-03", "fingerprint": preview.fingerprint})
        with alliance_scope(world.a.pk):
            run = InvoiceRun.objects.get()
        assert first["Location"] == second["Location"] == f"/a/{world.a.slug}/billing/runs/{run.pk}/"
        assert "already queued" in clients.staff_a.get(second["Location"]).content.decode()


class TestWarnings:
    def test_a_warning_of_each_kind_links_to_where_it_is_fixed(self, world, clients, three):
        """On top of the three families: an unknown rate plan, a schedule with no days, a room licensed
        for 1 holding 2, a family without a guardian, two Adams families sharing a child's name, an
        invoice fully paid by a payer (0.00), and the Young family already invoiced for March."""
        with alliance_scope(world.a.pk):
            invoice_program_for_period(program_id=world.y.pk, period_start=MARCH, period_end=datetime.date(2026, 3, 31))
        lu = ChildFactory(family=three.lopez, first_name="Lu")
        unknown = enroll(lu, three.room_x, start=datetime.date(2026, 2, 2), ref="NOPE")
        orphan = ChildFactory(family=FamilyFactory(alliance=world.a, name="Orr family"), first_name="Ola")
        enroll(orphan, three.room_x, start=datetime.date(2026, 2, 2))
        nobody = ChildFactory(family=three.ng, first_name="Noa")
        no_days = enroll(nobody, three.room_x, start=datetime.date(2026, 2, 2))
        with alliance_scope(world.a.pk):  # as an import can leave it: no days in the schedule
            Enrollment.objects.filter(pk=no_days.pk).update(weekdays=[])
        tiny = classroom(SiteFactory(program=world.x), licensed=1, age_group=AgeGroup.PRESCHOOL)
        adams = []
        for _ in range(2):
            family = FamilyFactory(alliance=world.a, name="Adams family")
            GuardianFactory(family=family)
            enroll(ChildFactory(family=family, first_name="Al"), tiny, start=datetime.date(2026, 2, 2))
            adams.append(family)
        free = FamilyFactory(alliance=world.a, name="Free family")
        GuardianFactory(family=free)
        fay = ChildFactory(family=free, first_name="Fay")
        enroll(fay, three.room_y, start=datetime.date(2026, 2, 2))
        with alliance_scope(world.a.pk):
            SubsidyAuthorization.objects.create(
                payer=Payer.objects.get(),
                child=fay,
                program=world.y,
                case_number="C-2",
                starts_on=datetime.date(2026, 1, 1),
                ends_on=datetime.date(2026, 12, 31),
                authorized_amount=Decimal("2000.00"),
            )
            preview = invoice_run_preview(period_start=MARCH)
            young = FamilyAccount.objects.get(family=three.young)

        def of(kind: str, attribute: str) -> set[int | None]:
            return {getattr(w, attribute) for w in preview.warnings if w.kind == kind}

        assert {w.kind for w in preview.warnings} == {kind for kind, _ in WarningKind.CHOICES}
        assert unknown.pk in of(WarningKind.NO_RATE_PLAN, "enrollment_id")
        assert of(WarningKind.NO_SCHEDULE, "enrollment_id") == {no_days.pk}
        assert of(WarningKind.OVER_CAPACITY, "classroom_id") == {tiny.pk}
        assert of(WarningKind.NO_PAYER, "family_id") == {orphan.family_id}
        assert of(WarningKind.DUPLICATE_FAMILY, "family_id") == {adams[1].pk}
        assert of(WarningKind.NOT_POSITIVE, "family_id") == {free.pk}
        assert of(WarningKind.ALREADY_INVOICED, "account_id") == {young.pk}

        shown = clients.staff_a.get(page(world), {"month": "2026-03"}).content.decode()
        slug = world.a.slug
        assert f'href="/a/{slug}/enrollments/{unknown.pk}/">Open the enrollment' in shown
        assert f'href="/a/{slug}/programs/{world.x.pk}/classrooms/{tiny.pk}/">Open the room' in shown
        assert f'href="/a/{slug}/billing/accounts/{young.pk}/">Open the account' in shown
        assert f'href="/a/{slug}/families/{adams[1].pk}/">Open the family' in shown
        assert "Free family: the invoice would be $0.00." in shown
        assert f"{tiny.name}: 2 children enrolled on Mar 1, 2026, licensed for 1." in shown


class TestAccess:
    def test_a_provider_sees_only_their_program(self, world, clients, three):
        shown = clients.provider_x.get(page(world), {"month": "2026-03"}).content.decode()
        assert "Program X: 2 invoices, $1,268.78" in shown
        assert "Young family" not in shown
        assert "issue-button" not in shown
        assert clients.provider_x.get(page(world), {"month": "2026-03", "program": world.y.pk}).status_code == 404
        data = clients.provider_x.get(api(world) + "preview/", {"month": "2026-03"}).json()
        assert [p["name"] for p in data["programs"]] == ["Program X"]
        assert data["total"] == "1268.78"
        assert clients.provider_x.get(api(world) + "preview/", {"program": world.y.pk}).status_code == 404
        assert clients.provider_x.post(f"/a/{world.a.slug}/billing/runs/issue/", {}).status_code == 403

    def test_it_validates_ownership(self, world, clients, three):
        assert clients.staff_b.get(page(world)).status_code == 404
        assert clients.staff_b.get(api(world) + "preview/").status_code == 404
        other = f"/a/{world.b.slug}/billing/runs/preview/"
        assert clients.staff_b.get(other, {"program": world.x.pk}).status_code == 404


class TestApi:
    def test_the_preview_pages_families_and_issues_with_its_fingerprint(
        self, world, clients, three, django_capture_on_commit_callbacks
    ):
        """The API's preview is the page's: 3 invoices, 2,123.78; one program's families with ?program=;
        a fingerprint that still holds issues the month (201), a second time is 409 run_going."""
        data = clients.staff_a.get(api(world) + "preview/", {"month": "2026-03"}).json()
        assert (data["invoices"], data["total"], data["count"]) == (3, "2123.78", 3)
        assert {p["name"]: p["total"] for p in data["programs"]} == {"Program X": "1268.78", "Program Y": "855.00"}
        ng = next(f for f in data["results"] if f["family_name"] == "Ng family")
        assert ng["account"] is None
        assert [(ln["category"], ln["amount"]) for ln in ng["lines"]] == [
            ("tuition", "1000.00"),
            ("registration", "50.00"),
            ("payer_share", "-600.00"),
        ]
        one = clients.staff_a.get(api(world) + "preview/", {"month": "2026-03", "program": world.y.pk}).json()
        assert [f["family_name"] for f in one["results"]] == ["Young family"]
        assert one["fingerprint"] == data["fingerprint"]  # the alliance's month is what is issued
        bad = clients.staff_a.get(api(world) + "preview/", {"month": "March"})
        assert bad.status_code == 400
        assert bad.json() == {"month": ["A month as YYYY-MM."]}

        body = {"period_start": "2026-03-01", "preview_fingerprint": data["fingerprint"]}
        with django_capture_on_commit_callbacks(execute=False):
            issued = clients.staff_a.post(api(world), body, "application/json")
        assert issued.status_code == 201
        again = clients.staff_a.post(api(world), body, "application/json")
        assert again.status_code == 409
        assert again.json()["code"] == "run_going"
        assert again.json()["run"] == issued.json()["id"]

    def test_resume_is_for_a_stalled_or_failed_run_only(self, world, clients, three):
        from billing.invoicing import invoice_run_create
        from billing.models import RunStatus

        with alliance_scope(world.a.pk):
            run = invoice_run_create(actor=None, period_start=MARCH, queue=False)
        resume = f"{api(world)}{run.pk}/resume/"
        refused = clients.staff_a.post(resume)
        assert refused.status_code == 409
        assert refused.json() == {
            "detail": "Only a stalled or failed run can be resumed; this one is queued.",
            "code": "not_stalled",
            "run": run.pk,
        }
        with alliance_scope(world.a.pk):
            InvoiceRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, error="Program X: boom")
        resumed = clients.staff_a.post(resume)
        assert resumed.status_code == 200
        assert (resumed.json()["status"], resumed.json()["error"]) == ("queued", "")
        assert clients.provider_x.post(resume).status_code == 403
        assert clients.staff_b.post(resume.replace(world.a.slug, world.b.slug)).status_code == 404
