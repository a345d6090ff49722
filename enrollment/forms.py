"""Forms of enrollment pages. They parse input; the rules live in the services."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django import forms
from django.apps import apps

from alliance.dates import BUSINESS_DATE, date_validator
from alliance.fast_widgets import ValuesChoiceField, use_fast_selects
from enrollment.models import (
    PERSON_END_REASONS,
    AbsenceReason,
    Child,
    EndReason,
    Family,
    FundingSource,
    Guardian,
    WaitlistEntry,
    WaitlistStatus,
)
from enrollment.rules import BANDED_GROUPS, DayLength
from members.forms import HubForm, HubModelForm
from members.models import WEEKDAYS, AgeGroup, Classroom, MemberProgram

MAX_VACANCY_DAYS = 366
DAY_LENGTH_HELP = "Full day: the classroom's whole day (FTE 1.0 for five days); part day: about half of it."
OVERRIDE_HELP = (
    "Hub staff only: enroll despite a capacity or age refusal. Write why; "
    "the reason is kept with the enrollment and in the audit history."
)


def weekdays_field(**kwargs: Any) -> forms.TypedMultipleChoiceField:
    return forms.TypedMultipleChoiceField(
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        initial=[0, 1, 2, 3, 4],
        label="Days",
        **kwargs,
    )


def day_length_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=DayLength.CHOICES, initial=DayLength.FULL, widget=forms.RadioSelect, help_text=DAY_LENGTH_HELP
    )


AGE_GROUP_LABELS = dict(AgeGroup.choices)


def classroom_label(program_name: str, name: str, age_group: str) -> str:
    """What Classroom's label was from the instance: its program, its name and its age group."""
    return f"{program_name} — {name} ({str(AGE_GROUP_LABELS.get(age_group, age_group)).lower()})"


def classroom_field(**kwargs: Any) -> ValuesChoiceField:
    return ValuesChoiceField(
        queryset=Classroom.objects.none(),
        label_fields=("site__program__name", "name", "age_group"),
        label_from_values=classroom_label,
        **kwargs,
    )


def program_field(**kwargs: Any) -> ValuesChoiceField:
    """A program by its name (MemberProgram's str), the options read as (id, name)."""
    return ValuesChoiceField(queryset=MemberProgram.objects.order_by("name"), label_fields=("name",), **kwargs)


class OverrideMixin:
    """Hub users get the override box; everyone else never sees it."""

    def setup_override(self, *, can_override: bool) -> None:
        if can_override:
            self.fields["override_reason"] = forms.CharField(  # type: ignore[attr-defined]
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                label="Override reason",
                help_text=OVERRIDE_HELP,
            )


# --- Families ---------------------------------------------------------------
class FamilyForm(HubModelForm):
    class Meta:
        model = Family
        fields = ["name", "street", "city", "postal_code", "home_language", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"city": "Used to match the family with programs in its area."}


class GuardianForm(HubModelForm):
    fieldsets = [
        (
            "Guardian",
            ["first_name", "last_name", "relationship", "email", "phone", "is_primary_contact", "can_pick_up"],
        ),
        ("Consents", ["consent_photos", "consent_field_trips", "consent_text_messages", "consent_share_with_programs"]),
    ]

    class Meta:
        model = Guardian
        fields = [
            "first_name",
            "last_name",
            "relationship",
            "email",
            "phone",
            "is_primary_contact",
            "can_pick_up",
            "consent_photos",
            "consent_field_trips",
            "consent_text_messages",
            "consent_share_with_programs",
        ]


class FirstGuardianForm(HubModelForm):
    """The guardian who applies, on a new family's form."""

    class Meta:
        model = Guardian
        fields = ["first_name", "last_name", "relationship", "email", "phone", "consent_share_with_programs"]


class ChildForm(HubModelForm):
    class Meta:
        model = Child
        fields = ["first_name", "last_name", "date_of_birth", "has_individual_plan", "needs_notes"]
        widgets = {"needs_notes": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"date_of_birth": "An expected date works for a baby not yet born."}


class FamilySearchForm(forms.Form):
    q = forms.CharField(
        required=False,
        label="Search",
        widget=forms.TextInput(attrs={"placeholder": "Family, guardian, child, email or phone"}),
    )


class ExistingFamilyForm(forms.Form):
    family = forms.ModelChoiceField(
        queryset=Family.objects.none(),
        required=False,
        label="Existing family",
        help_text="Leave blank to enter a new household below.",
    )


# --- Enrollments ------------------------------------------------------------
RATE_PLAN_HELP = (
    "The program's rate plans in force. Blank: billing picks the plan that fits the classroom's age group "
    "and the schedule (plans without a code are found that way)."
)


