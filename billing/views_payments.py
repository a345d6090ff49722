"""Pages of money received and owed: payment entry and reversal, deposits,
voiding invoices, aging, the collections worklist and write-offs."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.views.generic import ListView, TemplateView

from alliance.dates import BUSINESS_DATE, alliance_today, date_or_none
from alliance.formatting import day, money
from alliance.listing import Column, csv_response, header_cells, page_of, sort_of
from alliance.views_base import HUB_ONLY
from billing import ledger, payments, services
from billing.aging import (
    BUCKET_LABELS,
    BUCKETS,
    AccountAging,
    aging_for_accounts,
    aging_totals,
    alliance_aging,
    shared_aging_for_accounts,
)
from billing.forms import (
    AgingFilterForm,
    CollectionNoteForm,
    DepositForm,
    OpeningBalanceForm,
    PaymentForm,
    PaymentPlanForm,
    ReasonForm,
    RefundForm,
    StaffDiscountForm,
    WriteOffForm,
)
from billing.models import (
    CollectionNote,
    DepositBatch,
    FamilyAccount,
    Invoice,
    LedgerEntry,
    Payment,
    PaymentPlan,
    PaymentStatus,
    Refund,
)
from billing.rows_html import aging_family_rows_html, aging_program_rows_html
from billing.selectors import account_balance, payment_refundable
from billing.views import BillingFormPage, BillingPage
from billing.views_collections import back_to_worklist
from billing.worklist import (
    AGING_DEFAULT_SORT,
    AGING_SORT_KEYS,
    WorklistRow,
    aging_csv_rows,
    aging_family_rows,
    worklist_details,
)
from members.models import MemberProgram


class AccountFormPage(BillingFormPage):
    """A form about one family account (404 unless the member may see it)."""

    crumb = ("Family accounts", "billing:account_list")

    def get_account(self) -> FamilyAccount:
        if not hasattr(self, "account"):
            self.account = self.get_for_member(
                FamilyAccount.objects.select_related("family", "program"), pk=self.kwargs["pk"]
            )
        return self.account

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.get_account()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.get_account()
        return super().post(request, *args, **kwargs)

    def success_url_for(self, obj: Any) -> str:
        return self.alliance_url("billing:account_detail", self.account.pk)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["intro"] = f"{self.account.holder_name} at {self.account.program.name}"
        return context


class PaymentCreateView(AccountFormPage):
    form_class = PaymentForm
    title = "Record a payment"
    submit_label = "Record payment"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "account": self.get_account()}

    def get_initial(self) -> dict[str, Any]:
        return {"invoice": self.request.GET.get("invoice") or None}

    def perform(self, form: PaymentForm) -> Payment:
        data = form.cleaned_data
        return payments.payment_record(
            actor=self.request.user,
            account=self.account,
            amount=data["amount"],
            method=data["method"],
            received_on=data["received_on"],
            reference=data["reference"],
            invoice=data["invoice"],
            note=data["note"],
        )

    def success_message(self, obj: Payment) -> str:
        return f"Payment of {money(obj.amount)} recorded."


class WriteOffView(AccountFormPage):
    allowed_roles = HUB_ONLY
    form_class = WriteOffForm
    title = "Write off a balance"
    submit_label = "Write off"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "account": self.get_account()}

    def get_initial(self) -> dict[str, Any]:
        invoice = self.request.GET.get("invoice")
        return {"invoices": [invoice] if invoice and invoice.isdigit() else []}

    def perform(self, form: WriteOffForm) -> list[LedgerEntry]:
        data = form.cleaned_data
        return payments.write_off_record(
            actor=self.request.user,
            account=self.account,
            reason=data["reason"],
            amount=data["amount"],
            effective_on=data["effective_on"] or alliance_today(self.alliance),
            invoices=list(data["invoices"] or []),
        )

    def success_message(self, obj: list[LedgerEntry]) -> str:
        total = -sum((e.amount for e in obj), Decimal("0.00"))
        return f"{money(total)} written off."


class OpeningBalanceView(AccountFormPage):
    """Record the family's balance in its old system at the cut-over date (Hub staff): one ledger
    entry, "Opening balance at <date>"; with a reason, a correction of the one already recorded."""

    allowed_roles = HUB_ONLY
    form_class = OpeningBalanceForm
    title = "Opening balance"
    submit_label = "Record opening balance"

    def get_initial(self) -> dict[str, Any]:
        return {"as_of": alliance_today(self.alliance)}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        existing = ledger.opening_balance_of(self.account)
        if existing is not None:
            context["intro"] += (
                f". Opening balance recorded: {money(existing.amount)} at {day(existing.posted_on)}; to correct it, "
                "give the new figures and the reason."
            )
        return context

    def perform(self, form: OpeningBalanceForm) -> LedgerEntry:
        data = form.cleaned_data
        return ledger.account_opening_balance_record(
            actor=self.request.user,
            account=self.account,
            amount=data["amount"],
            as_of=data["as_of"],
            reason=data["reason"],
        )

    def success_message(self, obj: LedgerEntry) -> str:
        return f"{obj.description}: {money(obj.amount)} recorded."


class StaffDiscountView(AccountFormPage):
    allowed_roles = HUB_ONLY
    form_class = StaffDiscountForm
    title = "Staff discount"

    def get_initial(self) -> dict[str, Any]:
        return {"staff_discount": self.account.staff_discount}

    def perform(self, form: StaffDiscountForm) -> FamilyAccount:
        return services.account_set_staff_discount(
            actor=self.request.user, account=self.account, staff=form.cleaned_data["staff_discount"]
        )

    def success_message(self, obj: FamilyAccount) -> str:
        if obj.staff_discount:
            return "Staff family: the staff discount applies from the next invoice run."
        return "Staff discount cleared from the next invoice run."


class CollectionNoteView(AccountFormPage):
    """Log a call in one step: how it went, what was said and what the family promised, with the
    family's phones and emails on the page. Back to the worklist as it was left (`next`)."""

    allowed_roles = HUB_ONLY
    form_class = CollectionNoteForm
    template_name = "billing/collection_note.html"
    title = "Log a call or note"
    submit_label = "Save the call"

    def perform(self, form: CollectionNoteForm) -> CollectionNote:
        return payments.collection_note_add(actor=self.request.user, account=self.account, **form.cleaned_data)

    def success_message(self, obj: CollectionNote) -> str:
        if obj.promised_amount is not None and obj.promised_on is not None:
            promise = f"{money(obj.promised_amount)} by {day(obj.promised_on)}"
            return f"Promise of {promise} logged for {self.account.holder_name}."
        return f"Call logged for {self.account.holder_name}."

    def success_url_for(self, obj: Any) -> str:
        return back_to_worklist(self.request, self.alliance_url("billing:collections"))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        aging = aging_for_accounts(
            FamilyAccount.objects.filter(pk=self.account.pk), as_of=alliance_today(self.alliance)
        )[0]
        row = worklist_details(
            [
                WorklistRow(
                    aging,
                    self.account.pk,
                    aging.family_id,
                    self.account.holder_name,
                    aging.program_id,
                    self.account.program.name,
                )
            ]
        )[0]
        context.update(
            row=row,
            balance=account_balance(self.account),
            next_url=back_to_worklist(self.request, self.alliance_url("billing:collections")),
        )
        return context


