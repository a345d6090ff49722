"""What is still open, and how old: allocation of payments to the oldest charges,
and aging in buckets (current, 1–30, 31–60, 61–90, over 90 days past due).

Allocation is computed from the ledger, never stored, so it cannot drift from
it. Each account's entries fall into:

- an invoice's net amount (its charges, discounts, reversals, and payments
  made against that invoice by name), due on the invoice's due date;
- a charge outside any invoice (a late fee, a refund), with its reversals, due
  on the day it was posted;
- the pool of unnamed credits (payments, credits, subsidy payments,
  write-offs, less their reversals), applied to the items above oldest first.

The open amounts plus any unapplied credit always sum to the balance.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, NamedTuple, TypeVar

from django.core.cache import cache
from django.db.models import Count, Max, QuerySet

from alliance.tenancy import require_alliance_id
from billing.models import CREDIT_KINDS, ZERO, FamilyAccount, Invoice, InvoiceStatus, LedgerEntry

BUCKETS = ["current", "1_30", "31_60", "61_90", "over_90"]
BUCKET_LABELS = {"current": "Current", "1_30": "1–30", "31_60": "31–60", "61_90": "61–90", "over_90": "Over 90"}


def bucket_of(days_past_due: int) -> str:
    if days_past_due <= 0:
        return "current"
    if days_past_due <= 30:
        return "1_30"
    if days_past_due <= 60:
        return "31_60"
    if days_past_due <= 90:
        return "61_90"
    return "over_90"


@dataclass
class OpenItem:
    key: tuple[str, int]  # ("invoice", id) or ("entry", id)
    due_on: datetime.date
    amount: Decimal
    open: Decimal = ZERO
    invoice_id: int | None = None
    label: str = ""


@dataclass
class AccountAging:
    account_id: int
    program_id: int
    family_id: int
    buckets: dict[str, Decimal] = field(default_factory=lambda: {b: ZERO for b in BUCKETS})
    unapplied_credit: Decimal = ZERO
    items: list[OpenItem] = field(default_factory=list)
    oldest_due: datetime.date | None = None
    days_past_due: int = 0

    # The sums below add in BUCKETS order from ZERO, as sum() did: the same Decimal to the last digit,
    # without a generator per call (the worklist reads them for each of a thousand accounts, twice).
    @property
    def balance(self) -> Decimal:
        b = self.buckets
        return ZERO + b["current"] + b["1_30"] + b["31_60"] + b["61_90"] + b["over_90"] - self.unapplied_credit

    @property
    def bucket_values(self) -> list[Decimal]:
        """The buckets' amounts in BUCKETS order (the columns of aging tables)."""
        return [self.buckets[b] for b in BUCKETS]

    @property
    def past_due(self) -> Decimal:
        b = self.buckets
        return ZERO + b["1_30"] + b["31_60"] + b["61_90"] + b["over_90"]


class AgingEntry(NamedTuple):
    """One ledger entry as aging reads it, with its invoice's and its reversed entry's fields
    joined in (one query for all accounts, no model instances: issue 21)."""

    pk: int
    account_id: int
    kind: str
    amount: Decimal
    posted_on: datetime.date
    description: str
    invoice_id: int | None
    reverses_id: int | None
    reversed_kind: str | None
    invoice_due_on: datetime.date | None
    invoice_number: str | None


_ENTRY_FIELDS = (
    "pk",
    "account_id",
    "kind",
    "amount",
    "posted_on",
    "description",
    "invoice_id",
    "reverses_id",
    "reverses__kind",
    "invoice__due_on",
    "invoice__number",
)


def _allocate(entries: Iterable[AgingEntry]) -> tuple[list[OpenItem], Decimal]:
    items: dict[tuple[str, int], OpenItem] = {}
    pool = ZERO
    for entry in entries:
        kind = entry.kind
        if entry.reverses_id is not None:  # a reversal (the database holds that only reversals point back)
            kind = entry.reversed_kind or ""
        if entry.invoice_id is not None:
            key = ("invoice", entry.invoice_id)
            item = items.get(key)
            if item is None:
                assert entry.invoice_due_on is not None
                label = f"Invoice {entry.invoice_number}"
                item = items[key] = OpenItem(key, entry.invoice_due_on, ZERO, invoice_id=entry.invoice_id, label=label)
            item.amount += entry.amount
        elif kind in CREDIT_KINDS:
            pool -= entry.amount
        else:
            key = ("entry", entry.reverses_id or entry.pk)
            item = items.get(key)
            if item is None:
                item = items[key] = OpenItem(key, entry.posted_on, ZERO, label=entry.description)
            item.amount += entry.amount
    ordered = sorted(items.values(), key=lambda i: (i.due_on, i.key))
    for item in ordered:  # overpaid items add to the pool first
        if item.amount < 0:
            pool -= item.amount
    for item in ordered:
        if item.amount <= 0:
            continue
        applied = min(pool, item.amount)
        pool -= applied
        item.open = item.amount - applied
    return [i for i in ordered if i.open > 0], pool


