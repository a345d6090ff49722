"""Every page works (issue 20, point 6): every form of the product is submitted once with valid data.

The sweep walks every named page under /a/<slug>/ (tests/urlwalk.py) on the seeded demo (the access
matrix's dataset: `demo`, one seed for the module), GETs it as the role that may use it (the first of
hub admin, provider, funder the access table opens it to), finds every <form method="post"> on it,
fills it the way a person would (what the form already holds, a default for each empty required field,
then the row of `FORMS` for that form) and submits it once, inside a savepoint rolled back afterwards
so each form meets the same data. A form works when its answer is not an error and something changed
that a user would notice: a row written (the transaction's tuple counters, pg_stat_xact_user_tables),
a file sent, or a message shown. A form whose page holds no row in `FORMS` fails the test naming it,
so a new form is swept from the day it is added; a form that cannot work fails the build.

The same dataset is read for the formats: billing and enrollment pages write money and dates through
alliance/formatting.py (a US alliance: $1,200.00 and Mar 2, 2026), never a bare 1200.00 or 2026-03-02.
"""

from __future__ import annotations

import datetime
import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import Resolver404, resolve, reverse

from alliance.dates import alliance_today
from alliance.tenancy import alliance_scope
from tests.access_table import A_ROLES, TABLE
from tests.accessmatrix import url_of
from tests.alliance.test_access_matrix import demo  # noqa: F401 - the shared demo dataset, seeded once
from tests.urlwalk import alliance_routes

PAGES = [r for r in alliance_routes() if not r.is_api]
SWEEP_ROLES = ["admin", "provider_x", "funder"]  # who submits: the first the access table lets in

# --- Reading forms ----------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # input type, "select", "select-multiple", "textarea"
    value: str = ""
    checked: bool = False
    required: bool = False
    options: list[str] = field(default_factory=list)
    selected: list[str] = field(default_factory=list)


@dataclass
class Form:
    action: str
    enctype: str
    fields: list[Field] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (name, value) of submit buttons

    def url_name(self) -> str:
        try:
            match = resolve(urlsplit(self.action).path)
        except Resolver404:
            return "?"
        return f"{match.namespace}:{match.url_name}" if match.namespace else str(match.url_name)

    def key(self) -> str:
        """What the table calls this form: the URL name it posts to, and its first button's value
        where one page holds several forms to the same URL (attendance rows, offer actions)."""
        named = next((value for name, value in self.buttons if name == "action" and value), "")
        return self.url_name() + (f"[{named}]" if named else "")