class PaymentPlanView(AccountFormPage):
    allowed_roles = HUB_ONLY
    form_class = PaymentPlanForm
    title = "Set up a payment plan"

    def perform(self, form: PaymentPlanForm) -> PaymentPlan:
        return payments.payment_plan_create(actor=self.request.user, account=self.account, **form.cleaned_data)

    def success_url_for(self, obj: Any) -> str:
        return self.alliance_url("billing:collections")


class PaymentReverseView(BillingFormPage):
    form_class = ReasonForm
    title = "Reverse a payment"
    submit_label = "Reverse payment"
    crumb = ("Payments", "billing:payment_list")

    def get_payment(self) -> Payment:
        if not hasattr(self, "payment"):
            self.payment = self.get_for_member(Payment.objects.select_related("account__family"), pk=self.kwargs["pk"])
        return self.payment

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.get_payment()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.get_payment()
        return super().post(request, *args, **kwargs)

    def perform(self, form: ReasonForm) -> Payment:
        return payments.payment_reverse(
            actor=self.request.user, payment=self.payment, reason=form.cleaned_data["reason"]
        )

    def success_message(self, obj: Payment) -> str:
        return f"Payment of {money(obj.amount)} reversed."

    def success_url_for(self, obj: Any) -> str:
        return self.alliance_url("billing:account_detail", self.payment.account_id)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["intro"] = f"{self.payment} from {self.payment.account.family.name}. Say why it is reversed."
        return context


