"""The invoice run's preview page and issuing from it (billing/preview.py holds the rules).

Hub staff preview the whole alliance or one program and issue from it; a provider sees the preview of
their own program (another program's is 404) and issues nothing.
"""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views import View
from django.views.generic import TemplateView

from alliance.dates import alliance_today, next_month_start
from alliance.formatting import money
from alliance.views_base import HUB_AND_PROVIDER, HUB_ONLY
from billing.preview import (
    InvoicePreview,
    PreviewStale,
    PreviewWarning,
    RunAlreadyGoing,
    invoice_run_issue_previewed,
    invoice_run_preview,
)
from billing.views import BillingPage
from members.models import MemberProgram


class MonthField(forms.DateField):
    """A month as YYYY-MM (an <input type="month">), cleaned to its first day."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m"]
    default_error_messages = {"invalid": "Give a month as YYYY-MM."}


class PreviewForm(forms.Form):
    month = MonthField(label="Month", required=False)
    program = forms.ModelChoiceField(
        queryset=MemberProgram.objects.none(), required=False, empty_label="All programs", label="Program"
    )


class IssueForm(forms.Form):
    month = MonthField()
    fingerprint = forms.CharField(max_length=64)


def warning_link(page: BillingPage, warning: PreviewWarning) -> tuple[str, str] | None:
    """The page where the warning is fixed, and its link's text: the enrollment, room, account or family."""
    if warning.enrollment_id:
        return page.alliance_url("enrollment:enrollment_detail", warning.enrollment_id), "Open the enrollment"
    if warning.classroom_id:
        return (
            page.alliance_url("members:classroom_detail", warning.program_id, warning.classroom_id),
            "Open the room",
        )
    if warning.account_id:
        return page.alliance_url("billing:account_detail", warning.account_id), "Open the account"
    if warning.family_id:
        return page.alliance_url("enrollment:family_detail", warning.family_id), "Open the family"
    return None


class InvoiceRunPreviewView(BillingPage, TemplateView):
    """What issuing the month would invoice: per program, per family with its lines, with warnings."""

    allowed_roles = HUB_AND_PROVIDER
    template_name = "billing/run_preview.html"
    crumb = ("Invoice runs", "billing:run_list")

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        if self.is_hub:
            return super().get_breadcrumbs()
        return [(self.alliance.name, self.alliance_url("alliance:home")), (self.get_title(), None)]

    def get_title(self) -> str:
        month = getattr(self, "month", None)
        return f"Invoice preview, {month:%B %Y}" if month else "Invoice preview"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.filters = PreviewForm(request.GET or None)
        self.filters.fields["program"].queryset = self.visible(MemberProgram.objects.all()).order_by("name")  # type: ignore[attr-defined]
        self.month = next_month_start(alliance_today(self.alliance))
        self.program: MemberProgram | None = None
        raw_program = request.GET.get("program")
        if raw_program:  # another program's (a provider) or another alliance's is 404, as everywhere
            self.program = self.get_for_member(MemberProgram.objects.all(), pk=raw_program)
        elif not self.is_hub:
            self.program = self.get_for_member(MemberProgram.objects.all(), pk=self.membership.program_id)
        if self.filters.is_bound and self.filters.is_valid() and self.filters.cleaned_data["month"]:
            self.month = self.filters.cleaned_data["month"]
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # Hub staff issue the whole alliance's month, so theirs is always the alliance's preview (and its
        # fingerprint); a provider's covers their own program only.
        preview: InvoicePreview = invoice_run_preview(
            period_start=self.month, program_ids=None if self.is_hub else [self.membership.program_id or 0]
        )
        shown = [p for p in preview.programs if self.program is None or p.program_id == self.program.pk]
        context.update(
            filters=self.filters,
            month=self.month,
            month_value=f"{self.month:%Y-%m}",
            preview=preview,
            program=self.program,
            programs=shown,
            warnings=[(w, warning_link(self, w)) for p in shown for w in p.warnings],
            can_issue=self.is_hub and preview.invoices > 0,
            issue_label=preview.issue_label(),
        )
        return context


class InvoiceRunIssueView(BillingPage, View):
    """Issue the previewed month (POST): refused, with the new preview shown, if the data changed."""

    allowed_roles = HUB_ONLY

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = IssueForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Open the preview again and issue from it: the form was incomplete.")
            return redirect(self.alliance_url("billing:run_preview"))
        month: datetime.date = form.cleaned_data["month"]
        back = f"{self.alliance_url('billing:run_preview')}?{urlencode({'month': f'{month:%Y-%m}'})}"
        try:
            run, issued = invoice_run_issue_previewed(
                actor=request.user, period_start=month, fingerprint=form.cleaned_data["fingerprint"]
            )
        except RunAlreadyGoing as going:
            messages.info(request, f"{going.messages[0]} Here is its progress; it was not started twice.")
            return redirect(self.alliance_url("billing:run_detail", going.run.pk))
        except PreviewStale as stale:
            messages.error(request, " ".join(stale.messages))
            return redirect(back)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(back)
        messages.success(
            request,
            f"Invoice run for {month:%B %Y} started: {issued.invoices} invoices totalling {money(issued.total)}.",
        )
        return redirect(self.alliance_url("billing:run_detail", run.pk))
