"""Write-offs through the API, as on the write-off page (billing/views_payments.py WriteOffView): Hub staff only,
a reason, an effective date (the alliance's today when left out; never in the future, never before the charge),
the invoices it settles (else the oldest open charges first). GET lists the write-off ledger entries. Errors are
400 with field errors (alliance/errors.py)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from alliance.api_base import AllianceViewSetMixin
from alliance.api_fields import (
    CharField,
    DateField,
    DecimalField,
    HubModelSerializer,
    HubSerializer,
    VisibleRelatedField,
)
from alliance.dates import PAYMENT_DATE, alliance_today
from alliance.views_base import HUB_ONLY
from billing import payments
from billing.models import EntryKind, FamilyAccount, Invoice, LedgerEntry


class WriteOffSerializer(HubModelSerializer):
    """One write-off entry: what it wrote off, of which invoice, effective when."""

    effective_on = DateField(source="posted_on", read_only=True, help_text="The write-off's effective date.")
    amount = serializers.SerializerMethodField(help_text="The amount written off, a positive decimal string.")

    class Meta:
        model = LedgerEntry
        fields = ["id", "account", "program", "invoice", "amount", "effective_on", "description", "created_at"]
        read_only_fields = fields

    def get_amount(self, entry: LedgerEntry) -> str:
        return str(-entry.amount)


class WriteOffRequestSerializer(HubSerializer):
    account = VisibleRelatedField(FamilyAccount, help_text="The family account written off.")
    invoices = serializers.ListField(
        child=VisibleRelatedField(Invoice),
        required=False,
        default=list,
        help_text="Ids of the account's open invoices it settles; left out: the oldest open charges first.",
    )
    amount = DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text="Dollars; left out: all of the named invoices' open amounts (none named: the whole balance).",
    )
    effective_on = DateField(
        kind=PAYMENT_DATE,
        required=False,
        allow_null=True,
        help_text="The day it takes effect (YYYY-MM-DD); the alliance's today when left out. Not in the future, "
        "not before the charge it writes off.",
    )
    reason = CharField(max_length=500, help_text="Why the balance cannot be collected (at least 10 characters).")


class WriteOffViewSet(AllianceViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Write-offs (bad debt). POST writes one off (Hub staff only): 201 with the entries it posted, one per
    invoice it settles."""

    model = LedgerEntry
    serializer_class = WriteOffSerializer
    allowed_roles = HUB_ONLY
    filterset_fields = ["account", "program", "invoice"]

    @property
    def pagination_class(self) -> Any:  # type: ignore[override]
        """The list is paged; a POST answers the entries it wrote as a plain list (and its schema says so)."""
        return None if getattr(self, "action", None) == "create" else api_settings.DEFAULT_PAGINATION_CLASS

    def base_queryset(self):  # type: ignore[no-untyped-def]
        return LedgerEntry.objects.filter(kind=EntryKind.WRITE_OFF).order_by("-posted_on", "-id")

    @extend_schema(request=WriteOffRequestSerializer, responses={201: WriteOffSerializer(many=True)})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = WriteOffRequestSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        entries = payments.write_off_record(
            actor=request.user,
            account=data["account"],
            reason=data["reason"],
            amount=data.get("amount"),
            effective_on=data.get("effective_on") or alliance_today(self.alliance),
            invoices=list(data.get("invoices") or []),
        )
        return Response(WriteOffSerializer(entries, many=True).data, status=status.HTTP_201_CREATED)
