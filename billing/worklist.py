"""The collections worklist as a call list: who owes what past due, how to reach them, what they
promised. One selector for the page, its CSV and the API.

Rows are family accounts with money past due on the alliance's today. Search and the program and
payer filters narrow the accounts in the database before aging; the bucket and promise filters and
every sort work on the aged rows of the whole list (aging is computed from the ledger, never
stored: billing/aging.py), so the list is sorted and filtered as a whole and then paged.

A promise's status is read from the account's latest promise note:
- `pending`: its date is today or later and the payments received since it was made fall short;
- `kept`: payments received from the day it was made add up to the promised amount;
- `broken`: its date has passed and it was not kept;
- `none`: the account has no promise.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter
from typing import Any

from django.db.models import Exists, F, Func, OrderBy, OuterRef, Q, QuerySet, Value
from django.utils import timezone

from alliance.dates import alliance_date, alliance_zone
from billing.aging import BUCKET_LABELS, BUCKETS, AccountAging, shared_aging_for_accounts
from billing.models import (
    ZERO,
    CollectionNote,
    FamilyAccount,
    Invoice,
    NoteKind,
    Payment,
    PaymentPlan,
    PaymentStatus,
    SubsidyAuthorization,
)
from enrollment.models import Child, Enrollment, Guardian, Relationship

PROMISE_STATUSES = {
    "none": "No promise",
    "pending": "Promise pending",
    "kept": "Promise kept",
    "broken": "Promise broken",
}
RELATIONSHIP_LABELS = dict(Relationship.choices)
SORT_KEYS = ("family", "program", "days", "past_due", "balance", "promise", "contact")
DEFAULT_SORT = "-days"


@dataclass(frozen=True)
class Contact:
    name: str
    relationship: str
    phone: str
    email: str
    primary: bool

    @property
    def tel(self) -> str:
        """The phone number as a tel: link takes it (digits and a leading +)."""
        digits = re.sub(r"[^\d+]", "", self.phone)
        return digits[:1] + digits[1:].replace("+", "")


@dataclass
class WorklistRow:
    aging: AccountAging
    account_id: int
    family_id: int
    family_name: str
    program_id: int
    program_name: str
    last_note: CollectionNote | None = None
    promise: CollectionNote | None = None
    promise_status: str = "none"
    paid_since_promise: Decimal = ZERO
    plan: PaymentPlan | None = None
    children: list[str] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    payers: list[str] = field(default_factory=list)

    @property
    def account_number(self) -> str:
        """How the Hub quotes an account on the phone and on paper (its id, zero-padded)."""
        return f"{self.account_id:06d}"

    @property
    def oldest_bucket(self) -> str:
        return next((b for b in reversed(BUCKETS) if self.aging.buckets[b] > 0), "current")

    @property
    def promise_label(self) -> str:
        return PROMISE_STATUSES[self.promise_status]


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def accounts_matching(accounts: QuerySet[FamilyAccount], search: str) -> QuerySet[FamilyAccount]:
    """Accounts whose family, a guardian (name, email, phone) or a child matches `search`.

    A phone number matches on its digits whatever its punctuation: "(555) 010-2030", "555-010-2030"
    and "5550102030" find the same guardian."""
    search = search.strip()
    if not search:
        return accounts
    text = Q(first_name__icontains=search) | Q(last_name__icontains=search)
    guardian_match = text | Q(email__icontains=search)
    guardians = Guardian.objects.filter(family=OuterRef("family"))
    digits = _digits(search)
    if len(digits) >= 3 and not re.search(r"[^\d\s()+.\-]", search):
        phone_digits = Func(F("phone"), Value(r"\D"), Value(""), Value("g"), function="regexp_replace")
        guardians = guardians.alias(phone_digits=phone_digits)
        guardian_match |= Q(phone_digits__contains=digits)
    guardians = guardians.filter(guardian_match)
    children = Child.objects.filter(family=OuterRef("family")).filter(text)
    return accounts.filter(Q(family__name__icontains=search) | Exists(guardians) | Exists(children))


def accounts_paid_by(accounts: QuerySet[FamilyAccount], payer_id: int) -> QuerySet[FamilyAccount]:
    """Accounts with a child whose care at the account's program a payer has authorized."""
    authorizations = SubsidyAuthorization.objects.filter(
        payer_id=payer_id, program=OuterRef("program"), child__family=OuterRef("family")
    )
    return accounts.filter(Exists(authorizations))


