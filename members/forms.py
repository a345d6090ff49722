"""Forms of member pages. They parse input; the rules live in the models' clean()
and the services, which the pages call."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from alliance.dates import alliance_today, bound_form_dates, parse_month
from alliance.fast_widgets import use_fast_selects
from members.models import (
    WEEKDAYS,
    Classroom,
    ClassroomCapacity,
    CostCategory,
    Credential,
    HubService,
    ImportKind,
    LicensingInspection,
    MemberProgram,
    ProgramStatus,
    ServiceSubscription,
    Site,
    StaffMember,
)
from members.services import PROGRAM_PROFILE_FIELDS


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%H:%M")


class HubFormMixin:
    """Date and time fields get the browser's pickers and dates the plausible range of their kind
    (alliance.dates.bound_form_dates: year 1 or 9999 is a form error); selects are written without
    the template renderer (alliance.fast_widgets, the same HTML); fieldsets group long forms."""

    fieldsets: list[tuple[str, list[str]]] = []

    def _use_pickers(self) -> None:
        bound_form_dates(self.fields)  # type: ignore[attr-defined]
        for field in self.fields.values():  # type: ignore[attr-defined]
            if isinstance(field, forms.DateField):
                field.widget = DateInput()
            elif isinstance(field, forms.TimeField):
                field.widget = TimeInput()
        use_fast_selects(self)  # type: ignore[arg-type]

    def grouped_fields(self) -> list[tuple[str, list[forms.BoundField]]]:
        if not self.fieldsets:
            return [("", list(self))]  # type: ignore[call-overload]
        return [
            (title, [self[name] for name in names if name in self.fields])  # type: ignore[index,attr-defined]
            for title, names in self.fieldsets
        ]


class HubModelForm(HubFormMixin, forms.ModelForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._use_pickers()


class HubForm(HubFormMixin, forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._use_pickers()


# --- Programs ---------------------------------------------------------------
PROFILE_FIELDSETS = [
    ("Program", ["name", "legal_name", "kind", "status", "joined_on"]),
    ("License", ["license_number", "licensed_capacity"]),
    ("Address", ["street", "city", "region", "postal_code", "phone"]),
    ("Director", ["director_name", "director_email", "director_phone"]),
    ("Quality", ["qris_rating", "qris_rated_on", "accreditation", "accreditation_expires_on"]),
    ("Costs", ["owner_monthly_wage"]),
    ("Notes", ["notes"]),
]


class ProgramProfileForm(HubModelForm):
    fieldsets = PROFILE_FIELDSETS

    class Meta:
        model = MemberProgram
        fields = [f for names in [n for _, n in PROFILE_FIELDSETS] for f in names if f in PROGRAM_PROFILE_FIELDS]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class ProgramCreateForm(ProgramProfileForm):
    status = forms.ChoiceField(
        choices=[(ProgramStatus.APPLICANT, "Applicant"), (ProgramStatus.ACTIVE, "Active")],
        initial=ProgramStatus.APPLICANT,
        help_text="Active members need a join date; it defaults to today.",
    )

    class Meta(ProgramProfileForm.Meta):
        fields = [*ProgramProfileForm.Meta.fields, "status"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("status") == ProgramStatus.ACTIVE and not cleaned.get("joined_on"):
            self.instance.joined_on = cleaned["joined_on"] = alliance_today()
        return cleaned


class ProgramStatusForm(HubForm):
    status = forms.ChoiceField(
        choices=[(s, label) for s, label in ProgramStatus.choices if s != ProgramStatus.APPLICANT]
    )
    effective_on = forms.DateField(initial=alliance_today)
    reason = forms.CharField(
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Recorded in the audit history.",
    )


class InspectionForm(HubModelForm):
    class Meta:
        model = LicensingInspection
        fields = ["inspected_on", "inspection_type", "outcome", "findings", "corrective_action_due", "corrected_on"]
        widgets = {"findings": forms.Textarea(attrs={"rows": 4})}


# --- Sites and classrooms ---------------------------------------------------
class SiteForm(HubModelForm):
    class Meta:
        model = Site
        fields = ["name", "street", "city", "region", "postal_code", "opened_on", "closed_on"]


def _sites_field(form: forms.BaseForm, program: MemberProgram, *, required: bool) -> None:
    field = form.fields["site"]
    field.queryset = Site.objects.filter(program=program)  # type: ignore[attr-defined]
    field.required = required
    if required and field.queryset.count() == 1:  # type: ignore[attr-defined]
        field.initial = field.queryset.first()  # type: ignore[attr-defined]


class ClassroomForm(HubModelForm):
    operating_days = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        initial=[0, 1, 2, 3, 4],
    )

    class Meta:
        model = Classroom
        fields = [
            "site",
            "name",
            "age_group",
            "children_per_staff",
            "operating_days",
            "opens_at",
            "closes_at",
            "closed_on",
        ]

    def __init__(self, *args: Any, program: MemberProgram, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _sites_field(self, program, required=True)
        if self.instance.pk is None:
            del self.fields["closed_on"]


class ClassroomCreateForm(ClassroomForm):
    licensed_capacity = forms.IntegerField(min_value=0, max_value=500)
    desired_capacity = forms.IntegerField(
        min_value=0,
        max_value=500,
        required=False,
        help_text="The number of children the program aims to enroll; blank = licensed.",
    )
    effective_from = forms.DateField(
        label="Capacity from",
        help_text=(
            "The first day the room had this capacity; it may be in the past. Occupancy counts no "
            "capacity before it, so for a room already open give the day it opened."
        ),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        licensed, desired = cleaned.get("licensed_capacity"), cleaned.get("desired_capacity")
        if licensed is not None and desired is not None and desired > licensed:
            self.add_error("desired_capacity", "The desired capacity cannot exceed the licensed capacity.")
        return cleaned


class CapacityChangeForm(HubModelForm):
    class Meta:
        model = ClassroomCapacity
        fields = ["effective_from", "licensed_capacity", "desired_capacity", "reason"]
        help_texts = {"effective_from": "The first day the new capacity applies."}


# --- Staff ------------------------------------------------------------------
class StaffForm(HubModelForm):
    fieldsets = [
        ("Person", ["first_name", "last_name", "email", "site"]),
        ("Position", ["position", "category", "fte", "started_on", "ended_on"]),
        ("Pay", ["pay_basis", "hourly_wage", "annual_salary", "benefits_annual"]),
    ]

    class Meta:
        model = StaffMember
        fields = [
            "first_name",
            "last_name",
            "email",
            "site",
            "position",
            "category",
            "fte",
            "started_on",
            "ended_on",
            "pay_basis",
            "hourly_wage",
            "annual_salary",
            "benefits_annual",
        ]
        help_texts = {
            "category": "Administration or classroom: the Iron Triangle's staffing split.",
            "started_on": (
                "The first day of work; it may be in the past. The roster's personnel cost counts "
                "from this day, so for someone already working give the day they started."
            ),
        }

    def __init__(self, *args: Any, program: MemberProgram, **kwargs: Any) -> None:
        self.program = program
        super().__init__(*args, **kwargs)
        _sites_field(self, program, required=False)
        self.instance.program = program


class CredentialForm(HubModelForm):
    class Meta:
        model = Credential
        fields = ["name", "identifier", "issued_on", "expires_on"]


# --- Costs ------------------------------------------------------------------
def clean_month_text(value: str) -> datetime.date:
    """A month from 2026-03, 2026-03-01 or 03/2026, or the form error that says how to write one."""
    try:
        return parse_month(value)
    except ValueError:
        raise ValidationError("Enter a month as YYYY-MM, e.g. 2026-03.", code="invalid") from None


class MonthField(forms.CharField):
    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})

    def to_python(self, value: Any) -> datetime.date | None:  # type: ignore[override]
        text = super().to_python(value)
        return clean_month_text(text) if text else None

    def prepare_value(self, value: Any) -> Any:
        return value.strftime("%Y-%m") if isinstance(value, datetime.date) else value


class MonthlyCostsForm(HubForm):
    """One month of a program's costs, one field per category; blank clears it."""

    month = MonthField()

    def __init__(self, *args: Any, month: datetime.date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for category, label in CostCategory.choices:
            self.fields[category] = forms.DecimalField(
                label=label, required=False, max_digits=12, decimal_places=2, min_value=0
            )
        self.fields[CostCategory.PERSONNEL].help_text = "Leave blank to use the cost computed from the staff roster."
        if month is not None:
            del self.fields["month"]
        self.fixed_month = month

    def clean_month(self) -> datetime.date:
        month = self.cleaned_data["month"]
        if month > alliance_today().replace(day=1):
            raise ValidationError("Costs are recorded for months that have begun.")
        return month

    def amounts(self) -> dict[str, Any]:
        return {c: self.cleaned_data.get(c) for c in CostCategory.values}

    def month_value(self) -> datetime.date:
        return self.fixed_month or self.cleaned_data["month"]


# --- Hub services and fee agreements -----------------------------------------
class HubServiceForm(HubModelForm):
    class Meta:
        model = HubService
        fields = ["name", "description", "pricing_model", "rate", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class SubscriptionCreateForm(HubModelForm):
    rate = forms.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text="Leave blank for the catalogue rate. Percent for tuition-based services.",
    )

    class Meta:
        model = ServiceSubscription
        fields = ["service", "rate", "starts_on", "ends_on", "note"]

    def __init__(self, *args: Any, program: MemberProgram, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.program = program
        services = HubService.objects.filter(is_active=True)
        self.fields["service"].queryset = services  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        service = cleaned.get("service")
        if service is not None:
            # The agreement's terms are copied from the catalogue (see the model).
            self.instance.pricing_model = service.pricing_model
            if cleaned.get("rate") is None:
                cleaned["rate"] = service.rate
        return cleaned


class SubscriptionEditForm(HubModelForm):
    class Meta:
        model = ServiceSubscription
        fields = ["rate", "starts_on", "ends_on", "note"]


# --- CSV import -------------------------------------------------------------
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="File (CSV or Excel)", help_text="CSV (UTF-8) or an Excel workbook (.xlsx); first line = column names."
    )
    source = forms.ChoiceField(label="The file comes from", required=False)

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        from members.import_sources import HUB, sources_for

        super().__init__(*args, **kwargs)
        self.kind = ImportKind(kind)
        sources = sources_for(self.kind)
        self.fields["source"].choices = [(s.key, s.label) for s in sources]  # type: ignore[attr-defined]
        self.fields["source"].initial = HUB
        self.fields["source"].help_text = " ".join(f"{s.label}: {s.help}" for s in sources[1:])
        if len(sources) == 1:
            self.fields["source"].widget = forms.HiddenInput()

    def clean_source(self) -> str:
        from members.import_sources import HUB

        return self.cleaned_data.get("source") or HUB

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError("The file is larger than 5 MB; split it into smaller files.")
        if not upload.name.lower().endswith((".csv", ".txt", ".xlsx")):
            raise ValidationError("Upload a .csv or .xlsx file (in a spreadsheet: File › Save as › CSV or Excel).")
        return upload


class ImportMappingForm(forms.Form):
    """One choice per Hub column: which of the file's columns holds it (or none)."""

    def __init__(self, *args: Any, spec: Any, batch: Any, **kwargs: Any) -> None:
        from members.imports import mapping_for

        super().__init__(*args, **kwargs)
        current = batch.mapping or mapping_for(
            program=batch.program, kind=batch.kind, source=batch.source, headers=batch.headers
        )
        choices = [("", "— not in this file —"), *((h, h) for h in batch.headers if h)]
        for column in spec.columns:
            self.fields[column.name] = forms.ChoiceField(
                label=column.name.replace("_", " ").capitalize() + ("" if column.required else " (optional)"),
                choices=choices,
                required=False,
                initial=current.get(column.name, ""),
                help_text=column.help or (f"e.g. {column.example}" if column.example else ""),
            )

    def mapping(self) -> dict[str, str]:
        return {name: value for name, value in self.cleaned_data.items() if value}
