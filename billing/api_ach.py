"""ACH returns through the API, as on the ACH page (billing/views_ach.py AchReturnsView): Hub staff only,
the bank's returns file (CSV: trace_number, return_code, amount, account_number) as a multipart upload
under the one upload limit (413 above it). Each row is matched by `ach_returns_import`, the page's own
service: a payment is reversed only when trace, amount and account match one entry. One refused row and
nothing changes: 400 with every row's outcome. Otherwise 201 with what was reversed."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from alliance.api_base import AllianceViewSetMixin
from alliance.api_fields import BooleanField, CharField, HubSerializer, IntegerField
from alliance.views_base import HUB_ONLY
from billing import ach
from billing.models import AchBatchEntry


class AchReturnsUploadSerializer(HubSerializer):
    file = serializers.FileField(
        help_text="The bank's returns, CSV (UTF-8) with columns trace_number, return_code (R01, R02, …), "
        "amount, account_number."
    )


class AchReturnRowSerializer(HubSerializer):
    line = IntegerField(source="number", help_text="The row's line in the file (the header is line 1).")
    trace_number = CharField(source="trace")
    return_code = CharField(source="code")
    amount = CharField(help_text="As the file gives it.")
    account_last4 = CharField(help_text="The last four digits of the account the row names; never the number.")
    reversed = BooleanField(help_text="True when this row reversed its payment (and flagged the bank account).")
    outcome = CharField(help_text="The reversal's reason, the row's refusal, or that it waited for a refused row.")


class AchReturnErrorSerializer(HubSerializer):
    line = IntegerField()
    message = CharField()


# Inline, as a serializer class cannot declare a field named `errors` (Serializer.errors is the validation result).
AchReturnsReportSerializer = inline_serializer(
    name="AchReturnsReport",
    fields={
        "reversed": IntegerField(help_text="Payments reversed by this file (0 when any row was refused)."),
        "rows": AchReturnRowSerializer(many=True),
        "errors": AchReturnErrorSerializer(many=True, help_text="Every refusal, by line; empty on 201."),
    },
)


def report_data(report: ach.ReturnsReport) -> dict[str, Any]:
    return {
        "reversed": report.reversed,
        "rows": AchReturnRowSerializer(report.rows, many=True).data,
        "errors": [{"line": line, "message": message} for line, message in report.errors],
    }


class AchReturnViewSet(AllianceViewSetMixin, viewsets.GenericViewSet):
    """The bank's ACH returns file. POST (multipart, field `file`) reverses every returned payment it names,
    or nothing when any row is refused (Hub staff only)."""

    model = AchBatchEntry
    allowed_roles = HUB_ONLY
    serializer_class = AchReturnsUploadSerializer
    parser_classes = [MultiPartParser]
    pagination_class = None

    def base_queryset(self):  # type: ignore[no-untyped-def]
        return AchBatchEntry.objects.none()

    @extend_schema(
        request={"multipart/form-data": AchReturnsUploadSerializer},
        responses={
            201: AchReturnsReportSerializer,
            400: OpenApiResponse(
                response={
                    "anyOf": [
                        {"$ref": "#/components/schemas/AchReturnsReport"},
                        {"$ref": "#/components/schemas/FieldErrors"},
                    ]
                },
                description="Nothing was reversed: every row's outcome and each refusal by line (AchReturnsReport), "
                "or the upload itself was refused, by field (no file, not UTF-8 text).",
            ),
            415: OpenApiResponse(
                response={"$ref": "#/components/schemas/ErrorDetail"},
                description="The body is not multipart/form-data.",
            ),
            413: OpenApiResponse(
                response={"$ref": "#/components/schemas/ErrorDetail"},
                description="The file is larger than the Hub's one upload limit; nothing was read.",
            ),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = AchReturnsUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        text = ach.ach_returns_text(serializer.validated_data["file"].read())
        report = ach.ach_returns_import(actor=request.user, text=text)
        answer = status.HTTP_400_BAD_REQUEST if report.errors else status.HTTP_201_CREATED
        return Response(report_data(report), status=answer)