def _sort_value(row: WorklistRow, key: str) -> Any:
    if key == "family":
        return (row.family_name.lower(), row.program_name.lower())
    if key == "program":
        return (row.program_name.lower(), row.family_name.lower())
    if key == "days":
        return row.aging.days_past_due
    if key == "past_due":
        return row.aging.past_due
    if key == "balance":
        return row.aging.balance
    if key in BUCKET_LABELS:
        return row.aging.buckets[key]
    if key == "promise":
        return row.promise.promised_on if row.promise else None
    if key == "contact":
        return row.last_note.created_at if row.last_note else None
    raise ValueError(key)


def sort_rows(rows: list[WorklistRow], sort: str) -> list[WorklistRow]:
    """Rows in the order `sort` names (a key of SORT_KEYS, "-" first for descending). Rows without a
    value (no promise, never contacted) come last either way; ties go by family, then account."""
    key, descending = sort.lstrip("-"), sort.startswith("-")
    ordered = sorted(rows, key=lambda r: (r.family_name.lower(), r.program_name.lower(), r.account_id))
    keyed = [(_sort_value(r, key), r) for r in ordered]  # each row's value once (a balance is a sum)
    valued = [pair for pair in keyed if pair[0] is not None]
    empty = [r for value, r in keyed if value is None]
    valued.sort(key=itemgetter(0), reverse=descending)  # stable, as before: ties keep the family order
    return [r for _, r in valued] + empty


def collections_worklist(
    accounts: QuerySet[FamilyAccount],
    *,
    as_of: datetime.date,
    search: str = "",
    program_id: int | None = None,
    payer_id: int | None = None,
    bucket: str = "",
    promise: str = "",
    sort: str = DEFAULT_SORT,
) -> list[WorklistRow]:
    """The family accounts of `accounts` past due on `as_of`, filtered and sorted (details not yet filled:
    call `worklist_details` on the rows shown)."""
    accounts = accounts.filter(family__isnull=False)  # member fees have their own page
    if program_id:
        accounts = accounts.filter(program_id=program_id)
    if payer_id:
        accounts = accounts_paid_by(accounts, payer_id)
    accounts = accounts_matching(accounts, search)
    # Unordered: sort_rows orders the rows whatever order they come in (ties by family, program, id).
    agings = [a for a in shared_aging_for_accounts(accounts.order_by(), as_of=as_of) if a.past_due > 0]
    if bucket in BUCKET_LABELS:
        agings = [a for a in agings if a.buckets[bucket] > 0]
    names = {
        pk: (family, program)
        for pk, family, program in FamilyAccount.objects.filter(pk__any=[a.account_id for a in agings]).values_list(
            "pk", "family__name", "program__name"
        )
    }
    rows = [
        WorklistRow(a, a.account_id, a.family_id, names[a.account_id][0], a.program_id, names[a.account_id][1])
        for a in agings
    ]
    _add_notes(rows, as_of=as_of)
    if promise in PROMISE_STATUSES:
        rows = [r for r in rows if r.promise_status == promise]
    return sort_rows(rows, sort)


def _add_notes(rows: list[WorklistRow], *, as_of: datetime.date) -> None:
    by_account = {r.account_id: r for r in rows}
    notes = CollectionNote.objects.filter(account_id__any=list(by_account)).order_by("account_id", "-created_at", "-id")
    for note in notes.distinct("account_id"):
        by_account[note.account_id].last_note = note
    promises = notes.filter(kind=NoteKind.PROMISE, promised_on__isnull=False).distinct("account_id")
    for note in promises:
        by_account[note.account_id].promise = note
    with_promise = [r for r in rows if r.promise]
    zone = alliance_zone() if with_promise else None  # read once, not once per promise (alliance_date)
    made_on = {r.account_id: timezone.localtime(r.promise.created_at, zone).date() for r in with_promise if r.promise}
    if made_on:
        paid = Payment.objects.filter(
            account_id__any=list(made_on), status=PaymentStatus.RECORDED, received_on__gte=min(made_on.values())
        ).values_list("account_id", "received_on", "amount")
        for account_id, received_on, amount in paid:
            if received_on >= made_on[account_id]:
                by_account[account_id].paid_since_promise += amount
    for row in rows:
        if row.promise is None:
            continue
        promised = row.promise.promised_amount or ZERO
        if row.paid_since_promise >= promised:
            row.promise_status = "kept"
        elif row.promise.promised_on and row.promise.promised_on < as_of:
            row.promise_status = "broken"
        else:
            row.promise_status = "pending"


AGING_SORT_KEYS = ("family", "program", *BUCKETS, "balance")
AGING_DEFAULT_SORT = "-balance"


