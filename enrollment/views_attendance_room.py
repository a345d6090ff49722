"""A room's day beyond one click per child: everyone in or out at once, the staff in
the room and its ratio, and the printable sign-in sheet."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.views.generic import TemplateView

from alliance.dates import alliance_time, alliance_today
from alliance.formatting import day as day_label
from alliance.pdf import render_pdf
from alliance.views_base import add_errors
from enrollment import services
from enrollment.forms import BulkAttendanceForm, StaffMarkForm
from enrollment.models import AbsenceReason
from enrollment.pages import EnrollmentPage
from enrollment.selectors import classroom_roster, room_ratio, sign_in_sheet, staff_for_room
from enrollment.views_attendance import AttendanceSheetView, _day_from
from enrollment.views_vacancy import ClassroomFromURL


def _names(names: list[str]) -> str:
    return ", ".join(names)


class AttendanceBulkView(AttendanceSheetView):
    """One submit for the whole room; refusals come back on the page (400) with the
    choices kept, and nothing is written."""

    http_method_names = ["post"]
    direction = "in"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.classroom = self.get_classroom()
        today = alliance_today(self.alliance)
        self.day = _day_from(request, today)
        roster_ids = list(classroom_roster(self.classroom, self.day).values_list("pk", flat=True))
        form = BulkAttendanceForm(request.POST, enrollment_ids=roster_ids)
        if form.is_valid():
            data = form.cleaned_data
            self.day = data["day"] if data["day"] <= today else self.day
            room = self.classroom
            default = room.opens_at if self.direction == "in" else room.closes_at
            at = data.get("at") or (alliance_time(self.alliance) if data["day"] == today else default)
            call = services.attendance_bulk_check_in if self.direction == "in" else services.attendance_bulk_check_out
            try:
                result = call(actor=request.user, classroom=room, day=data["day"], at=at, exceptions=form.exceptions())
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                self._report(result)
                return redirect(
                    self.alliance_url("enrollment:attendance_sheet", room.pk) + f"?day={data['day'].isoformat()}"
                )
        key = "bulk_in_form" if self.direction == "in" else "bulk_out_form"
        return self.render_to_response(self.get_context_data(**{key: form}), status=400)

    def _report(self, result: services.BulkResult) -> None:
        verb = "checked in" if self.direction == "in" else "checked out"
        if not result.changed:
            messages.info(self.request, f"Nothing changed: every child was already recorded ({verb} or absent).")
            return
        parts = [f"{len(result.done)} {verb}"]
        if result.absent:
            parts.append(f"{len(result.absent)} absent ({_names(result.absent)})")
        if result.skipped:
            parts.append(f"left open: {_names(result.skipped)}")
        if result.unchanged:
            parts.append(f"{len(result.unchanged)} already recorded")
        messages.success(self.request, "; ".join(parts) + ".")


class AttendanceBulkOutView(AttendanceBulkView):
    direction = "out"


class StaffMarkView(ClassroomFromURL, EnrollmentPage, TemplateView):
    """A staff member in or out of the room (what the ratio counts)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        classroom = self.get_classroom()
        today = alliance_today(self.alliance)
        form = StaffMarkForm(request.POST)
        day = today
        if not form.is_valid():
            messages.error(request, "That click was not understood; reload the page.")
        else:
            data = form.cleaned_data
            day = data["day"]
            staff = {s.pk: s for s in staff_for_room(classroom, min(day, today))}.get(data["staff"])
            if staff is None:
                messages.error(request, "That person is not classroom staff of this program on this day.")
            else:
                default = classroom.opens_at if data["action"] == "in" else classroom.closes_at
                at = data.get("at") or (alliance_time(self.alliance) if day == today else default)
                call = services.staff_check_in if data["action"] == "in" else services.staff_check_out
                try:
                    call(actor=request.user, classroom=classroom, staff=staff, day=day, at=at)
                except ValidationError as exc:
                    messages.error(request, " ".join(exc.messages))
                else:
                    verb = "is in" if data["action"] == "in" else "has left"
                    messages.success(
                        request, f"{staff.full_name} {verb} {classroom.name}. {room_ratio(classroom, day).summary}"
                    )
        return redirect(self.alliance_url("enrollment:attendance_sheet", classroom.pk) + f"?day={day.isoformat()}")


class RatioPanelView(ClassroomFromURL, EnrollmentPage, TemplateView):
    """The ratio panel alone, for the page to refresh after each click."""

    template_name = "enrollment/_ratio_panel.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        classroom = self.get_classroom()
        day = _day_from(request, alliance_today(self.alliance))
        return TemplateResponse(
            request,
            self.template_name,
            {"ratio": room_ratio(classroom, day), "classroom": classroom, "day": day, "alliance": self.alliance},
        )


class SignInSheetView(ClassroomFromURL, EnrollmentPage, TemplateView):
    """The day's sign-in sheet as a PDF to print: children, who may pick them up,
    their needs, and boxes for times and signatures."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        classroom = self.get_classroom()
        day = _day_from(request, alliance_today(self.alliance))
        html = render_to_string(
            "enrollment/sign_in_sheet_pdf.html",
            {
                "alliance": self.alliance,
                "classroom": classroom,
                "program": classroom.site.program,
                "day": day,
                "day_label": day_label(day),
                "rows": sign_in_sheet(classroom, day),
                "reasons": AbsenceReason.choices,
            },
            request=request,
        )
        response = HttpResponse(render_pdf(html), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="sign-in-{classroom.pk}-{day.isoformat()}.pdf"'
        return response
