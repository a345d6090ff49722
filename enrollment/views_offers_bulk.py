"""Offer one room to several waiting children at once (the waitlist page's bulk action).

GET `waitlist/offers/?entries=..&classroom=..&start_date=..&respond_days=..` is the preview: each
ticked entry with its refusal (enrollment/services/offers_bulk.py). POST with the same fields makes
the offers of the entries that pass. Hub users offer any open room to any entry; a provider offers
their own program's rooms to the entries they see (their program's list).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.generic import DetailView, TemplateView

from alliance.dates import alliance_today
from alliance.formatting import day
from alliance.views_base import add_errors
from enrollment.forms import BulkOfferForm
from enrollment.models import OfferBulkJob, WaitlistEntry
from enrollment.pages import EnrollmentPage
from enrollment.services.offers_bulk import offers_bulk_check, offers_bulk_create, offers_respond_by


class WaitlistOffersView(EnrollmentPage, TemplateView):
    template_name = "enrollment/waitlist_offers.html"
    section = "waitlist"
    title = "Offer places"

    def form(self, data: Any = None) -> BulkOfferForm:
        entries = self.visible(WaitlistEntry.objects.select_related("child__family", "program"))
        return BulkOfferForm(
            data,
            entries=entries,
            classrooms=self.visible_classrooms(),
            initial={"start_date": alliance_today(self.alliance), "respond_days": 7},
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.form(request.GET if "entries" in request.GET else None)
        checks: list[Any] = []
        respond_by = None
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            checks = offers_bulk_check(
                entries=list(data["entries"]), classroom=data["classroom"], start_date=data["start_date"]
            )
            respond_by = offers_respond_by(
                start_date=data["start_date"], respond_days=data["respond_days"], today=alliance_today(self.alliance)
            )
        status = 400 if form.is_bound and not form.is_valid() else 200
        return self.render_to_response(
            self.get_context_data(
                form=form,
                checks=checks,
                passing=sum(1 for c in checks if not c.refusal),
                respond_by=respond_by,
                token=secrets.token_urlsafe(16),
            ),
            status=status,
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = offers_bulk_create(
                    actor=request.user,
                    entries=list(data["entries"]),
                    classroom=data["classroom"],
                    start_date=data["start_date"],
                    respond_days=data["respond_days"],
                    token=request.POST.get("token", ""),
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                if result.job is not None:
                    messages.success(
                        request, f"Making {result.job.total - result.job.count_refused} offers in the background."
                    )
                    return redirect(self.alliance_url("enrollment:offer_bulk_job", result.job.pk))
                room = data["classroom"]
                text = (
                    f"{len(result.offers)} offer{'s' if len(result.offers) != 1 else ''} of {room.name} "
                    f"from {day(data['start_date'])} made"
                )
                if result.refused:
                    text += "; not offered: " + "; ".join(
                        f"{c.entry.child.full_name} ({c.refusal})" for c in result.refused
                    )
                (messages.success if result.offers else messages.warning)(request, text + ".")
                return redirect(
                    self.alliance_url("enrollment:offer_list")
                    if result.offers
                    else self.alliance_url("enrollment:waitlist")
                )
        return self.render_to_response(self.get_context_data(form=form, checks=[], passing=0), status=400)


class OfferBulkJobView(EnrollmentPage, DetailView):
    """A bulk offer's progress and each entry's outcome."""

    template_name = "enrollment/offer_bulk_job.html"
    context_object_name = "job"
    section = "waitlist"

    def get_object(self, queryset: Any = None) -> OfferBulkJob:
        return self.get_for_member(
            OfferBulkJob.objects.select_related("classroom", "program", "created_by"), pk=self.kwargs["pk"]
        )

    def get_title(self) -> str:
        job = self.object
        return f"Offers of {job.classroom.name} at {job.program.name}"


class OfferBulkJobProgressView(OfferBulkJobView):
    """The progress block alone, polled by htmx while the job runs."""

    template_name = "enrollment/_offer_bulk_progress.html"
