"""Enrollments: the list, enrolling (a known child or a new one), and the
changes of a place: schedule, classroom, end, funding terms."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.generic import ListView, TemplateView

from alliance.dates import alliance_today
from alliance.formatting import day
from alliance.views_base import add_errors
from enrollment import services
from enrollment.forms import (
    ChildForm,
    EndForm,
    EnrollForm,
    EnrollmentFilterForm,
    ExistingFamilyForm,
    FamilyForm,
    FirstGuardianForm,
    ScheduleChangeForm,
    TermsForm,
    TransferForm,
)
from enrollment.models import AttendanceRecord, Enrollment, Family, Offer
from enrollment.pages import EnrollmentFormPage, EnrollmentPage
from enrollment.selectors import ENROLLMENT_ROW_COLUMNS, enrollment_rows, enrollments_filtered
from enrollment.views_families import ChildFromURL

RECENT_ATTENDANCE_DAYS = 14


def enroll_kwargs(form: EnrollForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "classroom": data["classroom"],
        "start_date": data["start_date"],
        "end_date": data.get("end_date"),
        "weekdays": data["weekdays"],
        "day_length": data["day_length"],
        "funding_source": data["funding_source"],
        "rate_plan_ref": data.get("rate_plan_ref", ""),
        "override_reason": data.get("override_reason", ""),
    }


class EnrollmentListView(EnrollmentPage, ListView):
    template_name = "enrollment/enrollment_list.html"
    section = "enrollments"
    paginate_by = 50
    context_object_name = "enrollments"

    def get_title(self) -> str:
        return "Enrollment" if self.is_hub else f"Enrollment — {self.program_name}"

    def get_queryset(self) -> QuerySet[Enrollment, dict[str, Any]]:
        data = self.request.GET.copy()
        if "status" not in data:
            data["status"] = "active"
        self.filters = EnrollmentFilterForm(data, classrooms=self.visible_classrooms(), show_program=self.is_hub)
        cleaned: dict[str, Any] = self.filters.cleaned_data if self.filters.is_valid() else {"status": "active"}
        program = cleaned.get("program")
        classroom = cleaned.get("classroom")
        rows = enrollments_filtered(
            status=cleaned.get("status", ""),
            on=alliance_today(self.alliance),
            program_id=program.pk if program else None,
            classroom_id=classroom.pk if classroom else None,
            funding_source=cleaned.get("funding_source", ""),
            query=cleaned.get("q", ""),
        )
        return self.visible(rows).values(*ENROLLMENT_ROW_COLUMNS)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            enrollments=enrollment_rows(context["enrollments"]), filters=self.filters, query_string=query.urlencode()
        )
        return context


class EnrollmentNewView(EnrollmentPage, TemplateView):
    """Enroll a child the Hub has not met: household, guardian, child and place at once."""

    template_name = "enrollment/enrollment_new.html"
    section = "enrollments"
    title = "New enrollment"

    def build_forms(self, data: Any = None) -> dict[str, Any]:
        existing = ExistingFamilyForm(data, prefix="existing")
        existing.fields["family"].queryset = self.visible(Family.objects.order_by("name"))  # type: ignore[attr-defined]
        return {
            "existing_form": existing,
            "family_form": FamilyForm(data, prefix="family"),
            "guardian_form": FirstGuardianForm(data, prefix="guardian"),
            "child_form": ChildForm(data, prefix="child"),
            "enroll_form": EnrollForm(
                data, prefix="enrollment", classrooms=self.visible_classrooms(), can_override=self.is_hub
            ),
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        for name, form in (kwargs.get("forms") or self.build_forms()).items():
            context[name] = form
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        forms = self.build_forms(request.POST)
        existing = forms["existing_form"]
        family = existing.cleaned_data.get("family") if existing.is_valid() else None
        needed = ["child_form", "enroll_form"] + ([] if family else ["family_form", "guardian_form"])
        if existing.is_valid() and all(forms[name].is_valid() for name in needed):
            try:
                enrollment = services.enrollment_intake_create(
                    actor=request.user,
                    family=family,
                    family_data=None if family else forms["family_form"].cleaned_data,
                    guardian_data=None if family else forms["guardian_form"].cleaned_data,
                    child=forms["child_form"].cleaned_data,
                    enrollment=enroll_kwargs(forms["enroll_form"]),
                )
            except ValidationError as exc:
                for prefix, name in (
                    ("family", "family_form"),
                    ("guardian", "guardian_form"),
                    ("child", "child_form"),
                    ("enrollment", "enroll_form"),
                ):
                    add_errors(forms[name], _only(exc, prefix), prefix=prefix)
                add_errors(forms["enroll_form"], _only(exc, "__all__"))
            else:
                messages.success(
                    request,
                    f"{enrollment.child.full_name} enrolled in {enrollment.classroom.name} "
                    f"from {day(enrollment.start_date)}.",
                )
                return redirect(self.alliance_url("enrollment:enrollment_detail", enrollment.pk))
        return self.render_to_response(self.get_context_data(forms=forms))


def _only(exc: ValidationError, prefix: str) -> ValidationError:
    """The part of a prefixed error dict that belongs to one form."""
    if not hasattr(exc, "error_dict"):
        return ValidationError(exc.messages) if prefix == "__all__" else ValidationError({})
    if prefix == "__all__":
        return ValidationError(exc.message_dict.get("__all__", []))
    return ValidationError({k: v for k, v in exc.message_dict.items() if k.startswith(prefix + "_")})


class ChildEnrollView(ChildFromURL, EnrollmentFormPage):
    section = "families"
    title = "Enroll"
    submit_label = "Enroll"

    def get_form(self, form_class: Any = None) -> EnrollForm:
        self.get_child()
        return EnrollForm(**self.get_form_kwargs(), classrooms=self.visible_classrooms(), can_override=self.is_hub)

    def get_initial(self) -> dict[str, Any]:
        return {"start_date": alliance_today(self.alliance)}

    def perform(self, form: EnrollForm) -> Enrollment:
        return services.enrollment_create(actor=self.request.user, child=self.get_child(), **enroll_kwargs(form))

    def success_message(self, obj: Enrollment) -> str:
        return f"{obj.child.full_name} enrolled in {obj.classroom.name} from {day(obj.start_date)}."

    def success_url_for(self, obj: Enrollment) -> str:
        return self.alliance_url("enrollment:enrollment_detail", obj.pk)

    def cancel_url(self) -> str:
        return self.alliance_url("enrollment:child_detail", self.get_child().pk)


class EnrollmentFromURL(EnrollmentPage):
    section = "enrollments"

    def get_enrollment(self) -> Enrollment:
        if not hasattr(self, "enrollment"):
            self.enrollment = self.get_for_member(
                Enrollment.objects.select_related("child__family", "classroom__site", "program"), pk=self.kwargs["pk"]
            )
        return self.enrollment

    def extra_crumbs(self) -> list[tuple[str, str | None]]:
        e = self.get_enrollment()
        return [(f"{e.child.full_name} in {e.classroom.name}", self.alliance_url("enrollment:enrollment_detail", e.pk))]

    def detail_url(self, enrollment: Enrollment | None = None) -> str:
        return self.alliance_url("enrollment:enrollment_detail", (enrollment or self.get_enrollment()).pk)


class EnrollmentDetailView(EnrollmentFromURL, TemplateView):
    template_name = "enrollment/enrollment_detail.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.get_enrollment()
        return super().get(request, *args, **kwargs)

    def get_title(self) -> str:
        return f"{self.enrollment.child.full_name} in {self.enrollment.classroom.name}"

    def extra_crumbs(self) -> list[tuple[str, str | None]]:
        return []

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        e = self.enrollment
        today = alliance_today(self.alliance)
        chain = [e]
        while chain[0].previous_id:
            chain.insert(0, Enrollment.objects.select_related("classroom").get(pk=chain[0].previous_id))
        following = Enrollment.objects.filter(previous=e).select_related("classroom").first()
        while following is not None:
            chain.append(following)
            following = Enrollment.objects.filter(previous=following).select_related("classroom").first()
        context.update(
            enrollment=e,
            status=e.status_on(today),
            chain=chain if len(chain) > 1 else [],
            successor=next((c for c in chain if c.previous_id == e.pk), None),
            attendance=AttendanceRecord.objects.filter(
                enrollment=e, day__gte=today - datetime.timedelta(days=RECENT_ATTENDANCE_DAYS)
            ).order_by("-day"),
            offer=Offer.objects.filter(enrollment=e).first(),
        )
        return context


class EnrollmentChangePage(EnrollmentFromURL, EnrollmentFormPage):
    def success_url_for(self, obj: Enrollment) -> str:
        return self.detail_url(obj)

    def cancel_url(self) -> str:
        return self.detail_url()


class EnrollmentScheduleView(EnrollmentChangePage):
    title = "Change the schedule"
    submit_label = "Change the schedule"
    intro = (
        "From the date you give, the child attends on the new days. Earlier days keep the old "
        "schedule, so each day's FTE stays as it was."
    )

    def get_form(self, form_class: Any = None) -> ScheduleChangeForm:
        return ScheduleChangeForm(**self.get_form_kwargs(), can_override=self.is_hub)

    def get_initial(self) -> dict[str, Any]:
        e = self.get_enrollment()
        return {
            "effective_from": max(alliance_today(self.alliance), e.start_date),
            "weekdays": e.weekdays,
            "day_length": e.day_length,
        }

    def perform(self, form: ScheduleChangeForm) -> Enrollment:
        data = form.cleaned_data
        return services.enrollment_change_schedule(
            actor=self.request.user,
            enrollment=self.get_enrollment(),
            effective_from=data["effective_from"],
            weekdays=data["weekdays"],
            day_length=data["day_length"],
            override_reason=data.get("override_reason", ""),
        )

    def success_message(self, obj: Enrollment) -> str:
        return f"New schedule from {day(obj.start_date)}: {obj.schedule_label} (FTE {obj.fte})."


class EnrollmentTransferView(EnrollmentChangePage):
    title = "Move to another classroom"
    submit_label = "Move"
    intro = "The age and capacity checks apply to the new classroom from the date you give."

    def get_form(self, form_class: Any = None) -> TransferForm:
        rooms = self.visible_classrooms().exclude(pk=self.get_enrollment().classroom_id)
        return TransferForm(**self.get_form_kwargs(), classrooms=rooms, can_override=self.is_hub)

    def get_initial(self) -> dict[str, Any]:
        e = self.get_enrollment()
        return {
            "effective_from": max(alliance_today(self.alliance), e.start_date + datetime.timedelta(days=1)),
            "weekdays": e.weekdays,
            "day_length": e.day_length,
        }

    def perform(self, form: TransferForm) -> Enrollment:
        data = form.cleaned_data
        return services.enrollment_transfer(
            actor=self.request.user,
            enrollment=self.get_enrollment(),
            classroom=data["classroom"],
            effective_from=data["effective_from"],
            weekdays=data["weekdays"],
            day_length=data["day_length"],
            override_reason=data.get("override_reason", ""),
        )

    def success_message(self, obj: Enrollment) -> str:
        return f"{obj.child.full_name} moves to {obj.classroom.name} on {day(obj.start_date)}."


class EnrollmentEndView(EnrollmentChangePage):
    title = "End the enrollment"
    submit_label = "End the enrollment"
    form_class = EndForm

    def get_initial(self) -> dict[str, Any]:
        e = self.get_enrollment()
        return {
            "end_date": e.end_date or max(alliance_today(self.alliance), e.start_date),
            "reason": e.end_reason or None,
            "note": e.end_note,
        }

    def perform(self, form: EndForm) -> Enrollment:
        data = form.cleaned_data
        return services.enrollment_end(
            actor=self.request.user,
            enrollment=self.get_enrollment(),
            end_date=data["end_date"],
            reason=data["reason"],
            note=data.get("note", ""),
        )

    def success_message(self, obj: Enrollment) -> str:
        return f"{obj.child.full_name}'s last day in {obj.classroom.name} is {day(obj.end_date)}."


class EnrollmentTermsView(EnrollmentChangePage):
    title = "Funding and rate plan"
    form_class = TermsForm

    def get_initial(self) -> dict[str, Any]:
        e = self.get_enrollment()
        return {"funding_source": e.funding_source, "rate_plan_ref": e.rate_plan_ref}

    def get_form_kwargs(self) -> dict[str, Any]:
        e = self.get_enrollment()
        return {**super().get_form_kwargs(), "program_id": e.program_id, "current": e.rate_plan_ref}

    def perform(self, form: TermsForm) -> Enrollment:
        return services.enrollment_update_terms(
            actor=self.request.user, enrollment=self.get_enrollment(), **form.cleaned_data
        )
