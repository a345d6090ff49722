"""Forms of billing pages: they parse input; rules live in the services."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms

from billing.models import RatePeriod, RatePlan
from members.forms import HubForm, HubModelForm
from members.models import MemberProgram


class RatePlanForm(HubModelForm):
    program = forms.ModelChoiceField(queryset=MemberProgram.objects.all())

    fieldsets = [
        ("Who it prices", ["program", "name", "code", "age_group", "day_length", "days_per_week",
                           "effective_from"]),
        ("Price", ["period", "tuition", "registration_fee", "supply_fee"]),
        ("Discounts", ["sibling_discount_kind", "sibling_discount", "staff_discount_kind", "staff_discount"]),
    ]

    class Meta:
        model = RatePlan
        fields = ["program", "name", "code", "age_group", "day_length", "days_per_week", "effective_from",
                  "period", "tuition", "registration_fee", "supply_fee", "sibling_discount_kind",
                  "sibling_discount", "staff_discount_kind", "staff_discount"]


class InvoiceRunForm(HubForm):
    period = forms.ChoiceField(choices=RatePeriod.choices, initial=RatePeriod.MONTHLY)
    period_start = forms.DateField(
        label="Period starts on",
        help_text="The first of the month for a monthly run, a Monday for a weekly run.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = datetime.date.today()
        next_month = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
        self.fields["period_start"].initial = next_month


class AccountFilterForm(forms.Form):
    q = forms.CharField(label="Family", required=False)
    program = forms.ModelChoiceField(queryset=MemberProgram.objects.all(), required=False,
                                     empty_label="All programs")
