"""Families, guardians and children."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.generic import ListView, TemplateView

from alliance.dates import alliance_today
from alliance.views_base import HUB_ONLY, add_errors
from enrollment import services
from enrollment.forms import ChildForm, FamilyForm, FamilySearchForm, FirstGuardianForm, GuardianForm
from enrollment.models import Child, Enrollment, Family, Guardian, Offer, WaitlistEntry
from enrollment.pages import EnrollmentFormPage, EnrollmentPage
from enrollment.selectors import child_attendance_summary, families_search, family_rows

ATTENDANCE_SUMMARY_DAYS = 30


class FamilyListView(EnrollmentPage, ListView):
    template_name = "enrollment/family_list.html"
    section = "families"
    title = "Families"
    paginate_by = 25
    context_object_name = "families"

    def get_queryset(self) -> Any:
        self.search = FamilySearchForm(self.request.GET or None)
        query = self.search.cleaned_data.get("q", "") if self.search.is_valid() else ""
        return self.visible(families_search(query)).values("pk", "name", "city")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(families=family_rows(context["families"]), search=self.search, query_string=query.urlencode())
        return context


class FamilyCreateView(EnrollmentPage, TemplateView):
    """A household and its first guardian. Children are added from the family's page."""

    allowed_roles = HUB_ONLY
    template_name = "enrollment/family_form.html"
    section = "families"
    title = "New family"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("family_form", FamilyForm(prefix="family"))
        context.setdefault("guardian_form", FirstGuardianForm(prefix="guardian"))
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        family_form = FamilyForm(request.POST, prefix="family")
        guardian_form = FirstGuardianForm(request.POST, prefix="guardian")
        if family_form.is_valid() and guardian_form.is_valid():
            try:
                with transaction.atomic():
                    family = services.family_create(actor=request.user, **family_form.cleaned_data)
                    services.guardian_create(actor=request.user, family=family, **guardian_form.cleaned_data)
            except ValidationError as exc:
                add_errors(family_form, exc)
            else:
                messages.success(request, f"{family.name} added. Add the children next.")
                return redirect(self.alliance_url("enrollment:family_detail", family.pk))
        return self.render_to_response(self.get_context_data(family_form=family_form, guardian_form=guardian_form))


class FamilyFromURL(EnrollmentPage):
    def get_family(self) -> Family:
        if not hasattr(self, "family"):
            self.family = self.get_for_member(Family.objects.all(), pk=self.kwargs["pk"])
        return self.family


class FamilyDetailView(FamilyFromURL, TemplateView):
    template_name = "enrollment/family_detail.html"
    section = "families"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.get_family()
        return super().get(request, *args, **kwargs)

    def get_title(self) -> str:
        return self.family.name

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from outreach.models import Message, TourBooking  # outreach builds on enrollment: imported where used

        context = super().get_context_data(**kwargs)
        today = alliance_today(self.alliance)
        enrollments = Enrollment.objects.select_related("classroom", "program").order_by("-start_date")
        children = list(
            self.visible(Child.objects.filter(family=self.family))
            .prefetch_related(Prefetch("enrollments", queryset=self.visible(enrollments)))
            .order_by("date_of_birth")
        )
        for child in children:
            child.current = [e for e in child.enrollments.all() if e.end_date is None or e.end_date >= today]
        context.update(
            family=self.family,
            guardians=Guardian.objects.filter(family=self.family),
            children=children,
            entries=self.visible(
                WaitlistEntry.objects.filter(child__family=self.family).select_related("child", "program")
            ),
            # The family's messages a provider sees are those about their own program's records.
            sent=list(
                self.visible(Message.objects.filter(family=self.family)).select_related(
                    "sent_by", "guardian", "substitute"
                )[:100]
            ),
            # Tours booked from the family's inquiries (a provider sees those of their own program).
            tours=list(
                self.visible(TourBooking.objects.filter(inquiry__family=self.family))
                .select_related("slot", "program")
                .order_by("-slot__day", "-slot__starts_at")[:20]
            ),
        )
        return context


class FamilyEditView(FamilyFromURL, EnrollmentFormPage):
    form_class = FamilyForm
    section = "families"
    title = "Edit household"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "instance": self.get_family()}

    def extra_crumbs(self) -> list[tuple[str, str | None]]:
        return [(self.get_family().name, self.alliance_url("enrollment:family_detail", self.family.pk))]

    def perform(self, form: FamilyForm) -> Family:
        return services.family_update(actor=self.request.user, family=self.get_family(), data=form.cleaned_data)

    def success_url_for(self, obj: Family) -> str:
        return self.alliance_url("enrollment:family_detail", obj.pk)


