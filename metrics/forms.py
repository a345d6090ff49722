from __future__ import annotations

from decimal import Decimal

from django import forms


class PercentField(forms.DecimalField):
    """A percentage from 0 to 100 with two places."""

    def __init__(self, *, label: str, help_text: str = "") -> None:
        super().__init__(
            label=label,
            help_text=help_text,
            max_digits=5,
            decimal_places=2,
            min_value=Decimal(0),
            max_value=Decimal(100),
        )


class TargetsForm(forms.Form):
    """Targets in percent on the page; stored as fractions."""

    budget_occupancy = PercentField(
        label="Budgeted occupancy (%)",
        help_text="Members below it are flagged. Many programs budget at 85%.",
    )
    target_occupancy = PercentField(
        label="Target occupancy (%)", help_text="The Iron Triangle's model case assumes 95%."
    )
    bad_debt_max = PercentField(
        label="Bad debt at most (% of billed)", help_text="The model case assumes 2% uncollectible."
    )
    collection_min = PercentField(label="Collection rate at least (%)")

    FIELDS = ["budget_occupancy", "target_occupancy", "bad_debt_max", "collection_min"]

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        budget, target = data.get("budget_occupancy"), data.get("target_occupancy")
        if budget is not None and target is not None and budget > target:
            self.add_error("budget_occupancy", "The budgeted occupancy cannot exceed the target.")
        return data

    def fractions(self) -> dict[str, Decimal]:
        return {name: (self.cleaned_data[name] / 100).quantize(Decimal("0.0001")) for name in self.FIELDS}


class HubMoneyForm(forms.ModelForm):
    class Meta:
        from metrics.models import HubMoney

        model = HubMoney
        fields = ["month", "kind", "amount", "description"]
        widgets = {"month": forms.DateInput(attrs={"type": "date"})}
        help_texts = {"month": "Any day of the month; it is recorded as the month's first day."}
