"""Billing API, scoped like the pages: providers see their own program's
accounts and money, funders are refused. Writes go through the services; their
ValidationErrors come back as 400 with field errors. Nothing is deleted."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from alliance.api_base import AllianceReadOnlyViewSet, AllianceViewSetMixin
from alliance.api_fields import (
    BooleanField,
    CharField,
    ChoiceField,
    DateField,
    DecimalField,
    HubModelSerializer,
    HubSerializer,
    VisibleRelatedField,
)
from alliance.api_params import date_param
from alliance.api_rows import RowsListMixin
from alliance.dates import PAYMENT_DATE, alliance_today
from alliance.filters import TenantFilterSet
from alliance.schema import ReportSchema
from alliance.views_base import HUB_AND_PROVIDER, HUB_ONLY
from billing import invoicing, ledger, payments, preview, services
from billing.aging import aging_totals, shared_aging_for_accounts
from billing.api_runs import RunRefusedSerializer
from billing.models import FamilyAccount, Invoice, InvoiceRun, LedgerEntry, Payment, RatePeriod, RatePlan, Refund
from billing.selectors import accounts_with_balances
from billing.worklist import INVOICE_SORTS, invoices_matching, invoices_ordered
from members.models import MemberProgram


class RatePlanSerializer(HubModelSerializer):
    # Plain strings: one enum named twice makes an ambiguous API schema.
    sibling_discount_kind = CharField(
        required=False, allow_blank=True, default="", help_text="'', 'percent' or 'amount'."
    )
    staff_discount_kind = CharField(
        required=False, allow_blank=True, default="", help_text="'', 'percent' or 'amount'."
    )

    class Meta:
        model = RatePlan
        fields = [
            "id",
            "program",
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
            "effective_to",
        ]
        read_only_fields = ["effective_to"]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["program"] = VisibleRelatedField(MemberProgram)
        return fields


class RatePlanViewSet(mixins.CreateModelMixin, AllianceReadOnlyViewSet):
    """Rate plans. A new plan with the same criteria ends the one in force the day before."""

    model = RatePlan
    serializer_class = RatePlanSerializer
    allowed_roles = HUB_AND_PROVIDER
    write_roles = HUB_ONLY
    filterset_fields = ["program", "age_group", "period"]

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        program = data.pop("program")
        serializer.instance = services.rate_plan_create(actor=self.request.user, program=program, **data)


class AccountSerializer(HubModelSerializer):
    family_name = CharField(source="family.name", read_only=True)
    program_name = CharField(source="program.name", read_only=True)
    balance = DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = FamilyAccount
        fields = ["id", "family", "family_name", "program", "program_name", "staff_discount", "balance"]

    # The list reads rows (alliance/api_rows.py); `balance` is the list query's annotation.
    finish_fields = ("balance",)
    finish_columns = ("balance",)

    @staticmethod
    def finish_rows(rows: list[dict[str, Any]], answer: list[dict[str, Any]], context: dict[str, Any]) -> None:
        """The balance as the field writes it; no `family_name` for a member-fee account (no family), as
        the serializer leaves out a field whose source `family.name` cannot be read."""
        balance = _ACCOUNT_BALANCE.to_representation
        for row, out in zip(rows, answer, strict=True):
            out["balance"] = balance(row["balance"])
            if row["family"] is None:
                del out["family_name"]


_ACCOUNT_BALANCE = AccountSerializer._declared_fields["balance"]


class StaffDiscountSerializer(HubSerializer):
    staff_discount = BooleanField(help_text="true: a guardian works for the program and the staff discount applies.")


class LedgerEntrySerializer(HubModelSerializer):
    kind = CharField(
        read_only=True,
        help_text="charge, payment, credit, subsidy_payment, late_fee, write_off, reversal or opening_balance.",
    )

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "account",
            "program",
            "kind",
            "category",
            "amount",
            "posted_on",
            "description",
            "child",
            "invoice",
            "reverses",
            "created_at",
        ]


class OpeningBalanceSerializer(HubSerializer):
    amount = DecimalField(
        max_digits=12,
        decimal_places=2,
        help_text="What the family owed in the old system at the cut-over date; negative: a credit it holds.",
    )
    as_of = DateField(help_text="The cut-over date (the alliance's business date, not in the future).")
    reason = CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Only to correct an opening balance already recorded: it is reversed and this one recorded.",
    )


class AccountViewSet(RowsListMixin, AllianceReadOnlyViewSet):
    """Family accounts with their balance (the sum of their ledger entries)."""

    model = FamilyAccount
    serializer_class = AccountSerializer
    allowed_roles = HUB_AND_PROVIDER
    filterset_fields = ["program", "family"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return accounts_with_balances(super().get_queryset()).order_by("pk")

    @extend_schema(request=StaffDiscountSerializer, responses=AccountSerializer)
    @action(detail=True, methods=["post"], url_path="staff-discount")
    def staff_discount(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Set or clear the account's staff discount (Hub staff only); the next invoice run applies it."""
        account = self.get_object()
        serializer = StaffDiscountSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.account_set_staff_discount(
            actor=request.user, account=account, staff=serializer.validated_data["staff_discount"]
        )
        return Response(AccountSerializer(self.get_queryset().get(pk=account.pk)).data)

    @extend_schema(request=OpeningBalanceSerializer, responses={201: LedgerEntrySerializer})
    @action(detail=True, methods=["post"], url_path="opening-balance")
    def opening_balance(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Record the account's opening balance at the Hub's cut-over date (Hub staff only): one ledger
        entry of kind opening_balance. An account has at most one; a second is refused (400) unless
        `reason` is given, when the first is reversed and this one recorded."""
        account = self.get_object()
        serializer = OpeningBalanceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = ledger.account_opening_balance_record(actor=request.user, account=account, **serializer.validated_data)
        return Response(LedgerEntrySerializer(entry).data, status=201)


class LedgerEntryFilter(TenantFilterSet):
    since = django_filters.DateFilter(field_name="posted_on", lookup_expr="gte")
    until = django_filters.DateFilter(field_name="posted_on", lookup_expr="lte")

    class Meta:
        model = LedgerEntry
        fields = ["account", "program", "kind", "invoice", "since", "until"]


class LedgerEntryViewSet(AllianceReadOnlyViewSet):
    model = LedgerEntry
    serializer_class = LedgerEntrySerializer
    allowed_roles = HUB_AND_PROVIDER
    filterset_class = LedgerEntryFilter

    def base_queryset(self):  # type: ignore[no-untyped-def]
        return LedgerEntry.objects.order_by("posted_on", "id")


class InvoiceSerializer(HubModelSerializer):
    status = CharField(read_only=True, help_text="issued or void.")

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "account",
            "program",
            "run",
            "period_start",
            "period_end",
            "issued_on",
            "due_on",
            "total",
            "status",
            "void_reason",
        ]


class InvoiceFilter(TenantFilterSet):
    """The invoice list page's search and sort, for the API (billing/worklist.py does both)."""

    search = django_filters.CharFilter(
        method="filter_search", label="An invoice number (exactly) or part of the family's name."
    )
    sort = django_filters.ChoiceFilter(
        method="filter_sort",
        choices=[(s, s) for key in INVOICE_SORTS for s in (key, f"-{key}")],
        label="Order by this column; a leading - for descending. Default: -period (newest first).",
    )

    class Meta:
        model = Invoice
        fields = ["account", "program", "period_start", "status"]

    def filter_search(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return invoices_matching(queryset, value)

    def filter_sort(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return invoices_ordered(queryset, value)


class InvoiceViewSet(RowsListMixin, AllianceReadOnlyViewSet):
    model = Invoice
    serializer_class = InvoiceSerializer
    allowed_roles = HUB_AND_PROVIDER
    filterset_class = InvoiceFilter

    def base_queryset(self):  # type: ignore[no-untyped-def]
        return Invoice.objects.order_by("-period_start", "-number")


class RunWarningsField(serializers.ListField):
    """The run's warnings as text (each names the child, program and room)."""

    def to_representation(self, data: Any) -> list[str]:
        return [invoicing.warning_text(w) for w in data]


class InvoiceRunSerializer(HubModelSerializer):
    period = ChoiceField(choices=RatePeriod.choices, default=RatePeriod.MONTHLY)
    warnings = RunWarningsField(child=CharField(), read_only=True)
    status = CharField(read_only=True, help_text="queued, running, stalled, done or failed.")
    preview_fingerprint = CharField(
        write_only=True,
        required=False,
        allow_blank=False,
        max_length=64,
        help_text="The `fingerprint` of GET invoice-runs/preview/: the month is issued only if its invoices are "
        "still the ones previewed (409 `stale` otherwise; 409 `run_going` if a run of the month is going).",
    )

    class Meta:
        model = InvoiceRun
        fields = [
            "id",
            "period",
            "period_start",
            "period_end",
            "status",
            "programs_total",
            "programs_done",
            "invoices_created",
            "amount_invoiced",
            "warnings",
            "error",
            "created_at",
            "finished_at",
            "preview_fingerprint",
        ]
        read_only_fields = [f for f in fields if f not in ("period", "period_start", "preview_fingerprint")]


class InvoiceRunViewSet(mixins.CreateModelMixin, AllianceViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Invoice runs: POST a period to start one (queued as a Celery task); GET to follow its progress."""

    model = InvoiceRun
    serializer_class = InvoiceRunSerializer
    allowed_roles = HUB_ONLY

    @extend_schema(responses={201: InvoiceRunSerializer, 409: RunRefusedSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Start a run. With `preview_fingerprint`, issue the previewed month only if it still holds."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        fingerprint = data.get("preview_fingerprint")
        if not fingerprint:
            run = invoicing.invoice_run_create(
                actor=request.user, period=data["period"], period_start=data["period_start"]
            )
        elif data["period"] != RatePeriod.MONTHLY:
            raise serializers.ValidationError({"period": ["A preview is of a month: period is monthly."]})
        else:
            try:
                run, _ = preview.invoice_run_issue_previewed(
                    actor=request.user, period_start=data["period_start"], fingerprint=fingerprint
                )
            except preview.PreviewStale as stale:
                return refused(" ".join(stale.messages), "stale")
            except preview.RunAlreadyGoing as going:
                return refused(going.messages[0], "run_going", going.run)
        return Response(self.get_serializer(run).data, status=201)

    @extend_schema(request=None, responses={200: InvoiceRunSerializer, 409: RunRefusedSerializer})
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Resume a stalled or failed run: its programs not yet invoiced are queued again (the page's Resume)."""
        run = self.get_object()
        try:
            run = invoicing.invoice_run_resume(run=run, actor=request.user)
        except ValidationError as exc:
            return refused(" ".join(exc.messages), "not_stalled", run)
        return Response(self.get_serializer(run).data)


def refused(detail: str, code: str, run: InvoiceRun | None = None) -> Response:
    """409: the request was understood and nothing was started, for the reason given."""
    return Response({"detail": detail, "code": code, "run": run.pk if run else None}, status=409)


class PaymentSerializer(HubModelSerializer):
    status = CharField(read_only=True, help_text="recorded or reversed.")

    class Meta:
        model = Payment
        fields = [
            "id",
            "account",
            "program",
            "method",
            "amount",
            "received_on",
            "reference",
            "invoice",
            "deposit",
            "status",
            "note",
            "created_at",
        ]
        read_only_fields = ["program", "deposit", "status", "created_at"]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["account"] = VisibleRelatedField(FamilyAccount)
        fields["invoice"] = VisibleRelatedField(Invoice, required=False, allow_null=True)
        fields["received_on"] = DateField(
            kind=PAYMENT_DATE,
            required=False,
            help_text="The day the money came in; the alliance's today when left out.",
        )
        return fields


class PaymentViewSet(RowsListMixin, mixins.CreateModelMixin, AllianceReadOnlyViewSet):
    """Payments received. POST records one (hub staff or the account's provider); allocation follows the ledger."""

    model = Payment
    serializer_class = PaymentSerializer
    allowed_roles = HUB_AND_PROVIDER
    write_roles = HUB_AND_PROVIDER
    filterset_fields = ["account", "program", "method", "status"]

    def base_queryset(self):  # type: ignore[no-untyped-def]
        return Payment.objects.order_by("-received_on", "-id")

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = payments.payment_record(
            actor=self.request.user,
            account=data["account"],
            amount=data["amount"],
            method=data["method"],
            received_on=data.get("received_on") or alliance_today(self.alliance),
            reference=data.get("reference", ""),
            invoice=data.get("invoice"),
            note=data.get("note", ""),
        )


class RefundSerializer(HubModelSerializer):
    reference = CharField(required=False, allow_blank=True, default="", max_length=60)
    reason = CharField(required=False, allow_blank=True, default="", max_length=500, help_text="Why it is paid back.")

    class Meta:
        model = Refund
        fields = [
            "id",
            "payment",
            "account",
            "program",
            "amount",
            "refunded_on",
            "method",
            "reference",
            "reason",
            "entry",
            "created_at",
        ]
        read_only_fields = ["account", "program", "entry", "created_at"]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["payment"] = VisibleRelatedField(Payment)
        return fields


class RefundViewSet(mixins.CreateModelMixin, AllianceReadOnlyViewSet):
    """Money paid back out of a payment. POST records one (Hub staff only): at most what is left of the
    payment and what the account is in credit; the ledger gets a refund charge (its `entry`)."""

    model = Refund
    serializer_class = RefundSerializer
    allowed_roles = HUB_AND_PROVIDER
    write_roles = HUB_ONLY
    filterset_fields = ["payment", "account", "program"]

    def base_queryset(self):  # type: ignore[no-untyped-def]
        return Refund.objects.order_by("-refunded_on", "-id")

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = payments.refund_record(
            actor=self.request.user,
            payment=data["payment"],
            amount=data["amount"],
            refunded_on=data["refunded_on"],
            method=data["method"],
            reference=data.get("reference", ""),
            reason=data.get("reason", ""),
        )


class AgingSerializer(HubSerializer):
    as_of = DateField()
    alliance = serializers.DictField(child=CharField(), help_text="Bucket -> amount.")
    programs = serializers.DictField(child=serializers.DictField(child=CharField()))
    accounts = serializers.ListField(child=serializers.DictField())


class AgingViewSet(AllianceViewSetMixin, viewsets.GenericViewSet):
    """Aging of families' open balances per account, with program and alliance totals (the aging page's figures)."""

    model = FamilyAccount
    serializer_class = AgingSerializer
    allowed_roles = HUB_AND_PROVIDER
    pagination_class = None
    filter_backends: list[Any] = []
    schema = ReportSchema()

    def base_queryset(self) -> Any:
        # Families' accounts; the Hub's member-fee receivables are aged on the member-fees page.
        return FamilyAccount.objects.filter(family__isnull=False)

    @extend_schema(
        parameters=[OpenApiParameter("as_of", datetime.date, description="Aged on this day (default today).")]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        as_of = date_param(request, "as_of", alliance_today(self.alliance))
        rows = shared_aging_for_accounts(self.get_queryset(), as_of=as_of)

        def money(values: dict[str, Any]) -> dict[str, str]:
            return {k: str(v) for k, v in values.items()}

        totals = aging_totals(rows).get("all")
        return Response(
            {
                "as_of": as_of.isoformat(),
                "alliance": money(totals.buckets) if totals else {},
                "programs": {str(pk): money(t.buckets) for pk, t in aging_totals(rows, by="program_id").items()},
                "accounts": [
                    {
                        "account": r.account_id,
                        "program": r.program_id,
                        "buckets": money(r.buckets),
                        "unapplied_credit": str(r.unapplied_credit),
                        "balance": str(r.balance),
                        "days_past_due": r.days_past_due,
                    }
                    for r in rows
                ],
            }
        )