class _Forms(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: Field | None = None
        self.textarea: Field | None = None
        self.option: str | None = None
        self.by_id: dict[str, Form] = {}  # controls outside a form name it with form="<id>"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                self.form = Form(action=a.get("action") or self.page_url, enctype=a.get("enctype", ""))
                self.forms.append(self.form)
                if a.get("id"):
                    self.by_id[a["id"]] = self.form
            return
        owner = self.by_id.get(a["form"]) if a.get("form") else self.form
        if owner is None:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind == "submit":
                owner.buttons.append((a["name"], a.get("value", "")))
                return
            owner.fields.append(
                Field(a["name"], kind, a.get("value", ""), checked="checked" in a, required="required" in a)
            )
        elif tag == "button" and a.get("type", "submit") == "submit":
            owner.buttons.append((a.get("name", ""), a.get("value", "")))
        elif tag == "select" and a.get("name"):
            self.select = Field(a["name"], "select-multiple" if "multiple" in a else "select", required="required" in a)
            owner.fields.append(self.select)
        elif tag == "option" and self.select is not None:
            self.option = a.get("value")
            if self.option is not None:
                self.select.options.append(self.option)
                if "selected" in a:
                    self.select.selected.append(self.option)
        elif tag == "textarea" and a.get("name"):
            self.textarea = Field(a["name"], "textarea", required="required" in a)
            owner.fields.append(self.textarea)

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.textarea.value += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "option":
            self.option = None


def post_forms(page: str, url: str) -> list[Form]:
    parser = _Forms(url)
    parser.feed(page)
    return parser.forms


# --- Filling them -----------------------------------------------------------


def default_for(f: Field, today: datetime.date) -> Any:
    """What a person types into an empty field when nothing more is asked of it."""
    if f.kind == "date":
        return today.isoformat()
    if f.kind == "month":
        return today.strftime("%Y-%m")
    if f.kind == "time":
        return "09:00"
    if f.kind == "number":
        return "1"
    if f.kind == "email":
        return "sweep@example.org"
    if f.kind in ("select", "select-multiple"):
        options = [o for o in f.options if o]
        return options[0] if options else ""
    return "Swept"


@dataclass
class Ctx:
    """What a row's callables read: the alliance's today and the demo's rows (inside its scope)."""

    today: datetime.date
    demo: Any
    form: Any = None  # the form being filled

    def choices(self, name: str) -> list[str]:
        """The values a field of the form offers (a select's options, a group of checkboxes)."""
        values: list[str] = []
        for f in self.form.fields:
            if f.name == name:
                values += [o for o in f.options if o] or ([f.value] if f.value else [])
        return values

    def sample(self, label: str) -> Any:
        return self.demo.samples.rows[label]

    @property
    def program_id(self) -> int:
        return int(self.demo.samples.program_id)

    def weekday_before(self, day: datetime.date) -> datetime.date:
        day -= datetime.timedelta(days=1)
        while day.weekday() > 4:
            day -= datetime.timedelta(days=1)
        return day


def fill(form: Form, today: datetime.date, overrides: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for f in form.fields:
        if f.kind in ("checkbox", "radio"):
            if f.checked:
                if f.kind == "checkbox":
                    data.setdefault(f.name, []).append(f.value or "on")
                else:
                    data[f.name] = f.value
            continue
        if f.kind == "file":
            continue
        if f.kind == "select-multiple":
            data[f.name] = list(f.selected)
            continue
        if f.kind == "select":
            value = f.selected[0] if f.selected else (f.options[0] if f.options else "")
        else:
            value = f.value
        data[f.name] = value if value != "" or not f.required else default_for(f, today)
    for name, value in overrides.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value(ctx) if callable(value) else value
    return data


# --- What each form is given ------------------------------------------------
# The key is the page's route name, then the form's key (the URL name it posts to, with the value of
# its `action` button where several forms on a page post to one URL). A row gives the fields to set
# (a callable gets the Ctx: today, the demo's rows, the form's own choices), a file to upload, and a
# `prepare` that puts the sample row in the state its form is for, inside the form's savepoint.
# ROUTE_URL tries a page with another row than the access matrix's sample where the sample's state
# offers nothing to do (a delivered cover request cannot be cancelled).


@dataclass(frozen=True)
class Given:
    data: dict[str, Any] = field(default_factory=dict)
    file: tuple[str, str, Any] | None = None  # field, filename, content (bytes, or a callable of ctx)
    prepare: Any = None  # a callable of ctx run in the savepoint first: the state the form needs
    # Fields the page's form does not hold but its next step does (a confirm page's own fields), sent at once.
    next_step: tuple[str, ...] = ()


WHY = "Swept: said so that the record shows why."
NEXT_MONDAY = lambda c: (c.today + datetime.timedelta(days=7 - c.today.weekday())).isoformat()  # noqa: E731
LAST_WEEKDAY = lambda c: c.weekday_before(c.today).isoformat()  # noqa: E731


def _household(prefix: str = "") -> dict[str, Any]:
    p = f"{prefix}-" if prefix else ""
    return {f"{p}email": "sweep.guardian@example.org"}


def _attendance_csv(c: Ctx) -> bytes:
    """One present day of the sample enrollment, on a weekday it has no record yet."""
    from enrollment.models import AttendanceRecord

    enrollment = c.sample("enrollment.Enrollment")
    recorded = set(AttendanceRecord.objects.filter(enrollment=enrollment).values_list("day", flat=True))
    day = c.weekday_before(c.today)
    while (
        day in recorded
        or day.weekday() not in enrollment.weekdays
        or day.weekday() not in (enrollment.classroom.operating_days)
    ):
        day = c.weekday_before(day)
    assert day >= enrollment.start_date
    return f"child_id,date,check_in,check_out,absence_reason\n{enrollment.child_id},{day},08:05,16:30,\n".encode()


def _ach_returns_csv(c: Ctx) -> bytes:
    """The bank returns one collection of an ACH file (the account number as the bank writes it)."""
    from django.db.models import Count

    from alliance.crypto import decrypt
    from billing.models import AchBatchEntry

    unique = AchBatchEntry.objects.values("trace_number").annotate(n=Count("pk")).filter(n=1).values("trace_number")
    entry = _first(AchBatchEntry.objects.filter(payment__status="recorded", trace_number__in=unique))
    return (
        "trace_number,return_code,amount,account_number\n"
        f"{entry.trace_number},R01,{entry.amount},{decrypt(entry.account_number_encrypted)}\n"
    ).encode()


def _remittance_line(c: Ctx) -> str:
    from billing.models import ClaimStatus, PayerClaim

    payer = c.sample("billing.Payer")
    claim = PayerClaim.objects.filter(payer=payer, status=ClaimStatus.OPEN).select_related("authorization").first()
    return f"{claim.authorization.case_number},{claim.period_start:%Y-%m},{claim.expected}"


def _autopay_family_owes(c: Ctx) -> None:
    from decimal import Decimal

    from billing.ledger import ledger_entry_post
    from billing.models import BankAccount, EntryKind

    bank = BankAccount.objects.filter(account__program_id=c.program_id, autopay_enabled=True).first()
    ledger_entry_post(
        account=bank.account, kind=EntryKind.CHARGE, amount=Decimal("100.00"), posted_on=c.today, description=WHY
    )


def _child_free_to_enroll(c: Ctx) -> None:
    """The sample child's place ends next month, so a new one may start after it."""
    from enrollment.models import Enrollment

    Enrollment.objects.filter(child=c.sample("enrollment.Child")).update(end_date=c.today)


def _unsubscribed_service(c: Ctx) -> str:
    from members.models import HubService, ServiceSubscription

    taken = ServiceSubscription.objects.filter(program_id=c.program_id).values("service_id")
    return str(HubService.objects.exclude(pk__in=taken).order_by("pk").values_list("pk", flat=True).first())


def _uncleared_program(c: Ctx) -> str:
    from members.models import MemberProgram
    from sharedservices.models import SubstituteClearance

    cleared = SubstituteClearance.objects.filter(substitute=c.sample("sharedservices.Substitute")).values("program_id")
    return str(MemberProgram.objects.exclude(pk__in=cleared).order_by("pk").values_list("pk", flat=True).first())


def _license_room_for_the_import(c: Ctx) -> None:
    from members.models import MemberProgram

    MemberProgram.objects.filter(pk=c.program_id).update(licensed_capacity=500)


def _uncharged_cover(c: Ctx) -> None:
    from sharedservices.models import CoverRequest

    CoverRequest.objects.filter(pk=c.sample("sharedservices.CoverRequest").pk).update(charged_invoice_number=None)


def _url(name: str, c: Ctx, *args: Any) -> str:
    return reverse(name, args=[c.demo.a.slug, *args])


def _first(queryset: Any) -> Any:
    row = queryset.order_by("pk").first()
    assert row is not None, f"The demo has no {queryset.model.__name__} in the state this form needs."
    return row


def _account_owing(c: Ctx) -> str:
    from billing.models import FamilyAccount
    from billing.selectors import account_balance

    for account in FamilyAccount.objects.filter(program_id=c.program_id, family__isnull=False).order_by("pk"):
        if account_balance(account) > 0:
            return _url("billing:write_off", c, account.pk)
    raise AssertionError("No family of program X owes anything.")


def _claim_short(c: Ctx) -> str:
    from billing.models import ClaimStatus, PayerClaim

    for claim in PayerClaim.objects.filter(status__in=[ClaimStatus.OPEN, ClaimStatus.SHORT]).order_by("pk"):
        if claim.shortfall > 0:
            return _url("billing:claim_decide", c, claim.pk)
    raise AssertionError("No claim with a shortfall.")


def _cover_in(status: str, route: str) -> Any:
    def url(c: Ctx) -> str:
        from sharedservices.models import CoverRequest

        return _url(route, c, _first(CoverRequest.objects.filter(status=status)).pk)

    return url


def _undelivered(c: Ctx) -> None:
    """Every purchase order of the demo is delivered: the sample's delivery is taken back first."""
    from sharedservices.models import Delivery

    po = c.sample("sharedservices.PurchaseOrder")
    Delivery.objects.filter(purchase_order=po, program_id=c.program_id).delete()


# Pages tried with another row than the access matrix's sample: one in the state its form is for.
ROUTE_URL: dict[str, Any] = {
    "billing:write_off": _account_owing,
    "billing:claim_decide": _claim_short,
    "sharedservices:cover_cancel": _cover_in("open", "sharedservices:cover_cancel"),
    "sharedservices:cover_unfilled": _cover_in("open", "sharedservices:cover_unfilled"),
    "sharedservices:cover_release": _cover_in("filled", "sharedservices:cover_release"),
}


def _day_unrecorded(c: Ctx) -> None:
    """The sheet's first child has nothing recorded on the last weekday (the sheet is today's, a Saturday
    in the demo, so the form is sent for the weekday before)."""
    from enrollment.models import AttendanceRecord

    room = c.sample("members.Classroom")
    AttendanceRecord.objects.filter(enrollment__classroom=room, day=c.weekday_before(c.today)).delete()


def _account_in_credit(c: Ctx) -> None:
    from decimal import Decimal

    from billing.payments import payment_record
    from billing.selectors import account_balance

    account = c.sample("billing.Payment").account
    owed = max(account_balance(account), Decimal("0.00"))
    payment_record(actor=None, account=account, amount=owed + Decimal("10.00"), method="cash", received_on=c.today)


def _entry_waiting(c: Ctx) -> None:
    """The sample entry still waiting: the demo's first entry of program X is withdrawn on some
    days of the alliance's calendar (its dates are seeded relative to today)."""
    from enrollment.models import WaitlistEntry, WaitlistStatus

    WaitlistEntry.objects.filter(pk=c.sample("enrollment.WaitlistEntry").pk).update(status=WaitlistStatus.WAITING)


def _undeposited_payment(c: Ctx) -> Any:
    from billing.models import Payment

    return Payment.objects.get(pk=c.choices("payments")[0])


# Every form the sweep finds, by (page, form). A plain Given() is a form the default filler fills.
FORMS: dict[tuple[str, str], Given] = {
    # The core
    ("alliance:data_export", "alliance:data_export"): Given(),
    ("alliance:invitations", "alliance:invitation_revoke"): Given(),
    ("alliance:invitations", "alliance:invitations"): Given(data={"email": "sweep.newcomer@example.org"}),
    ("alliance:settings", "alliance:settings"): Given(data={"name": "Riverbend Swept"}),
    # Billing
    ("billing:account_staff_discount", "billing:account_staff_discount"): Given(),
    ("billing:opening_balance", "billing:opening_balance"): Given(data={"amount": "125.00", "reason": WHY}),
    ("billing:ach", "billing:ach"): Given(data={"program": lambda c: str(c.program_id)}, prepare=_autopay_family_owes),
    ("billing:ach", "billing:ach_returns"): Given(file=("file", "returns.csv", _ach_returns_csv)),
    ("billing:ach", "billing:autopay_pause"): Given(),
    ("billing:authorization_create", "billing:authorization_create"): Given(
        data={
            "case_number": "SWEEP-1",
            "starts_on": lambda c: c.today.replace(day=1).isoformat(),
            "ends_on": lambda c: (c.today.replace(day=1) + datetime.timedelta(days=90)).isoformat(),
            "authorized_amount": "600.00",
        }
    ),
    ("billing:bank_account", "billing:bank_account"): Given(
        data={"holder_name": "Sweep Holder", "routing_number": "011000015", "account_number": "123456789"}
    ),
    ("billing:billing_policy", "billing:billing_policy"): Given(),
    ("billing:claim_decide", "billing:claim_decide"): Given(data={"decision": "waive", "reason": WHY}),
    ("billing:collection_note", "billing:collection_note"): Given(data={"note": WHY}),
    # The worklist's bulk form: its row boxes sit in the table (form="bulk"); one ticked, confirmed at once.
    ("billing:collections", "billing:bulk"): Given(
        data={
            "action": "statement",
            "accounts": lambda c: str(c.sample("billing.Payment").account_id),
            "confirm": "yes",
            "token": "swept",
        },
        next_step=("confirm", "token"),
    ),
    ("billing:deposits", "billing:deposits"): Given(
        data={
            "program": lambda c: str(_undeposited_payment(c).program_id),
            "payments": lambda c: [str(_undeposited_payment(c).pk)],
        }
    ),
    ("billing:export", "billing:export"): Given(),
    ("billing:invoice_void", "billing:invoice_void"): Given(data={"reason": WHY}),
    ("billing:member_fees", "billing:member_fees"): Given(),
    ("billing:payer_detail", "billing:payer_detail"): Given(data={"rows": _remittance_line}),
    ("billing:payer_list", "billing:payer_list"): Given(data={"name": "Sweep County"}),
    ("billing:payment_create", "billing:payment_create"): Given(data={"amount": "25.00"}),
    ("billing:payment_plan", "billing:payment_plan"): Given(),
    ("billing:payment_refund", "billing:payment_refund"): Given(
        # The refund's method starts as the payment's; a check (some days' sample) needs its number.
        data={"amount": "1.00", "reason": WHY, "reference": "1001"},
        prepare=_account_in_credit,
    ),
    ("billing:payment_reverse", "billing:payment_reverse"): Given(data={"reason": WHY}),
    ("billing:rate_plan_create", "billing:rate_plan_create"): Given(data={"tuition": "900.00"}),
    ("billing:run_list", "billing:run_list"): Given(),
    ("billing:run_preview", "billing:run_issue"): Given(),
    ("billing:statement", "billing:statement"): Given(),
    ("billing:write_off", "billing:write_off"): Given(data={"reason": WHY}),
    # Enrollment
    ("enrollment:age_bands", "enrollment:age_bands"): Given(),
    ("enrollment:attendance_sheet", "enrollment:attendance_mark[check_in]"): Given(
        data={"day": LAST_WEEKDAY, "at": "08:00"}, prepare=_day_unrecorded
    ),
    ("enrollment:attendance_sheet", "enrollment:attendance_all_in"): Given(
        data={"day": LAST_WEEKDAY, "at": "08:00"}, prepare=_day_unrecorded
    ),
    ("enrollment:attendance_sheet", "enrollment:attendance_staff"): Given(data={"day": LAST_WEEKDAY, "action": "in"}),
    ("enrollment:attendance_upload", "enrollment:attendance_upload"): Given(
        file=("file", "attendance.csv", _attendance_csv)
    ),
    ("enrollment:child_create", "enrollment:child_create"): Given(),
    ("enrollment:child_edit", "enrollment:child_edit"): Given(),
    ("enrollment:child_enroll", "enrollment:child_enroll"): Given(
        data={"start_date": lambda c: (c.today + datetime.timedelta(days=2)).isoformat()},
        prepare=_child_free_to_enroll,
    ),
    ("enrollment:child_waitlist_add", "enrollment:child_waitlist_add"): Given(data={"any_program": "on"}),
    ("enrollment:classroom_match", "enrollment:classroom_match"): Given(),
    ("enrollment:enrollment_end", "enrollment:enrollment_end"): Given(),
    ("enrollment:enrollment_new", "enrollment:enrollment_new"): Given(data=_household("guardian")),
    ("enrollment:enrollment_schedule", "enrollment:enrollment_schedule"): Given(
        data={"weekdays": ["0", "2", "4"], "effective_from": NEXT_MONDAY}
    ),
    ("enrollment:enrollment_terms", "enrollment:enrollment_terms"): Given(data={"funding_source": "employer"}),
    ("enrollment:enrollment_transfer", "enrollment:enrollment_transfer"): Given(),
    ("enrollment:family_create", "enrollment:family_create"): Given(data=_household("guardian")),
    ("enrollment:family_edit", "enrollment:family_edit"): Given(data={"name": "Swept family"}),
    ("enrollment:guardian_create", "enrollment:guardian_create"): Given(data=_household()),
    ("enrollment:guardian_edit", "enrollment:guardian_edit"): Given(data={"first_name": "Swept"}),
    ("enrollment:waitlist_apply", "enrollment:waitlist_apply"): Given(
        data={**_household("guardian"), "entry-any_program": "on"}
    ),
    ("enrollment:waitlist_entry_edit", "enrollment:waitlist_entry_edit"): Given(
        data={"notes": WHY}, prepare=_entry_waiting
    ),
    ("enrollment:waitlist_entry_withdraw", "enrollment:waitlist_entry_withdraw"): Given(prepare=_entry_waiting),
    # Members
    ("members:classroom_capacity", "members:classroom_capacity"): Given(data={"licensed_capacity": "12"}),
    ("members:classroom_create", "members:classroom_create"): Given(
        data={"name": "Swept room", "opens_at": "07:30", "closes_at": "17:30", "licensed_capacity": "8"}
    ),
    ("members:classroom_detail", "members:classroom_capacity"): Given(data={"licensed_capacity": "12"}),
    ("members:classroom_edit", "members:classroom_edit"): Given(data={"name": "Swept room"}),
    ("members:costs_month", "members:costs_month"): Given(data={"other": "12.34"}),
    # Member budgets: the grid (a cell changed) and "start from last year's actuals".
    ("budgets:budget_edit", "budgets:budget_edit"): Given(data={"food_m1": "12.34"}),
    ("budgets:budget_edit", "budgets:budget_fill"): Given(),
    ("budgets:budget", "budgets:budget_fill"): Given(),
    ("members:costs_new", "members:costs_new"): Given(data={"other": "12.34"}),
    ("costofcare:assumptions", "costofcare:assumptions"): Given(data={"hourly_wage": "17.25"}),
    ("members:credential_create", "members:credential_create"): Given(),
    ("members:credential_edit", "members:credential_edit"): Given(data={"identifier": "SWEEP-9"}),
    ("members:import_mapping", "members:import_mapping"): Given(),
    ("members:import_preview", "members:import_preview[commit]"): Given(prepare=_license_room_for_the_import),
    ("members:import_upload", "members:import_upload"): Given(
        file=(
            "file",
            "rooms.csv",
            b"name,age_group,licensed_capacity,children_per_staff,operating_days,opens_at,closes_at\n"
            b"Swept room,toddler,6,5,mon tue wed thu fri,07:30,17:30\n",
        )
    ),
    ("members:profit_loss_accounts", "members:profit_loss_accounts"): Given(),
    ("members:profit_loss_preview", "members:profit_loss_preview[commit]"): Given(),
    ("members:profit_loss_upload", "members:profit_loss_upload"): Given(
        file=(
            "file",
            "Profit_and_Loss.csv",
            b'Swept Center\nProfit and Loss\n\n,Jan 2026,Total\nExpenses\n   Rent or Lease,"2,100.00","2,100.00"\n',
        )
    ),
    ("members:inspection_create", "members:inspection_create"): Given(),
    ("members:inspection_edit", "members:inspection_edit"): Given(data={"findings": WHY}),
    ("members:program_create", "members:program_create"): Given(data={"name": "Swept Program"}),
    ("members:program_edit", "members:program_edit"): Given(data={"phone": "(555) 555-0199"}),
    ("members:program_status", "members:program_status"): Given(data={"status": "paused"}),
    ("members:service_create", "members:service_create"): Given(data={"name": "Swept service", "rate": "10.00"}),
    ("members:service_edit", "members:service_edit"): Given(data={"description": WHY}),
    ("members:site_create", "members:site_create"): Given(data={"name": "Swept site"}),
    ("members:site_edit", "members:site_edit"): Given(data={"name": "Swept site"}),
    ("members:staff_create", "members:staff_create"): Given(
        data={"position": "Teacher", "pay_basis": "hourly", "hourly_wage": "19.50"}
    ),
    ("members:staff_edit", "members:staff_edit"): Given(data={"position": "Lead teacher"}),
    ("members:subscription_create", "members:subscription_create"): Given(data={"service": _unsubscribed_service}),
    ("members:subscription_edit", "members:subscription_edit"): Given(data={"note": WHY}),
    # Metrics
    ("metrics:hub_money", "metrics:hub_money"): Given(),
    ("metrics:targets", "metrics:targets"): Given(),
    # The Hub's sustainability plan
    ("sustainability:plan", "sustainability:grant_delete"): Given(),
    ("sustainability:plan", "sustainability:contract_delete"): Given(),
    ("sustainability:plan_edit", "sustainability:plan_edit"): Given(data={"growth_pct": "4.50"}),
    ("sustainability:grant_new", "sustainability:grant_new"): Given(
        data={"name": "Swept grant", "amount": "1200.00", "starts_on": "2027-01-01", "ends_on": "2027-12-31"}
    ),
    ("sustainability:grant_edit", "sustainability:grant_edit"): Given(data={"amount": "1300.00"}),
    ("sustainability:contract_new", "sustainability:contract_new"): Given(
        data={"name": "Swept contract", "amount": "600.00", "starts_on": "2027-01-01", "ends_on": "2027-06-30"}
    ),
    ("sustainability:contract_edit", "sustainability:contract_edit"): Given(data={"amount": "700.00"}),
    # Planning
    ("planning:scenario_detail", "planning:scenario_detail"): Given(),  # delete
    ("planning:scenario_edit", "planning:scenario_edit"): Given(data={"name": "Swept scenario"}),
    ("planning:scenario_new", "planning:scenario_new"): Given(data={"name": "Swept scenario"}),
    # Outreach
    ("outreach:inquiry_detail", "outreach:inquiry_close"): Given(),
    ("outreach:inquiry_detail", "outreach:inquiry_contact"): Given(),
    ("outreach:inquiry_detail", "outreach:inquiry_send_link"): Given(),
    ("outreach:listing_edit", "outreach:listing_edit"): Given(),
    ("outreach:family_pin", "outreach:family_pin"): Given(),  # blank: a random PIN, shown once
    ("outreach:kiosk_devices", "outreach:kiosk_devices"): Given(),
    ("outreach:kiosk_devices", "outreach:kiosk_device_revoke"): Given(),
    ("outreach:inquiry_tour_book", "outreach:inquiry_tour_book"): Given(),
    ("outreach:tour_slot_create", "outreach:tour_slot_create"): Given(
        data={"day": NEXT_MONDAY, "starts_at": "11:00", "minutes": "30", "capacity": "2"}
    ),
    ("outreach:tour_slot_detail", "outreach:tour_slot_edit"): Given(data={"capacity": "3"}),
    ("outreach:tour_slot_detail", "outreach:tour_slot_cancel"): Given(data={"reason": WHY}),
    ("outreach:tour_slot_detail", "outreach:tour_booking_action"): Given(),
    ("outreach:inquiry_detail", "outreach:tour_booking_action"): Given(),
    # Shared services
    ("sharedservices:cover_cancel", "sharedservices:cover_cancel"): Given(data={"reason": WHY}),
    ("sharedservices:cover_create", "sharedservices:cover_create"): Given(data={"day": NEXT_MONDAY}),
    ("sharedservices:cover_hours", "sharedservices:cover_hours"): Given(prepare=_uncharged_cover),
    ("sharedservices:cover_release", "sharedservices:cover_release"): Given(data={"reason": WHY}),
    ("sharedservices:cover_unfilled", "sharedservices:cover_unfilled"): Given(data={"reason": WHY}),
    ("sharedservices:cycle_create", "sharedservices:cycle_create"): Given(),
    ("sharedservices:delivery_create", "sharedservices:delivery_create"): Given(prepare=_undelivered),
    ("sharedservices:goal_create", "sharedservices:goal_create"): Given(),
    ("sharedservices:goal_edit", "sharedservices:goal_edit"): Given(),
    ("sharedservices:item_create", "sharedservices:item_create"): Given(data={"list_price": "9.99"}),
    ("sharedservices:item_edit", "sharedservices:item_edit"): Given(),
    ("sharedservices:substitute_availability", "sharedservices:substitute_availability"): Given(),
    ("sharedservices:substitute_clearance_create", "sharedservices:substitute_clearance_create"): Given(
        data={"program": _uncleared_program}
    ),
    ("sharedservices:substitute_create", "sharedservices:substitute_create"): Given(
        data={"first_name": "Sweep", "last_name": "Substitute", "age_groups": ["toddler"]}
    ),
    ("sharedservices:substitute_credential_create", "sharedservices:substitute_credential_create"): Given(),
    ("sharedservices:substitute_edit", "sharedservices:substitute_edit"): Given(),
    ("sharedservices:vendor_create", "sharedservices:vendor_create"): Given(data={"name": "Sweep Supplies"}),
    ("sharedservices:vendor_edit", "sharedservices:vendor_edit"): Given(),
    ("sharedservices:visit_create", "sharedservices:visit_create"): Given(
        data={"program": lambda c: str(c.program_id), "hours": "1.5", "summary": WHY}
    ),
    # Today
    ("today:preferences", "today:preferences"): Given(data={"today_digest": "on"}),
    # Messages: to the record's first guardian (or the booked substitute), by email.
    ("outreach:message_account", "outreach:message_account"): Given(data={"subject": "Swept", "body": WHY}),
    ("outreach:message_cover", "outreach:message_cover"): Given(data={"subject": "Swept", "body": WHY}),
    ("outreach:message_inquiry", "outreach:message_inquiry"): Given(data={"subject": "Swept", "body": WHY}),
    ("outreach:message_offer", "outreach:message_offer"): Given(data={"subject": "Swept", "body": WHY}),
    ("outreach:message_template_create", "outreach:message_template_create"): Given(
        data={"name": "Swept template", "channel": "email", "subject": "Swept", "body": "Hello {recipient}"}
    ),
    ("outreach:message_template_edit", "outreach:message_template_edit"): Given(),
}


# --- The sweep --------------------------------------------------------------


def _role_for(route_name: str) -> str | None:
    row = TABLE.get(route_name)
    if row is None:
        return None
    seen = dict(zip(A_ROLES, row.split(), strict=True))
    return next((role for role in SWEEP_ROLES if seen.get(role) == "200"), None)


def _writes() -> int:
    """Rows inserted, updated and deleted so far by this transaction, all tables."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_user_tables")
        return int(cursor.fetchone()[0])


@dataclass
class Outcome:
    status: int
    wrote: int
    file: bool
    messages: list[str]
    errors: list[str]
    text: str = ""


ERRORS = re.compile(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>|class="message message-error"[^>]*>(.*?)</', re.S)


def submit(client, form: Form, data: dict[str, Any], upload: tuple[str, str, bytes] | None) -> Outcome:  # type: ignore[no-untyped-def]
    payload = dict(data)
    button = next((b for b in form.buttons if b[0] == "action"), form.buttons[0] if form.buttons else None)
    if button and button[0]:
        payload[button[0]] = button[1]
    if upload is not None:
        name, filename, content = upload
        payload[name] = SimpleUploadedFile(filename, content, content_type="text/csv")
    before = _writes()
    response = client.post(form.action, payload)
    wrote = _writes() - before
    body = b""
    is_file = "attachment" in response.get("Content-Disposition", "") or not response.get(
        "Content-Type", "text/html"
    ).startswith("text/html")
    if not is_file:
        body = response.content
    messages: list[str] = []
    if response.status_code in (301, 302, 303):
        follow = client.get(response["Location"])
        messages = [str(m) for m in (follow.context or {}).get("messages", [])] if follow.context else []
        body = follow.content if follow.get("Content-Type", "").startswith("text/html") else b""
    text = body.decode(errors="replace")
    errors = [re.sub(r"<[^>]+>", " ", a or b).strip() for a, b in ERRORS.findall(text)]
    return Outcome(response.status_code, wrote, is_file, messages, [html.unescape(e) for e in errors if e], text)


def _sweep_targets(demo, ctx: Ctx) -> list[tuple[str, str, str, Form]]:  # type: ignore[no-untyped-def]  # noqa: F811
    targets = []
    for route in PAGES:
        role = _role_for(route.name)
        if role is None:
            continue
        url = url_of(route, demo.a.slug, demo.samples)
        if route.name in ROUTE_URL:
            with alliance_scope(demo.a.pk):
                url = ROUTE_URL[route.name](ctx)
        response = demo.clients[role].get(url)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            continue
        seen: set[str] = set()
        for form in post_forms(response.content.decode(), url):
            if not urlsplit(form.action).path.startswith(f"/a/{demo.a.slug}/"):
                continue  # the layout's sign-out form: allauth's, tested in tests/alliance/test_signin.py
            if form.key() in seen:
                continue  # the same form again on the page (one per row): the first stands for all
            seen.add(form.key())
            targets.append((route.name, role, url, form))
    return targets


def test_every_form_of_the_product_works(demo, db):  # noqa: F811
    with alliance_scope(demo.a.pk):
        today = alliance_today(demo.a)
    ctx = Ctx(today=today, demo=demo)
    targets = _sweep_targets(demo, ctx)
    missing = sorted({(name, form.key()) for name, _, _, form in targets if (name, form.key()) not in FORMS})
    assert not missing, "Forms without a row in FORMS (tests/alliance/test_form_sweep.py): " + ", ".join(
        f"{name} → {key}" for name, key in missing
    )
    broken = []
    swept = 0
    for name, role, url, form in targets:
        given = FORMS[(name, form.key())]
        names = {f.name for f in form.fields}
        absent = sorted(set(given.data) - names - set(given.next_step)) + (
            [given.file[0]] if given.file and given.file[0] not in names else []
        )
        if absent:  # what a person is asked to give must be on the page (a file field, say)
            broken.append(f"{name} → {form.key()} as {role} at {url}: the form has no field {absent}")
            continue
        sid = transaction.savepoint()
        try:
            with alliance_scope(demo.a.pk), transaction.atomic():
                if given.prepare is not None:
                    given.prepare(ctx)
                ctx.form = form
                data = fill(form, today, given.data, ctx)
                upload = None
                if given.file is not None:
                    name_, filename, content = given.file
                    upload = (name_, filename, content(ctx) if callable(content) else content)
            outcome = submit(demo.clients[role], form, data, upload)
        except Exception as exc:  # the row's own preparation failed: name it with the form
            broken.append(f"{name} → {form.key()}: the row's data could not be prepared: {exc!r}")
            continue
        finally:
            transaction.savepoint_rollback(sid)
        swept += 1
        changed = outcome.wrote > 0 or outcome.file or bool(outcome.messages)
        if outcome.status >= 400 or outcome.errors or not changed:
            broken.append(
                f"{name} → {form.key()} as {role} at {url}: {outcome.status}, {outcome.errors or outcome.messages}"
            )
    assert not broken, f"{len(broken)} of {swept} forms did not work:\n" + "\n".join(broken)
    assert swept >= 40


# --- Formats of money and dates ---------------------------------------------
TAGS = re.compile(r"<(script|style|code)\b.*?</\1>|<[^>]+>", re.S)
BARE_AMOUNT = re.compile(r"(?<![$\d.,])\d[\d,]*\.\d\d\b(?!%)")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def visible_text(page: str) -> str:
    """What a reader sees: no tags, attributes, scripts or <code> (file formats quoted as such)."""
    return html.unescape(TAGS.sub(" ", page))


@pytest.mark.parametrize("prefix", ["billing:", "enrollment:"])
def test_billing_and_enrollment_pages_write_money_and_dates_in_the_alliances_formats(demo, db, prefix):  # noqa: F811
    found = []
    pages = 0
    for route in PAGES:
        if not route.name.startswith(prefix):
            continue
        for role in ("admin", "provider_x"):
            response = demo.clients[role].get(url_of(route, demo.a.slug, demo.samples))
            if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
                continue
            pages += 1
            text = visible_text(response.content.decode())
            for pattern, what in ((BARE_AMOUNT, "bare amount"), (ISO_DATE, "ISO date")):
                for match in pattern.finditer(text):
                    context = " ".join(text[max(0, match.start() - 40) : match.end() + 20].split())
                    found.append(f"{route.name} ({role}): {what} {match.group()!r} in “{context}”")
    assert pages > 10
    assert not found, "\n".join(sorted(set(found)))
