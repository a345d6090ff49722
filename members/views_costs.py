"""Monthly costs: the twelve-month table, a month's sheet, and CSV import."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.generic import FormView, TemplateView

from alliance.dates import alliance_today, months_back
from members import services
from members.forms import ImportUploadForm, MonthlyCostsForm
from members.imports import (
    SPECS,
    ImportRejected,
    ImportSpec,
    import_batch_commit,
    import_batch_create,
    import_batch_discard,
    import_preview,
)
from members.models import ZERO, CostCategory, ImportBatch, ImportKind, ImportStatus, MonthlyCost
from members.pages import OPERATIONS_EDITORS, ProgramFormPage, ProgramPage
from members.selectors import program_monthly_costs, to_cents

IMPORT_RETURN_TAB: dict[str, str] = {
    ImportKind.CLASSROOMS: "members:program_sites",
    ImportKind.STAFF: "members:program_staff",
    ImportKind.COSTS: "members:program_costs",
}


class ProgramCostsView(ProgramPage, TemplateView):
    template_name = "members/program_costs.html"
    tab = "costs"
    title = "Costs"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # The month in progress, then the twelve complete months before it.
        months = program_monthly_costs(self.program, months_back(13, until=alliance_today(self.alliance)))
        months.reverse()  # newest first
        complete = months[1:]
        recorded = [m for m in complete if m.has_entries]
        recorded_total = sum((m.total for m in recorded), ZERO)
        # The total and the average are over the same months: those with costs entered.
        context.update(
            months=months,
            current_month=months[0].month,
            categories=CostCategory.choices,
            recorded_total=recorded_total,
            months_recorded=len(recorded),
            average=to_cents(recorded_total / len(recorded)) if recorded else None,
        )
        return context


class MonthlyCostsEditView(ProgramFormPage):
    """One month's costs on one form. New months pick their month; existing ones are
    reached at costs/<year>/<month>/."""

    allowed_roles = OPERATIONS_EDITORS
    form_class = MonthlyCostsForm
    template_name = "members/costs_form.html"

    def month(self) -> datetime.date | None:
        if "year" not in self.kwargs:
            return None
        try:
            month = datetime.date(self.kwargs["year"], self.kwargs["month"], 1)
        except ValueError:
            raise Http404("No such month.") from None
        if month > alliance_today(self.alliance).replace(day=1):
            raise Http404("Costs are recorded for months that have begun.")
        return month

    def get_title(self) -> str:
        month = self.month()
        return f"Costs for {month:%B %Y}" if month else "Enter a month's costs"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "month": self.month()}

    def get_initial(self) -> dict[str, Any]:
        month = self.month()
        if month is None:
            return {"month": alliance_today(self.alliance).replace(day=1)}
        return {row.category: row.amount for row in MonthlyCost.objects.filter(program=self.program, month=month)}

    def perform(self, form: MonthlyCostsForm) -> None:
        month = form.month_value()
        self.saved_month = month
        services.monthly_costs_set(actor=self.request.user, program=self.program, month=month, amounts=form.amounts())
        return None

    def success_message(self, obj: Any) -> str:
        return f"Costs for {self.saved_month:%B %Y} saved."

    def success_url_for(self, obj: Any) -> str:
        return self.program_url("members:program_costs")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        month = self.month()
        if month is not None:
            context["month_costs"] = program_monthly_costs(self.program, [month])[0]
        return context


class ImportUploadView(ProgramFormPage):
    """Step 1 of 3: upload a CSV file. File-level problems are reported here."""

    allowed_roles = OPERATIONS_EDITORS
    form_class = ImportUploadForm
    template_name = "members/import_upload.html"
    submit_label = "Upload and check"

    @property
    def spec(self) -> ImportSpec:
        # Looked up inside the request (not in dispatch) so that strangers and
        # anonymous visitors meet the alliance checks first.
        if self.kwargs["kind"] not in SPECS:
            raise Http404("No such import.")
        return SPECS[self.kwargs["kind"]]

    def get_title(self) -> str:
        return f"Import {ImportKind(self.spec.kind).label.lower()} from CSV"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "kind": self.spec.kind}

    def perform(self, form: ImportUploadForm) -> ImportBatch:
        upload = form.cleaned_data["file"]
        return import_batch_create(
            actor=self.request.user, program=self.program, kind=self.spec.kind, filename=upload.name, raw=upload.read()
        )

    def success_message(self, obj: ImportBatch) -> str:
        return f"{obj.filename}: {len(obj.rows)} rows read. Check them below before importing."

    def success_url_for(self, obj: ImportBatch | None) -> str:
        if obj is None:
            return self.program_url(IMPORT_RETURN_TAB[self.spec.kind])
        return self.program_url("members:import_preview", obj.pk)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["spec"] = self.spec
        return context


class ImportTemplateView(ProgramPage, TemplateView):
    """A CSV with the expected columns and one example row."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        spec = SPECS.get(kwargs["kind"])
        if spec is None:
            raise Http404("No such import.")
        response = HttpResponse(spec.template_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{spec.kind}-template.csv"'
        return response


class ImportPreviewView(ProgramPage, FormView):
    """Steps 2 and 3: every row's errors by line and column, then import all or nothing."""

    allowed_roles = OPERATIONS_EDITORS
    template_name = "members/import_preview.html"
    form_class = ImportUploadForm

    def get_batch(self) -> ImportBatch:
        if not hasattr(self, "batch"):
            self.batch = self.get_for_member(ImportBatch.objects.filter(program=self.program), pk=self.kwargs["pk"])
        return self.batch

    def get_title(self) -> str:
        return f"Import {self.get_batch().get_kind_display().lower()}: {self.get_batch().filename}"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "kind": self.get_batch().kind}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        batch = self.get_batch()
        back = self.program_url(IMPORT_RETURN_TAB[batch.kind])
        action = request.POST.get("action")
        if action == "discard":
            import_batch_discard(actor=request.user, batch=batch)
            messages.info(request, f"{batch.filename} was discarded; nothing was imported.")
            return redirect(back)
        if action != "commit":
            return redirect(request.path)
        try:
            count = import_batch_commit(actor=request.user, batch=batch)
        except ImportRejected as rejected:
            messages.error(request, "Nothing was imported: fix the rows listed below.")
            return self.render_to_response(self.get_context_data(preview=rejected.preview))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(request.path)
        noun = SPECS[batch.kind].noun
        messages.success(request, f"Imported {count} {noun}{'s' if count != 1 else ''} from {batch.filename}.")
        return redirect(back)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        batch = self.get_batch()
        preview = kwargs.get("preview") or (import_preview(batch) if batch.status == ImportStatus.PENDING else None)
        context.update(
            batch=batch,
            preview=preview,
            spec=SPECS[batch.kind],
            upload_url=self.program_url("members:import_upload", batch.kind),
        )
        return context
