"""Attendance: one page per classroom per day, one click per child (htmx), and a
CSV upload from another system."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.views.generic import FormView, TemplateView

from alliance.dates import alliance_now, alliance_time, alliance_today
from alliance.formatting import day
from enrollment import services
from enrollment.forms import AttendanceMarkForm, AttendanceUploadForm
from enrollment.imports import attendance_import, roster_csv
from enrollment.models import AbsenceReason, AttendanceRecord, Enrollment, StaffAttendance
from enrollment.pages import EnrollmentPage
from enrollment.selectors import (
    SheetRow,
    attendance_counts,
    attendance_sheet,
    classroom_roster,
    room_ratio,
    staff_for_room,
)
from enrollment.views_vacancy import ClassroomFromURL

MAX_DAYS_BACK = 366


def _day_from(request: HttpRequest, today: datetime.date) -> datetime.date:
    text = request.GET.get("day") or request.POST.get("day") or ""
    try:
        day = datetime.date.fromisoformat(text) if text else today
    except ValueError:
        return today
    return min(day, today) if day >= today - datetime.timedelta(days=MAX_DAYS_BACK) else today


def _bulk_items(rows: list[SheetRow], form: Any) -> list[dict[str, Any]]:
    """The rows of an everyone-at-once form, with the choices a refused submit made kept."""
    data = form.data if form is not None else {}
    return [
        {
            "row": row,
            "e": row.enrollment,
            "choice": data.get(f"choice-{row.enrollment.pk}", ""),
            "at": data.get(f"at-{row.enrollment.pk}", ""),
        }
        for row in rows
    ]


class AttendanceHomeView(EnrollmentPage, TemplateView):
    """Today's classrooms with how many children are in, out, absent or expected."""

    template_name = "enrollment/attendance_home.html"
    section = "attendance"

    def get_title(self) -> str:
        return "Attendance" if self.is_hub else f"Attendance — {self.program_name}"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        day = _day_from(self.request, alliance_today(self.alliance))
        active = Q(enrollments__start_date__lte=day) & (
            Q(enrollments__end_date__isnull=True) | Q(enrollments__end_date__gte=day)
        )
        # The rooms open that day with their children enrolled that day, in one query.
        rooms = list(
            self.visible_classrooms()
            .filter(operating_days__contains=[day.weekday()])
            .annotate(enrolled_that_day=Count("enrollments", filter=active))
        )
        enrolled = {room.pk: room.enrolled_that_day for room in rooms}
        recorded = {
            row["enrollment__classroom_id"]: row
            for row in AttendanceRecord.objects.filter(day=day, enrollment__classroom__in=rooms)
            .values("enrollment__classroom_id")
            .annotate(
                present=Count("id", filter=Q(absence_reason="")),
                absent=Count("id", filter=~Q(absence_reason="")),
                out=Count("id", filter=Q(check_out__isnull=False)),
            )
        }
        rows = []
        for room in rooms:
            counts = recorded.get(room.pk, {})
            total = enrolled.get(room.pk, 0)
            rows.append(
                {
                    "room": room,
                    "enrolled": total,
                    "present": counts.get("present", 0),
                    "absent": counts.get("absent", 0),
                    "out": counts.get("out", 0),
                    "open": total - counts.get("present", 0) - counts.get("absent", 0),
                }
            )
        context.update(
            day=day,
            rows=rows,
            previous=day - datetime.timedelta(days=1),
            following=day + datetime.timedelta(days=1) if day < alliance_today(self.alliance) else None,
        )
        return context


class AttendanceSheetView(ClassroomFromURL, EnrollmentPage, TemplateView):
    template_name = "enrollment/attendance_sheet.html"
    section = "attendance"

    def get_title(self) -> str:
        return f"{self.classroom.name}, {self.day:%a %b} {self.day.day}"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.classroom = self.get_classroom()
        self.day = _day_from(request, alliance_today(self.alliance))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        rows = attendance_sheet(self.classroom, self.day)
        now = alliance_now(self.alliance)
        is_today = self.day == now.date()
        staff_in = {row.staff_id: row for row in StaffAttendance.objects.filter(classroom=self.classroom, day=self.day)}
        context.update(
            classroom=self.classroom,
            day=self.day,
            rows=rows,
            counts=attendance_counts(rows),
            reasons=AbsenceReason.choices,
            open_today=self.day.weekday() in self.classroom.operating_days,
            is_today=is_today,
            previous=self.day - datetime.timedelta(days=1),
            following=self.day + datetime.timedelta(days=1) if self.day < now.date() else None,
            ratio=room_ratio(self.classroom, self.day, now=now, staff_records=staff_in.values()),
            staff_rows=[(member, staff_in.get(member.pk)) for member in staff_for_room(self.classroom, self.day)],
            to_check_in=_bulk_items([r for r in rows if r.record is None], kwargs.get("bulk_in_form")),
            to_check_out=_bulk_items(
                [r for r in rows if r.record is not None and r.state == "checked_in"], kwargs.get("bulk_out_form")
            ),
            default_in="" if is_today else self.classroom.opens_at.strftime("%H:%M"),
            default_out="" if is_today else self.classroom.closes_at.strftime("%H:%M"),
        )
        context.setdefault("bulk_in_form", None)
        context.setdefault("bulk_out_form", None)
        return context


