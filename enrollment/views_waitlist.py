"""Waitlists (each program's and the alliance's shared one) and offers."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.generic import ListView, TemplateView

from alliance.dates import alliance_today
from alliance.formatting import day
from alliance.views_base import HUB_ONLY, add_errors
from enrollment import services
from enrollment.forms import (
    AcceptForm,
    ChildForm,
    DeclineForm,
    ExistingFamilyForm,
    FamilyForm,
    FirstGuardianForm,
    OfferWithdrawForm,
    WaitlistEntryForm,
    WaitlistFilterForm,
    WithdrawForm,
)
from enrollment.models import Family, FundingSource, Offer, OfferStatus, WaitlistEntry, WaitlistStatus
from enrollment.pages import EnrollmentFormPage, EnrollmentPage
from enrollment.rules import age_group_on, classroom_takes
from enrollment.selectors import (
    WAITLIST_ROW_COLUMNS,
    age_bands,
    offers_filtered,
    vacancy_report,
    waitlist_filtered,
    waitlist_rows,
)
from enrollment.views_enrollments import _only
from enrollment.views_families import ChildFromURL
from members.models import ProgramStatus

PLACES_AHEAD_DAYS = 90


class WaitlistView(EnrollmentPage, ListView):
    template_name = "enrollment/waitlist.html"
    section = "waitlist"
    paginate_by = 50
    context_object_name = "entries"

    def get_title(self) -> str:
        return "Waitlist" if self.is_hub else f"Waitlist — {self.program_name}"

    def get_queryset(self) -> Any:
        data = self.request.GET.copy()
        if "status" not in data:
            data["status"] = "open"
        self.filters = WaitlistFilterForm(data, show_program=self.is_hub)
        cleaned: dict[str, Any] = self.filters.cleaned_data if self.filters.is_valid() else {"status": "open"}
        program = cleaned.get("program")
        rows = waitlist_filtered(
            status=cleaned.get("status", ""),
            program_id=program.pk if program else None,
            shared_only=cleaned.get("shared", False),
            age_group=cleaned.get("age_group", ""),
            query=cleaned.get("q", ""),
        )
        return self.visible(rows).values(*WAITLIST_ROW_COLUMNS)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            entries=waitlist_rows(context["entries"], with_choices=self.is_hub),  # only hub users see the choices
            filters=self.filters,
            query_string=query.urlencode(),
            # The bulk form's room options need three columns, not rooms with their site and program.
            bulk_rooms=self.visible_classrooms().values("pk", "name", program_name=F("site__program__name")),
            bulk_start=alliance_today(self.alliance),
        )
        return context


def _entry_form(
    page: EnrollmentPage, data: Any = None, *, prefix: str | None = None, instance: WaitlistEntry | None = None
) -> WaitlistEntryForm:
    """Hub users choose the list and the other programs; a provider's entries go
    on their own program's list (they may note an area or "any program")."""
    programs = page.visible_programs().exclude(status=ProgramStatus.LEFT)
    fixed = None if page.is_hub else page.membership.program
    initial: dict[str, Any] = {"desired_start": alliance_today(page.alliance)}
    if instance is not None:
        initial = {
            "program": instance.program,
            "acceptable_programs": list(instance.acceptable_programs.all()),
            "area": instance.area,
            "any_program": instance.any_program,
            "desired_start": instance.desired_start,
            "weekdays": instance.weekdays,
            "day_length": instance.day_length,
            "sibling_enrolled": instance.sibling_enrolled,
            "subsidy_eligible": instance.subsidy_eligible,
            "added_on": instance.added_on,
            "notes": instance.notes,
        }
    form = WaitlistEntryForm(data, prefix=prefix, initial=initial, programs=programs, fixed_program=fixed)
    if not page.is_hub:
        del form.fields["acceptable_programs"]
    if instance is not None and "program" in form.fields:
        del form.fields["program"]  # which list an entry is on does not change; withdraw and add again
    return form


