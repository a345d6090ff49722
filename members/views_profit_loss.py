"""Monthly costs from a profit and loss report: upload, map accounts once, preview, import.

The steps of members/imports_profit_loss.py as pages of one program, for hub staff and the
program's own provider (OPERATIONS_EDITORS).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.generic import FormView, TemplateView

from alliance.views_base import add_errors
from members.forms import ImportUploadForm
from members.import_sources import SOURCES
from members.imports import ImportRejected, import_batch_commit, import_batch_discard, import_preview
from members.imports_profit_loss import (
    EXPENSE,
    INCOME,
    cost_accounts_map,
    expense_accounts,
    guess_category,
    parse_amount,
    profit_loss_batch_create,
    profit_loss_summary,
    saved_mappings,
    unmapped_accounts,
)
from members.models import AccountCategory, ImportBatch, ImportKind, ImportStatus
from members.pages import OPERATIONS_EDITORS, ProgramFormPage, ProgramPage


class ProfitLossUploadForm(ImportUploadForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, kind=ImportKind.PROFIT_LOSS, **kwargs)
        self.fields["file"].label = "Profit and loss report (CSV or Excel)"
        self.fields["file"].help_text = (
            "In QuickBooks Online: Reports › Profit and Loss, choose the months, Display columns by “Months”, "
            "Run report, then Export to CSV or Excel (.xlsx). Upload the file as exported."
        )


class CostAccountsForm(forms.Form):
    """One category choice per expense account of the report."""

    def __init__(self, *args: Any, batch: ImportBatch, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        saved = saved_mappings(batch.program, batch.source)
        self.accounts: dict[str, str] = {}
        totals = _account_totals(batch)
        for index, account in enumerate(expense_accounts(batch)):
            name = f"account_{index}"
            self.accounts[name] = account
            guess = guess_category(account)
            if account in saved:
                note = "Saved choice."
            elif guess:
                note = "Suggested from the account's name; check it."
            else:
                note = "Choose where this account goes."
            self.fields[name] = forms.ChoiceField(
                label=account,
                choices=[("", "— choose —"), *AccountCategory.choices],
                initial=saved.get(account) or guess or "",
                help_text=f"{totals.get(account, '')} {note}".strip(),
                error_messages={"required": "Choose a category for this account (or “ignore”)."},
            )

    def choices(self) -> dict[str, str]:
        return {self.accounts[name]: value for name, value in self.cleaned_data.items() if name in self.accounts}


def _account_totals(batch: ImportBatch) -> dict[str, str]:
    """Each account's sum over the report's months, as a hint beside its choice."""
    from alliance.formatting import money
    from members.models import ZERO

    result = {}
    for row in batch.rows:
        total = ZERO
        for text in row["values"]["amounts"].values():
            try:
                total += parse_amount(text) or ZERO
            except ValueError:
                continue
        result[row["values"]["account"]] = f"{money(total)} over the report."
    return result


class ProfitLossUploadView(ProgramFormPage):
    """Step 1: upload the report. File-level problems are reported on the form."""

    allowed_roles = OPERATIONS_EDITORS
    form_class = ProfitLossUploadForm
    template_name = "members/form.html"
    submit_label = "Upload and read the report"
    title = "Import monthly costs from a profit and loss report"
    intro = (
        "Your accounting system's profit and loss report by month becomes the Hub's monthly costs. Each "
        "expense account is matched once to a cost category; you then see every month's figures beside "
        "what the Hub holds before anything is saved. Income lines are left out."
    )

    def perform(self, form: ProfitLossUploadForm) -> ImportBatch:
        upload = form.cleaned_data["file"]
        return profit_loss_batch_create(
            actor=self.request.user, program=self.program, filename=upload.name, raw=upload.read()
        )

    def success_message(self, obj: ImportBatch) -> str:
        months = len(obj.headers)
        return f"{obj.filename}: {len(obj.rows)} account lines over {months} month{'s' if months != 1 else ''} read."

    def success_url_for(self, obj: ImportBatch | None) -> str:
        if obj is None:
            return self.program_url("members:program_costs")
        if unmapped_accounts(obj):
            return self.program_url("members:profit_loss_accounts", obj.pk)
        return self.program_url("members:profit_loss_preview", obj.pk)

    def cancel_url(self) -> str:
        return self.program_url("members:program_costs")


class _BatchPage(ProgramPage):
    allowed_roles = OPERATIONS_EDITORS

    def get_batch(self) -> ImportBatch:
        if not hasattr(self, "batch"):
            self.batch = self.get_for_member(  # type: ignore[attr-defined]
                ImportBatch.objects.filter(program=self.program, kind=ImportKind.PROFIT_LOSS), pk=self.kwargs["pk"]
            )
        return self.batch


class ProfitLossAccountsView(_BatchPage, FormView):
    """Step 2: each expense account of the report goes to one of the Hub's cost categories, once."""

    template_name = "members/profit_loss_accounts.html"
    form_class = CostAccountsForm

    def get_title(self) -> str:
        return f"Cost categories of the accounts in {self.get_batch().filename}"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "batch": self.get_batch()}

    def form_valid(self, form: CostAccountsForm) -> HttpResponse:
        batch = self.get_batch()  # an imported report's accounts may still be chosen for the next one
        try:
            cost_accounts_map(actor=self.request.user, batch=batch, choices=form.choices())
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "Accounts mapped; these choices are kept for this program's next report.")
        return redirect(self.program_url("members:profit_loss_preview", batch.pk))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        batch = self.get_batch()
        context.update(
            batch=batch,
            source=SOURCES.get(batch.source),
            income=[r["values"]["account"] for r in batch.rows if r["values"]["section"] == INCOME],
            cancel_url=self.program_url("members:program_costs"),
            submit_label="Save the categories and check the months",
        )
        return context


