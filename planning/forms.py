"""The scenario form (percent fields with their ranges, from the model) and the prospective member's figures."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms

from members.models import MemberProgram, ProgramStatus
from planning.models import CHANGE_FIELDS, Scenario


class ScenarioForm(forms.ModelForm):
    """Hub staff choose the member; a provider's scenarios are of its own program."""

    class Meta:
        model = Scenario
        fields = ["program", "name", *CHANGE_FIELDS]

    def __init__(self, *args: Any, programs: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if programs is None or self.instance.pk:
            del self.fields["program"]  # a scenario stays with its member
        else:
            field = cast(forms.ModelChoiceField, self.fields["program"])
            field.queryset = programs.exclude(status=ProgramStatus.APPLICANT).order_by("name")
            field.label = "Member"
        self.fields["name"].help_text = "E.g. “Fill the toddler room”, “Join the alliance”."


class CompareForm(forms.Form):
    a = forms.ModelChoiceField(queryset=Scenario.objects.none(), label="First scenario")
    b = forms.ModelChoiceField(queryset=Scenario.objects.none(), label="Second scenario")

    def __init__(self, *args: Any, scenarios: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("a", "b"):
            field = cast(forms.ModelChoiceField, self.fields[name])
            field.queryset = scenarios
            field.label_from_instance = lambda s: f"{s.program.name}: {s.name}"  # type: ignore[method-assign,assignment]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("a") and data.get("a") == data.get("b"):
            self.add_error("b", "Choose two different scenarios.")
        return data


def _money(label: str, help_text: str = "", required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, min_value=Decimal("0"), max_digits=12, decimal_places=2, help_text=help_text, required=required
    )


def _percent(label: str, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label, min_value=Decimal("0"), max_value=Decimal("100"), max_digits=5, decimal_places=2,
        help_text=help_text,
    )  # fmt: skip


class ProspectForm(forms.Form):
    """A prospective member's month, typed in: the alliance's measured effects are applied to it."""

    name = forms.CharField(label="Centre or home", max_length=120, initial="Prospective member")
    licensed_places = forms.IntegerField(label="Licensed places", min_value=1, max_value=2000)
    enrolled = forms.DecimalField(
        label="Enrolled children (FTE)", min_value=Decimal("0"), max_digits=7, decimal_places=2
    )
    billed = _money("Tuition and fees billed per month")
    collection_rate = _percent("Collection rate %", "Collected ÷ billed.")
    bad_debt_rate = _percent("Bad debt %", "Written off ÷ billed.")
    personnel = _money("Personnel cost per month", "Wages, salaries and benefits.")
    food_supplies = _money("Food and supplies per month")
    other_cost = _money("Other operating cost per month", "Rent, insurance, everything else.")
    hub_fee = _money("Hub fee per month", "What the alliance would charge it.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        places, enrolled = data.get("licensed_places"), data.get("enrolled")
        if places is not None and enrolled is not None and enrolled > places:
            self.add_error("enrolled", "Enrolled FTE cannot exceed the licensed places.")
        return data


class MemberChoiceForm(forms.Form):
    program = forms.ModelChoiceField(queryset=MemberProgram.objects.none(), label="Member")

    def __init__(self, *args: Any, programs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["program"]).queryset = programs.exclude(
            status=ProgramStatus.APPLICANT
        ).order_by("name")
