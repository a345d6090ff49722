"""API of the Hub's sustainability plan (Hub roles), and its aggregate view (Hub roles and funders).

- `sustainability/plans/`: the alliance's one plan: list, create (400 when it exists), read,
  change (PUT/PATCH), delete. Writes go through services.plan_save (audited).
- `sustainability/grants/`, `sustainability/contracts/`: the plan's grants and contracts, full CRUD.
- `sustainability/projection/`: the plan's projection as the page shows it: years (with their
  months), the coverage year, what each member pays a year under each fee structure.
- `sustainability/funder-view/`: the aggregate view funders see (no member's fee), through the
  disclosure rule: member fees and surplus null with `suppressed_reason` when too few members.

Providers get 404 on every endpoint here, as on the pages.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from alliance.api_base import AllianceModelViewSet, AllianceViewSetMixin
from alliance.api_fields import DateField, HubModelSerializer, HubSerializer, MoneyField
from alliance.models import Role
from alliance.views_base import HUB_AND_FUNDER, HUB_ONLY
from sustainability.models import Contract, Grant, Plan
from sustainability.projection import Projection
from sustainability.selectors import plan_comparison, plan_funder_view, plan_of_alliance
from sustainability.services import (
    CONTRACT_FIELDS,
    GRANT_FIELDS,
    PLAN_FIELDS,
    funding_create,
    funding_delete,
    funding_update,
    plan_save,
)

CURRENCY = "money in the alliance's currency, a decimal string with two places"


class NotForProviders(AllianceViewSetMixin):
    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        try:
            super().initial(request, *args, **kwargs)
        except PermissionDenied:
            if getattr(self, "membership", None) is not None and self.membership.role == Role.PROVIDER:
                raise NotFound() from None
            raise
        if self.membership.role == Role.PROVIDER:
            raise NotFound()


# --- The plan, its grants and contracts ----------------------------------------------------
class PlanSerializer(HubModelSerializer):
    class Meta:
        model = Plan
        fields = ["id", *PLAN_FIELDS, "updated_at"]
        read_only_fields = ["id", "updated_at"]
        extra_kwargs = {
            "fee_structure": {
                "help_text": "flat: flat_fee per member a month; per_slot: slot_fee per licensed slot a month; "
                "share: collections_share_pct % of the member's collections."
            },
            "staff_cost": {"help_text": f"The Hub's staff cost in the plan's first year: {CURRENCY}."},
            "overhead_cost": {"help_text": f"The Hub's overhead in the plan's first year: {CURRENCY}."},
            "flat_fee": {"help_text": f"Per member, a month (fee_structure flat): {CURRENCY}."},
            "slot_fee": {"help_text": f"Per licensed slot, a month (fee_structure per_slot): {CURRENCY}."},
            "new_member_collections": {"help_text": f"What an average new member collects a year: {CURRENCY}."},
            "updated_at": {"help_text": "When the plan last changed."},
            "id": {"help_text": "The plan's id."},
        }


class PlanViewSet(NotForProviders, AllianceModelViewSet):
    """The alliance's sustainability plan (one per alliance)."""

    model = Plan
    serializer_class = PlanSerializer
    allowed_roles = HUB_ONLY
    write_roles = HUB_ONLY

    def base_queryset(self) -> models.QuerySet:
        return Plan.objects.order_by("pk")  # one per alliance, but a page needs an order to be stable

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        if plan_of_alliance() is not None:
            raise DRFValidationError({"non_field_errors": ["The alliance has a plan already; change it with PATCH."]})
        serializer.instance = plan_save(actor=self.request.user, data=dict(serializer.validated_data))

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = plan_save(actor=self.request.user, data=dict(serializer.validated_data))

    def perform_destroy(self, instance: Plan) -> None:
        from alliance.audit import audit_event_record, snapshot

        audit_event_record(
            actor=self.request.user, action="sustainability.plan_deleted", target=instance, before=snapshot(instance)
        )
        instance.delete()


FUNDING_HELP = {
    "id": {"help_text": "The row's id."},
    "plan": {"help_text": "The plan's id (the alliance's one plan)."},
    "name": {"help_text": "What the row is called."},
    "amount": {"help_text": f"The whole amount, spread evenly over the months from starts_on to ends_on: {CURRENCY}."},
}