class ProfitLossPreviewView(_BatchPage, TemplateView):
    """Step 3: per month and category, the report's totals beside what the Hub holds; then all or nothing."""

    template_name = "members/profit_loss_preview.html"

    def get_title(self) -> str:
        return f"Import costs: {self.get_batch().filename}"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        batch = self.get_batch()
        action = request.POST.get("action")
        if action == "discard":
            import_batch_discard(actor=request.user, batch=batch)
            messages.info(request, f"{batch.filename} was discarded; nothing was imported.")
            return redirect(self.program_url("members:program_costs"))
        if action != "commit":
            return redirect(request.path)
        try:
            import_batch_commit(actor=request.user, batch=batch)
        except ImportRejected as rejected:
            messages.error(request, "Nothing was imported: fix the lines listed below.")
            return self.render_to_response(self.get_context_data(preview=rejected.preview))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(request.path)
        batch.refresh_from_db()
        if batch.report.get("nothing_changed"):
            messages.info(request, f"{batch.filename}: nothing changed; the Hub already holds these costs.")
        else:
            messages.success(request, f"Costs imported from {batch.filename}.")
        return redirect(request.path)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        batch = self.get_batch()
        preview = kwargs.get("preview") or (import_preview(batch) if batch.status == ImportStatus.PENDING else None)
        summary = None
        if preview is not None:
            from members.imports_profit_loss import batch_months

            summary = profit_loss_summary(self.program, preview.rows, batch_months(batch))
        unmapped = unmapped_accounts(batch) if batch.status == ImportStatus.PENDING else []
        context.update(
            batch=batch,
            preview=preview,
            summary=summary,
            unmapped=unmapped,
            expense_rows=[r for r in preview.rows if r.values["section"] == EXPENSE] if preview else [],
            income_rows=[r for r in preview.rows if r.values["section"] == INCOME] if preview else [],
            categories=dict(AccountCategory.choices),
            report=batch.report,
            accounts_url=self.program_url("members:profit_loss_accounts", batch.pk),
            upload_url=self.program_url("members:profit_loss_upload"),
            back_url=self.program_url("members:program_costs"),
        )
        return context