def aging_for_accounts(accounts: QuerySet[FamilyAccount], *, as_of: datetime.date) -> list[AccountAging]:
    """Each account's open items and buckets on `as_of` (entries posted after it are left out).

    Two queries whatever the number of accounts: the accounts, and their entries up to `as_of`
    with each entry's invoice (due date, number) and reversed entry (kind) joined in."""
    account_rows = list(accounts.values_list("pk", "program_id", "family_id"))
    if not account_rows:
        return []
    if accounts.query.is_sliced or len(account_rows) <= 100:
        account_filter: Any = [row[0] for row in account_rows]
    else:  # the accounts' own query, not thousands of ids
        account_filter = accounts.order_by().values("pk")
    entries_by_account: dict[int, list[AgingEntry]] = defaultdict(list)
    rows = (
        LedgerEntry.objects.filter(account_id__in=account_filter, posted_on__lte=as_of)
        .order_by("posted_on", "pk")
        .values_list(*_ENTRY_FIELDS)
    )
    for row in rows:
        entry = AgingEntry._make(row)
        entries_by_account[entry.account_id].append(entry)
    return [
        _aged(account_id, program_id, family_id, entries_by_account.get(account_id, ()), as_of=as_of)
        for account_id, program_id, family_id in account_rows
    ]


def _aged(
    account_id: int, program_id: int, family_id: int, entries: Iterable[AgingEntry], *, as_of: datetime.date
) -> AccountAging:
    open_items, pool = _allocate(entries)
    aging = AccountAging(account_id, program_id, family_id, unapplied_credit=pool, items=open_items)
    for item in open_items:
        days = (as_of - item.due_on).days
        aging.buckets[bucket_of(days)] += item.open
        if aging.oldest_due is None or item.due_on < aging.oldest_due:
            aging.oldest_due = item.due_on
            aging.days_past_due = max(days, 0)
    return aging


def account_entries(account: FamilyAccount) -> list[AgingEntry]:
    """Every entry of one account, oldest first, as aging reads them (one query): for a page that
    shows the ledger and ages the account from the same rows (`aging_of_entries`)."""
    rows = LedgerEntry.objects.filter(account=account).order_by("posted_on", "pk").values_list(*_ENTRY_FIELDS)
    return [AgingEntry._make(row) for row in rows]


def aging_of_entries(account: FamilyAccount, entries: list[AgingEntry], *, as_of: datetime.date) -> AccountAging:
    """`aging_for_accounts` of one account from its `account_entries` (those posted after `as_of` left out)."""
    aged = [entry for entry in entries if entry.posted_on <= as_of]
    return _aged(account.pk, account.program_id, account.family_id, aged, as_of=as_of)  # type: ignore[arg-type]


# How long the alliance's aging stays in the cache (it goes stale earlier by its key, below).
AGING_CACHE_SECONDS = 600


class _Fingerprint(NamedTuple):
    """The open alliance's ledger and accounts as they stand: counts and highest ids.

    The ledger is append-only and an invoice's due date and number never change, so an entry
    posted (a charge, payment, reversal, write-off, void) or an account opened changes this:
    the count as well as the highest id, so an entry committed late with a lower id counts."""

    entries: int
    last_entry: int
    accounts: int
    last_account: int

    def key(self) -> str:
        return f"{self.entries}.{self.last_entry}.{self.accounts}.{self.last_account}"


def _fingerprint() -> _Fingerprint:
    ledger = LedgerEntry.objects.aggregate(n=Count("pk"), last=Max("pk"))
    accounts = FamilyAccount.objects.aggregate(n=Count("pk"), last=Max("pk"))
    return _Fingerprint(ledger["n"], ledger["last"] or 0, accounts["n"], accounts["last"] or 0)


_Kept = tuple[int, int, int, tuple[Decimal, ...], Decimal, datetime.date | None, int]
_V = TypeVar("_V")


def _keep(row: AccountAging) -> _Kept:
    return (
        row.account_id,
        row.program_id,
        row.family_id,
        tuple(row.buckets[b] for b in BUCKETS),
        row.unapplied_credit,
        row.oldest_due,
        row.days_past_due,
    )


def _unkeep(kept: _Kept) -> AccountAging:
    account_id, program_id, family_id, buckets, unapplied_credit, oldest_due, days_past_due = kept
    return AccountAging(
        account_id,
        program_id,
        family_id,
        buckets=dict(zip(BUCKETS, buckets, strict=True)),
        unapplied_credit=unapplied_credit,
        oldest_due=oldest_due,
        days_past_due=days_past_due,
    )