def rate_plan_field() -> forms.ChoiceField:
    return forms.ChoiceField(required=False, label="Tuition rate plan", help_text=RATE_PLAN_HELP)


def rate_plan_choices(program_ids: Any, current: str = "") -> list[Any]:
    """The programs' rate plans in force today or later that have a code, grouped by program (billing's
    model, named by string: enrollment does not import billing)."""
    from django.db.models import Q

    from alliance.dates import alliance_today

    plans = (
        apps.get_model("billing", "RatePlan")
        .objects.exclude(code="")
        .filter(program_id__in=list(program_ids))
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=alliance_today()))
        .select_related("program")
        .order_by("program__name", "name", "effective_from")
    )
    groups: dict[str, list[tuple[str, str]]] = {}
    seen: set[str] = set()
    for plan in plans:
        options = groups.setdefault(plan.program.name, [])
        if (plan.code, plan.program.name) in {(c, plan.program.name) for c, _ in options}:
            continue  # a later price of the same plan
        options.append((plan.code, f"{plan.name} ({plan.code})"))
        seen.add(plan.code)
    choices: list[Any] = [("", "By age group and schedule")]
    choices += list(groups.items()) if len(groups) > 1 else next(iter(groups.values()), [])
    if current and current not in seen:
        choices.append((current, f"{current} (as recorded; no plan in force has this code)"))
    return choices