def aging_family_rows(
    accounts: QuerySet[FamilyAccount],
    *,
    as_of: datetime.date,
    search: str = "",
    program_id: int | None = None,
    bucket: str = "",
    sort: str = AGING_DEFAULT_SORT,
    aged: Mapping[int, AccountAging] | None = None,
) -> list[WorklistRow]:
    """The aging page's family list: every family account with a balance other than zero on `as_of`
    (credits too), narrowed by search, program and bucket (money open in it), sorted as a whole
    (`aged`: the alliance's aging the page already read, see `shared_aging_for_accounts`)."""
    accounts = accounts.filter(family__isnull=False)
    if program_id:
        accounts = accounts.filter(program_id=program_id)
    accounts = accounts_matching(accounts, search)
    # Unordered: sort_rows orders the rows whatever order they come in (ties by family, program, id).
    agings = [a for a in shared_aging_for_accounts(accounts.order_by(), as_of=as_of, aged=aged) if a.balance != 0]
    if bucket in BUCKET_LABELS:
        agings = [a for a in agings if a.buckets[bucket] > 0]
    names = {
        pk: (family, program)
        for pk, family, program in FamilyAccount.objects.filter(pk__any=[a.account_id for a in agings]).values_list(
            "pk", "family__name", "program__name"
        )
    }
    rows = [
        WorklistRow(a, a.account_id, a.family_id, names[a.account_id][0], a.program_id, names[a.account_id][1])
        for a in agings
    ]
    return sort_rows(rows, sort)


def aging_csv_rows(rows: list[WorklistRow], *, as_of: datetime.date) -> list[list[Any]]:
    """The aging family list as CSV rows (header first)."""
    out: list[list[Any]] = [
        ["as_of", "account", "family", "program", *[f"bucket_{b}" for b in BUCKETS], "unapplied_credit", "balance"]
    ]
    for r in rows:
        out.append(
            [
                as_of.isoformat(),
                r.account_number,
                r.family_name,
                r.program_name,
                *[r.aging.buckets[b] for b in BUCKETS],
                r.aging.unapplied_credit,
                r.aging.balance,
            ]
        )
    return out


INVOICE_ORDER = {
    "number": ["number"],
    "family": ["account__family__name", "number"],
    "program": ["program__name", "number"],
    "period": ["period_start", "number"],
    "due": ["due_on", "number"],
    "status": ["status", "number"],
    "total": ["total", "number"],
}
INVOICE_SORTS = tuple(INVOICE_ORDER)


def invoices_listed(
    invoices: QuerySet[Invoice],
    *,
    search: str = "",
    program_id: int | None = None,
    status: str = "",
    period: datetime.date | None = None,
    sort: str = "-period",
) -> QuerySet[Invoice]:
    """Invoices narrowed and ordered in the database, for the invoice list page, its CSV and the API.
    `search` is an invoice number (exactly) or part of the family's name."""
    invoices = invoices_matching(invoices, search)
    if program_id:
        invoices = invoices.filter(program_id=program_id)
    if status:
        invoices = invoices.filter(status=status)
    if period:
        invoices = invoices.filter(period_start=period)
    return invoices_ordered(invoices, sort)


def invoices_matching(invoices: QuerySet[Invoice], search: str) -> QuerySet[Invoice]:
    """Invoices whose number is `search` (a leading # allowed) or whose family's name contains it."""
    search = search.strip()
    if not search:
        return invoices
    match = Q(account__family__name__icontains=search)
    if search.lstrip("#").isdigit():
        match |= Q(number=int(search.lstrip("#")))
    return invoices.filter(match)


def invoices_ordered(invoices: QuerySet[Invoice], sort: str) -> QuerySet[Invoice]:
    """Invoices in the order `sort` names (a key of INVOICE_SORTS, "-" first for descending)."""
    key, descending = sort.lstrip("-"), sort.startswith("-")
    order = [_invoice_order(f, descending) for f in INVOICE_ORDER[key]]
    return invoices.select_related("account__family", "program").order_by(*order, "pk")


def _invoice_order(field: str, descending: bool) -> OrderBy:
    """A column of the invoice itself that cannot be empty (the model says NOT NULL) is sorted
    without a NULLS clause, so PostgreSQL reads the first page straight from the (alliance,
    [program,] period_start, number) indexes backwards (the default list: 14.5 ms -> 0.3 ms over
    the load test's 10,000 invoices) instead of sorting every invoice. Blanks can only come through
    a relation (a family's name): those keep them last going down and first going up."""
    if "__" not in field and not Invoice._meta.get_field(field).null:
        return F(field).desc() if descending else F(field).asc()
    return F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_first=True)


def invoices_csv_rows(invoices: QuerySet[Invoice]) -> list[list[Any]]:
    """The invoice list as CSV rows (header first)."""
    out: list[list[Any]] = [
        ["number", "family", "program", "period_start", "period_end", "issued_on", "due_on", "status", "total"]
    ]
    for i in invoices:
        out.append(
            [
                i.number,
                i.account.holder_name,
                i.program.name,
                i.period_start.isoformat(),
                i.period_end.isoformat(),
                i.issued_on.isoformat(),
                i.due_on.isoformat(),
                i.status,
                i.total,
            ]
        )
    return out


