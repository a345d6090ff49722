"""Writes of billing set-up: rate plans and account settings.

Money writes live along the domain: billing/ledger.py (entries, reversals),
billing/invoicing.py (invoice runs), billing/payments.py (payments,
write-offs, collections). Every one is atomic and audited.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from alliance.access import actor_may
from alliance.audit import Actor, audit_event_record, snapshot
from alliance.models import HUB_ROLES
from billing.models import BillingPolicy, DiscountKind, FamilyAccount, RatePlan
from members.models import MemberProgram

ONE_DAY = datetime.timedelta(days=1)
PLAN_FIELDS = [
    "code",
    "name",
    "age_group",
    "day_length",
    "days_per_week",
    "period",
    "tuition",
    "registration_fee",
    "supply_fee",
    "sibling_discount_kind",
    "sibling_discount",
    "staff_discount_kind",
    "staff_discount",
    "effective_from",
]


def _check_plan(plan: RatePlan) -> None:
    errors: dict[str, str] = {}
    plan.name = plan.name.strip()
    plan.code = plan.code.strip()
    if not plan.name:
        errors["name"] = "Name the plan as families will read it on invoices."
    for money in ("tuition", "registration_fee", "supply_fee", "sibling_discount", "staff_discount"):
        value = getattr(plan, money)
        if value is None or value < 0:
            errors[money] = "An amount cannot be negative."
        elif value != value.quantize(Decimal("0.01")):
            errors[money] = "Give dollars and cents (two decimal places)."
    for kind_field, value_field in (
        ("sibling_discount_kind", "sibling_discount"),
        ("staff_discount_kind", "staff_discount"),
    ):
        kind, value = getattr(plan, kind_field), getattr(plan, value_field) or 0
        if kind not in DiscountKind.values:
            errors[kind_field] = "Choose no discount, percent or amount."
            continue
        if kind == DiscountKind.PERCENT and value > 100:
            errors[value_field] = "A percentage is at most 100."
        if kind and not value:
            errors[value_field] = "Give the discount, or choose no discount."
        if not kind and value:
            errors[kind_field] = "Choose percent or amount for this discount."
    if plan.days_per_week is not None and not 1 <= plan.days_per_week <= 7:
        errors["days_per_week"] = "Between 1 and 7 days, or blank for any."
    if errors:
        raise ValidationError(errors)


def rate_plan_create(*, actor: Actor, program: MemberProgram, **fields: Any) -> RatePlan:
    """A new plan; one it replaces (same program and criteria) ends the day before it starts."""
    plan = RatePlan(program=program, **{k: v for k, v in fields.items() if k in PLAN_FIELDS})
    for money in ("registration_fee", "supply_fee", "sibling_discount", "staff_discount"):
        if getattr(plan, money) is None:
            setattr(plan, money, Decimal("0.00"))
    plan.sibling_discount_kind = plan.sibling_discount_kind or ""
    plan.staff_discount_kind = plan.staff_discount_kind or ""
    _check_plan(plan)
    with transaction.atomic():
        same = RatePlan.objects.select_for_update().filter(
            program=program,
            age_group=plan.age_group,
            day_length=plan.day_length,
            days_per_week=plan.days_per_week,
            code=plan.code,
            effective_to__isnull=True,
        )
        for previous in same:
            if previous.effective_from >= plan.effective_from:
                raise ValidationError(
                    {
                        "effective_from": (
                            f"“{previous.name}” for the same children already starts on {previous.effective_from}; "
                            "a new price starts after it."
                        )
                    }
                )
            before = snapshot(previous)
            previous.effective_to = plan.effective_from - ONE_DAY
            previous.save(update_fields=["effective_to"])
            audit_event_record(
                actor=actor, action="rate_plan.ended", target=previous, before=before, after=snapshot(previous)
            )
        plan.save()
        audit_event_record(actor=actor, action="rate_plan.created", target=plan, after=snapshot(plan))
    return plan


def account_set_staff_discount(*, actor: Actor, account: FamilyAccount, staff: bool) -> FamilyAccount:
    """Mark a family's account as a staff family (a guardian works for the program) or clear it (Hub staff
    only). The next invoice run takes the rate plan's staff discount off its tuition."""
    if not actor_may(actor, HUB_ROLES):
        raise ValidationError("Only Hub staff can set a staff discount.", code="not_hub")
    if account.family_id is None:
        raise ValidationError(
            {"staff_discount": "This is the program's own Hub member-fee account; a staff discount is for families."}
        )
    with transaction.atomic():
        account = FamilyAccount.objects.select_for_update().get(pk=account.pk)
        if account.staff_discount == staff:
            return account
        before = snapshot(account)
        account.staff_discount = staff
        account.save(update_fields=["staff_discount"])
        audit_event_record(
            actor=actor, action="account.updated", target=account, before=before, after=snapshot(account)
        )
    return account


def billing_policy_set(
    *,
    actor: Actor,
    program: MemberProgram,
    tax_id: str = "",
    late_fee_kind: str = "",
    late_fee_value: Decimal = Decimal("0.00"),
    late_fee_cap: Decimal | None = None,
    grace_days: int = 5,
    ach_routing_number: str = "",
    ach_company_id: str = "",
) -> BillingPolicy:
    from billing.ach import routing_is_valid

    errors: dict[str, str] = {}
    if ach_routing_number and not routing_is_valid(ach_routing_number.strip()):
        errors["ach_routing_number"] = "A routing number is 9 digits with a valid check digit."
    if late_fee_kind and (late_fee_value is None or late_fee_value <= 0):
        errors["late_fee_value"] = "Give the late fee, or choose no late fee."
    if late_fee_kind == "percent" and late_fee_value and late_fee_value > 100:
        errors["late_fee_value"] = "A percentage is at most 100."
    if late_fee_cap is not None and late_fee_cap <= 0:
        errors["late_fee_cap"] = "A cap is more than zero, or blank."
    if grace_days is None or grace_days > 90:
        errors["grace_days"] = "Between 0 and 90 days."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        policy = BillingPolicy.objects.select_for_update().filter(program=program).first()
        before = snapshot(policy) if policy else None
        policy = policy or BillingPolicy(program=program)
        policy.tax_id, policy.late_fee_kind = tax_id.strip(), late_fee_kind or ""
        policy.late_fee_value, policy.late_fee_cap, policy.grace_days = late_fee_value or 0, late_fee_cap, grace_days
        policy.ach_routing_number, policy.ach_company_id = ach_routing_number.strip(), ach_company_id.strip()
        policy.save()
        audit_event_record(
            actor=actor, action="billing_policy.set", target=policy, before=before, after=snapshot(policy)
        )
    return policy
