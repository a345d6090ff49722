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
from alliance.views_base import add_errors
from members import services
from members.forms import ImportMappingForm, ImportUploadForm, MonthlyCostsForm
from members.import_sources import SOURCES
from members.imports import (
    SPECS,
    ImportRejected,
    ImportSpec,
    import_batch_commit,
    import_batch_create,
    import_batch_discard,
    import_batch_enqueue,
    import_batch_map,
    import_preview,
    import_progress,
)
from members.models import ZERO, CostCategory, ImportBatch, ImportKind, ImportStatus, MonthlyCost
from members.pages import OPERATIONS_EDITORS, ProgramFormPage, ProgramPage
from members.selectors import program_monthly_costs, to_cents

IMPORT_RETURN_TAB: dict[str, str] = {
    ImportKind.CLASSROOMS: "members:program_sites",
    ImportKind.STAFF: "members:program_staff",
    ImportKind.COSTS: "members:program_costs",
    ImportKind.FAMILIES: "members:program_detail",
    ImportKind.OPENING_BALANCES: "members:program_detail",
}


def _generic_batches(program: Any) -> Any:
    """Imports of a table of columns; a profit and loss report has its own pages (views_profit_loss)."""
    return ImportBatch.objects.filter(program=program).exclude(kind=ImportKind.PROFIT_LOSS)


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
            last_profit_loss=ImportBatch.objects.filter(
                program=self.program, kind=ImportKind.PROFIT_LOSS, status=ImportStatus.COMMITTED
            )
            .order_by("-committed_at")
            .first(),
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
        if self.kwargs["kind"] not in SPECS or self.kwargs["kind"] == ImportKind.PROFIT_LOSS:
            raise Http404("No such import.")  # a profit and loss report has its own pages
        return SPECS[self.kwargs["kind"]]

    def get_title(self) -> str:
        return f"Import {ImportKind(self.spec.kind).label.lower()} from CSV"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "kind": self.spec.kind}

    def perform(self, form: ImportUploadForm) -> ImportBatch:
        upload = form.cleaned_data["file"]
        return import_batch_create(
            actor=self.request.user,
            program=self.program,
            kind=self.spec.kind,
            filename=upload.name,
            raw=upload.read(),
            source=form.cleaned_data["source"],
        )

    def success_message(self, obj: ImportBatch) -> str:
        if not obj.mapped:
            return f"{obj.filename}: {len(obj.rows)} rows read. Match its columns to the Hub's fields."
        return f"{obj.filename}: {len(obj.rows)} rows read. Check them below before importing."

    def success_url_for(self, obj: ImportBatch | None) -> str:
        if obj is None:
            return self.program_url(IMPORT_RETURN_TAB[self.spec.kind])
        if not obj.mapped:
            return self.program_url("members:import_mapping", obj.pk)
        return self.program_url("members:import_preview", obj.pk)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["spec"] = self.spec
        return context


class ImportTemplateView(ProgramPage, TemplateView):
    """A CSV with the expected columns and one example row."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        spec = SPECS.get(kwargs["kind"])
        if spec is None or spec.kind == ImportKind.PROFIT_LOSS:
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
            self.batch = self.get_for_member(_generic_batches(self.program), pk=self.kwargs["pk"])
        return self.batch

    def get_title(self) -> str:
        return f"Import {self.get_batch().get_kind_display().lower()}: {self.get_batch().filename}"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "kind": self.get_batch().kind}

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        batch = self.get_batch()
        if batch.status == ImportStatus.PENDING and not batch.mapped:
            return redirect(self.program_url("members:import_mapping", batch.pk))
        return super().get(request, *args, **kwargs)

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
        spec = SPECS[batch.kind]
        if spec.background_above is not None and len(batch.rows) > spec.background_above:
            try:
                import_batch_enqueue(actor=request.user, batch=batch)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.info(request, f"Importing {len(batch.rows)} rows in the background; this page shows how far.")
            return redirect(request.path)
        try:
            count = import_batch_commit(actor=request.user, batch=batch)
        except ImportRejected as rejected:
            messages.error(request, "Nothing was imported: fix the rows listed below.")
            return self.render_to_response(self.get_context_data(preview=rejected.preview))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(request.path)
        messages.success(request, f"Imported {count} {SPECS[batch.kind].nouns(count)} from {batch.filename}.")
        if spec.background_above is not None:  # kinds with a report show it on the file's page
            return redirect(request.path)
        return redirect(back)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        batch = self.get_batch()
        preview = kwargs.get("preview") or (
            import_preview(batch) if batch.status == ImportStatus.PENDING and batch.mapped else None
        )
        context.update(
            batch=batch,
            preview=preview,
            spec=SPECS[batch.kind],
            source=SOURCES.get(batch.source),
            progress=import_progress(batch),
            percent=int(100 * import_progress(batch) / len(batch.rows)) if batch.rows else 100,
            report_lines=import_report_lines(batch.report),
            upload_url=self.program_url("members:import_upload", batch.kind),
            mapping_url=self.program_url("members:import_mapping", batch.pk),
            back_url=self.program_url(IMPORT_RETURN_TAB[batch.kind]),
        )
        return context


def import_report_lines(report: dict[str, Any]) -> list[str]:
    """A commit's report as sentences: “12 children updated: 9 room, 3 schedule.”"""
    lines = []
    for noun, count in (report.get("created") or {}).items():
        lines.append(f"{count} {noun} created.")
    for noun, count in (report.get("updated") or {}).items():
        changes = (report.get("changes") or {}).get(noun) or {}
        detail = ", ".join(f"{n} {field}" for field, n in sorted(changes.items(), key=lambda kv: -kv[1]))
        lines.append(f"{count} {noun} updated" + (f": {detail}." if detail else "."))
    for noun, count in (report.get("unchanged") or {}).items():
        lines.append(f"{count} {noun} unchanged.")
    return lines


class ImportMappingView(ProgramPage, FormView):
    """Step 2 of 4 for a file from another system: which of its columns holds each Hub field."""

    allowed_roles = OPERATIONS_EDITORS
    template_name = "members/import_mapping.html"

    def get_batch(self) -> ImportBatch:
        if not hasattr(self, "batch"):
            self.batch = self.get_for_member(_generic_batches(self.program), pk=self.kwargs["pk"])
        return self.batch

    def get_title(self) -> str:
        return f"Match the columns of {self.get_batch().filename}"

    def get_form_class(self) -> type[ImportMappingForm]:
        return ImportMappingForm

    def get_form_kwargs(self) -> dict[str, Any]:
        batch = self.get_batch()
        return {**super().get_form_kwargs(), "spec": SPECS[batch.kind], "batch": batch}

    def form_valid(self, form: ImportMappingForm) -> HttpResponse:
        batch = self.get_batch()
        try:
            import_batch_map(actor=self.request.user, batch=batch, mapping=form.mapping())
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "Columns matched; this mapping is kept for this program's next file.")
        return redirect(self.program_url("members:import_preview", batch.pk))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        batch = self.get_batch()
        samples = [row["values"] for row in batch.rows[:3]]
        context.update(
            batch=batch,
            spec=SPECS[batch.kind],
            source=SOURCES.get(batch.source),
            samples={h: [s.get(h, "") for s in samples] for h in batch.headers},
            cancel_url=self.program_url(IMPORT_RETURN_TAB[batch.kind]),
            submit_label="Save the mapping and check every row",
        )
        return context
