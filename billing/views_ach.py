"""Autopay pages (Hub only): bank details, ACH files, returns, pausing."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views import View

from alliance.dates import alliance_today
from alliance.formatting import money
from alliance.views_base import HUB_ONLY, add_errors
from billing import ach
from billing.forms import AchFileForm, AchReturnsForm, BankAccountForm
from billing.models import AchBatch, BankAccount
from billing.views import BillingFormPage, BillingPage
from billing.views_payments import AccountFormPage


class BankAccountView(AccountFormPage):
    allowed_roles = HUB_ONLY
    form_class = BankAccountForm
    title = "Bank details for autopay"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        bank = BankAccount.objects.filter(account=self.account).first()
        if bank:
            context["intro"] += f" — on file: {bank.holder_name}, {bank.routing_number} {bank.masked_number}."
        return context

    def perform(self, form: BankAccountForm) -> BankAccount:
        return ach.bank_account_set(actor=self.request.user, account=self.account, **form.cleaned_data)

    def success_message(self, obj: BankAccount) -> str:
        return f"Bank details saved ({obj.masked_number})."


class AchView(BillingFormPage):
    allowed_roles = HUB_ONLY
    template_name = "billing/ach.html"
    form_class = AchFileForm
    title = "Autopay (ACH)"
    submit_label = "Generate the ACH file"

    def get_initial(self) -> dict[str, Any]:
        return {"settlement_date": alliance_today(self.alliance) + datetime.timedelta(days=2)}

    def perform(self, form: AchFileForm) -> AchBatch:
        return ach.ach_file_generate(actor=self.request.user, **form.cleaned_data)

    def success_message(self, obj: AchBatch) -> str:
        return f"ACH file: {obj.entry_count} families, {money(obj.total)}."

    def success_url_for(self, obj: Any) -> str:
        return self.alliance_url("billing:ach")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("returns_form", AchReturnsForm())
        context.update(
            batches=AchBatch.objects.select_related("program")[:30],
            bank_accounts=BankAccount.objects.select_related("account__family", "account__program").order_by(
                "-flagged", "account__family__name"
            )[:300],
        )
        return context


class AchFileDownloadView(BillingPage, View):
    allowed_roles = HUB_ONLY

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        batch = self.get_for_member(AchBatch.objects.all(), pk=kwargs["pk"])
        response = HttpResponse(ach.ach_file_text(actor=request.user, batch=batch), content_type="text/plain")
        response["Content-Disposition"] = f'attachment; filename="ach-{batch.program_id}-{batch.settlement_date}.txt"'
        response["Cache-Control"] = "no-store"
        return response


class AchReturnsView(AchView):
    """Import the bank's returns and show, row by row, what was reversed or why it was refused."""

    http_method_names = ["post"]

    def get_form_kwargs(self) -> dict[str, Any]:
        # The returns form was posted, not the ACH file form: that one is shown fresh, without errors.
        return {"initial": self.get_initial(), "prefix": self.get_prefix()}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        returns_form = AchReturnsForm(request.POST, request.FILES)
        if not returns_form.is_valid():
            return self.render_to_response(self.get_context_data(returns_form=returns_form))
        try:
            text = ach.ach_returns_text(returns_form.cleaned_data["file"].read())
        except ValidationError as exc:
            add_errors(returns_form, exc)
            return self.render_to_response(self.get_context_data(returns_form=returns_form))
        report = ach.ach_returns_import(actor=request.user, text=text)
        if report.errors:
            messages.error(request, f"Nothing was reversed: {len(report.errors)} row(s) refused, see each row below.")
        else:
            messages.success(request, f"{report.reversed} returned payment(s) reversed; their accounts are flagged.")
        return self.render_to_response(self.get_context_data(returns_report=report))


class AutopayPauseView(BillingPage, View):
    allowed_roles = HUB_ONLY

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        bank = self.get_for_member(BankAccount.objects.all(), pk=kwargs["pk"])
        paused = request.POST.get("paused") == "1"
        try:
            ach.bank_account_pause(
                actor=request.user, bank_account=bank, paused=paused, reason=request.POST.get("reason", "")
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Autopay paused." if paused else "Autopay resumed.")
        return redirect(self.alliance_url("billing:ach"))
