"""Billing pages: family accounts and their ledger, rate plans, invoices, invoice runs.

Hub roles see the alliance; providers their own program's accounts and money
(program_field narrows them); funders are refused (403).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views import View
from django.views.generic import DetailView, FormView, ListView, TemplateView

from alliance.dates import add_months, alliance_today, month_bounds
from alliance.formatting import money
from alliance.listing import Column, csv_response, header_cells, query_string, sort_of
from alliance.outbox import outbox_waiting
from alliance.views_base import HUB_AND_PROVIDER, HUB_ONLY, AllianceMixin, ServiceFormMixin
from billing import exports, invoicing, services
from billing.aging import (
    BUCKET_LABELS,
    BUCKETS,
    account_entries,
    aging_for_accounts,
    aging_of_entries,
    aging_totals,
    invoice_open_amount,
)
from billing.forms import (
    AccountFilterForm,
    BillingPolicyForm,
    ExportForm,
    InvoiceFilterForm,
    InvoiceRunForm,
    MemberFeesForm,
    RatePlanForm,
)
from billing.member_fees import member_fees_invoice
from billing.models import ZERO, BillingPolicy, FamilyAccount, Invoice, InvoiceRun, RatePlan, RunStatus
from billing.rows_html import account_rows_html, invoice_rows_html, ledger_rows_html
from billing.selectors import (
    accounts_with_balances,
    invoice_lines,
    payments_with_refunded,
    run_summary,
)
from billing.worklist import INVOICE_SORTS, account_contacts, invoices_csv_rows, invoices_listed
from members.models import MemberProgram


class BillingPage(AllianceMixin):
    allowed_roles = HUB_AND_PROVIDER
    crumb: tuple[str, str] | None = None

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        crumbs: list[tuple[str, str | None]] = [(self.alliance.name, self.alliance_url("alliance:home"))]
        if self.crumb:
            crumbs.append((self.crumb[0], self.alliance_url(self.crumb[1])))
        crumbs.append((self.get_title(), None))
        return crumbs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["is_hub"] = self.is_hub
        return context


class BillingFormPage(ServiceFormMixin, BillingPage, FormView):
    template_name = "billing/form.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["submit_label"] = self.submit_label
        return context


# --- Accounts ---------------------------------------------------------------
class AccountListView(BillingPage, ListView):
    template_name = "billing/account_list.html"
    title = "Family accounts"
    paginate_by = 50
    context_object_name = "accounts"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        self.filters = AccountFilterForm(self.request.GET or None)
        self.filters.fields["program"].queryset = self.visible(MemberProgram.objects.all())
        accounts = self.visible(FamilyAccount.objects.all())
        if self.filters.is_valid():
            if self.filters.cleaned_data["q"]:
                accounts = accounts.filter(family__name__icontains=self.filters.cleaned_data["q"])
            if self.filters.cleaned_data["program"]:
                accounts = accounts.filter(program=self.filters.cleaned_data["program"])
        # pk last: accounts of two families of the same name at one program keep one order from page to page.
        return accounts_with_balances(accounts).order_by(F("family__name").asc(nulls_first=True), "program__name", "pk")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            filters=self.filters,
            query_string=self.request.GET.urlencode().replace("page=", "_="),
            account_rows_html=account_rows_html(context["accounts"], slug=self.alliance.slug),
        )
        return context


class AccountDetailView(BillingPage, DetailView):
    template_name = "billing/account_detail.html"
    context_object_name = "account"
    crumb = ("Family accounts", "billing:account_list")

    def get_object(self, queryset=None):  # type: ignore[no-untyped-def]
        return self.get_for_member(FamilyAccount.objects.select_related("family", "program"), pk=self.kwargs["pk"])

    def get_title(self) -> str:
        return f"{self.object.holder_name} at {self.object.program.name}"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # One read of the entries for the ledger table, the balance and the aging.
        entries = account_entries(self.object)
        aging = aging_of_entries(self.object, entries, as_of=alliance_today(self.alliance))
        open_by_invoice = {i.invoice_id: i.open for i in aging.items if i.invoice_id}
        invoices = list(Invoice.objects.filter(account=self.object).order_by("-period_start")[:24])
        for invoice in invoices:
            invoice.open_amount = open_by_invoice.get(invoice.pk, 0)  # type: ignore[attr-defined]
        context.update(
            rows=entries,
            ledger_rows_html=ledger_rows_html(entries, slug=self.alliance.slug),
            # account_balance(): the sum of the entries, to the cent.
            balance=sum((entry.amount for entry in entries), ZERO).quantize(CENT),
            reach=account_contacts(self.object, aging),
            aging=aging,
            invoices=invoices,
            payments=payments_with_refunded(self.object.payments.all()).order_by("-received_on", "-id")[:24],
        )
        return context


CENT = Decimal("0.01")


# --- Rate plans -------------------------------------------------------------
class RatePlanListView(BillingPage, ListView):
    template_name = "billing/rate_plan_list.html"
    title = "Rate plans"
    context_object_name = "plans"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return (
            self.visible(RatePlan.objects.all())
            .select_related("program")
            .order_by("program__name", "age_group", "-effective_from")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["programs"] = self.visible(MemberProgram.objects.all()) if self.is_hub else []
        return context


class RatePlanCreateView(BillingFormPage):
    allowed_roles = HUB_ONLY
    form_class = RatePlanForm
    title = "Add a rate plan"
    crumb = ("Rate plans", "billing:rate_plan_list")

    def perform(self, form: RatePlanForm) -> RatePlan:
        data = dict(form.cleaned_data)
        program = data.pop("program")
        return services.rate_plan_create(actor=self.request.user, program=program, **data)

    def success_message(self, obj: RatePlan) -> str:
        return f"Rate plan “{obj.name}” saved."

    def success_url_for(self, obj: Any) -> str:
        return self.alliance_url("billing:rate_plan_list")


# --- Invoices ---------------------------------------------------------------
class InvoiceListView(BillingPage, ListView):
    """Every invoice the member may see: search (number, family), filters (program, status, period),
    sort by every column, paging and CSV, all in the query string."""

    template_name = "billing/invoice_list.html"
    title = "Invoices"
    paginate_by = 50
    context_object_name = "invoices"
    columns = [
        Column("Number", "number", numeric=True),
        Column("Family", "family"),
        Column("Program", "program"),
        Column("Period", "period"),
        Column("Due", "due"),
        Column("Status", "status"),
        Column("Total", "total", numeric=True),
    ]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        self.filters = InvoiceFilterForm(self.request.GET or None)
        self.filters.fields["program"].queryset = self.visible(MemberProgram.objects.all()).order_by("name")  # type: ignore[attr-defined]
        params = self.filters.cleaned_data if self.filters.is_valid() else {}
        self.sort = sort_of(self.request.GET.get("sort"), INVOICE_SORTS, "-period")
        return invoices_listed(
            self.visible(Invoice.objects.all()),
            search=params.get("q") or "",
            program_id=params["program"].pk if params.get("program") else None,
            status=params.get("status") or "",
            period=params.get("period"),
            sort=self.sort,
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        query = query_string(self.request)
        context.update(
            filters=self.filters,
            query_string=query,
            headers=header_cells(self.request, self.columns, self.sort),
            server_sorted=True,
            invoice_rows_html=invoice_rows_html(context["invoices"], slug=self.alliance.slug),
            csv_url=self.alliance_url("billing:invoice_list_csv") + "?" + query,
        )
        return context


class InvoiceListCsvView(InvoiceListView):
    """The invoice list as filtered and sorted on the page, every page of it, as CSV."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        name = f"invoices-{self.alliance.slug}-{alliance_today(self.alliance).isoformat()}"
        return csv_response(invoices_csv_rows(self.get_queryset()), name)