class _RecentAgings(Generic[_V]):
    """The last few values this process read, by key (a bounded LRU shared by its threads)."""

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self.items: OrderedDict[str, _V] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> _V | None:
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
            return found

    def put(self, key: str, value: _V) -> None:
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)


class _Latest(NamedTuple):
    """This process's latest aging of an alliance on a date, the ledger state it was aged at, and
    when this process last shared it through the cache (time.monotonic())."""

    fingerprint: _Fingerprint
    everyone: dict[int, AccountAging]
    shared_at: float


# The agings this process read, by cache key (the key carries the ledger's fingerprint, so an entry is
# never stale): a page that reads the aging twice, or the next request on the same ledger, skips the
# cache's unpickling.
_recent_agings: _RecentAgings[dict[int, AccountAging]] = _RecentAgings()
# Per alliance and date, the latest of them: the base the next ledger state is aged from.
_latest: _RecentAgings[_Latest] = _RecentAgings(16)
# How often a process that ages an alliance again from its own base also writes it to the cache
# (pickling a thousand accounts costs ~2 ms): other processes age from their own base, or from
# the cache's, which at most this much older only means a few more accounts aged again.
AGING_SHARE_SECONDS = 5.0
_NEVER = float("-inf")


def forget_process_agings() -> None:
    """Drop this process's recent agings and bases, as a process that starts has none (tests)."""
    for kept in (_recent_agings, _latest):
        with kept.lock:
            kept.items.clear()


def alliance_aging(*, as_of: datetime.date) -> Mapping[int, AccountAging]:
    """The open alliance's aging on `as_of` by account id, at the ledger as it stands (read from this
    process's recent agings, or aged: `_aged_alliance`). Shared: read it, never change it."""
    alliance_id = require_alliance_id()
    now = _fingerprint()
    key = f"billing:aging:v3:{alliance_id}:{as_of.isoformat()}:{now.key()}"
    everyone = _recent_agings.get(key)
    if everyone is None:
        everyone = _aged_alliance(alliance_id, as_of, now)
        _recent_agings.put(key, everyone)
    return everyone


def shared_aging_for_accounts(
    accounts: QuerySet[FamilyAccount], *, as_of: datetime.date, aged: Mapping[int, AccountAging] | None = None
) -> list[AccountAging]:
    """`aging_for_accounts` without the open items, read from the alliance's aging kept in the cache.

    For the read-only pages and lists (aging, collections, the aging API): the whole alliance's
    aging on `as_of` is computed once and shared by its users until the ledger changes (the key
    carries the alliance id, the date and `_fingerprint`; `_aged_alliance` ages again only the accounts
    the ledger moved on), then narrowed to `accounts`
    (a provider's own program, families only...). Only the buckets, credit and days past due are
    kept (compact: reading it back costs a few milliseconds); whatever needs the open items, and
    every write (payments, write-offs, late fees) inside its transaction, uses `aging_for_accounts`.
    A page that narrows the aging twice passes the `alliance_aging(as_of=as_of)` it read once as `aged`:
    both narrowings then read one ledger state, and the fingerprint is read once."""
    everyone = alliance_aging(as_of=as_of) if aged is None else aged
    ids = list(accounts.values_list("pk", flat=True))
    missing = [pk for pk in ids if pk not in everyone]
    if missing:  # opened since the fingerprint was read: this call's own
        late = aging_for_accounts(FamilyAccount.objects.filter(pk__in=missing), as_of=as_of)
        everyone = {**everyone, **{row.account_id: row for row in late}}
    # The rows are shared with the process's other requests on the same ledger: read them, never change them.
    return [everyone[pk] for pk in ids]