def worklist_details(rows: list[WorklistRow]) -> list[WorklistRow]:
    """Fill in how to reach each row's family and what tells it apart: guardians' phones and emails
    (the primary contact first), the children's first names at the account's program, payers and the
    active payment plan. A handful of queries whatever the number of rows."""
    _add_reach(rows)
    family_ids = {r.family_id for r in rows}
    account_ids = [r.account_id for r in rows]
    payers: dict[tuple[int, int], set[str]] = defaultdict(set)
    for family_id, program_id, name in SubsidyAuthorization.objects.filter(
        child__family_id__any=list(family_ids)
    ).values_list("child__family_id", "program_id", "payer__name"):
        payers[(family_id, program_id)].add(name)
    plans = {p.account_id: p for p in PaymentPlan.objects.filter(account_id__any=account_ids, is_active=True)}
    for row in rows:
        row.payers = sorted(payers.get((row.family_id, row.program_id), set()))
        row.plan = plans.get(row.account_id)
    return rows


def _add_reach(rows: list[WorklistRow]) -> None:
    """Each row's contacts (guardians, the primary first) and children's first names."""
    family_ids = {r.family_id for r in rows}
    contacts: dict[int, list[Contact]] = defaultdict(list)
    guardians = (
        Guardian.objects.filter(family_id__any=list(family_ids))
        .order_by("family_id", "-is_primary_contact", "last_name", "first_name", "id")
        .values_list("family_id", "first_name", "last_name", "relationship", "phone", "email", "is_primary_contact")
    )
    for family_id, first_name, last_name, relationship, phone, email, primary in guardians:
        # Guardian.full_name and get_relationship_display(), without a model instance per guardian.
        label = RELATIONSHIP_LABELS.get(relationship, relationship)
        contacts[family_id].append(Contact(f"{first_name} {last_name}", label, phone, email, primary))
    enrolled: dict[tuple[int, int], list[str]] = defaultdict(list)
    for family_id, program_id, first_name in (
        Enrollment.objects.filter(child__family_id__any=list(family_ids))
        .order_by("child__date_of_birth", "child__first_name")
        .values_list("child__family_id", "program_id", "child__first_name")
        .distinct()
    ):
        if first_name not in enrolled[(family_id, program_id)]:
            enrolled[(family_id, program_id)].append(first_name)
    all_children: dict[int, list[str]] = defaultdict(list)
    for family_id, first_name in (
        Child.objects.filter(family_id__any=list(family_ids))
        .order_by("date_of_birth", "first_name")
        .values_list("family_id", "first_name")
    ):
        all_children[family_id].append(first_name)
    for row in rows:
        row.contacts = contacts.get(row.family_id, [])
        row.children = enrolled.get((row.family_id, row.program_id)) or all_children.get(row.family_id, [])


def account_contacts(account: FamilyAccount, aging: AccountAging) -> WorklistRow | None:
    """One account's row with its family's phones, emails and children (None for a member-fee account)."""
    if account.family_id is None:
        return None
    row = WorklistRow(aging, account.pk, account.family_id, account.holder_name, account.program_id, "")
    _add_reach([row])  # the account page shows neither payers nor a plan
    return row


CSV_HEADER = [
    "account",
    "family",
    "children",
    "program",
    "guardian",
    "phone",
    "email",
    "days_past_due",
    "past_due",
    *[f"bucket_{b}" for b in BUCKETS],
    "balance",
    "promise_status",
    "promised_amount",
    "promised_on",
    "last_contact",
    "last_note",
]


def worklist_csv_rows(rows: list[WorklistRow]) -> list[list[Any]]:
    """The worklist as CSV rows (header first): one row per account, its primary contact's phone and email."""
    out: list[list[Any]] = [CSV_HEADER]
    for r in worklist_details(rows):
        contact = r.contacts[0] if r.contacts else None
        out.append(
            [
                r.account_number,
                r.family_name,
                ", ".join(r.children),
                r.program_name,
                contact.name if contact else "",
                contact.phone if contact else "",
                contact.email if contact else "",
                r.aging.days_past_due,
                r.aging.past_due,
                *[r.aging.buckets[b] for b in BUCKETS],
                r.aging.balance,
                r.promise_status,
                r.promise.promised_amount if r.promise else "",
                r.promise.promised_on.isoformat() if r.promise and r.promise.promised_on else "",
                alliance_date(r.last_note.created_at).isoformat() if r.last_note else "",
                r.last_note.note if r.last_note else "",
            ]
        )
    return out