class WaitlistApplyView(EnrollmentPage, TemplateView):
    """A family applies once: a new child goes on a program's waitlist or the shared one."""

    template_name = "enrollment/waitlist_apply.html"
    section = "waitlist"
    title = "Add a family to the waitlist"

    def build_forms(self, data: Any = None) -> dict[str, Any]:
        existing = ExistingFamilyForm(data, prefix="existing")
        existing.fields["family"].queryset = self.visible(Family.objects.order_by("name"))  # type: ignore[attr-defined]
        return {
            "existing_form": existing,
            "family_form": FamilyForm(data, prefix="family"),
            "guardian_form": FirstGuardianForm(data, prefix="guardian"),
            "child_form": ChildForm(data, prefix="child"),
            "entry_form": _entry_form(self, data, prefix="entry"),
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(kwargs.get("forms") or self.build_forms())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        forms = self.build_forms(request.POST)
        existing = forms["existing_form"]
        family = existing.cleaned_data.get("family") if existing.is_valid() else None
        needed = ["child_form", "entry_form"] + ([] if family else ["family_form", "guardian_form"])
        if existing.is_valid() and all(forms[name].is_valid() for name in needed):
            entry_form = forms["entry_form"]
            try:
                entry = services.waitlist_application_create(
                    actor=request.user,
                    family=family,
                    family_data=None if family else forms["family_form"].cleaned_data,
                    guardian_data=None if family else forms["guardian_form"].cleaned_data,
                    child=forms["child_form"].cleaned_data,
                    program=entry_form.cleaned_program(),
                    entry=entry_form.service_kwargs(),
                )
            except ValidationError as exc:
                for prefix, name in (
                    ("family", "family_form"),
                    ("guardian", "guardian_form"),
                    ("child", "child_form"),
                    ("entry", "entry_form"),
                ):
                    add_errors(forms[name], _only(exc, prefix), prefix=prefix)
                add_errors(forms["entry_form"], _only(exc, "__all__"))
            else:
                messages.success(request, f"{entry.child.full_name} is on {_list_name(entry)}.")
                return redirect(self.alliance_url("enrollment:waitlist_entry", entry.pk))
        return self.render_to_response(self.get_context_data(forms=forms))


def _list_name(entry: WaitlistEntry) -> str:
    return f"{entry.program.name}'s waitlist" if entry.program is not None else "the shared waitlist"


class ChildWaitlistAddView(ChildFromURL, EnrollmentFormPage):
    section = "families"
    title = "Add to a waitlist"
    submit_label = "Add to the waitlist"

    def get_form(self, form_class: Any = None) -> WaitlistEntryForm:
        self.get_child()
        return _entry_form(self, self.request.POST if self.request.method == "POST" else None)

    def perform(self, form: WaitlistEntryForm) -> WaitlistEntry:
        return services.waitlist_entry_create(
            actor=self.request.user, child=self.get_child(), program=form.cleaned_program(), **form.service_kwargs()
        )

    def success_message(self, obj: WaitlistEntry) -> str:
        return f"{obj.child.full_name} is on {_list_name(obj)}."

    def success_url_for(self, obj: WaitlistEntry) -> str:
        return self.alliance_url("enrollment:waitlist_entry", obj.pk)


class EntryFromURL(EnrollmentPage):
    section = "waitlist"

    def get_entry(self) -> WaitlistEntry:
        if not hasattr(self, "entry"):
            self.entry = self.get_for_member(
                WaitlistEntry.objects.select_related("child__family", "program"), pk=self.kwargs["pk"]
            )
        return self.entry

    def extra_crumbs(self) -> list[tuple[str, str | None]]:
        entry = self.get_entry()
        return [(entry.child.full_name, self.alliance_url("enrollment:waitlist_entry", entry.pk))]


class WaitlistEntryView(EntryFromURL, TemplateView):
    template_name = "enrollment/waitlist_entry.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.get_entry()
        return super().get(request, *args, **kwargs)

    def get_title(self) -> str:
        return f"{self.entry.child.full_name} — {_list_name(self.entry)}"

    def extra_crumbs(self) -> list[tuple[str, str | None]]:
        return []

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        entry = self.entry
        context.update(
            entry=entry,
            choices=entry.acceptable_programs.order_by("name"),
            guardians=entry.child.family.guardians.all(),
            offers=self.visible(entry.offers.select_related("classroom", "program")),
            places=self.places_for(entry) if self.is_hub and entry.status == WaitlistStatus.WAITING else None,
        )
        return context

    def places_for(self, entry: WaitlistEntry) -> list[Any]:
        """Classrooms of the family's choices with a place open from its desired start."""
        start = max(alliance_today(self.alliance), entry.desired_start)
        age_group = age_group_on(entry.child.date_of_birth, start, age_bands())
        if age_group is None:
            return []
        report = vacancy_report(start=start, end=start + datetime.timedelta(days=PLACES_AHEAD_DAYS - 1))
        chosen = {p.pk for p in entry.acceptable_programs.all()} | ({entry.program_id} if entry.program_id else set())
        places = []
        for room in report.with_open_slots():
            group = room.classroom.age_group
            if not classroom_takes(group, age_group):
                continue
            if not (
                entry.any_program
                or room.program.pk in chosen
                or (entry.area and entry.area.lower() == room.area.lower())
            ):
                continue
            if not set(entry.weekdays) <= set(room.classroom.operating_days):
                continue
            places.append(room)
        return places


class WaitlistEntryEditView(EntryFromURL, EnrollmentFormPage):
    title = "Edit waitlist entry"

    def get_form(self, form_class: Any = None) -> WaitlistEntryForm:
        return _entry_form(
            self, self.request.POST if self.request.method == "POST" else None, instance=self.get_entry()
        )

    def perform(self, form: WaitlistEntryForm) -> WaitlistEntry:
        return services.waitlist_entry_update(
            actor=self.request.user,
            entry=self.get_entry(),
            data=form.service_kwargs() | {"added_on": form.cleaned_data.get("added_on") or self.get_entry().added_on},
        )

    def success_url_for(self, obj: WaitlistEntry) -> str:
        return self.alliance_url("enrollment:waitlist_entry", obj.pk)

    def cancel_url(self) -> str:
        return self.success_url_for(self.get_entry())


class WaitlistEntryWithdrawView(EntryFromURL, EnrollmentFormPage):
    title = "Take off the waitlist"
    submit_label = "Take off the waitlist"
    form_class = WithdrawForm

    def perform(self, form: WithdrawForm) -> WaitlistEntry:
        return services.waitlist_entry_withdraw(
            actor=self.request.user, entry=self.get_entry(), reason=form.cleaned_data["reason"]
        )

    def success_message(self, obj: WaitlistEntry) -> str:
        return f"{obj.child.full_name} is off {_list_name(obj)}."

    def success_url_for(self, obj: WaitlistEntry) -> str:
        return self.alliance_url("enrollment:waitlist_entry", obj.pk)

    def cancel_url(self) -> str:
        return self.success_url_for(self.get_entry())


# --- Offers -----------------------------------------------------------------
class OfferListView(EnrollmentPage, ListView):
    template_name = "enrollment/offer_list.html"
    section = "offers"
    title = "Offers"
    paginate_by = 50
    context_object_name = "offers"

    def get_queryset(self) -> Any:
        self.status = self.request.GET.get("status", OfferStatus.OPEN)
        if self.status not in OfferStatus.values:
            self.status = ""
        return self.visible(offers_filtered(status=self.status))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            status=self.status,
            statuses=OfferStatus.choices,
            query_string=f"status={self.status}",
            has_open=any(o.status == OfferStatus.OPEN for o in context["offers"]),
        )
        return context