def _aged_alliance(alliance_id: int, as_of: datetime.date, now: _Fingerprint) -> dict[int, AccountAging]:
    """The alliance's aging on `as_of` at the ledger state `now`.

    Aged from a base: this process's latest aging of the alliance on that date, else the one kept in
    the cache under the alliance and date with the fingerprint it was computed at. When the ledger has
    moved on only by entries and accounts with higher ids (the usual case: a payment, a charge), only
    the accounts those entries touch, and the new accounts, are aged again and the rest is kept: a
    busy alliance posting payments every second does not age its thousand accounts on every
    request. An entry committed late with a lower id (the counts do not add up), or no base, ages
    the whole alliance again. The result goes to the cache when the alliance was aged whole, and
    otherwise at most every AGING_SHARE_SECONDS per process."""
    place = f"billing:aging:v3:{alliance_id}:{as_of.isoformat()}"
    base = _latest.get(place)
    if base is None:
        cached: tuple[tuple[int, ...], list[_Kept]] | None = cache.get(place)
        if cached is not None:
            base = _Latest(_Fingerprint(*cached[0]), {row[0]: _unkeep(row) for row in cached[1]}, time.monotonic())
    everyone = None
    if base is not None:
        everyone = base.everyone if base.fingerprint == now else _moved_on(base, now, as_of)
    shared_at = base.shared_at if base is not None else 0.0
    if everyone is None:
        everyone = {
            row.account_id: _kept_only(row) for row in aging_for_accounts(FamilyAccount.objects.all(), as_of=as_of)
        }
        shared_at = 0.0  # aged whole: always shared
    if time.monotonic() - shared_at >= AGING_SHARE_SECONDS:
        cache.set(place, (tuple(now), [_keep(row) for row in everyone.values()]), AGING_CACHE_SECONDS)
        shared_at = time.monotonic()
    _latest.put(place, _Latest(now, everyone, shared_at))
    return everyone


def _moved_on(base: _Latest, now: _Fingerprint, as_of: datetime.date) -> dict[int, AccountAging] | None:
    """`base` aged again where the ledger moved on since it, or None when only ageing everyone will do."""
    then = base.fingerprint
    # One row per new entry and account: their count is the lists' length (no COUNT queries).
    new_entries = list(
        LedgerEntry.objects.filter(pk__gt=then.last_entry, pk__lte=now.last_entry).values_list("account_id", flat=True)
    )
    new_accounts: list[int] = []
    if (now.accounts, now.last_account) != (then.accounts, then.last_account):
        new_accounts = list(
            FamilyAccount.objects.filter(pk__gt=then.last_account, pk__lte=now.last_account).values_list(
                "pk", flat=True
            )
        )
    if not (
        now.last_entry >= then.last_entry
        and now.last_account >= then.last_account
        and then.entries + len(new_entries) == now.entries
        and then.accounts + len(new_accounts) == now.accounts
    ):
        return None
    touched = set(new_entries) | set(new_accounts)
    if not touched:
        return base.everyone
    everyone = dict(base.everyone)  # the base's rows are shared: a new dict, the untouched rows as they are
    for row in aging_for_accounts(FamilyAccount.objects.filter(pk__in=touched), as_of=as_of):
        everyone[row.account_id] = _kept_only(row)
    return everyone


def _kept_only(row: AccountAging) -> AccountAging:
    """The row as the shared aging keeps it: without its open items."""
    return _unkeep(_keep(row))


def invoice_open_amount(invoice: Invoice, *, as_of: datetime.date | None = None) -> Decimal:
    """What is left to pay on one invoice after the account's credits are applied oldest first."""
    if invoice.status == InvoiceStatus.VOID:
        return ZERO
    as_of = as_of or datetime.date.max
    aging = aging_for_accounts(FamilyAccount.objects.filter(pk=invoice.account_id), as_of=as_of)[0]
    return next((i.open for i in aging.items if i.invoice_id == invoice.pk), ZERO)


@dataclass
class AgingTotals:
    buckets: dict[str, Decimal] = field(default_factory=lambda: {b: ZERO for b in BUCKETS})
    unapplied_credit: Decimal = ZERO
    accounts: int = 0

    def add(self, aging: AccountAging) -> None:
        for bucket, value in aging.buckets.items():
            self.buckets[bucket] += value
        self.unapplied_credit += aging.unapplied_credit
        self.accounts += 1

    @property
    def bucket_values(self) -> list[Decimal]:
        """The buckets' amounts in BUCKETS order (the columns of aging tables)."""
        return [self.buckets[b] for b in BUCKETS]

    @property
    def total_open(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)

    @property
    def balance(self) -> Decimal:
        return self.total_open - self.unapplied_credit


def aging_totals(rows: Iterable[AccountAging], *, by: str | None = None) -> dict[object, AgingTotals]:
    """Totals of account agings: by program (`by="program_id"`), by family, or all (`None`).

    Each column is one sum() over the group (what `AgingTotals.add` row by row adds up: Decimal
    sums of money are exact, so the same figures), not five dict updates per account."""
    groups: dict[object, list[AccountAging]] = defaultdict(list)
    for row in rows:
        groups[getattr(row, by) if by else "all"].append(row)
    totals = {}
    for key, group in groups.items():
        buckets = {b: sum([row.buckets[b] for row in group], ZERO) for b in BUCKETS}
        credit = sum([row.unapplied_credit for row in group], ZERO)
        totals[key] = AgingTotals(buckets=buckets, unapplied_credit=credit, accounts=len(group))
    return totals