class GrantSerializer(HubModelSerializer):
    starts_on = DateField(help_text="The grant's first day; its month is the first it pays.")
    ends_on = DateField(help_text="The grant's last day; its month is the last it pays.")

    class Meta:
        model = Grant
        fields = ["id", "plan", *GRANT_FIELDS]
        read_only_fields = ["id", "plan"]
        extra_kwargs = {
            **FUNDING_HELP,
            "funder": {"help_text": "Who gives the grant."},
            "restriction": {"help_text": "What the grant may pay for."},
        }


class ContractSerializer(HubModelSerializer):
    starts_on = DateField(help_text="The contract's first day; its month is the first it pays.")
    ends_on = DateField(help_text="The contract's last day; its month is the last it pays.")

    class Meta:
        model = Contract
        fields = ["id", "plan", *CONTRACT_FIELDS]
        read_only_fields = ["id", "plan"]
        extra_kwargs = {**FUNDING_HELP, "counterparty": {"help_text": "Who pays the Hub under the contract."}}


class FundingViewSet(NotForProviders, AllianceModelViewSet):
    allowed_roles = HUB_ONLY
    write_roles = HUB_ONLY

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        plan = plan_of_alliance()
        if plan is None:
            raise DRFValidationError({"non_field_errors": ["Create the sustainability plan first."]})
        serializer.instance = funding_create(
            actor=self.request.user,
            plan=plan,
            model=self.model,  # type: ignore[arg-type]
            data=dict(serializer.validated_data),
        )

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = funding_update(
            actor=self.request.user, row=self.stored(serializer), data=dict(serializer.validated_data)
        )

    def perform_destroy(self, instance: Any) -> None:
        funding_delete(actor=self.request.user, row=instance)


class GrantViewSet(FundingViewSet):
    """The plan's grants: amount, dates and restrictions."""

    model = Grant
    serializer_class = GrantSerializer


class ContractViewSet(FundingViewSet):
    """The plan's contracts: amount and dates."""

    model = Contract
    serializer_class = ContractSerializer


# --- The projection --------------------------------------------------------------------------
def _money(help_text: str, **kwargs: Any) -> MoneyField:
    return MoneyField(help_text=f"{help_text}: {CURRENCY}.", **kwargs)


class LineSerializer(HubSerializer):
    label = serializers.CharField(help_text="The month (YYYY-MM) or the year.")  # type: ignore[assignment]
    members = serializers.IntegerField(help_text="Members paying fees in the period.")
    staff = _money("The Hub's staff cost")
    overhead = _money("The Hub's overhead")
    cost = _money("staff + overhead")
    fees = _money("Member fees under the plan's fee structure")
    contracts = _money("Contract income")
    grants = _money("Grant income")
    surplus = _money("fees + contracts + grants − cost (negative: a deficit)")


class YearSerializer(LineSerializer):
    year = serializers.IntegerField(help_text="The calendar year.")
    fees_cover_cost = serializers.BooleanField(help_text="Member fees alone are at least the year's cost.")
    months = LineSerializer(many=True, help_text="The year's twelve months; they add up to the year.")


class MemberFeeSerializer(HubSerializer):
    name = serializers.CharField(help_text="The member, or a planned new member.")
    licensed_slots = serializers.IntegerField(help_text="Licensed slots.")
    annual_collections = _money("What the member collected in the measured year")
    joins_in = serializers.IntegerField(allow_null=True, help_text="A planned new member: the year it joins.")
    flat = _money("What the member pays a year under the flat fee")
    per_slot = _money("What the member pays a year under the per-slot fee")
    share = _money("What the member pays a year under the share of collections")


class StructureSerializer(HubSerializer):
    structure = serializers.CharField(help_text="flat, per_slot or share.")
    rate = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="Money a month (flat, per_slot) or a percent (share)."
    )
    coverage_year = serializers.IntegerField(allow_null=True, help_text="The first year fees alone cover cost.")
    first_year_fees = _money("Member fees in the plan's first year")