class PaymentRefundView(BillingFormPage):
    """Pay money back out of one payment (Hub staff only): a new ledger charge that points at the payment."""

    allowed_roles = HUB_ONLY
    form_class = RefundForm
    title = "Refund a payment"
    submit_label = "Record the refund"
    crumb = ("Payments", "billing:payment_list")

    def get_payment(self) -> Payment:
        if not hasattr(self, "payment"):
            self.payment = self.get_for_member(
                Payment.objects.select_related("account__family", "account__program"), pk=self.kwargs["pk"]
            )
        return self.payment

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.get_payment()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.get_payment()
        return super().post(request, *args, **kwargs)

    def get_initial(self) -> dict[str, Any]:
        return {"refunded_on": alliance_today(), "method": self.payment.method}

    def perform(self, form: RefundForm) -> Refund:
        data = form.cleaned_data
        return payments.refund_record(
            actor=self.request.user,
            payment=self.payment,
            amount=data["amount"],
            refunded_on=data["refunded_on"],
            method=data["method"],
            reference=data["reference"],
            reason=data["reason"],
        )

    def success_message(self, obj: Refund) -> str:
        return f"Refund of {money(obj.amount)} recorded."

    def success_url_for(self, obj: Any) -> str:
        return self.alliance_url("billing:account_detail", self.payment.account_id)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        credit = max(-account_balance(self.payment.account), Decimal("0.00"))
        context["intro"] = (
            f"{self.payment} from {self.payment.account.holder_name} at {self.payment.account.program.name}: "
            f"{money(payment_refundable(self.payment))} of it is left to refund; "
            f"the account is in credit by {money(credit)}."
        )
        return context


class InvoiceVoidView(BillingFormPage):
    allowed_roles = HUB_ONLY
    form_class = ReasonForm
    title = "Void an invoice"
    submit_label = "Void invoice"
    crumb = ("Invoices", "billing:invoice_list")

    def get_invoice(self) -> Invoice:
        if not hasattr(self, "invoice"):
            self.invoice = self.get_for_member(Invoice.objects.all(), pk=self.kwargs["pk"])
        return self.invoice

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.get_invoice()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.get_invoice()
        return super().post(request, *args, **kwargs)

    def perform(self, form: ReasonForm) -> Invoice:
        return payments.invoice_void(actor=self.request.user, invoice=self.invoice, reason=form.cleaned_data["reason"])

    def success_message(self, obj: Invoice) -> str:
        return f"Invoice {obj.number} voided."

    def success_url_for(self, obj: Any) -> str:
        return self.alliance_url("billing:invoice_detail", self.invoice.pk)


class PaymentListView(BillingPage, ListView):
    template_name = "billing/payment_list.html"
    title = "Payments"
    paginate_by = 50
    context_object_name = "payments"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return (
            self.visible(Payment.objects.all())
            .select_related("account__family", "program", "deposit")
            .order_by("-received_on", "-id")
        )


class DepositView(BillingFormPage):
    template_name = "billing/deposits.html"
    form_class = DepositForm
    title = "Bank deposits"
    submit_label = "Record the deposit"

    def undeposited(self):  # type: ignore[no-untyped-def]
        # Cash and checks of the last 60 days: older ones were banked before the Hub recorded deposits.
        since = alliance_today(self.alliance) - datetime.timedelta(days=60)
        return (
            self.visible(
                Payment.objects.filter(
                    deposit__isnull=True,
                    status=PaymentStatus.RECORDED,
                    method__in=["cash", "check"],
                    received_on__gte=since,
                )
            )
            .select_related("account__family", "program")
            .order_by("program__name", "received_on")
        )

    def get_form_kwargs(self) -> dict[str, Any]:
        return {
            **super().get_form_kwargs(),
            "payments": self.undeposited(),
            "programs": self.visible(MemberProgram.objects.all()),
        }

    def perform(self, form: DepositForm) -> DepositBatch:
        data = form.cleaned_data
        return payments.deposit_batch_create(
            actor=self.request.user,
            program=data["program"],
            deposited_on=data["deposited_on"],
            payments=list(data["payments"]),
            reference=data["reference"],
        )

    def success_message(self, obj: DepositBatch) -> str:
        return f"Deposit of {money(obj.total)} recorded."

    def success_url_for(self, obj: Any) -> str:
        return self.alliance_url("billing:deposits")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["batches"] = self.visible(DepositBatch.objects.select_related("program"))[:20]
        return context