class GuardianCreateView(FamilyFromURL, EnrollmentFormPage):
    form_class = GuardianForm
    section = "families"
    title = "Add a guardian"

    def extra_crumbs(self) -> list[tuple[str, str | None]]:
        return [(self.get_family().name, self.alliance_url("enrollment:family_detail", self.family.pk))]

    def get_form_kwargs(self) -> dict[str, Any]:
        self.get_family()
        return super().get_form_kwargs()

    def perform(self, form: GuardianForm) -> Guardian:
        return services.guardian_create(actor=self.request.user, family=self.get_family(), **form.cleaned_data)

    def success_message(self, obj: Guardian) -> str:
        return f"{obj.full_name} added."

    def success_url_for(self, obj: Guardian) -> str:
        return self.alliance_url("enrollment:family_detail", obj.family_id)


class GuardianEditView(EnrollmentFormPage):
    form_class = GuardianForm
    section = "families"
    title = "Edit guardian"

    def get_guardian(self) -> Guardian:
        if not hasattr(self, "guardian"):
            self.guardian = self.get_for_member(Guardian.objects.select_related("family"), pk=self.kwargs["pk"])
        return self.guardian

    def extra_crumbs(self) -> list[tuple[str, str | None]]:
        family = self.get_guardian().family
        return [(family.name, self.alliance_url("enrollment:family_detail", family.pk))]

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "instance": self.get_guardian()}

    def perform(self, form: GuardianForm) -> Guardian:
        return services.guardian_update(actor=self.request.user, guardian=self.get_guardian(), data=form.cleaned_data)

    def success_url_for(self, obj: Guardian) -> str:
        return self.alliance_url("enrollment:family_detail", obj.family_id)


class ChildCreateView(FamilyFromURL, EnrollmentFormPage):
    """Hub users add a child to a household; providers use New enrollment or the
    waitlist form, which add a child and place them at once."""

    allowed_roles = HUB_ONLY
    form_class = ChildForm
    section = "families"
    title = "Add a child"

    def extra_crumbs(self) -> list[tuple[str, str | None]]:
        return [(self.get_family().name, self.alliance_url("enrollment:family_detail", self.family.pk))]

    def get_form_kwargs(self) -> dict[str, Any]:
        family = self.get_family()
        return {
            **super().get_form_kwargs(),
            "instance": Child(family=family),
            "initial": {"last_name": family.name.removesuffix(" family")},
        }

    def perform(self, form: ChildForm) -> Child:
        return services.child_create(actor=self.request.user, family=self.get_family(), **form.cleaned_data)

    def success_message(self, obj: Child) -> str:
        return f"{obj.full_name} added."

    def success_url_for(self, obj: Child) -> str:
        return self.alliance_url("enrollment:child_detail", obj.pk)


class ChildFromURL(EnrollmentPage):
    def get_child(self) -> Child:
        if not hasattr(self, "child"):
            self.child = self.get_for_member(Child.objects.select_related("family"), pk=self.kwargs["pk"])
        return self.child

    def extra_crumbs(self) -> list[tuple[str, str | None]]:
        child = self.get_child()
        return [
            (child.family.name, self.alliance_url("enrollment:family_detail", child.family_id)),
            (child.full_name, self.alliance_url("enrollment:child_detail", child.pk)),
        ]


class ChildDetailView(ChildFromURL, TemplateView):
    template_name = "enrollment/child_detail.html"
    section = "families"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.get_child()
        return super().get(request, *args, **kwargs)

    def get_title(self) -> str:
        return self.child.full_name

    def extra_crumbs(self) -> list[tuple[str, str | None]]:
        return ChildFromURL.extra_crumbs(self)[:1]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        today = alliance_today(self.alliance)
        enrollments = self.visible(
            Enrollment.objects.filter(child=self.child)
            .select_related("classroom", "program")
            .order_by("-start_date", "-id")
        )
        since = today - datetime.timedelta(days=ATTENDANCE_SUMMARY_DAYS)
        context.update(
            child=self.child,
            enrollments=enrollments,
            current=[e for e in enrollments if e.end_date is None or e.end_date >= today],
            attendance=child_attendance_summary(enrollments, since=since),
            guardians=Guardian.objects.filter(family_id=self.child.family_id),
            entries=self.visible(WaitlistEntry.objects.filter(child=self.child).select_related("program")),
            offers=self.visible(Offer.objects.filter(entry__child=self.child).select_related("classroom", "program")),
        )
        return context


class ChildEditView(ChildFromURL, EnrollmentFormPage):
    form_class = ChildForm
    section = "families"
    title = "Edit child"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "instance": self.get_child()}

    def perform(self, form: ChildForm) -> Child:
        return services.child_update(actor=self.request.user, child=self.get_child(), data=form.cleaned_data)

    def success_url_for(self, obj: Child) -> str:
        return self.alliance_url("enrollment:child_detail", obj.pk)
