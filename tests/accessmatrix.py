"""The access matrix's machinery: which real object each URL is tried with, and who is who.

The table itself (what each role must get) is `tests/access_table.py`; the test
is `tests/alliance/test_access_matrix.py`. The matrix runs on the demo data
(`seed_demo`): alliance A is Riverbend, alliance B is Cascade, and each route's
path parameters are filled with a real object of Riverbend's first program
("program X"), so that a page a role may see answers 200 with real content and
a provider of another program of the same alliance ("provider Y") is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models

from tests.urlwalk import Route

# The model a route's <pk> names, by the path segment before it; routes whose
# segment is ambiguous are named in PK_BY_ROUTE.
PK_BY_SEGMENT = {
    "accounts": "billing.FamilyAccount",
    "billing-accounts": "billing.FamilyAccount",
    "bank-accounts": "billing.BankAccount",
    "ach": "billing.AchBatch",
    "alliance-finance-months": "metrics.AllianceFinanceMonth",
    "alliance-months": "metrics.AllianceMonth",
    "program-finance-months": "metrics.ProgramFinanceMonth",
    "program-months": "metrics.ProgramMonth",
    "attendance": "enrollment.AttendanceRecord",
    "bulk-jobs": "billing.BulkJob",
    "budgets": "budgets.Budget",
    "cash-flow": "members.MemberProgram",
    "audit-events": "alliance.AuditEvent",
    "catalogue-items": "sharedservices.CatalogueItem",
    "items": "sharedservices.CatalogueItem",
    "children": "enrollment.Child",
    "claims": "billing.PayerClaim",
    "classroom-capacities": "members.ClassroomCapacity",
    "classrooms": "members.Classroom",
    "vacancies": "members.Classroom",
    "coach-visits": "sharedservices.CoachVisit",
    "visits": "sharedservices.CoachVisit",
    "coaching-goals": "sharedservices.CoachingGoal",
    "goals": "sharedservices.CoachingGoal",
    "costs": "members.MonthlyCost",
    "cover": "sharedservices.CoverRequest",
    "cover-requests": "sharedservices.CoverRequest",
    "cycles": "sharedservices.PurchasingCycle",
    "purchasing-cycles": "sharedservices.PurchasingCycle",
    "enrollments": "enrollment.Enrollment",
    "export": "alliance.DataExport",
    "families": "enrollment.Family",
    "guardians": "enrollment.Guardian",
    "imports": "members.ImportBatch[!profit_loss]",  # a report has its own pages (profit-loss/<pk>/)
    "profit-loss": "members.ImportBatch[profit_loss]",
    "inquiries": "outreach.Inquiry",
    "inspections": "members.LicensingInspection",
    "invitations": "alliance.Invitation",
    "invoice-runs": "billing.InvoiceRun",
    "runs": "billing.InvoiceRun",
    "invoices": "billing.Invoice",
    "ledger-entries": "billing.LedgerEntry",
    "member-orders": "sharedservices.MemberOrder",
    "message-templates": "outreach.MessageTemplate",
    "offers": "enrollment.Offer",
    "payers": "billing.Payer",
    "payments": "billing.Payment",
    "programs": "members.MemberProgram",
    "public-listings": "outreach.PublicListing",
    "purchase-orders": "sharedservices.PurchaseOrder",
    "rate-plans": "billing.RatePlan",
    "scenarios": "planning.Scenario",
    "refunds": "billing.Refund",
    "sites": "members.Site",
    "staff": "members.StaffMember",
    "subscriptions": "members.ServiceSubscription",
    "services": "members.HubService",
    "substitutes": "sharedservices.Substitute",
    "vendors": "sharedservices.Vendor",
    "tour-slots": "outreach.TourSlot",
    "tour-bookings": "outreach.TourBooking",
    "waitlist": "enrollment.WaitlistEntry",
    "waitlist-entries": "enrollment.WaitlistEntry",
    "credentials": "members.Credential",
    "value-of-membership": "members.MemberProgram",
    "cost-of-care": "members.MemberProgram",
}
PK_BY_ROUTE = {
    "sustainability:grant_edit": "sustainability.Grant",
    "sustainability:grant_delete": "sustainability.Grant",
    "sustainability:contract_edit": "sustainability.Contract",
    "sustainability:contract_delete": "sustainability.Contract",
    "api:sustainability-plan-detail": "sustainability.Plan",
    "api:sustainability-grant-detail": "sustainability.Grant",
    "api:sustainability-contract-detail": "sustainability.Contract",
    "members:subscription_edit": "members.ServiceSubscription",
    "outreach:kiosk_device_revoke": "outreach.KioskDevice",
    "enrollment:offer_bulk_job": "enrollment.OfferBulkJob",
    "enrollment:offer_bulk_job_progress": "enrollment.OfferBulkJob",
}
FIXED = {"year": 2026, "month": 1, "chart": "occupancy", "kind": "classrooms", "token": "not-a-real-token"}

_PK_SEGMENT = re.compile(r"([\w-]+)/<(?:\w+:)?pk>")


@dataclass
class Samples:
    """Real rows of alliance A, preferably of program X, by model label."""

    program_id: int
    rows: dict[str, Any]

    def pk_of(self, label: str) -> int | None:
        row = self.rows.get(label)
        return None if row is None else row.pk


def _in_program(model: type[models.Model], program_id: int) -> models.QuerySet:
    """Rows the program's provider may see now: by the product's own provider rules where the
    model has them (a family while a child is enrolled or waiting there, or it owes money), else
    by its program path."""
    import functools
    import operator

    from alliance.access import provider_rules

    queryset = model.objects.all()
    rules = provider_rules(model)
    path = getattr(model, "program_field", None)
    if rules:
        condition = functools.reduce(operator.or_, (rule(program_id) for rule in rules))
        queryset = queryset.filter(pk__in=model.objects.filter(condition).values("pk"))
    elif path:
        queryset = queryset.filter(**{path: program_id})
    return queryset.order_by("pk")


def collect_samples(program_id: int) -> Samples:
    """Inside alliance A's scope: the first row of each model the routes name."""
    labels = set(PK_BY_SEGMENT.values()) | set(PK_BY_ROUTE.values())
    rows: dict[str, Any] = {}
    for label in sorted(labels):
        model_label, _, kind = label.partition("[")  # "app.Model[kind]": rows of that kind only
        try:
            model = apps.get_model(model_label)
        except LookupError:
            continue
        queryset = _in_program(model, program_id)
        anywhere = model.objects.order_by("pk")
        kind = kind.rstrip("]")
        if kind.startswith("!"):  # every kind but this one
            queryset, anywhere = queryset.exclude(kind=kind[1:]), anywhere.exclude(kind=kind[1:])
        elif kind:  # the newest: one the matrix made below, still to import, rather than the demo's imported one
            queryset, anywhere = queryset.filter(kind=kind).order_by("-pk"), anywhere.filter(kind=kind).order_by("-pk")
        rows[label] = queryset.first() or anywhere.first()
    staff = rows.get("members.StaffMember")
    if staff is not None:  # a credential of that staff member, for staff/<pk>/credentials/<credential_pk>/
        credential = apps.get_model("members.Credential").objects.filter(staff=staff).order_by("pk").first()
        rows["members.Credential"] = credential or rows.get("members.Credential")
    return Samples(program_id=program_id, rows=rows)