class OfferFromURL(EnrollmentPage):
    section = "offers"

    def get_offer(self) -> Offer:
        if not hasattr(self, "offer"):
            self.offer = self.get_for_member(
                Offer.objects.select_related(
                    "entry__child__family", "entry__program", "classroom__site", "program", "made_by", "enrollment"
                ),
                pk=self.kwargs["pk"],
            )
        return self.offer


class OfferDetailView(OfferFromURL, TemplateView):
    template_name = "enrollment/offer_detail.html"

    def get_title(self) -> str:
        return f"Place in {self.offer.classroom.name} for {self.offer.entry.child.full_name}"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.get_offer()
        return self.render_to_response(self.get_context_data())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        offer = self.offer
        context.update(
            offer=offer,
            lapsed=offer.status == OfferStatus.OPEN and offer.respond_by < alliance_today(self.alliance),
            accept_form=kwargs.get("accept_form")
            or AcceptForm(
                can_override=self.is_hub,
                program_id=offer.classroom.site.program_id,
                initial={
                    "funding_source": FundingSource.SUBSIDY
                    if offer.entry.subsidy_eligible
                    else FundingSource.PRIVATE_PAY
                },
            ),
            decline_form=kwargs.get("decline_form") or DeclineForm(),
            withdraw_form=kwargs.get("withdraw_form") or OfferWithdrawForm(),
            guardians=offer.entry.child.family.guardians.all(),
        )
        return context