class InvoiceDetailView(BillingPage, DetailView):
    template_name = "billing/invoice_detail.html"
    context_object_name = "invoice"
    crumb = ("Invoices", "billing:invoice_list")

    def get_object(self, queryset=None):  # type: ignore[no-untyped-def]
        return self.get_for_member(Invoice.objects.select_related("account__family", "program"), pk=self.kwargs["pk"])

    def get_title(self) -> str:
        return f"Invoice {self.object.number}"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(lines=invoice_lines(self.object), open_amount=invoice_open_amount(self.object))
        return context


# --- Invoice runs -----------------------------------------------------------
class InvoiceRunListView(BillingFormPage):
    allowed_roles = HUB_ONLY
    template_name = "billing/run_list.html"
    form_class = InvoiceRunForm
    title = "Invoice runs"
    submit_label = "Start the run"

    def perform(self, form: InvoiceRunForm) -> InvoiceRun:
        return invoicing.invoice_run_create(
            actor=self.request.user, period=form.cleaned_data["period"], period_start=form.cleaned_data["period_start"]
        )

    def success_message(self, obj: InvoiceRun) -> str:
        return f"Invoice run for {obj.period_start:%B %Y} started."

    def success_url_for(self, obj: InvoiceRun) -> str:
        return self.alliance_url("billing:run_detail", obj.pk)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["runs"] = InvoiceRun.objects.all()[:20]
        return context