class PlanProjectionSerializer(HubSerializer):
    plan = serializers.IntegerField(help_text="The plan's id.")
    fee_structure = serializers.CharField(help_text="The plan's fee structure: flat, per_slot or share.")
    coverage_year = serializers.IntegerField(
        allow_null=True,
        help_text="The first plan year whose member fees alone cover its cost; null: not within the plan.",
    )
    years = YearSerializer(many=True)
    total = LineSerializer()
    structures = StructureSerializer(many=True, help_text="The same plan under each fee structure.")
    member_fees = MemberFeeSerializer(many=True, help_text="What each member pays a year under each structure.")


def _line(line: Any) -> dict[str, Any]:
    return {
        "label": line.label,
        "members": line.members,
        **{k: getattr(line, k) for k in ("staff", "overhead", "cost", "fees", "contracts", "grants", "surplus")},
    }


def projection_data(plan: Plan) -> dict[str, Any]:
    compared = plan_comparison(plan)
    chosen: Projection = next(c.projection for c in compared if c.fee.structure == plan.fee_structure)
    return {
        "plan": plan.pk,
        "fee_structure": plan.fee_structure,
        "coverage_year": chosen.coverage_year,
        "years": [
            {**_line(y), "year": y.year, "fees_cover_cost": y.fees_cover_cost, "months": [_line(m) for m in y.months]}
            for y in chosen.years
        ],
        "total": _line(chosen.total),
        "structures": [
            {
                "structure": c.fee.structure,
                "rate": c.fee.rate,
                "coverage_year": c.projection.coverage_year,
                "first_year_fees": c.projection.years[0].fees,
            }
            for c in compared
        ],
        "member_fees": [
            {
                "name": fee.name,
                "licensed_slots": fee.licensed_slots,
                "annual_collections": fee.annual_collections,
                "joins_in": fee.joins_in,
                **{c.fee.structure: c.projection.member_fees[i].annual_fee for c in compared},
            }
            for i, fee in enumerate(chosen.member_fees)
        ],
    }


class ProjectionViewSet(NotForProviders, viewsets.ViewSet):
    """The plan's projection (Hub roles): 404 until the alliance has a plan."""

    allowed_roles = HUB_ONLY
    write_roles = HUB_ONLY

    @extend_schema(responses=PlanProjectionSerializer)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = plan_of_alliance()
        if plan is None:
            raise NotFound("The Hub has no sustainability plan yet.")
        return Response(PlanProjectionSerializer(projection_data(plan)).data)


class FunderYearSerializer(HubSerializer):
    year = serializers.IntegerField(help_text="The calendar year.")
    members = serializers.IntegerField(help_text="Members paying fees in the year.")
    cost = _money("The Hub's cost")
    fees = _money("All members' fees together; null when withheld", allow_null=True)
    contracts = _money("Contract income")
    grants = _money("Grant income")
    surplus = _money("Income − cost; null when withheld", allow_null=True)


@extend_schema_serializer(many=False)  # one object, though served by the viewset's list action
class FunderViewSerializer(HubSerializer):
    start_year = serializers.IntegerField(allow_null=True, help_text="The plan's first year; null: no plan yet.")
    end_year = serializers.IntegerField(allow_null=True, help_text="The plan's last year; null: no plan yet.")
    coverage_year = serializers.IntegerField(
        allow_null=True,
        help_text="The first year member fees alone cover the Hub's cost; null when not within the plan or withheld.",
    )
    years = FunderYearSerializer(many=True)
    suppressed_reason = serializers.CharField(
        source="withheld",
        allow_null=True,
        help_text="Why member fees, surplus and the coverage year are null: too few members to show them "
        "(alliance/disclosure.py); null when they are shown.",
    )


class FunderViewViewSet(NotForProviders, viewsets.ViewSet):
    """The plan's aggregate view for funders (and the Hub): totals a year, no member's fee."""

    allowed_roles = HUB_AND_FUNDER
    write_roles = frozenset()

    @extend_schema(responses=FunderViewSerializer)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = plan_of_alliance()
        if plan is None:  # no plan yet: an empty view, as the funder's page says
            empty: dict[str, Any] = {
                "start_year": None,
                "end_year": None,
                "coverage_year": None,
                "years": [],
                "withheld": None,
            }
            return Response(FunderViewSerializer(empty).data)
        return Response(FunderViewSerializer(plan_funder_view(plan)).data)
