"""Third-party payer pages (Hub only): payers, authorizations, claims, remittances, shortfalls."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect

from alliance.dates import alliance_today
from alliance.formatting import money
from alliance.views_base import HUB_ONLY
from billing import payers
from billing.forms import AuthorizationForm, PayerForm, RemittanceForm, ShortfallForm
from billing.models import ClaimStatus, Payer, PayerClaim, Remittance, SubsidyAuthorization
from billing.views import BillingFormPage


class PayerListView(BillingFormPage):
    allowed_roles = HUB_ONLY
    template_name = "billing/payer_list.html"
    form_class = PayerForm
    title = "Third-party payers"
    submit_label = "Add payer"

    def perform(self, form: PayerForm) -> Payer:
        return payers.payer_create(actor=self.request.user, **form.cleaned_data)

    def success_url_for(self, obj: Payer) -> str:
        return self.alliance_url("billing:payer_detail", obj.pk)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["payers"] = Payer.objects.all()
        return context


class AuthorizationCreateView(BillingFormPage):
    allowed_roles = HUB_ONLY
    form_class = AuthorizationForm
    title = "Add a subsidy authorization"
    crumb = ("Third-party payers", "billing:payer_list")

    def get_initial(self) -> dict[str, Any]:
        return {"payer": self.request.GET.get("payer")}

    def perform(self, form: AuthorizationForm) -> SubsidyAuthorization:
        return payers.authorization_create(actor=self.request.user, **form.cleaned_data)

    def success_url_for(self, obj: SubsidyAuthorization) -> str:
        return self.alliance_url("billing:payer_detail", obj.payer_id)


class PayerDetailView(BillingFormPage):
    """A payer's authorizations and claims, and the remittance form (upload or typed lines)."""

    allowed_roles = HUB_ONLY
    template_name = "billing/payer_detail.html"
    form_class = RemittanceForm
    submit_label = "Record the remittance"
    crumb = ("Third-party payers", "billing:payer_list")

    def get_payer(self) -> Payer:
        if not hasattr(self, "payer"):
            self.payer = self.get_for_member(Payer.objects.all(), pk=self.kwargs["pk"])
        return self.payer

    def get_title(self) -> str:
        return self.get_payer().name

    def get_initial(self) -> dict[str, Any]:
        return {"received_on": alliance_today(self.alliance)}

    def form_valid(self, form: RemittanceForm) -> HttpResponse:
        data = form.cleaned_data
        report = payers.remittance_import_csv(
            actor=self.request.user,
            payer=self.get_payer(),
            received_on=data["received_on"],
            reference=data["reference"],
            text=data["text"],
        )
        if report.errors:
            return self.render_to_response(self.get_context_data(form=form, import_errors=report.errors))
        assert report.remittance is not None
        messages.success(
            self.request, f"Remittance of {money(report.remittance.total)} recorded ({report.rows} lines)."
        )
        return redirect(self.alliance_url("billing:payer_detail", self.payer.pk))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        payer = self.get_payer()
        context.update(
            payer=payer,
            authorizations=SubsidyAuthorization.objects.filter(payer=payer).select_related("child", "program"),
            claims=PayerClaim.objects.filter(payer=payer).select_related("authorization", "child", "program")[:300],
            remittances=Remittance.objects.filter(payer=payer)[:20],
            decidable=(ClaimStatus.OPEN, ClaimStatus.SHORT),
        )
        return context


class ShortfallView(BillingFormPage):
    allowed_roles = HUB_ONLY
    form_class = ShortfallForm
    title = "Decide a shortfall"
    submit_label = "Decide"
    crumb = ("Third-party payers", "billing:payer_list")

    def get_claim(self) -> PayerClaim:
        if not hasattr(self, "claim"):
            self.claim = self.get_for_member(
                PayerClaim.objects.select_related("authorization", "child", "payer"), pk=self.kwargs["pk"]
            )
        return self.claim

    def perform(self, form: ShortfallForm) -> PayerClaim:
        return payers.claim_resolve_shortfall(
            actor=self.request.user,
            claim=self.get_claim(),
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
            on=alliance_today(self.alliance),
        )

    def success_url_for(self, obj: PayerClaim) -> str:
        return self.alliance_url("billing:payer_detail", obj.payer_id)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        claim = self.get_claim()
        context["intro"] = (
            f"{claim.payer} paid {money(claim.paid)} of {money(claim.expected)} claimed for "
            f"{claim.child.full_name}, {claim.period_start:%B %Y}: {money(claim.shortfall)} short."
        )
        return context