class InvoiceRunDetailView(BillingPage, DetailView):
    allowed_roles = HUB_ONLY
    template_name = "billing/run_detail.html"
    context_object_name = "run"
    crumb = ("Invoice runs", "billing:run_list")

    def get_object(self, queryset=None):  # type: ignore[no-untyped-def]
        return self.get_for_member(InvoiceRun.objects.all(), pk=self.kwargs["pk"])

    def get_title(self) -> str:
        return (
            f"Invoice run {self.object.period_start:%B %Y}"
            if self.object.period == "monthly"
            else (f"Invoice run week of {self.object.period_start}")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["summary"] = run_summary(self.object) if self.object.is_finished else None
        context["warnings"] = [
            (
                invoicing.warning_text(w),
                self.alliance_url("members:classroom_detail", w["program"], w["classroom"])
                if isinstance(w, dict) and w.get("program") and w.get("classroom")
                else None,
            )
            for w in self.object.warnings
        ]
        # Saved, but its work still waits in the outbox for the broker (alliance/outbox.py).
        context["waiting_for_queue"] = self.object.status == RunStatus.QUEUED and outbox_waiting(
            ref=self.object.outbox_ref
        )
        return context


class InvoiceRunProgressView(InvoiceRunDetailView):
    """The progress block alone, polled by htmx while the run goes."""

    template_name = "billing/_run_progress.html"


class InvoiceRunResumeView(BillingPage, View):
    """Resume a stalled run (POST): its remaining batches are queued again; audited."""

    allowed_roles = HUB_ONLY

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        run = self.get_for_member(InvoiceRun.objects.all(), pk=kwargs["pk"])
        try:
            invoicing.invoice_run_resume(run=run, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{run} resumed: its remaining programs are queued.")
        return redirect(self.alliance_url("billing:run_detail", run.pk))


class BillingHomeView(BillingPage, TemplateView):
    """The billing menu."""

    template_name = "billing/home.html"
    title = "Billing"


class BillingPolicyView(BillingFormPage):
    """A program's tax id and late-fee policy (hub only)."""

    allowed_roles = HUB_ONLY
    form_class = BillingPolicyForm
    crumb = ("Rate plans", "billing:rate_plan_list")

    def get_program(self) -> MemberProgram:
        if not hasattr(self, "program"):
            self.program = self.get_for_member(MemberProgram.objects.all(), pk=self.kwargs["program_pk"])
        return self.program

    def get_title(self) -> str:
        return f"Billing policy: {self.get_program().name}"

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = BillingPolicy.objects.filter(program=self.get_program()).first()
        return kwargs

    def perform(self, form: BillingPolicyForm) -> BillingPolicy:
        return services.billing_policy_set(actor=self.request.user, program=self.get_program(), **form.cleaned_data)

    def success_url_for(self, obj: Any) -> str:
        return self.alliance_url("billing:rate_plan_list")


class MemberFeesView(BillingFormPage):
    """Invoice every member program for its Hub services for a month (hub only)."""

    allowed_roles = HUB_ONLY
    template_name = "billing/member_fees.html"
    form_class = MemberFeesForm
    title = "Hub member fees"
    submit_label = "Invoice member fees"

    def perform(self, form: MemberFeesForm) -> Any:
        return member_fees_invoice(month=form.cleaned_data["month"], actor=self.request.user)

    def success_message(self, obj: Any) -> str:
        return f"{obj.invoices} member-fee invoice(s), {money(obj.amount)} in all."

    def success_url_for(self, obj: Any) -> str:
        return self.alliance_url("billing:member_fees")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["invoices"] = (
            Invoice.objects.filter(account__family__isnull=True)
            .select_related("program")
            .order_by("-period_start", "program__name")[:100]
        )
        # What members owe the Hub, aged apart from the families' aging.
        as_of = alliance_today(self.alliance)
        rows = aging_for_accounts(FamilyAccount.objects.filter(family__isnull=True), as_of=as_of)
        programs = dict(MemberProgram.objects.filter(pk__in=[r.program_id for r in rows]).values_list("pk", "name"))
        context.update(
            aging_as_of=as_of,
            aging_buckets=[(b, BUCKET_LABELS[b]) for b in BUCKETS],
            aging_rows=sorted(
                ((programs[r.program_id], r) for r in rows if r.balance != 0), key=lambda x: (-x[1].past_due, x[0])
            ),
            aging_total=aging_totals(rows).get("all"),
        )
        return context


class ExportView(BillingFormPage):
    """A program's ledger for a period, for the bookkeeper."""

    form_class = ExportForm
    title = "Accounting export"
    submit_label = "Download"

    def get_form(self, form_class=None):  # type: ignore[no-untyped-def]
        form = super().get_form(form_class)
        form.fields["program"].queryset = self.visible(MemberProgram.objects.all())
        return form

    def get_initial(self) -> dict[str, Any]:
        today = alliance_today(self.alliance)
        start, end = month_bounds(add_months(today, -1))
        return {"start": start, "end": end}

    def form_valid(self, form: ExportForm) -> HttpResponse:
        data = form.cleaned_data
        program, start, end = data["program"], data["start"], data["end"]
        name = f"{program.name.lower().replace(' ', '-')}-{start}-{end}"
        if data["format"] == "ledger":
            body, suffix, kind = exports.ledger_csv(program_id=program.pk, start=start, end=end), "csv", "text/csv"
        else:
            lines = exports.journal_lines(program_id=program.pk, start=start, end=end)
            if data["format"] == "iif":
                body, suffix, kind = exports.journal_iif(lines), "iif", "application/octet-stream"
            else:
                body, suffix, kind = exports.journal_csv(lines), "csv", "text/csv"
            name += "-journal"
        response = HttpResponse(body, content_type=kind)
        response["Content-Disposition"] = f'attachment; filename="{name}.{suffix}"'
        return response