def pk_label(route: Route) -> str | None:
    if route.name in PK_BY_ROUTE:
        return PK_BY_ROUTE[route.name]
    match = _PK_SEGMENT.search(route.route)
    return PK_BY_SEGMENT.get(match.group(1)) if match else None


def url_of(route: Route, alliance_slug: str, samples: Samples) -> str:
    values: dict[str, object] = dict(FIXED, program_pk=samples.program_id)
    label = pk_label(route)
    if label is not None:
        values["pk"] = samples.pk_of(label) or 0
    elif "<int:pk>" in route.route:
        values["pk"] = 0
    values["credential_pk"] = samples.pk_of("members.Credential") or 0
    values["cycle_pk"] = samples.pk_of("sharedservices.PurchasingCycle") or 0
    return route.url(alliance_slug, **values)


def rows_the_demo_lacks(admin, program) -> str:  # type: ignore[no-untyped-def]
    """Inside alliance A's scope: rows the demo does not hold, made through the services, so their
    pages are tried with real rows too. Returns the one-time token of the invitation it makes."""
    import datetime
    from decimal import Decimal

    from alliance.models import DataExport, Role
    from alliance.services import invitation_create
    from billing.ach import ach_file_generate
    from billing.invoicing import invoice_run_create
    from billing.models import BulkJob, FamilyAccount, PaymentMethod
    from billing.payments import payment_record, refund_record
    from billing.selectors import account_balance
    from members.imports import import_batch_create
    from members.models import ImportKind

    _, token = invitation_create(
        invited_by=admin, email="newcomer@riverbend.example", role=Role.HUB_STAFF, program_id=None
    )
    DataExport.objects.create(requested_by=admin)
    invoice_run_create(actor=admin, period_start=datetime.date(2030, 1, 1), queue=False)
    import_batch_create(
        actor=admin,
        program=program,
        kind=ImportKind.CLASSROOMS,
        filename="rooms.csv",
        raw=b"name,age_group,licensed_capacity,children_per_staff,operating_days,opens_at,closes_at\n"
        b"Room 9,toddler,10,5,mon tue wed thu fri,07:30,17:30\n",
    )
    from members.imports_profit_loss import cost_accounts_map, expense_accounts, profit_loss_batch_create

    report = profit_loss_batch_create(
        actor=admin,
        program=program,
        filename="Profit_and_Loss.csv",
        raw=b"Matrix Center\nProfit and Loss\nJanuary - February 2026\n\n,Jan 2026,Feb 2026,Total\n"
        b'Expenses\n   Rent or Lease,"2,000.00","2,000.00","4,000.00"\n   Food,450.25,512.40,962.65\n'
        b'Total for Expenses,"2,450.25","2,512.40","4,962.65"\nNet Income,,,\n',
    )
    cost_accounts_map(actor=admin, batch=report, choices=dict.fromkeys(expense_accounts(report), "other"))
    ach_file_generate(actor=admin, program=program, settlement_date=datetime.date(2030, 1, 2))
    # A family that paid 50.00 more than it owed, and had it refunded.
    account = FamilyAccount.objects.filter(program=program, family__isnull=False).order_by("pk").first()
    overpaid = payment_record(
        actor=admin,
        account=account,
        amount=max(account_balance(account), Decimal("0.00")) + Decimal("50.00"),
        method=PaymentMethod.CARD,
        received_on=datetime.date(2030, 1, 2),
    )
    refund_record(
        actor=admin,
        payment=overpaid,
        amount=Decimal("50.00"),
        refunded_on=datetime.date(2030, 1, 3),
        method=PaymentMethod.CARD,
        reason="Paid twice",
    )
    BulkJob.objects.create(action="statement", token="matrix", account_ids=[account.pk], created_by=admin)
    from outreach.kiosk import kiosk_device_create

    kiosk_device_create(actor=admin, program=program, name="Matrix tablet")
    from enrollment.models import OfferBulkJob
    from members.models import Classroom

    room = Classroom.objects.filter(site__program=program).order_by("pk").first()
    OfferBulkJob.objects.create(
        token="matrix",
        classroom=room,
        program=program,
        start_date=datetime.date(2030, 1, 7),
        respond_by=datetime.date(2030, 1, 7),
        entry_ids=[],
        status=OfferBulkJob.Status.DONE,
    )
    return token
