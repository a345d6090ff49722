"""Late fees by each program's policy: after the grace days, a flat amount or a
percent of what is still open on the invoice, capped; at most one per invoice.

The daily task may run any number of times: a LateFeeCharge row per invoice
(unique) makes the second attempt a no-op, and the account is locked while
checking, so two runs at once cannot both charge.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction

from billing.aging import aging_for_accounts
from billing.ledger import ledger_entry_post, to_cents
from billing.models import (
    ZERO,
    BillingPolicy,
    EntryKind,
    FamilyAccount,
    Invoice,
    InvoiceStatus,
    LateFeeCharge,
    LateFeeKind,
)


def late_fee_amount(policy: BillingPolicy, open_amount: Decimal) -> Decimal:
    """The fee on an invoice with `open_amount` still to pay, rounded once."""
    if open_amount <= 0 or not policy.late_fee_kind:
        return ZERO
    if policy.late_fee_kind == LateFeeKind.FLAT:
        fee = policy.late_fee_value
    else:
        fee = open_amount * policy.late_fee_value / 100
    if policy.late_fee_cap is not None:
        fee = min(fee, policy.late_fee_cap)
    return to_cents(fee)


@dataclass
class LateFeeResult:
    charged: int = 0
    amount: Decimal = ZERO


def late_fees_apply(*, as_of: datetime.date) -> LateFeeResult:
    """Charge every overdue invoice of the open alliance its late fee, once."""
    result = LateFeeResult()
    for policy in BillingPolicy.objects.exclude(late_fee_kind="").select_related("program"):
        overdue_before = as_of - datetime.timedelta(days=policy.grace_days)
        candidates = Invoice.objects.filter(
            program=policy.program, status=InvoiceStatus.ISSUED, due_on__lt=overdue_before, late_fee__isnull=True
        ).order_by("account_id", "pk")
        by_account: dict[int, list[Invoice]] = {}
        for invoice in candidates:
            by_account.setdefault(invoice.account_id, []).append(invoice)
        for account_id in sorted(by_account):
            with transaction.atomic():
                account = FamilyAccount.objects.select_for_update().get(pk=account_id)
                aging = aging_for_accounts(FamilyAccount.objects.filter(pk=account_id), as_of=as_of)[0]
                open_by_invoice = {i.invoice_id: i.open for i in aging.items if i.invoice_id}
                for invoice in by_account[account_id]:
                    fee = late_fee_amount(policy, open_by_invoice.get(invoice.pk, ZERO))
                    if fee <= 0 or LateFeeCharge.objects.filter(invoice=invoice).exists():
                        continue
                    try:
                        with transaction.atomic():
                            entry = ledger_entry_post(
                                account=account,
                                kind=EntryKind.LATE_FEE,
                                amount=fee,
                                posted_on=as_of,
                                description=f"Late fee on invoice {invoice.number}",
                            )
                            LateFeeCharge.objects.create(
                                invoice=invoice, entry=entry, program=policy.program, charged_on=as_of
                            )
                    except IntegrityError:
                        continue  # charged by a run at the same time
                    result.charged += 1
                    result.amount += fee
    return result