class AttendanceMarkView(ClassroomFromURL, EnrollmentPage, TemplateView):
    """One click: check in, check out, absent, or undo. Answers htmx with the row."""

    http_method_names = ["post"]
    template_name = "enrollment/_attendance_row.html"
    section = "attendance"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        classroom = self.get_classroom()
        form = AttendanceMarkForm(request.POST)
        error = ""
        if not form.is_valid():
            error = (
                " ".join(str(m) for m in form.errors["check_in_at"])
                if "check_in_at" in form.errors
                else "That click was not understood; reload the page."
            )
            enrollment = None
        else:
            data = form.cleaned_data
            enrollment = self.get_for_member(
                Enrollment.objects.filter(classroom=classroom).select_related("child", "classroom"),
                pk=data["enrollment"],
            )
            try:
                self.act(enrollment, data)
            except ValidationError as exc:
                error = " ".join(exc.messages)
        if not request.headers.get("HX-Request"):
            if error:
                messages.error(request, error)
            day = form.cleaned_data.get("day") if form.is_valid() else alliance_today(self.alliance)
            return redirect(self.alliance_url("enrollment:attendance_sheet", classroom.pk) + f"?day={day}")
        if enrollment is None:
            return HttpResponse(format_html('<tr><td colspan="5" class="errorlist">{}</td></tr>', error), status=400)
        day = form.cleaned_data["day"]
        record = AttendanceRecord.objects.filter(enrollment=enrollment, day=day).first()
        row = SheetRow(enrollment, record, day.weekday() in enrollment.weekdays)
        response = TemplateResponse(
            request,
            self.template_name,
            {
                "row": row,
                "day": day,
                "classroom": classroom,
                "alliance": self.alliance,
                "error": error,
                "reasons": AbsenceReason.choices,
                "is_today": day == alliance_today(self.alliance),
            },
        )
        response["HX-Trigger"] = "attendance-changed"
        return response

    def act(self, enrollment: Enrollment, data: dict[str, Any]) -> None:
        actor, day, action = self.request.user, data["day"], data["action"]
        today = day == alliance_today(self.alliance)
        room = enrollment.classroom
        if action == "check_in":
            at = data.get("at") or (alliance_time(self.alliance) if today else room.opens_at)
            services.attendance_check_in(actor=actor, enrollment=enrollment, day=day, at=at)
        elif action == "check_out":
            at = data.get("at") or (alliance_time(self.alliance) if today else room.closes_at)
            services.attendance_check_out(actor=actor, enrollment=enrollment, day=day, at=at)
        elif action == "correct":
            record = AttendanceRecord.objects.filter(enrollment=enrollment, day=day).first()
            if record is None:
                raise ValidationError("Nothing is recorded for this child on this day.")
            services.attendance_times_correct(
                actor=actor,
                record=record,
                check_in=data["check_in_at"],
                check_out=data.get("check_out_at"),
                reason=data.get("correction_reason") or "",
            )
        elif action == "absent":
            services.attendance_mark_absent(
                actor=actor, enrollment=enrollment, day=day, reason=data.get("reason") or AbsenceReason.UNKNOWN
            )
        else:
            record = AttendanceRecord.objects.filter(enrollment=enrollment, day=day).first()
            if record is None:
                raise ValidationError("Nothing is recorded for this child on this day.")
            services.attendance_clear(actor=actor, record=record, reason="Undone on the check-in page.")


class AttendanceUploadView(EnrollmentPage, FormView):
    template_name = "enrollment/attendance_upload.html"
    form_class = AttendanceUploadForm
    section = "attendance"
    title = "Upload attendance"

    def form_valid(self, form: AttendanceUploadForm) -> HttpResponse:
        upload = form.cleaned_data["file"]
        try:
            result = attendance_import(
                actor=self.request.user,
                content=upload.read(),
                filename=upload.name,
                today=alliance_today(self.alliance),
                program_ids=self.program_ids(),
            )
        except ValidationError as exc:
            form.add_error("file", exc.messages)
            return self.form_invalid(form)
        if not result.ok:
            return self.render_to_response(self.get_context_data(form=form, result=result), status=400)
        messages.success(
            self.request,
            f"{result.rows} attendance records imported ({result.present} present, "
            f"{result.absent} absent), {day(result.first_day)} to {day(result.last_day)}.",
        )
        return redirect(self.alliance_url("enrollment:attendance_home"))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["classrooms"] = self.visible_classrooms()
        return context


class AttendanceTemplateView(ClassroomFromURL, EnrollmentPage, TemplateView):
    """The roster of one classroom on one day as a CSV to fill in."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        classroom = self.get_classroom()
        day = _day_from(request, alliance_today(self.alliance))
        response = HttpResponse(
            roster_csv(list(classroom_roster(classroom, day)), day), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="attendance-{classroom.pk}-{day}.csv"'
        return response