class EnrollForm(OverrideMixin, HubForm):
    classroom = classroom_field()
    start_date = forms.DateField()
    end_date = forms.DateField(required=False, help_text="Blank while the child stays on.")
    weekdays = weekdays_field()
    day_length = day_length_field()
    funding_source = forms.ChoiceField(choices=FundingSource.choices, initial=FundingSource.PRIVATE_PAY)
    rate_plan_ref = rate_plan_field()

    def __init__(self, *args: Any, classrooms: Any, can_override: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["classroom"].queryset = classrooms  # type: ignore[attr-defined]
        programs = classrooms.order_by().values_list("site__program_id", flat=True).distinct()
        self.fields["rate_plan_ref"].choices = rate_plan_choices(programs)  # type: ignore[attr-defined]
        self.setup_override(can_override=can_override)


class ScheduleChangeForm(OverrideMixin, HubForm):
    effective_from = forms.DateField(help_text="The first day of the new schedule.")
    weekdays = weekdays_field()
    day_length = day_length_field()

    def __init__(self, *args: Any, can_override: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_override(can_override=can_override)


class TransferForm(OverrideMixin, HubForm):
    classroom = classroom_field(label="New classroom")
    effective_from = forms.DateField(help_text="The first day in the new classroom.")
    weekdays = weekdays_field()
    day_length = day_length_field()

    def __init__(self, *args: Any, classrooms: Any, can_override: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["classroom"].queryset = classrooms  # type: ignore[attr-defined]
        self.setup_override(can_override=can_override)


class EndForm(HubForm):
    end_date = forms.DateField(label="Last day", help_text="The last day the child attends.")
    reason = forms.ChoiceField(choices=[(r.value, r.label) for r in PERSON_END_REASONS])
    note = forms.CharField(max_length=300, required=False, help_text="Required when the reason is “Other”.")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("reason") == EndReason.OTHER and not cleaned.get("note", "").strip():
            self.add_error("note", "Say why the enrollment ends.")
        return cleaned


class TermsForm(HubForm):
    funding_source = forms.ChoiceField(choices=FundingSource.choices)
    rate_plan_ref = rate_plan_field()

    def __init__(self, *args: Any, program_id: int, current: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rate_plan_ref"].choices = rate_plan_choices([program_id], current)  # type: ignore[attr-defined]


class EnrollmentFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("active", "Enrolled now"), ("upcoming", "Starting later"), ("ended", "Ended"), ("", "All")],
        required=False,
        initial="active",
    )
    program = program_field(required=False)
    classroom = classroom_field(required=False)
    funding_source = forms.ChoiceField(choices=[("", "Any funding"), *FundingSource.choices], required=False)
    q = forms.CharField(required=False, label="Child's name")

    def __init__(self, *args: Any, classrooms: Any, show_program: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        use_fast_selects(self)
        self.fields["classroom"].queryset = classrooms  # type: ignore[attr-defined]
        if not show_program:
            del self.fields["program"]


# --- Attendance -------------------------------------------------------------
class AttendanceMarkForm(forms.Form):
    ACTIONS = ["check_in", "check_out", "absent", "clear", "correct"]
    enrollment = forms.IntegerField()
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    day = forms.DateField(validators=[date_validator(BUSINESS_DATE)])
    reason = forms.ChoiceField(choices=AbsenceReason.choices, required=False)
    # The time of a check-in or check-out; blank is now on today, the room's opening
    # (closing) time on a past day.
    at = forms.TimeField(required=False)
    # A correction of a day's times.
    check_in_at = forms.TimeField(required=False)
    check_out_at = forms.TimeField(required=False)
    correction_reason = forms.CharField(required=False, max_length=200)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("action") == "correct" and not cleaned.get("check_in_at"):
            self.add_error("check_in_at", "Give the check-in time.")
        return cleaned


class BulkAttendanceForm(forms.Form):
    """Everyone at once: one time for all, and per child (`choice-<enrollment id>`) an
    exception: "skip", "at" with `at-<id>`, or "absent:<reason>" (check-in only)."""

    day = forms.DateField()
    at = forms.TimeField(required=False, label="Time for everyone")

    def __init__(self, *args: Any, enrollment_ids: Iterable[int] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.enrollment_ids = list(enrollment_ids)

    def exceptions(self) -> dict[int, Any]:
        """The per-child exceptions as the service takes them; bad input is a form error."""
        from enrollment.services import ChildException

        found: dict[int, ChildException] = {}
        time_field = forms.TimeField()
        for pk in self.enrollment_ids:
            choice = (self.data.get(f"choice-{pk}") or "").strip()
            if not choice:
                continue
            if choice == "skip":
                found[pk] = ChildException("skip")
            elif choice == "at":
                text = (self.data.get(f"at-{pk}") or "").strip()
                try:
                    at = time_field.clean(text)
                except forms.ValidationError:
                    at = None
                found[pk] = ChildException("at", at=at)
            elif choice.startswith("absent:"):
                found[pk] = ChildException("absent", reason=choice.split(":", 1)[1])
            else:
                found[pk] = ChildException(choice)
        return found


class StaffMarkForm(forms.Form):
    staff = forms.IntegerField()
    day = forms.DateField()
    action = forms.ChoiceField(choices=[("in", "in"), ("out", "out")])
    at = forms.TimeField(required=False)


class AttendanceUploadForm(HubForm):  # HubForm: the shared field template lists its fields
    file = forms.FileField(
        label="CSV file", help_text="Columns: child_id, date, check_in, check_out, absence_reason. Up to 5,000 rows."
    )


# --- Waitlist ---------------------------------------------------------------
class ProgramChoicesField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


class WaitlistEntryForm(HubForm):
    fieldsets = [
        ("Where", ["program", "acceptable_programs", "area", "any_program"]),
        ("When and how much", ["desired_start", "weekdays", "day_length"]),
        ("Priority", ["sibling_enrolled", "subsidy_eligible", "added_on", "notes"]),
    ]
    program = forms.ModelChoiceField(
        queryset=MemberProgram.objects.none(),
        required=False,
        empty_label="The alliance's shared waitlist",
        help_text="The program whose waitlist this is, or the shared one.",
    )
    acceptable_programs = ProgramChoicesField(
        queryset=MemberProgram.objects.none(), required=False, label="Would also accept"
    )
    area = forms.CharField(max_length=100, required=False, help_text="Any program in this city would suit.")
    any_program = forms.BooleanField(required=False, label="Any member program would suit")
    desired_start = forms.DateField()
    weekdays = weekdays_field()
    day_length = day_length_field()
    sibling_enrolled = forms.BooleanField(required=False, label="A sibling is already enrolled")
    subsidy_eligible = forms.BooleanField(required=False, label="Eligible for a child-care subsidy")
    added_on = forms.DateField(required=False, help_text="When the family applied; blank for today.")
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, programs: Any, fixed_program: MemberProgram | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs  # type: ignore[attr-defined]
        self.fields["acceptable_programs"].queryset = programs  # type: ignore[attr-defined]
        self.fixed_program: MemberProgram | None = fixed_program
        if fixed_program is not None:
            del self.fields["program"]  # a provider keeps their own program's waitlist

    def cleaned_program(self) -> MemberProgram | None:
        return self.fixed_program if self.fixed_program is not None else self.cleaned_data.get("program")

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        kwargs = {
            "desired_start": data["desired_start"],
            "weekdays": data["weekdays"],
            "day_length": data["day_length"],
            "area": data.get("area", ""),
            "any_program": data.get("any_program", False),
            "sibling_enrolled": data.get("sibling_enrolled", False),
            "subsidy_eligible": data.get("subsidy_eligible", False),
            "added_on": data.get("added_on"),
            "notes": data.get("notes", ""),
        }
        if "acceptable_programs" in self.fields:
            kwargs["acceptable_program_ids"] = [p.pk for p in data.get("acceptable_programs") or []]
        return kwargs


class WaitlistFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("open", "Waiting or offered"), *WaitlistStatus.choices, ("", "All")], required=False, initial="open"
    )
    program = program_field(
        required=False,
        empty_label="Every list",
        help_text="Its own list and families who chose it.",
    )
    shared = forms.BooleanField(required=False, label="Shared waitlist only")
    age_group = forms.ChoiceField(
        choices=[("", "Any age"), *[(g, AgeGroup(g).label) for g in BANDED_GROUPS]],
        required=False,
        label="Age group at start",
    )
    q = forms.CharField(required=False, label="Child or family")

    def __init__(self, *args: Any, show_program: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        use_fast_selects(self)
        if not show_program:
            del self.fields["program"]
            del self.fields["shared"]


class WithdrawForm(HubForm):
    reason = forms.CharField(max_length=300, help_text="Why the family leaves the waitlist.")


# --- Offers -----------------------------------------------------------------
class OfferForm(HubForm):
    entry = forms.IntegerField(widget=forms.HiddenInput)
    start_date = forms.DateField(widget=forms.HiddenInput)
    respond_by = forms.DateField(help_text="The family answers by this day; the offer lapses after it.")
    note = forms.CharField(max_length=300, required=False)


class AcceptForm(OverrideMixin, HubForm):
    funding_source = forms.ChoiceField(choices=FundingSource.choices, initial=FundingSource.PRIVATE_PAY)
    rate_plan_ref = rate_plan_field()

    def __init__(self, *args: Any, can_override: bool, program_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rate_plan_ref"].choices = rate_plan_choices([program_id])  # type: ignore[attr-defined]
        self.setup_override(can_override=can_override)


class DeclineForm(HubForm):
    note = forms.CharField(max_length=300, required=False, label="What the family said")
    keep_waiting = forms.BooleanField(required=False, initial=True, label="The family stays on the waitlist")


class OfferWithdrawForm(HubForm):
    note = forms.CharField(max_length=300, label="Why the offer is withdrawn")


# --- Vacancy ----------------------------------------------------------------
class VacancyFilterForm(HubForm):
    start = forms.DateField(required=False, label="From")
    days = forms.IntegerField(min_value=1, max_value=MAX_VACANCY_DAYS, required=False, initial=90, label="Days ahead")
    program = program_field(required=False, empty_label="All programs")
    age_group = forms.ChoiceField(choices=[("", "All age groups"), *AgeGroup.choices], required=False)
    area = forms.ChoiceField(choices=[("", "All areas")], required=False)

    def __init__(self, *args: Any, areas: list[str], show_program: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", "All areas"), *[(a, a) for a in areas]]  # type: ignore[attr-defined]
        if not show_program:
            del self.fields["program"]

    def range(self, today: datetime.date) -> tuple[datetime.date, datetime.date]:
        data = self.cleaned_data if self.is_valid() else {}
        start = data.get("start") or today
        days = data.get("days") or 90
        return start, start + datetime.timedelta(days=days - 1)


class MatchForm(HubForm):
    start = forms.DateField(label="Start date")


# --- Age bands --------------------------------------------------------------
class AgeBandsForm(HubForm):
    """One from/to pair per banded age group, in months."""

    def __init__(self, *args: Any, bands: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = {b.age_group: b for b in bands}
        for group in BANDED_GROUPS:
            label = AgeGroup(group).label
            self.fields[f"{group}_min"] = forms.IntegerField(
                min_value=0, max_value=240, label=f"{label} from", initial=current[group].min_months
            )
            self.fields[f"{group}_max"] = forms.IntegerField(
                min_value=1,
                max_value=240,
                label=f"{label} to under",
                initial=current[group].max_months,
                help_text="months",
            )

    def bands(self) -> list[Any]:
        from enrollment.rules import Band

        return [Band(g, self.cleaned_data[f"{g}_min"], self.cleaned_data[f"{g}_max"]) for g in BANDED_GROUPS]


class BulkOfferForm(HubForm):
    """Offer one room to the ticked waitlist entries (the waitlist page's bulk action)."""

    entries = forms.ModelMultipleChoiceField(
        queryset=WaitlistEntry.objects.none(), widget=forms.MultipleHiddenInput, label="Waiting children"
    )
    classroom = forms.ModelChoiceField(queryset=Classroom.objects.none(), label="Room")
    start_date = forms.DateField(label="Start date")
    respond_days = forms.IntegerField(
        label="Days to answer", min_value=0, max_value=60, initial=7, help_text="Never past the start date."
    )

    def __init__(self, *args: Any, entries: Any, classrooms: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entries"].queryset = entries  # type: ignore[attr-defined]
        self.fields["classroom"].queryset = classrooms  # type: ignore[attr-defined]
        self.fields["classroom"].label_from_instance = lambda room: f"{room.site.program.name} · {room.name}"  # type: ignore[attr-defined]
