"""Tour pages (outreach/tours.py): each program's week of tour slots, publishing and cancelling a slot,
booking an inquiry's family on a tour, and a booking's cancellation or outcome.

A program's slots are its provider's and the Hub's; another program's are 404 to a provider. Booking
from an inquiry is the Hub's (inquiries are).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.generic import TemplateView

from alliance.dates import add_days, alliance_now, alliance_today
from alliance.views_base import HUB_AND_PROVIDER, HUB_ONLY, AllianceMixin, add_errors
from members.models import MemberProgram, ProgramStatus
from outreach.forms import TourBookForm, TourBookingActionForm, TourSlotCancelForm, TourSlotForm, TourWeekForm
from outreach.messaging import inquiry_subject
from outreach.models import MessageTemplate, TourBooking, TourBookingStatus, TourSlot
from outreach.tours import (
    Confirmation,
    bookable_slots,
    booking_choices,
    inquiry_program_ids,
    slot_bookings,
    slot_end_time,
    slot_label,
    slot_start,
    slots_with_counts,
    tour_booking_cancel,
    tour_booking_create,
    tour_booking_record_outcome,
    tour_slot_cancel,
    tour_slot_create,
    tour_slot_update,
    tour_week,
    week_start_of,
)
from outreach.views_hub import AllianceTimeMixin, InquiryFromURL


class TourPage(AllianceMixin, AllianceTimeMixin):
    allowed_roles = HUB_AND_PROVIDER
    kwargs: dict[str, Any]

    def calendar_url(self, program_id: int | None = None, week: datetime.date | None = None) -> str:
        query = "&".join(
            part
            for part in [
                f"program={program_id}" if program_id and self.membership.is_hub else "",
                f"week={week.isoformat()}" if week else "",
            ]
            if part
        )
        return self.alliance_url("outreach:tour_calendar") + (f"?{query}" if query else "")

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        crumbs: list[tuple[str, str | None]] = [(self.alliance.name, self.alliance_url("alliance:home"))]
        if self.get_title() != "Tours":
            crumbs.append(("Tours", self.calendar_url()))
        crumbs.append((self.get_title(), None))
        return crumbs

    def programs(self) -> list[MemberProgram]:
        return list(self.visible(MemberProgram.objects.exclude(status=ProgramStatus.LEFT)).order_by("name"))


class TourCalendarView(TourPage, TemplateView):
    """A week of tour slots (Monday to Sunday) with booked and free places; the Hub filters by program."""

    template_name = "outreach/tour_calendar.html"
    title = "Tours"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = TourWeekForm(self.request.GET)
        this_week = week_start_of(alliance_today())
        week, program_id = this_week, None
        if form.is_valid():
            week = week_start_of(form.cleaned_data["week"]) if form.cleaned_data["week"] else this_week
            program_id = form.cleaned_data["program"]
        programs = self.programs()
        if not self.membership.is_hub:
            program_id = self.membership.program_id
        elif program_id not in {p.pk for p in programs}:
            program_id = None
        program_ids = [program_id] if program_id else None
        days = tour_week(week_start=week, program_ids=program_ids)
        context.update(
            week_form=form,
            week=week,
            week_end=add_days(week, 6),
            days=days,
            slot_count=sum(len(d.slots) for d in days),
            programs=programs,
            program_id=program_id,
            prev_url=self.calendar_url(program_id, add_days(week, -7)),
            next_url=self.calendar_url(program_id, add_days(week, 7)),
            this_week_url=self.calendar_url(program_id) if week != this_week else None,
            today=alliance_today(),
        )
        return context


class TourSlotCreateView(TourPage, TemplateView):
    template_name = "outreach/tour_slot_form.html"
    title = "Publish a tour"

    def build_form(self, data: Any = None) -> TourSlotForm:
        programs = [(str(p.pk), p.name) for p in self.programs()]
        chosen = self.request.GET.get("program", "")
        initial = {"program": chosen} if chosen in {k for k, _ in programs} else {}
        return TourSlotForm(data, programs=programs, initial=initial)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(form=kwargs.get("form") or self.build_form(), submit_label="Publish the tour")
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.build_form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            program = self.get_for_member(MemberProgram.objects.all(), pk=int(data["program"]))
            try:
                slot = tour_slot_create(
                    actor=request.user,
                    program=program,
                    **{name: data[name] for name in SLOT_FIELDS},
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                flash.success(request, f"Tour of {program.name} published for {slot_label(slot)}.")
                return redirect(self.calendar_url(program.pk, week_start_of(slot.day)))
        return self.render_to_response(self.get_context_data(form=form), status=400)


# What a tour slot form sets (publishing, changing, and the change form's initial values).
SLOT_FIELDS = ("day", "starts_at", "minutes", "capacity", "note")


class TourSlotFromURL(TourPage):
    def get_slot(self) -> TourSlot:
        if not hasattr(self, "slot"):
            self.slot = self.get_for_member(slots_with_counts(), pk=self.kwargs["pk"])
        return self.slot


class TourSlotDetailView(TourSlotFromURL, TemplateView):
    """One tour: who is booked (cancel, attended, no-show), change its time or size, or cancel it."""

    template_name = "outreach/tour_slot_detail.html"

    def get_title(self) -> str:
        slot = self.get_slot()
        return f"Tour of {slot.program.name}, {slot_label(slot)}"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        slot = self.get_slot()
        started = slot_start(slot) <= alliance_now(self.alliance)
        edit_initial = {name: getattr(slot, name) for name in SLOT_FIELDS}
        context.update(
            slot=slot,
            ends_at=slot_end_time(slot),
            booked=slot.booked,  # type: ignore[attr-defined]
            free=max(slot.capacity - slot.booked, 0),  # type: ignore[attr-defined]
            bookings=slot_bookings(slot),
            started=started,
            editable=slot.cancelled_at is None and not started,
            edit_form=kwargs.get("edit_form") or TourSlotForm(initial=edit_initial),
            cancel_form=kwargs.get("cancel_form") or TourSlotCancelForm(),
            calendar_url=self.calendar_url(slot.program_id, week_start_of(slot.day)),
        )
        return context


class TourSlotEditView(TourSlotDetailView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        slot = self.get_slot()
        form = TourSlotForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                tour_slot_update(
                    actor=request.user,
                    slot=slot,
                    **{name: data[name] for name in SLOT_FIELDS},
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                flash.success(request, "Tour changed.")
                return redirect(self.alliance_url("outreach:tour_slot_detail", slot.pk))
        return self.render_to_response(self.get_context_data(edit_form=form), status=400)


class TourSlotCancelView(TourSlotDetailView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        slot = self.get_slot()
        form = TourSlotCancelForm(request.POST)
        if form.is_valid():
            try:
                tour_slot_cancel(actor=request.user, slot=slot, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                booked: int = slot.booked  # type: ignore[attr-defined]
                told = f" {booked} famil{'y was' if booked == 1 else 'ies were'} booked and told." if booked else ""
                flash.success(request, f"Tour cancelled.{told}")
                return redirect(self.alliance_url("outreach:tour_slot_detail", slot.pk))
        context = self.get_context_data(cancel_form=form)
        context["action_errors"] = [e for errors in form.errors.values() for e in errors]
        return self.render_to_response(context, status=400)


class TourBookingActionView(TourPage, TemplateView):
    """POST only: cancel a booking, or record that the family came or did not."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        booking: TourBooking = self.get_for_member(
            TourBooking.objects.select_related("slot", "program", "inquiry"), pk=self.kwargs["pk"]
        )
        form = TourBookingActionForm(request.POST)
        back_to_inquiry = request.POST.get("back") == "inquiry" and self.membership.is_hub
        back = redirect(
            self.alliance_url("outreach:inquiry_detail", booking.inquiry_id)
            if back_to_inquiry
            else self.alliance_url("outreach:tour_slot_detail", booking.slot_id)
        )
        if not form.is_valid():
            flash.error(request, "Choose cancel, attended or no-show.")
            return back
        status, note = form.cleaned_data["status"], form.cleaned_data["note"]
        try:
            if status == TourBookingStatus.CANCELLED:
                tell = form.cleaned_data["tell_family"]
                tour_booking_cancel(actor=request.user, booking=booking, note=note, tell_family=tell)
                if tell:
                    flash.success(
                        request, "Tour booking: cancelled. The family is written to; see the inquiry's messages."
                    )
                    return back
            else:
                tour_booking_record_outcome(actor=request.user, booking=booking, status=status, note=note)
        except ValidationError as exc:
            flash.error(request, " ".join(exc.messages))
            return back
        flash.success(request, f"Tour booking: {TourBookingStatus(status).label.lower()}.")
        return back


