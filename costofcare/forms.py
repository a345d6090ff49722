"""The assumptions form: every field optional, each blank one showing the default it takes."""

from __future__ import annotations

from typing import Any

from costofcare.calc import AGE_GROUPS, LABELS
from costofcare.models import ASSUMPTION_FIELDS, GENERAL_FIELDS, GROUP_FIELDS, CostOfCareAssumptions
from costofcare.selectors import Default, default_label
from members.forms import HubModelForm


class AssumptionsForm(HubModelForm):
    fieldsets = [
        ("Staff and hours", ["hourly_wage", "benefits_percent", "hours_open_a_day", "days_open_a_year"]),
        ("Costs shared by the children", ["occupancy_monthly", "other_monthly", "admin_monthly"]),
        *((LABELS[g], [f"{g}_{f}" for f in GROUP_FIELDS]) for g in AGE_GROUPS),
    ]

    class Meta:
        model = CostOfCareAssumptions
        fields = list(ASSUMPTION_FIELDS)

    def __init__(self, *args: Any, defaults: dict[str, Default], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.required = False
            field.help_text = f"{field.help_text} Blank: {default_label(defaults[name], name)}."
            if name not in GENERAL_FIELDS:
                # The fieldset's legend names the age group; the label need not repeat it.
                field.label = str(field.label).split(": ", 1)[-1].capitalize()

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in ASSUMPTION_FIELDS}
