"""The invoice run's preview in the API, the answers refusing a run (409), and their schemas.

`GET …/invoice-runs/preview/?month=YYYY-MM[&program=]` answers the preview of billing/preview.py: a
page of families (each account's lines and amount), totals per program and for the alliance, the
warnings with the ids of what to fix, and the fingerprint to issue with
(`POST …/invoice-runs/` with `preview_fingerprint`). Hub staff see the alliance; a provider their
own program (another program is 404)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from alliance.access import get_object_or_404_for
from alliance.api_base import AllianceViewSetMixin
from alliance.api_fields import CharField, ChoiceField, DateField, DecimalField, HubSerializer
from alliance.api_params import MONTH_SCHEMA, month_param
from alliance.dates import alliance_today, next_month_start
from alliance.schema import ReportSchema
from alliance.views_base import HUB_AND_PROVIDER
from billing.models import ChargeCategory, InvoiceRun
from billing.preview import InvoicePreview, WarningKind, invoice_run_preview
from members.models import MemberProgram


def _money(**kwargs: Any) -> DecimalField:
    return DecimalField(max_digits=14, decimal_places=2, **kwargs)


class PreviewLineSerializer(HubSerializer):
    category = ChoiceField(choices=[c for c in ChargeCategory.choices if c[0]], help_text="The line's kind of charge.")
    description = CharField(help_text="The line as the invoice will read it.")
    amount = _money(help_text="Positive: charged; negative: a discount or what a payer pays.")
    child = serializers.IntegerField(source="child_id", allow_null=True)
    enrollment = serializers.IntegerField(source="enrollment_id", allow_null=True)


class PreviewFamilySerializer(HubSerializer):
    program = serializers.IntegerField(source="program_id")
    family = serializers.IntegerField(source="family_id")
    family_name = CharField()
    account = serializers.IntegerField(
        source="account_id", allow_null=True, help_text="null: the run opens the family's account."
    )
    total = _money(help_text="The invoice's total.")
    lines = PreviewLineSerializer(many=True)


class PreviewProgramSerializer(HubSerializer):
    program = serializers.IntegerField(source="program_id")
    name = CharField()
    invoices = serializers.IntegerField(min_value=0)
    total = _money()
    already_invoiced = serializers.IntegerField(min_value=0, help_text="Accounts left out: invoiced for the month.")


class PreviewWarningSerializer(HubSerializer):
    kind = ChoiceField(choices=WarningKind.CHOICES)
    text = CharField()
    program = serializers.IntegerField(source="program_id")
    enrollment = serializers.IntegerField(source="enrollment_id", allow_null=True, help_text="The enrollment to fix.")
    classroom = serializers.IntegerField(source="classroom_id", allow_null=True, help_text="The room to fix.")
    account = serializers.IntegerField(source="account_id", allow_null=True, help_text="The account to check.")
    family = serializers.IntegerField(source="family_id", allow_null=True, help_text="The family to check.")


class InvoicePreviewSerializer(HubSerializer):
    month = CharField(help_text="YYYY-MM.")
    period_start = DateField()
    period_end = DateField()
    fingerprint = CharField(help_text="Give it as `preview_fingerprint` to issue exactly this preview.")
    invoices = serializers.IntegerField(
        min_value=0, help_text="Invoices the run would issue: the alliance's for Hub staff, a provider's program's."
    )
    total = _money(help_text="Their total.")
    programs = PreviewProgramSerializer(many=True, help_text="Per program (the one asked for with `program`).")
    warnings = PreviewWarningSerializer(many=True, help_text="What to fix, in the programs listed.")
    count = serializers.IntegerField(min_value=0, help_text="Families with an invoice, on every page together.")
    next = serializers.URLField(allow_null=True, help_text="The next page's URL; null on the last page.")
    previous = serializers.URLField(allow_null=True, help_text="The previous page's URL; null on the first page.")
    results = PreviewFamilySerializer(many=True, help_text="This page's families.")


class RunRefusedSerializer(HubSerializer):
    detail = CharField(help_text="Why nothing was started.")
    code = ChoiceField(
        choices=[("stale", "stale"), ("run_going", "run_going"), ("not_stalled", "not_stalled")],
        help_text="stale: the data changed since the preview; run_going: a run of the month is already going; "
        "not_stalled: only a stalled run can be resumed.",
    )
    run = serializers.IntegerField(allow_null=True, help_text="The run concerned, when there is one.")


class InvoiceRunPreviewViewSet(AllianceViewSetMixin, viewsets.GenericViewSet):
    """What issuing a month would invoice now, computed by the run itself; reads only."""

    model = InvoiceRun
    serializer_class = InvoicePreviewSerializer
    allowed_roles = HUB_AND_PROVIDER
    filter_backends: list[Any] = []
    schema = ReportSchema()

    @extend_schema(
        parameters=[
            OpenApiParameter("month", MONTH_SCHEMA, description="YYYY-MM; next month when left out."),
            OpenApiParameter("program", int, description="One program's families, warnings and totals."),
            OpenApiParameter("page", {"type": "integer", "minimum": 1}, description="A page of families (50 a page)."),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        month = month_param(request, "month") or next_month_start(alliance_today(self.alliance))
        raw_program = request.query_params.get("program")
        program = None
        if raw_program is not None:
            program = get_object_or_404_for(self.membership, MemberProgram.objects.all(), pk=raw_program)
        # Hub staff issue the whole alliance's month: theirs is the alliance's preview (its totals and
        # fingerprint), narrowed to one program's rows by `program`; a provider's is their program's.
        ids = None if self.membership.is_hub else [self.membership.program_id or 0]
        preview: InvoicePreview = invoice_run_preview(period_start=month, program_ids=ids)
        shown = [p for p in preview.programs if program is None or p.program_id == program.pk]
        families = [a for p in shown for a in p.accounts]
        page = self.paginate_queryset(families)  # type: ignore[arg-type]
        paginator: Any = self.paginator
        data = {
            "month": f"{preview.period_start:%Y-%m}",
            "period_start": preview.period_start,
            "period_end": preview.period_end,
            "fingerprint": preview.fingerprint,
            "invoices": preview.invoices,
            "total": preview.total,
            "programs": shown,
            "warnings": [w for p in shown for w in p.warnings],
            "count": len(families),
            "next": paginator.get_next_link() if page is not None else None,
            "previous": paginator.get_previous_link() if page is not None else None,
            "results": page if page is not None else families,
        }
        return Response(InvoicePreviewSerializer(data).data)
