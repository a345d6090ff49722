"""Demo data of billing: rate plans and policies, a subsidy agency paying for about
a third of the children, twelve months of invoices (the real invoice run),
payments (most on time, some late, some partial, a few never), agency
remittances with some short-paid, a few written-off balances, collections
notes, autopay bank details, and Hub member fees.

Called by seed_demo inside each alliance's scope, after the enrollment demo.
Idempotent: nothing is added once the alliance has invoices. A fixed random
seed gives the same data every time; payments are written in bulk.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from alliance.crypto import encrypt
from alliance.dates import alliance_today, month_bounds, months_back
from alliance.models import Alliance
from billing.aging import aging_for_accounts
from billing.bulk import LEDGER_ENTRY_COLUMNS, insert_rows
from billing.invoicing import invoice_program_for_period
from billing.ledger import account_opening_balance_record, ledger_entry_post, to_cents
from billing.member_fees import member_fees_invoice
from billing.models import (
    BankAccount,
    BillingPolicy,
    ClaimStatus,
    CollectionNote,
    DiscountKind,
    EntryKind,
    FamilyAccount,
    Invoice,
    InvoiceStatus,
    LateFeeKind,
    LedgerEntry,
    NoteKind,
    Payer,
    PayerClaim,
    Payment,
    PaymentMethod,
    PaymentStatus,
    RatePlan,
    Remittance,
    RemittanceLine,
    SubsidyAuthorization,
)
from enrollment.models import Enrollment, FundingSource
from members.models import AgeGroup, Classroom, MemberProgram, ProgramStatus

ZERO = Decimal("0.00")
TUITION = {
    AgeGroup.INFANT: 1450,
    AgeGroup.TODDLER: 1300,
    AgeGroup.PRESCHOOL: 1100,
    AgeGroup.SCHOOL_AGE: 650,
    AgeGroup.MIXED: 950,
}
METHODS = [PaymentMethod.CARD, PaymentMethod.ACH, PaymentMethod.ACH, PaymentMethod.CHECK, PaymentMethod.CASH]
ROUTINGS = ["021000021", "011000015", "026009593", "121000358"]


def seed_billing_demo(alliance: Alliance) -> dict[str, int]:
    """Fill the alliance with billing demo data (call inside its scope)."""
    if not Invoice.objects.exists():
        rng = random.Random(f"hub-billing-demo:{alliance.slug}")
        today = alliance_today(alliance)
        # Fourteen months: the rollups' 13 months of history and this one, each with the payments and
        # remittances of the month before (the first month of a history collects only its own).
        months = months_back(14, until=today)
        programs = list(
            MemberProgram.objects.filter(status__in=[ProgramStatus.ACTIVE, ProgramStatus.PAUSED]).order_by("pk")
        )
        _policies_and_plans(rng, programs, months[0])
        _subsidies(rng, months[0], months[-1])
        for first in months:
            for program in programs:
                invoice_program_for_period(program_id=program.pk, period_start=first, period_end=month_bounds(first)[1])
        _opening_balances(months[0])
        _payments(rng, today)
        _remittances(rng, today)
        _write_offs_and_notes(rng, today, months[0])
        _bank_details(rng)
        for first in months[:-1]:  # every complete month: the Hub's fee income over the history
            member_fees_invoice(month=first)
    return {
        "invoices": Invoice.objects.count(),
        "payments": Payment.objects.count(),
        "ledger_entries": LedgerEntry.objects.count(),
        "claims": PayerClaim.objects.count(),
    }


def _policies_and_plans(rng: random.Random, programs: list[MemberProgram], start: datetime.date) -> None:
    effective = start.replace(year=start.year - 1)
    plans, policies = [], []
    rooms = defaultdict(set)
    for program_id, age_group in Classroom.objects.values_list("site__program_id", "age_group").distinct():
        rooms[program_id].add(age_group)
    for program in programs:
        tax_id = f"{rng.randint(10, 99)}-{rng.randint(10**6, 10**7 - 1)}"
        policies.append(
            BillingPolicy(
                alliance_id=program.alliance_id,
                program=program,
                tax_id=tax_id,
                late_fee_kind=LateFeeKind.FLAT,
                late_fee_value=Decimal("25.00"),
                grace_days=5,
                ach_routing_number="021000021",
                ach_company_id=f"1{rng.randint(10**8, 10**9 - 1)}",
            )
        )
        for age_group in sorted(rooms.get(program.pk, {AgeGroup.MIXED})):
            base = Decimal(TUITION.get(age_group, 950) + rng.choice([-50, 0, 0, 50, 100]))
            label = AgeGroup(age_group).label
            common = {
                "alliance_id": program.alliance_id,
                "program": program,
                "age_group": age_group,
                "effective_from": effective,
                "registration_fee": Decimal("75.00"),
                "sibling_discount_kind": DiscountKind.PERCENT,
                "sibling_discount": Decimal("10.00"),
                "staff_discount_kind": DiscountKind.PERCENT,
                "staff_discount": Decimal("25.00"),
            }
            # The enrollment demo names these plans on each enrollment (rate_plan_ref).
            plans.append(RatePlan(name=f"{label} full time", code=f"{age_group}-ft", tuition=base, **common))
            plans.append(
                RatePlan(
                    name=f"{label} part time", code=f"{age_group}-pt", tuition=to_cents(base * Decimal("0.6")), **common
                )
            )
    BillingPolicy.objects.bulk_create(policies)
    RatePlan.objects.bulk_create(plans)


def _subsidies(rng: random.Random, start: datetime.date, last_month: datetime.date) -> None:
    """About a third of the enrolled children: every subsidy-funded child, then others at random."""
    agency = Payer.objects.create(
        name="County Child Care Assistance", kind="subsidy", contact_email="remit@county.example"
    )
    Payer.objects.create(name="Riverside Hospital Employer Benefit", kind="employer")
    end = month_bounds(last_month)[1]
    enrollments = list(
        Enrollment.objects.filter(start_date__lte=end)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
        .order_by("child_id", "start_date")
        .values_list("child_id", "program_id", "funding_source", "start_date", "end_date")
    )
    seen: set[int] = set()
    rows = []
    for child_id, program_id, funding, first, last in enrollments:
        if child_id in seen:
            continue
        seen.add(child_id)
        if funding != FundingSource.SUBSIDY and rng.random() > 0.3:
            continue
        rows.append(
            SubsidyAuthorization(
                alliance_id=agency.alliance_id,
                payer=agency,
                child_id=child_id,
                program_id=program_id,
                case_number=f"CC-{rng.randint(100000, 999999)}",
                starts_on=max(first, start),
                ends_on=max(last or end, max(first, start)),
                authorized_amount=Decimal(rng.choice([600, 750, 850, 950])),
                family_copay=Decimal(rng.choice([0, 45, 90, 120])),
                authorized_days=rng.choice([20, 21, 22]),
            )
        )
    SubsidyAuthorization.objects.bulk_create(rows)


# What three families of the first program owed (or, negative, had paid ahead) in its old system when the
# Hub took over its billing at the start of the history: "Opening balance at <date>" on their ledgers.
DEMO_OPENING_BALANCES = [Decimal("180.00"), Decimal("75.50"), Decimal("-40.00")]


def _opening_balances(cut_over: datetime.date) -> None:
    first = MemberProgram.objects.filter(status=ProgramStatus.ACTIVE).order_by("pk").first()
    accounts = FamilyAccount.objects.filter(program=first, family__isnull=False).order_by("pk")
    for account, amount in zip(accounts, DEMO_OPENING_BALANCES, strict=False):
        account_opening_balance_record(actor=None, account=account, amount=amount, as_of=cut_over)


def _payments(rng: random.Random, today: datetime.date) -> None:
    """Families pay their invoices: most on time, some late, some in part, a few never."""
    persona: dict[int, str] = {}
    invoices = (
        Invoice.objects.filter(account__family__isnull=False, total__gt=0)
        .order_by("issued_on", "pk")
        .values_list("pk", "account_id", "program_id", "alliance_id", "issued_on", "due_on", "total")
    )
    entries, payments = [], []
    now = timezone.now()
    for _pk, account_id, program_id, alliance_id, issued_on, due_on, total in invoices:
        kind = persona.setdefault(
            account_id, rng.choices(["prompt", "late", "partial", "never"], weights=[76, 14, 7, 3])[0]
        )
        if kind == "never":
            continue
        if kind == "prompt":
            paid_on, amount = issued_on + datetime.timedelta(days=rng.randint(0, 9)), total
        elif kind == "late":
            paid_on, amount = due_on + datetime.timedelta(days=rng.randint(10, 70)), total
        else:
            paid_on = due_on + datetime.timedelta(days=rng.randint(0, 25))
            amount = to_cents(total * Decimal(rng.choice(["0.5", "0.6", "0.75"])))
        if paid_on >= today or amount <= 0:
            continue
        method = rng.choice(METHODS)
        reference = f"{rng.randint(1000, 9999)}" if method == PaymentMethod.CHECK else ""
        entries.append(
            (
                alliance_id,
                account_id,
                program_id,
                EntryKind.PAYMENT,
                "",
                -amount,
                paid_on,
                f"{PaymentMethod(method).label} payment {reference}".strip(),
                None,
                None,
                None,
                None,
                None,
                now,
            )
        )
        payments.append(
            (
                alliance_id,
                account_id,
                program_id,
                method,
                amount,
                paid_on,
                reference,
                None,
                None,
                None,
                PaymentStatus.RECORDED,
                "",
                None,
                now,
            )
        )
    entry_ids = insert_rows(
        LedgerEntry,
        LEDGER_ENTRY_COLUMNS,
        entries,
        returning=True,
    )
    insert_rows(
        Payment,
        [
            "alliance_id",
            "account_id",
            "program_id",
            "method",
            "amount",
            "received_on",
            "reference",
            "invoice_id",
            "entry_id",
            "deposit_id",
            "status",
            "note",
            "recorded_by_id",
            "created_at",
        ],
        [(*row[:8], entry_id, *row[9:]) for row, entry_id in zip(payments, entry_ids, strict=True)],
    )


def _remittances(rng: random.Random, today: datetime.date) -> None:
    """The agency pays each month's claims about six weeks later; some lines short."""
    by_month: dict[tuple[int, datetime.date], list[PayerClaim]] = defaultdict(list)
    for claim in PayerClaim.objects.order_by("period_start", "pk"):
        by_month[(claim.payer_id, claim.period_start)].append(claim)
    lines, touched = [], []
    for (payer_id, first), claims in sorted(by_month.items()):
        received = first + datetime.timedelta(days=45)
        if received >= today:
            continue
        remittance = Remittance.objects.create(
            payer_id=payer_id, received_on=received, reference=f"EFT {rng.randint(100000, 999999)}"
        )
        total = ZERO
        for claim in claims:
            amount = claim.expected if rng.random() > 0.1 else to_cents(claim.expected * Decimal("0.9"))
            claim.paid = amount
            claim.status = ClaimStatus.PAID if amount >= claim.expected else ClaimStatus.SHORT
            touched.append(claim)
            lines.append(
                RemittanceLine(alliance_id=claim.alliance_id, remittance=remittance, claim=claim, amount=amount)
            )
            total += amount
        remittance.total = total
        remittance.save(update_fields=["total"])
    RemittanceLine.objects.bulk_create(lines)
    PayerClaim.objects.bulk_update(touched, ["paid", "status"])