class InquiryTourBookView(InquiryFromURL, TemplateView):
    """Book the inquiry's family on a tour, optionally confirmed with a message template."""

    template_name = "outreach/inquiry_tour_book.html"
    allowed_roles = HUB_ONLY

    def get_title(self) -> str:
        return f"Book a tour — inquiry #{self.get_inquiry().number}"

    def every_program(self) -> bool:
        return self.request.GET.get("programs") == "all" or self.request.POST.get("programs") == "all"

    def slots(self) -> list[TourSlot]:
        inquiry = self.get_inquiry()
        wanted = inquiry_program_ids(inquiry)
        if self.every_program() or inquiry.any_program or not wanted:
            return bookable_slots(program_ids=None)
        return bookable_slots(program_ids=wanted)

    def build_form(self, data: Any = None) -> TourBookForm:
        recipients = inquiry_subject(self.get_inquiry()).recipients
        chosen = self.request.GET.get("slot", "")
        # On POST any slot is a choice: one that filled up or started meanwhile gets the service's reason.
        slots = (
            booking_choices(self.slots())
            if data is None
            else [(str(pk), str(pk)) for pk in TourSlot.objects.values_list("pk", flat=True)]
        )
        return TourBookForm(
            data,
            initial={"slot": chosen, "recipient": recipients[0].key if recipients else ""},
            slots=slots,
            templates=[
                (str(t.pk), f"{t.name} ({t.get_channel_display().lower()})") for t in MessageTemplate.objects.all()
            ],
            recipients=[(r.key, r.label) for r in recipients],
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        inquiry = self.get_inquiry()
        wanted = inquiry_program_ids(inquiry)
        context.update(
            inquiry=inquiry,
            form=kwargs.get("form") or self.build_form(),
            every_program=self.every_program() or inquiry.any_program or not wanted,
            wanted_names=list(
                MemberProgram.objects.filter(pk__in=wanted).order_by("name").values_list("name", flat=True)
            ),
            back_url=self.alliance_url("outreach:inquiry_detail", inquiry.pk),
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        inquiry = self.get_inquiry()
        form = self.build_form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            slot = TourSlot.objects.select_related("program").get(pk=int(data["slot"]))
            confirmation = None
            if data["template"]:
                template = MessageTemplate.objects.get(pk=int(data["template"]))
                confirmation = Confirmation(
                    recipient_key=data["recipient"],
                    channel=template.channel,
                    subject=template.subject,
                    body=template.body,
                    template=template,
                )
            try:
                tour_booking_create(actor=request.user, slot=slot, inquiry=inquiry, confirmation=confirmation)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                sent = " The confirmation is queued: it is sent in a moment." if confirmation else ""
                flash.success(request, f"Tour of {slot.program.name} booked for {slot_label(slot)}.{sent}")
                return redirect(self.alliance_url("outreach:inquiry_detail", inquiry.pk))
        form.fields["slot"].choices = booking_choices(self.slots())  # type: ignore[attr-defined]
        return self.render_to_response(self.get_context_data(form=form), status=400)
