from __future__ import annotations

from members.forms import HubModelForm
from sustainability.models import Contract, Grant, Plan
from sustainability.services import CONTRACT_FIELDS, GRANT_FIELDS, PLAN_FIELDS


class PlanForm(HubModelForm):
    fieldsets = [
        ("Years", ["start_year", "years"]),
        ("The Hub's cost in the first year", ["staff_cost", "overhead_cost", "growth_pct"]),
        ("Member fees", ["fee_structure", "flat_fee", "slot_fee", "collections_share_pct"]),
        ("Members joining", ["new_members_per_year", "new_member_slots", "new_member_collections"]),
    ]

    class Meta:
        model = Plan
        fields = PLAN_FIELDS


class GrantForm(HubModelForm):
    class Meta:
        model = Grant
        fields = GRANT_FIELDS


class ContractForm(HubModelForm):
    class Meta:
        model = Contract
        fields = CONTRACT_FIELDS