# --- Aging and collections --------------------------------------------------
class AgingView(BillingPage, TemplateView):
    """Open balances by age: program totals, then every family's account (search, filters, sort over the
    whole list, paging and CSV)."""

    template_name = "billing/aging.html"
    title = "Aging of open balances"
    paginate_by = 50

    def as_of(self) -> datetime.date:
        as_of = alliance_today(self.alliance)
        given = self.request.GET.get("as_of", "").strip()
        if given:  # a plain visit ages on today, without a word about dates
            day = date_or_none(given)
            if day is None:
                messages.error(self.request, f"Give the date as YYYY-MM-DD. {BUSINESS_DATE.message()} Showing today.")
            else:
                as_of = day
        return as_of

    def family_rows(
        self, as_of: datetime.date, aged: Mapping[int, AccountAging] | None = None
    ) -> tuple[AgingFilterForm, str, list[WorklistRow]]:
        form = AgingFilterForm(self.request.GET or None)
        form.fields["program"].queryset = self.visible(MemberProgram.objects.all()).order_by("name")  # type: ignore[attr-defined]
        params = form.cleaned_data if form.is_valid() else {}
        sort = sort_of(self.request.GET.get("sort"), AGING_SORT_KEYS, AGING_DEFAULT_SORT)
        rows = aging_family_rows(
            self.visible(FamilyAccount.objects.all()),
            as_of=as_of,
            search=params.get("q") or "",
            program_id=params["program"].pk if params.get("program") else None,
            bucket=params.get("bucket") or "",
            sort=sort,
            aged=aged,
        )
        return form, sort, rows

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        as_of = self.as_of()
        # Families only: the Hub's own member-fee receivables have their aging on the member-fees page.
        # Read once for the totals and the family list: one ledger state, one fingerprint.
        aged = alliance_aging(as_of=as_of)
        families_only = self.visible(FamilyAccount.objects.filter(family__isnull=False))
        rows = shared_aging_for_accounts(families_only, as_of=as_of, aged=aged)
        programs = dict(self.visible(MemberProgram.objects.all()).values_list("pk", "name"))
        by_program = aging_totals(rows, by="program_id")
        form, sort, families = self.family_rows(as_of, aged)
        paged = page_of(families, self.request, per_page=self.paginate_by)
        columns = [
            Column("Family", "family"),
            Column("Program", "program"),
            *[Column(BUCKET_LABELS[b], b, numeric=True) for b in BUCKETS],
            Column("Balance", "balance", numeric=True),
        ]
        program_totals = sorted(((programs.get(pk, "?"), t) for pk, t in by_program.items()), key=lambda x: x[0])
        shown = list(paged["page_obj"])
        context.update(paged)
        context.update(
            as_of=as_of,
            buckets=[(b, BUCKET_LABELS[b]) for b in BUCKETS],
            total=aging_totals(rows).get("all"),
            programs=program_totals,
            program_rows_html=aging_program_rows_html(program_totals),
            families=shown,
            family_rows_html=aging_family_rows_html(shown, slug=self.alliance.slug),
            family_count=len(families),
            filters=form,
            headers=header_cells(self.request, columns, sort),
            server_sorted=True,
            csv_url=self.alliance_url("billing:aging_csv") + "?" + paged["query_string"],
        )
        return context


class AgingCsvView(AgingView):
    """The aging family list as filtered and sorted on the page, as CSV."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        as_of = self.as_of()
        _, _, rows = self.family_rows(as_of)
        return csv_response(aging_csv_rows(rows, as_of=as_of), f"aging-{self.alliance.slug}-{as_of.isoformat()}")