# Families who never pay: the Hub gives up on an unpaid invoice this many days after it fell due (four months or
# so after it was billed), so a month's bad debt grows after the month, as it does in a real Hub.
WRITE_OFF_AFTER_DAYS = 120


def _write_offs_and_notes(rng: random.Random, today: datetime.date, first_month: datetime.date) -> None:
    """Over the year the Hub writes off what families who never pay owe, 120 days past due, naming the invoice
    (which then says "Written off"): most of it in the first months, less as its collections work takes hold;
    what is not written off stays in the aging (much of it over 90 days). Then collection notes on the oldest
    balances left."""
    paying = LedgerEntry.objects.filter(kind=EntryKind.PAYMENT).values("account_id")
    never = (
        Invoice.objects.filter(account__family__isnull=False, total__gt=0)
        .exclude(account_id__in=paying)
        .select_related("account")
        .order_by("due_on", "pk")
    )
    last_day = today - datetime.timedelta(days=1)
    span = max(1, (last_day - first_month).days)
    written_off = []
    for invoice in never:
        posted_on = invoice.due_on + datetime.timedelta(days=WRITE_OFF_AFTER_DAYS)
        share_of_year = (posted_on - first_month).days / span
        if posted_on > last_day or rng.random() > 1 - 0.75 * share_of_year:
            continue
        ledger_entry_post(
            account=invoice.account,
            kind=EntryKind.WRITE_OFF,
            amount=-invoice.total,
            posted_on=posted_on,
            description=f"Written off as uncollectible (invoice {invoice.number})",
            invoice=invoice,
            reason=f"No payment {WRITE_OFF_AFTER_DAYS} days after the due date; letters and calls unanswered.",
        )
        invoice.status = InvoiceStatus.WRITTEN_OFF
        written_off.append(invoice)
    Invoice.objects.bulk_update(written_off, ["status"])
    rows = [
        r for r in aging_for_accounts(FamilyAccount.objects.filter(family__isnull=False), as_of=today) if r.past_due > 0
    ]
    rows.sort(key=lambda r: (-r.days_past_due, r.account_id))
    accounts = FamilyAccount.objects.in_bulk([r.account_id for r in rows])
    notes = []
    for row in rows[:12]:
        promise = rng.random() < 0.5
        notes.append(
            CollectionNote(
                alliance_id=accounts[row.account_id].alliance_id,
                account=accounts[row.account_id],
                kind=NoteKind.PROMISE if promise else NoteKind.CALL,
                note="Spoke with the parent; will pay on payday." if promise else "Left a voicemail about the balance.",
                promised_amount=to_cents(row.past_due / 2) if promise else None,
                promised_on=today + datetime.timedelta(days=rng.randint(3, 14)) if promise else None,
            )
        )
    CollectionNote.objects.bulk_create(notes)


def _bank_details(rng: random.Random) -> None:
    """About a fifth of the families collect by autopay."""
    rows = []
    accounts = FamilyAccount.objects.filter(family__isnull=False).select_related("family").order_by("pk")
    for account in accounts:
        if rng.random() > 0.2:
            continue
        number = f"{rng.randint(10**9, 10**12 - 1)}"
        rows.append(
            BankAccount(
                alliance_id=account.alliance_id,
                account=account,
                holder_name=account.family.name[:22],
                routing_number=rng.choice(ROUTINGS),
                account_number_encrypted=encrypt(number),
                account_last4=number[-4:],
            )
        )
    BankAccount.objects.bulk_create(rows)
