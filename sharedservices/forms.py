"""Forms of shared-services pages. They parse input; the rules live in the
services (and the models' clean()), which the pages call."""

from __future__ import annotations

from typing import Any

from django import forms

from alliance.formatting import money
from members.forms import HubForm
from members.models import WEEKDAYS, AgeGroup, Classroom, MemberProgram
from sharedservices.models import (
    CatalogueItem,
    CoachingFocus,
    CoachVisit,
    CoverReason,
    CredentialType,
    Employment,
    GoalStatus,
    Substitute,
)
from sharedservices.selectors import programs_for_choice


class SubstituteForm(HubForm):
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=40, required=False)
    employment = forms.ChoiceField(choices=Employment.choices)
    home_program = forms.ModelChoiceField(
        queryset=MemberProgram.objects.all(),
        required=False,
        help_text="For a shared substitute: the member that employs them.",
    )
    age_groups = forms.MultipleChoiceField(choices=AgeGroup.choices, widget=forms.CheckboxSelectMultiple)
    is_active = forms.BooleanField(label="In the pool", required=False, initial=True)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["home_program"].queryset = programs_for_choice()  # type: ignore[attr-defined]


class CredentialForm(HubForm):
    kind = forms.ChoiceField(label="Credential", choices=CredentialType.choices)
    identifier = forms.CharField(label="Certificate number", max_length=100, required=False)
    issued_on = forms.DateField(required=False)
    expires_on = forms.DateField(required=False, help_text="Blank if it never expires.")


class ClearanceForm(HubForm):
    program = forms.ModelChoiceField(queryset=MemberProgram.objects.all())
    cleared_on = forms.DateField(help_text="Background check and orientation completed.")
    note = forms.CharField(max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs_for_choice()  # type: ignore[attr-defined]


class AvailabilityForm(HubForm):
    first_day = forms.DateField()
    last_day = forms.DateField()
    weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple, initial=[0, 1, 2, 3, 4]
    )
    starts_at = forms.TimeField(label="From")
    ends_at = forms.TimeField(label="Until")


class CoverRequestForm(HubForm):
    program = forms.ModelChoiceField(queryset=MemberProgram.objects.all())
    classroom = forms.ModelChoiceField(queryset=Classroom.objects.all())
    day = forms.DateField()
    starts_at = forms.TimeField(label="From", help_text="Quarter hours, e.g. 07:00.")
    ends_at = forms.TimeField(label="Until")
    age_group = forms.ChoiceField(choices=[("", "The classroom's age group"), *AgeGroup.choices], required=False)
    required_credential = forms.ChoiceField(
        choices=[("", "None beyond the pool's checks"), *CredentialType.choices], required=False
    )
    reason = forms.ChoiceField(choices=CoverReason.choices)
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Anything the substitute should know (routines, allergies are on file).",
    )

    def __init__(
        self, *args: Any, programs: Any, classrooms: Any, fixed_program: MemberProgram | None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs  # type: ignore[attr-defined]
        self.fields["classroom"].queryset = classrooms  # type: ignore[attr-defined]
        self.fields["classroom"].label_from_instance = (  # type: ignore[attr-defined]
            lambda room: f"{room.name} ({room.site.program.name}, {room.get_age_group_display()})"
        )
        if fixed_program is not None:
            self.fields["program"].initial = fixed_program.pk
            self.fields["program"].widget = forms.HiddenInput()


class FillForm(HubForm):
    substitute = forms.ModelChoiceField(queryset=Substitute.objects.all())


class ReasonForm(HubForm):
    reason = forms.CharField(max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class HoursForm(HubForm):
    hours = forms.DecimalField(label="Hours worked", max_digits=5, decimal_places=2, min_value=0)


# --- Purchasing ------------------------------------------------------------------
class VendorForm(HubForm):
    name = forms.CharField(max_length=200)
    contact_name = forms.CharField(max_length=200, required=False)
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=40, required=False)
    is_active = forms.BooleanField(label="Buying from them", required=False, initial=True)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class CatalogueItemForm(HubForm):
    name = forms.CharField(max_length=200)
    sku = forms.CharField(label="Vendor's item code", max_length=50, required=False)
    unit = forms.CharField(max_length=50, help_text="What one of these is, e.g. 'case of 12 boxes'.")
    alliance_price = forms.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, help_text="The price the Hub negotiated, per unit."
    )
    list_price = forms.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, help_text="The vendor's public price, per unit."
    )
    is_active = forms.BooleanField(label="Offered", required=False, initial=True)


class CycleForm(HubForm):
    name = forms.CharField(max_length=100, help_text="E.g. 'Spring 2026 supplies'.")
    closes_on = forms.DateField(label="Orders close on")
    delivery_on = forms.DateField(label="Expected delivery", required=False)


class OrderLineForm(HubForm):
    item = forms.ModelChoiceField(queryset=CatalogueItem.objects.all())
    quantity = forms.IntegerField(min_value=0, help_text="0 removes the item from the order.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = CatalogueItem.objects.filter(  # type: ignore[attr-defined]
            is_active=True, vendor__is_active=True
        ).select_related("vendor")
        self.fields["item"].label_from_instance = (  # type: ignore[attr-defined]
            lambda i: (
                f"{i.vendor.name}: {i.name} ({i.unit}), {money(i.alliance_price)} instead of {money(i.list_price)}"
            )
        )


class DeliveryForm(HubForm):
    delivered_on = forms.DateField()
    note = forms.CharField(max_length=300, required=False)

    def __init__(self, *args: Any, lines: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for line in lines:
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                label=f"{line.item.name} ({line.item.unit}), ordered {line.quantity}",
                min_value=0,
                initial=line.quantity,
            )
        self._use_pickers()

    def quantities(self) -> dict[int, int]:
        return {int(name[5:]): value for name, value in self.cleaned_data.items() if name.startswith("line_")}


# --- Coaching ---------------------------------------------------------------------
class CoachVisitForm(HubForm):
    program = forms.ModelChoiceField(queryset=MemberProgram.objects.all())
    visited_on = forms.DateField()
    focus = forms.ChoiceField(choices=CoachingFocus.choices)
    hours = forms.DecimalField(max_digits=4, decimal_places=2, min_value=0, help_text="Time on site.")
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), help_text="What was observed and discussed.")
    next_steps = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs_for_choice()  # type: ignore[attr-defined]


class GoalForm(HubForm):
    program = forms.ModelChoiceField(queryset=MemberProgram.objects.all())
    visit = forms.ModelChoiceField(
        queryset=CoachVisit.objects.all(), required=False, help_text="The visit where it was agreed, if any."
    )
    title = forms.CharField(max_length=200)
    focus = forms.ChoiceField(choices=CoachingFocus.choices)
    due_on = forms.DateField()
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs_for_choice()  # type: ignore[attr-defined]
        self.fields["visit"].queryset = CoachVisit.objects.select_related("program").order_by("-visited_on")  # type: ignore[attr-defined]
        self.fields["visit"].label_from_instance = (  # type: ignore[attr-defined]
            lambda v: f"{v.program.name}, {v.visited_on}: {v.get_focus_display()}"
        )


class GoalUpdateForm(HubForm):
    title = forms.CharField(max_length=200)
    due_on = forms.DateField()
    status = forms.ChoiceField(choices=GoalStatus.choices)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