class OfferActionView(OfferDetailView):
    """POST only; errors show on the offer's page."""

    http_method_names = ["post"]
    form_name = ""

    def build_form(self, data: Any) -> Any:
        raise NotImplementedError

    def act(self, form: Any) -> tuple[str, str]:
        raise NotImplementedError

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.get_offer()
        form = self.build_form(request.POST)
        if form.is_valid():
            try:
                message, target = self.act(form)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, message)
                return redirect(target)
        context = self.get_context_data(**{self.form_name: form})
        if self.offer.status != OfferStatus.OPEN:  # the forms are gone: say why at the top
            context["action_errors"] = [e for errors in form.errors.values() for e in errors]
        return self.render_to_response(context, status=400)


class OfferAcceptView(OfferActionView):
    form_name = "accept_form"

    def build_form(self, data: Any) -> AcceptForm:
        return AcceptForm(data, can_override=self.is_hub, program_id=self.offer.classroom.site.program_id)

    def act(self, form: AcceptForm) -> tuple[str, str]:
        enrollment = services.offer_accept(actor=self.request.user, offer=self.offer, **form.cleaned_data)
        return (
            f"Accepted: {enrollment.child.full_name} starts in {enrollment.classroom.name} on "
            f"{day(enrollment.start_date)}.",
            self.alliance_url("enrollment:enrollment_detail", enrollment.pk),
        )


class OfferDeclineView(OfferActionView):
    form_name = "decline_form"

    def build_form(self, data: Any) -> DeclineForm:
        return DeclineForm(data)

    def act(self, form: DeclineForm) -> tuple[str, str]:
        services.offer_decline(
            actor=self.request.user,
            offer=self.offer,
            note=form.cleaned_data["note"],
            keep_waiting=form.cleaned_data["keep_waiting"],
        )
        return "Offer declined.", self.alliance_url("enrollment:offer_detail", self.offer.pk)


class OfferWithdrawView(OfferActionView):
    allowed_roles = HUB_ONLY
    form_name = "withdraw_form"

    def build_form(self, data: Any) -> OfferWithdrawForm:
        return OfferWithdrawForm(data)

    def act(self, form: OfferWithdrawForm) -> tuple[str, str]:
        services.offer_withdraw(actor=self.request.user, offer=self.offer, note=form.cleaned_data["note"])
        return "Offer withdrawn; the child is waiting again.", self.alliance_url(
            "enrollment:offer_detail", self.offer.pk
        )
