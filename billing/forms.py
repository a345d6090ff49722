"""Forms of billing pages: they parse input; rules live in the services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet

from alliance.dates import alliance_today, next_month_start
from alliance.fast_widgets import ValuesChoiceField, use_fast_selects
from billing.aging import BUCKET_LABELS, BUCKETS
from billing.models import (
    BankAccountType,
    BillingPolicy,
    CallOutcome,
    FamilyAccount,
    Invoice,
    InvoiceStatus,
    NoteKind,
    Payer,
    PayerKind,
    Payment,
    PaymentMethod,
    RatePeriod,
    RatePlan,
)
from billing.worklist import PROMISE_STATUSES
from enrollment.models import Child
from members.forms import HubForm, HubModelForm
from members.models import MemberProgram


def choose_from(field: forms.Field, queryset: QuerySet[Any]) -> None:
    """Offer a model choice field only the rows it may name (the account's invoices, visible payments)."""
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError(f"{field!r} is not a model choice field.")
    field.queryset = queryset


class RatePlanForm(HubModelForm):
    program = forms.ModelChoiceField(queryset=MemberProgram.objects.all())

    fieldsets = [
        ("Who it prices", ["program", "name", "code", "age_group", "day_length", "days_per_week", "effective_from"]),
        ("Price", ["period", "tuition", "registration_fee", "supply_fee"]),
        ("Discounts", ["sibling_discount_kind", "sibling_discount", "staff_discount_kind", "staff_discount"]),
    ]

    class Meta:
        model = RatePlan
        fields = [
            "program",
            "name",
            "code",
            "age_group",
            "day_length",
            "days_per_week",
            "effective_from",
            "period",
            "tuition",
            "registration_fee",
            "supply_fee",
            "sibling_discount_kind",
            "sibling_discount",
            "staff_discount_kind",
            "staff_discount",
        ]


class InvoiceRunForm(HubForm):
    period = forms.ChoiceField(choices=RatePeriod.choices, initial=RatePeriod.MONTHLY)
    period_start = forms.DateField(
        label="Period starts on", help_text="The first of the month for a monthly run, a Monday for a weekly run."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period_start"].initial = next_month_start(alliance_today())


class FastFilterForm(forms.Form):
    """A list page's filter form whose selects are written without the template renderer and whose
    program and payer options are read as (id, name) (alliance/fast_widgets.py: the same HTML)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        use_fast_selects(self)


class AccountFilterForm(FastFilterForm):
    q = forms.CharField(label="Family", required=False)
    program = ValuesChoiceField(queryset=MemberProgram.objects.all(), required=False, empty_label="All programs")


class PaymentForm(HubForm):
    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    method = forms.ChoiceField(choices=PaymentMethod.choices)
    received_on = forms.DateField()
    reference = forms.CharField(required=False, max_length=60, help_text="Check number, or card/ACH reference.")
    invoice = forms.ModelChoiceField(
        queryset=Invoice.objects.none(),
        required=False,
        empty_label="Oldest open charges first",
        help_text="Name an invoice only when the family paid that one.",
    )
    note = forms.CharField(required=False, max_length=200)

    def __init__(self, *args: Any, account: FamilyAccount, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choose_from(self.fields["invoice"], Invoice.objects.filter(account=account).order_by("-period_start"))
        self.fields["received_on"].initial = alliance_today()


class ReasonForm(HubForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class WriteOffForm(ReasonForm):
    invoices = forms.ModelMultipleChoiceField(
        queryset=Invoice.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The invoices written off; none ticked: the oldest open charges first.",
    )
    amount = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text="Blank: all of the ticked invoices' open amounts (none ticked: the whole balance).",
    )
    effective_on = forms.DateField(
        label="Effective on",
        required=False,
        help_text="The day the Hub gave up on the debt; today if blank. Bad debt counts it in the month "
        "each charge was billed.",
    )

    def __init__(self, *args: Any, account: FamilyAccount, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choose_from(
            self.fields["invoices"],
            Invoice.objects.filter(account=account)
            .exclude(status__in=[InvoiceStatus.VOID, InvoiceStatus.WRITTEN_OFF])
            .order_by("period_start"),
        )
        self.fields["effective_on"].initial = alliance_today()


class OpeningBalanceForm(HubForm):
    amount = forms.DecimalField(
        label="Opening balance",
        max_digits=12,
        decimal_places=2,
        help_text="What the family owed in the old system at the cut-over; negative = a credit the family holds.",
    )
    as_of = forms.DateField(
        label="Cut-over date", help_text="The day the balance was read from the old system; not in the future."
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Only to correct an opening balance already recorded: it is reversed and this one recorded.",
    )


class StaffDiscountForm(HubForm):
    staff_discount = forms.BooleanField(
        label="Staff family",
        required=False,
        help_text="A guardian works for the program: the rate plan's staff discount comes off tuition "
        "from the next invoice run.",
    )


class RefundForm(HubForm):
    amount = forms.DecimalField(max_digits=12, decimal_places=2, help_text="At most what is left of the payment.")
    refunded_on = forms.DateField(label="Refunded on")
    method = forms.ChoiceField(choices=PaymentMethod.choices, help_text="How the money goes back to the family.")
    reference = forms.CharField(required=False, max_length=60, help_text="Check number, or card/ACH reference.")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class DepositForm(HubForm):
    program = forms.ModelChoiceField(queryset=MemberProgram.objects.all())
    deposited_on = forms.DateField()
    reference = forms.CharField(required=False, max_length=60)
    payments = forms.ModelMultipleChoiceField(queryset=Payment.objects.none(), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, payments: Any, programs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choose_from(self.fields["payments"], payments)
        choose_from(self.fields["program"], programs)
        self.fields["deposited_on"].initial = alliance_today()


class CollectionNoteForm(HubForm):
    """A call's outcome, what was said and what the family promised, logged in one step."""

    outcome = forms.ChoiceField(
        label="How it went", choices=[("", "Not a call (a note)"), *CallOutcome.choices], required=False
    )
    kind = forms.ChoiceField(label="Kind of note", choices=NoteKind.choices, initial=NoteKind.CALL)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    promised_amount = forms.DecimalField(
        label="Promised amount",
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text="What the family promised to pay; at most the balance.",
    )
    promised_on = forms.DateField(
        label="Promised by", required=False, help_text="The day they promised to pay by: today or later."
    )


class InvoiceFilterForm(FastFilterForm):
    """The invoice list's search, filters and sort (all in the query string)."""

    q = forms.CharField(label="Search", required=False, max_length=100, help_text="Invoice number or family.")
    program = ValuesChoiceField(queryset=MemberProgram.objects.none(), required=False, empty_label="All programs")
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any status"), *InvoiceStatus.choices])
    period = forms.DateField(
        label="Period starting",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The first day of the invoiced period.",
    )
    sort = forms.CharField(required=False, widget=forms.HiddenInput)


class AgingFilterForm(FastFilterForm):
    """The aging page's search, filters and sort (all in the query string, with its `as_of` date)."""

    q = forms.CharField(
        label="Search", required=False, max_length=100, help_text="Family, guardian, child, phone or email."
    )
    program = ValuesChoiceField(queryset=MemberProgram.objects.none(), required=False, empty_label="All programs")
    bucket = forms.ChoiceField(
        label="Open in", required=False, choices=[("", "Any age"), *[(b, BUCKET_LABELS[b]) for b in BUCKETS]]
    )
    sort = forms.CharField(required=False, widget=forms.HiddenInput)


class CollectionsFilterForm(FastFilterForm):
    """The collections worklist's search, filters and sort (all in the query string)."""

    q = forms.CharField(
        label="Search", required=False, max_length=100, help_text="Family, guardian, child, phone or email."
    )
    program = ValuesChoiceField(queryset=MemberProgram.objects.none(), required=False, empty_label="All programs")
    bucket = forms.ChoiceField(
        label="Past due", required=False, choices=[("", "Any age"), *[(b, BUCKET_LABELS[b]) for b in BUCKETS[1:]]]
    )
    promise = forms.ChoiceField(label="Promise", required=False, choices=[("", "Any"), *PROMISE_STATUSES.items()])
    payer = ValuesChoiceField(queryset=Payer.objects.none(), required=False, empty_label="Any payer")
    sort = forms.CharField(required=False, widget=forms.HiddenInput)


class PaymentPlanForm(HubForm):
    installment = forms.DecimalField(max_digits=12, decimal_places=2)
    every_days = forms.IntegerField(initial=14)
    starts_on = forms.DateField()
    note = forms.CharField(required=False, max_length=200)


class BillingPolicyForm(HubModelForm):
    class Meta:
        model = BillingPolicy
        fields = [
            "tax_id",
            "late_fee_kind",
            "late_fee_value",
            "late_fee_cap",
            "grace_days",
            "ach_routing_number",
            "ach_company_id",
        ]


class PayerForm(HubForm):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=PayerKind.choices)
    contact_email = forms.EmailField(required=False)


class AuthorizationForm(HubForm):
    payer = forms.ModelChoiceField(queryset=Payer.objects.all())
    program = forms.ModelChoiceField(queryset=MemberProgram.objects.all())
    child = forms.ModelChoiceField(queryset=Child.objects.all())
    case_number = forms.CharField(max_length=40, required=False)
    starts_on = forms.DateField()
    ends_on = forms.DateField()
    authorized_amount = forms.DecimalField(max_digits=12, decimal_places=2)
    family_copay = forms.DecimalField(max_digits=12, decimal_places=2, initial=Decimal("0.00"))
    authorized_days = forms.IntegerField(required=False, min_value=1, max_value=31)


class RemittanceForm(HubForm):
    received_on = forms.DateField()
    reference = forms.CharField(max_length=60, required=False)
    file = forms.FileField(required=False, help_text="CSV with columns case_number, period (YYYY-MM), amount.")
    rows = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Or type the lines",
        help_text="One line per claim: case_number,YYYY-MM,amount",
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        upload = data.get("file")
        if upload:
            try:
                data["text"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise forms.ValidationError("The file is not UTF-8 text.") from None
        elif data.get("rows", "").strip():
            data["text"] = "case_number,period,amount\n" + data["rows"].strip()
        else:
            raise forms.ValidationError("Upload the agency's file, or type the lines.")
        return data


class ShortfallForm(HubForm):
    decision = forms.ChoiceField(
        choices=[("waive", "Waive it (the program writes it down)"), ("bill_family", "Bill it to the family")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class MemberFeesForm(HubForm):
    month = forms.DateField(help_text="Any day of the month to invoice.")


class ExportForm(HubForm):
    program = forms.ModelChoiceField(queryset=MemberProgram.objects.all())
    start = forms.DateField()
    end = forms.DateField()
    format = forms.ChoiceField(
        choices=[
            ("iif", "QuickBooks IIF journal"),
            ("journal", "Journal CSV (debits/credits)"),
            ("ledger", "Plain ledger CSV"),
        ]
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "The period ends on or after it starts.")
        return data


class BankAccountForm(HubForm):
    holder_name = forms.CharField(max_length=22)
    routing_number = forms.CharField(max_length=9)
    account_number = forms.CharField(max_length=17, help_text="Stored encrypted; shown as its last four digits.")
    account_type = forms.ChoiceField(choices=BankAccountType.choices)
    autopay_enabled = forms.BooleanField(required=False, initial=True, label="Collect by autopay")


class AchFileForm(HubForm):
    program = forms.ModelChoiceField(queryset=MemberProgram.objects.all())
    settlement_date = forms.DateField()


class AchReturnsForm(HubForm):
    file = forms.FileField(
        help_text="CSV with columns trace_number, return_code (R01, R02, …), amount, account_number: "
        "a row reverses a payment only when all four match one entry of an ACH file."
    )
