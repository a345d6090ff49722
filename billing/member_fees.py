"""Hub member fees: the Hub invoices each member program for the services it
subscribes to (flat monthly, per licensed slot, or a percentage of the tuition
the program collected that month, or per hour of substitute cover delivered), on the
same ledger machinery as families:
a member-fee account per program (an account with no family), invoices with
gapless numbers from the same counter, payments, aging and statements.

Substitute cover is charged once: each month's invoice takes the delivered hours
not charged yet (worked within the agreement, up to the month's end) and marks
them with the invoice number, so hours recorded late go on the next invoice.

Idempotent per program and month (one invoice per account and period); locks
the program's member-fee account, then the invoice counter, as the invoice run
does.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum

from alliance.audit import Actor, audit_event_record, user_of
from alliance.dates import month_bounds
from alliance.tenancy import require_alliance_id
from billing.invoicing import DUE_AFTER_DAYS, _locked_counter
from billing.models import ZERO, ChargeCategory, EntryKind, FamilyAccount, Invoice, LedgerEntry
from billing.selectors import paid_entries_q
from members.models import MemberProgram, PricingModel, ServiceSubscription
from members.selectors import subscription_monthly_fee
from sharedservices.selectors import covers_to_charge
from sharedservices.services import cover_hours_mark_charged


def member_fee_account(program_id: int) -> FamilyAccount:
    FamilyAccount.objects.bulk_create(
        [FamilyAccount(alliance_id=require_alliance_id(), family=None, program_id=program_id)], ignore_conflicts=True
    )
    return FamilyAccount.objects.select_for_update().get(program_id=program_id, family__isnull=True)


def collected_tuition(program_id: int, start: datetime.date, end: datetime.date) -> Decimal:
    """What the program's families paid in the period (payments less refunds, net of reversals)."""
    entries = LedgerEntry.objects.filter(
        program_id=program_id, account__family__isnull=False, posted_on__range=(start, end)
    )
    return -(entries.filter(paid_entries_q()).aggregate(t=Sum("amount"))["t"] or ZERO)


@dataclass
class MemberFeeResult:
    invoices: int = 0
    amount: Decimal = ZERO
    skipped: list[str] = field(default_factory=list)


def member_fees_invoice(*, month: datetime.date, actor: Actor = None) -> MemberFeeResult:
    """Invoice every program's Hub services for one month."""
    start, end = month_bounds(month)
    result = MemberFeeResult()
    subscriptions = (
        ServiceSubscription.objects.filter(starts_on__lte=end)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start))
        .select_related("service", "program")
        .order_by("program_id", "service__name")
    )
    by_program: dict[int, list[ServiceSubscription]] = {}
    for subscription in subscriptions:
        by_program.setdefault(subscription.program_id, []).append(subscription)
    for program_id in sorted(by_program):
        with transaction.atomic():
            account = member_fee_account(program_id)
            if Invoice.objects.filter(account=account, period_start=start).exists():
                continue
            program = MemberProgram.objects.get(pk=program_id)
            collected = collected_tuition(program_id, start, end)
            lines = []
            charged_covers: list[tuple[list[int], Decimal]] = []
            for subscription in by_program[program_id]:
                hours = None
                if subscription.pricing_model == PricingModel.PER_SUBSTITUTE_HOUR:
                    covers = covers_to_charge(
                        program_id=program_id, since=subscription.starts_on, until=min(end, subscription.ends_on or end)
                    )
                    hours = sum((c.hours_delivered or ZERO for c in covers), ZERO)
                fee = subscription_monthly_fee(
                    subscription,
                    licensed_slots=program.licensed_capacity,
                    collected_tuition=collected,
                    substitute_hours=hours,
                )
                if fee is None or fee <= 0:
                    continue
                basis: dict[str, str] = {
                    PricingModel.PER_LICENSED_SLOT: f", {program.licensed_capacity} licensed slots",
                    PricingModel.PERCENT_OF_TUITION: f", {subscription.rate}% of {collected} collected",
                    PricingModel.PER_SUBSTITUTE_HOUR: f", {hours} h of cover x {subscription.rate}",
                }
                lines.append(
                    (fee, f"{subscription.service.name} {start:%B %Y}{basis.get(subscription.pricing_model, '')}")
                )
                if hours:
                    charged_covers.append(([c.pk for c in covers], subscription.rate))
            if not lines:
                continue
            counter = _locked_counter()
            invoice = Invoice.objects.create(
                account=account,
                program_id=program_id,
                number=counter.next_number,
                period_start=start,
                period_end=end,
                issued_on=end,
                due_on=end + datetime.timedelta(days=DUE_AFTER_DAYS),
                total=sum((fee for fee, _ in lines), ZERO),
            )
            counter.next_number += 1
            counter.save(update_fields=["next_number"])
            LedgerEntry.objects.bulk_create(
                [
                    LedgerEntry(
                        alliance_id=require_alliance_id(),
                        account=account,
                        program_id=program_id,
                        kind=EntryKind.CHARGE,
                        category=ChargeCategory.MEMBER_FEE,
                        amount=fee,
                        posted_on=end,
                        description=text[:200],
                        invoice=invoice,
                        created_by=user_of(actor),
                    )
                    for fee, text in lines
                ]
            )
            for cover_ids, rate in charged_covers:
                cover_hours_mark_charged(cover_ids=cover_ids, invoice_number=invoice.number, rate=rate)
            audit_event_record(
                actor=actor,
                action="member_fee.invoiced",
                target=invoice,
                program_id=program_id,
                after={"number": invoice.number, "total": invoice.total, "lines": len(lines)},
            )
            result.invoices += 1
            result.amount += invoice.total
    return result
