"""A profit and loss report's monthly costs through the API, as members/views_profit_loss.py has them.

`POST programs/{id}/profit-loss/` (multipart) takes a QuickBooks Online profit and loss report by
month (CSV or XLSX) for one program, with the expense accounts' cost categories still to save
(`accounts`, a JSON object; saved choices of earlier reports are kept and reused). By default a dry
run: the report is read, mapped and previewed with the same services as the pages
(members/imports_profit_loss.py and the import framework of members/imports.py) inside a savepoint
that is rolled back, so nothing is kept, not even the upload or the account choices. With
`commit=true` it imports every month or none. A report with any line in error answers 400 with every
line's errors (`{"file": [{"line", "column", "message"}, ...]}`, the one shape of field errors) and
writes nothing; a good report answers 200 (dry run) or 201.

Hub roles and the program's own provider (OPERATIONS_EDITORS, as the pages); another program's
provider and other alliances get 404. The body is under the one upload limit (alliance/uploads.py).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from alliance.api_base import AllianceViewSetMixin
from alliance.api_fields import BooleanField, CharField, HubSerializer, IntegerField
from alliance.uploads import too_large_message, upload_limit
from members.imports import ImportPreview, ImportRejected, import_batch_commit, import_preview
from members.imports_profit_loss import (
    batch_months,
    cost_accounts_map,
    profit_loss_batch_create,
    profit_loss_summary,
    unmapped_accounts,
)
from members.models import ZERO, AccountCategory, ImportBatch, MemberProgram
from members.pages import OPERATIONS_EDITORS


class ProfitLossUploadSerializer(HubSerializer):
    file = serializers.FileField(
        help_text="The report as QuickBooks Online exports it (Reports › Profit and Loss, columns by Months): "
        ".csv or .xlsx."
    )
    accounts = CharField(
        required=False,
        allow_blank=True,
        help_text="A JSON object: each expense account's full name (as in the report, parents joined with “:”) "
        f"to a cost category, one of {', '.join(AccountCategory.values)}. Saved for this program's next reports; "
        "accounts chosen before keep their category unless given again.",
    )
    commit = serializers.ChoiceField(
        choices=["false", "true"],
        required=False,
        default="false",
        help_text="false (default): a dry run that keeps nothing. true: import every month or none.",
    )

    def validate_file(self, upload: Any) -> Any:
        if upload.size > upload_limit():
            raise DRFValidationError(too_large_message())
        if not upload.name.lower().endswith((".csv", ".txt", ".xlsx")):
            raise DRFValidationError("Upload a .csv or .xlsx file.")
        return upload

    def validate_accounts(self, text: str) -> dict[str, str]:
        if not text.strip():
            return {}
        try:
            value = json.loads(text)
        except ValueError:
            raise DRFValidationError("Give a JSON object of account name to category.") from None
        if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            raise DRFValidationError("Give a JSON object of account name to category (both strings).")
        wrong = sorted(k for k, v in value.items() if v not in AccountCategory.values)
        if wrong:
            raise DRFValidationError(
                f"Not a category for {', '.join(wrong)}: choose one of {', '.join(AccountCategory.values)}."
            )
        return value


class LineErrorSerializer(HubSerializer):
    line = IntegerField(help_text="The line of the file.")
    column = CharField(help_text="The month (“Jan 2026”) or empty for the line as a whole.")
    message = CharField()


# Inline, as a serializer class cannot declare a field named `errors` (Serializer.errors is the validation result).
LINE_FIELDS: dict[str, serializers.Field[Any, Any, Any, Any]] = {
    "line": IntegerField(),
    "account": CharField(),
    "section": CharField(help_text="income or expense."),
    "category": CharField(allow_null=True, help_text="The account's cost category, ignore, or null if none yet."),
    "note": CharField(),
    "errors": LineErrorSerializer(many=True),
}


@extend_schema_serializer(component_name="ProfitLossMonth")  # planning's projection has a "Month" too
class MonthSerializer(HubSerializer):
    month = CharField(help_text="YYYY-MM.")
    total = CharField(help_text="The report's costs of the month, in dollars (a decimal string).")
    categories = serializers.DictField(
        child=CharField(), help_text="Per Hub cost category, the report's sum of its accounts (decimal strings)."
    )
    held = serializers.DictField(
        child=CharField(allow_null=True), help_text="What the Hub holds for the category and month before the import."
    )


ProfitLossResultSerializer = inline_serializer(
    name="ProfitLossImportResult",
    fields={
        "committed": BooleanField(help_text="true when the costs were imported; false for a dry run or a refusal."),
        "filename": CharField(),
        "months": serializers.ListField(child=CharField(), help_text="The report's months, YYYY-MM."),
        "unmapped_accounts": serializers.ListField(child=CharField(), help_text="Expense accounts with no category."),
        "lines": inline_serializer(name="ProfitLossLine", fields=LINE_FIELDS, many=True),
        "month_totals": MonthSerializer(many=True),
        "errors": LineErrorSerializer(many=True, help_text="Empty: a report with errors is refused (400)."),
        "report": serializers.DictField(required=False, help_text="On 201: created / updated / unchanged."),
    },
)


class _DryRun(Exception):
    """Raised to roll back a dry run's savepoint once its answer is built."""

    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__("dry run")
        self.body = body


