"""Member programs: the Hub's directory, each member's profile (the provider's
portal), membership status, quality and licensing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.generic import FormView, ListView, TemplateView

from alliance.dates import alliance_today
from alliance.fast_widgets import use_fast_selects
from alliance.models import HUB_ROLES, AuditEvent, Membership
from alliance.views_base import AllianceMixin, add_errors
from members import services
from members.forms import InspectionForm, ProgramCreateForm, ProgramProfileForm, ProgramStatusForm
from members.models import (
    QRIS_MAX_STARS,
    Accreditation,
    LicensingInspection,
    MemberProgram,
    ProgramKind,
    ProgramStatus,
)
from members.pages import (
    AGREEMENT_EDITORS,
    PROFILE_EDITORS,
    ProgramFormPage,
    ProgramPage,
)
from members.selectors import program_directory, program_overview_figures, qris_history_of

SORT_CHOICES = [
    ("name", "Name (A–Z)"),
    ("-name", "Name (Z–A)"),
    ("-capacity", "Licensed capacity (largest)"),
    ("capacity", "Licensed capacity (smallest)"),
    ("-rating", "QRIS rating (highest)"),
    ("rating", "QRIS rating (lowest)"),
    ("-joined", "Joined (newest)"),
    ("joined", "Joined (oldest)"),
    ("city", "City"),
]


# The directory form's fields that narrow it (sort only orders it).
DIRECTORY_FILTERS = ("q", "kind", "status", "rating")


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, license, city…"}),
    )
    kind = forms.ChoiceField(choices=[("", "Any kind"), *ProgramKind.choices], required=False)
    status = forms.ChoiceField(choices=[("", "Any status"), *ProgramStatus.choices], required=False)
    rating = forms.ChoiceField(
        label="QRIS rating",
        required=False,
        choices=[
            ("", "Any rating"),
            *[(str(n), f"{n} star{'s' if n > 1 else ''}") for n in range(QRIS_MAX_STARS, 0, -1)],
            ("none", "Not rated"),
        ],
    )
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        use_fast_selects(self)


class ProgramListView(AllianceMixin, ListView):
    """The Hub's member directory."""

    template_name = "members/program_list.html"
    context_object_name = "programs"
    paginate_by = 50
    title = "Member programs"

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return [(self.alliance.name, self.alliance_url("alliance:home")), (self.title, None)]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        self.filters = DirectoryFilterForm(self.request.GET or None)
        params = self.params = self.filters.cleaned_data if self.filters.is_valid() else {}
        return program_directory(
            self.visible(MemberProgram.objects.all()),
            search=params.get("q", ""),
            kind=params.get("kind", ""),
            status=params.get("status", ""),
            rating=params.get("rating", ""),
            sort=params.get("sort") or "name",
            today=alliance_today(self.alliance),
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        # A hub member's unfiltered directory is every program: its paginator has counted them.
        unfiltered = self.membership.may(HUB_ROLES) and not any(self.params.get(k) for k in DIRECTORY_FILTERS)
        context.update(
            filters=self.filters,
            query_string=query.urlencode(),
            total=context["paginator"].count if unfiltered else MemberProgram.objects.count(),
            can_add=self.membership.may(AGREEMENT_EDITORS),
        )
        return context


class ProgramCreateView(AllianceMixin, FormView):
    allowed_roles = AGREEMENT_EDITORS
    template_name = "members/form.html"
    form_class = ProgramCreateForm
    title = "Add a member program"

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return [
            (self.alliance.name, self.alliance_url("alliance:home")),
            ("Member programs", self.alliance_url("members:program_list")),
            (self.title, None),
        ]

    def form_valid(self, form: ProgramCreateForm) -> HttpResponse:
        data = dict(form.cleaned_data)
        try:
            program = services.program_create(
                actor=self.request.user, name=data.pop("name"), kind=data.pop("kind"), status=data.pop("status"), **data
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{program} was added to the alliance.")
        return redirect(self.alliance_url("members:program_detail", program.pk))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(submit_label="Add program", cancel_url=self.alliance_url("members:program_list"))
        return context


class ProgramDetailView(ProgramPage, TemplateView):
    """A member's profile: the Hub's view of it and the provider's portal."""

    template_name = "members/program_detail.html"
    tab = "overview"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["figures"] = program_overview_figures(self.program, today=alliance_today(self.alliance))
        context["providers"] = (
            Membership.objects.filter(program=self.program, is_active=True)
            .select_related("user")
            .order_by("user__email", "pk")
        )
        context["recent_events"] = AuditEvent.objects.filter(program=self.program)[:10]
        return context


class ProgramEditView(ProgramFormPage):
    allowed_roles = PROFILE_EDITORS
    form_class = ProgramProfileForm
    title = "Edit profile"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "instance": self.program}

    def perform(self, form: ProgramProfileForm) -> MemberProgram:
        return services.program_update(actor=self.request.user, program=self.program, data=form.cleaned_data)

    def success_message(self, obj: MemberProgram) -> str:
        return f"{obj}'s profile was saved."


class ProgramStatusView(ProgramFormPage):
    allowed_roles = AGREEMENT_EDITORS
    form_class = ProgramStatusForm
    title = "Change membership status"
    submit_label = "Change status"

    @property
    def intro(self) -> str:  # type: ignore[override]
        status = self.program.get_status_display().lower()
        since = f" since {self.program.status_changed_on}" if self.program.status_changed_on else ""
        return f"{self.program} is {status}{since}. A program that leaves keeps all its history; nothing is deleted."

    def perform(self, form: ProgramStatusForm) -> MemberProgram:
        return services.program_status_change(actor=self.request.user, program=self.program, **form.cleaned_data)

    def success_message(self, obj: MemberProgram) -> str:
        return f"{obj} is now {obj.get_status_display().lower()}."


class ProgramQualityView(ProgramPage, TemplateView):
    template_name = "members/program_quality.html"
    tab = "quality"
    title = "Quality & licensing"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        today = alliance_today(self.alliance)
        program = self.program
        context.update(
            inspections=LicensingInspection.objects.filter(program=program),
            rating_history=qris_history_of(program),
            stars=range(1, QRIS_MAX_STARS + 1),
            accreditation_expired=bool(program.accreditation_expires_on and program.accreditation_expires_on < today),
            accreditation_is_set=program.accreditation != Accreditation.NONE,
        )
        return context


class InspectionCreateView(ProgramFormPage):
    allowed_roles = PROFILE_EDITORS
    form_class = InspectionForm
    title = "Record a licensing inspection"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "instance": LicensingInspection(program=self.program)}

    def perform(self, form: InspectionForm) -> LicensingInspection:
        return services.inspection_create(actor=self.request.user, program=self.program, **form.cleaned_data)

    def success_message(self, obj: LicensingInspection) -> str:
        return f"{obj} recorded."

    def success_url_for(self, obj: Any) -> str:
        return self.program_url("members:program_quality")


class InspectionEditView(InspectionCreateView):
    title = "Edit licensing inspection"

    def get_form_kwargs(self) -> dict[str, Any]:
        self.inspection = self.get_for_member(
            LicensingInspection.objects.filter(program=self.program), pk=self.kwargs["pk"]
        )
        return {**ProgramFormPage.get_form_kwargs(self), "instance": self.inspection}

    def perform(self, form: InspectionForm) -> LicensingInspection:
        return services.inspection_update(actor=self.request.user, inspection=self.inspection, data=form.cleaned_data)

    def success_message(self, obj: LicensingInspection) -> str:
        return f"{obj} saved."