def _result(batch: ImportBatch, preview: ImportPreview | None, *, committed: bool) -> dict[str, Any]:
    months = batch_months(batch)
    lines, errors, totals = [], [], []
    if preview is not None:
        summary = profit_loss_summary(batch.program, preview.rows, months)
        for row in preview.rows:
            row_errors = [{"line": row.line, "column": c, "message": m} for c, m in row.errors]
            errors.extend(row_errors)
            lines.append(
                {
                    "line": row.line,
                    "account": row.values["account"],
                    "section": row.values["section"],
                    "category": row.cleaned.get("category"),
                    "note": row.note,
                    "errors": row_errors,
                }
            )
        for month in summary.months:
            totals.append(
                {
                    "month": f"{month.month:%Y-%m}",
                    "total": str(sum((c.amount for c in month.cells.values()), ZERO)),
                    "categories": {c: str(cell.amount) for c, cell in month.cells.items()},
                    "held": {c: (None if cell.held is None else str(cell.held)) for c, cell in month.cells.items()},
                }
            )
    body: dict[str, Any] = {
        "committed": committed,
        "filename": batch.filename,
        "months": [f"{m:%Y-%m}" for m in months],
        "unmapped_accounts": unmapped_accounts(batch),
        "lines": lines,
        "month_totals": totals,
        "errors": errors,
    }
    if committed:
        batch.refresh_from_db()
        body["report"] = {k: v for k, v in batch.report.items() if k in ("created", "updated", "unchanged", "lines")}
    return body


class ProfitLossImportViewSet(AllianceViewSetMixin, viewsets.GenericViewSet):
    """Monthly costs from a program's profit and loss report: dry run, or import all or nothing."""

    model = MemberProgram
    allowed_roles = OPERATIONS_EDITORS
    write_roles = OPERATIONS_EDITORS
    serializer_class = ProfitLossUploadSerializer

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not getattr(self, "swagger_fake_view", False):
            self.program = self.get_object()  # another program's provider: 404, whatever the method

    @extend_schema(
        request={"multipart/form-data": ProfitLossUploadSerializer},
        responses={200: ProfitLossResultSerializer, 201: ProfitLossResultSerializer},
    )
    @action(detail=True, methods=["post"], url_path="profit-loss", url_name="upload", parser_classes=[MultiPartParser])
    def profit_loss(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Upload a profit and loss report by month for this program: a dry run (each line's category, each
        month's totals beside what the Hub holds) or, with commit=true, the import of every month or none. A
        report with errors is 400 with every line's errors under `file` (line, column, message); nothing is
        kept."""
        program = self.program
        serializer = ProfitLossUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        upload = data["file"]
        try:
            with transaction.atomic():
                body, status = self._run(
                    program, upload.name, upload.read(), data.get("accounts") or {}, data["commit"] == "true"
                )
                if status != 201:  # a dry run, or a refused file: nothing is kept
                    raise _DryRun(body)
        except _DryRun as done:
            if done.body["errors"]:  # the one shape of a 400: errors by field, here every line's, under `file`
                return Response({"file": done.body["errors"]}, status=400)
            return Response(done.body, status=200)
        except DjangoValidationError as exc:
            detail = exc.message_dict if hasattr(exc, "error_dict") else {"file": exc.messages}
            raise DRFValidationError(detail) from None
        return Response(body, status=201)

    def _run(
        self, program: MemberProgram, filename: str, raw: bytes, accounts: dict[str, str], commit: bool
    ) -> tuple[dict[str, Any], int]:
        actor = self.request.user
        batch = profit_loss_batch_create(actor=actor, program=program, filename=filename, raw=raw)
        if accounts:
            try:
                cost_accounts_map(actor=actor, batch=batch, choices=accounts)
            except DjangoValidationError as exc:
                problems = [f"{k}: {'; '.join(v)}" for k, v in exc.message_dict.items()]
                raise DRFValidationError({"accounts": problems}) from None
        if not commit:
            preview = import_preview(batch)
            return _result(batch, preview, committed=False), 200
        try:
            import_batch_commit(actor=actor, batch=batch)
        except ImportRejected as rejected:
            return _result(batch, rejected.preview, committed=False), 400
        # The lines as they were checked; each month's "held" is now what was imported.
        return _result(batch, import_preview(batch), committed=True), 201
