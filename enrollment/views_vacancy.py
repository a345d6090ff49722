"""The vacancy board, one classroom's places, and matching waiting children to a place."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.generic import TemplateView

from alliance.dates import alliance_today
from alliance.formatting import day
from alliance.views_base import HUB_ONLY, add_errors
from enrollment.forms import MatchForm, OfferForm, VacancyFilterForm
from enrollment.models import Enrollment, Offer, OfferStatus, WaitlistEntry
from enrollment.pages import EnrollmentPage
from enrollment.selectors import (
    classroom_open_from,
    classroom_roster,
    open_offers_by_classroom,
    vacancy_report,
    waitlist_matches,
)
from enrollment.services import offer_create
from enrollment.vacancy import ClassroomVacancy, classroom_area, room_days, vacancy_classrooms, vacancy_of_days
from members.models import Classroom

BOARD_DAYS = 90
DEFAULT_RESPOND_DAYS = 7


def _areas(rooms: list[Classroom]) -> list[str]:
    return sorted({classroom_area(r) for r in rooms} - {""})


class VacancyBoardView(EnrollmentPage, TemplateView):
    """Where the open places are now and over the next 90 days, by age group and area."""

    template_name = "enrollment/vacancy_board.html"
    section = "vacancies"

    def get_title(self) -> str:
        if self.is_hub:
            return "Vacancies"
        return f"Vacancies — {self.program_name}"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        today = alliance_today(self.alliance)
        rooms = list(vacancy_classrooms(program_ids=self.program_ids()))
        form = VacancyFilterForm(self.request.GET or None, areas=_areas(rooms), show_program=self.is_hub)
        start, end = form.range(today)
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        program_ids = self.program_ids()
        if data.get("program"):
            program_ids = [data["program"].pk]
        narrowed = data.get("program") or data.get("age_group") or data.get("area")
        report = vacancy_report(
            start=start,
            end=end,
            program_ids=program_ids,
            age_group=data.get("age_group", ""),
            area=data.get("area", ""),
            # Unnarrowed, the report's rooms are these less those closed by the start (vacancy_classrooms).
            rooms=None if narrowed else [r for r in rooms if r.closed_on is None or r.closed_on > start],
        )
        held = open_offers_by_classroom([c.classroom.pk for c in report.classrooms])
        context.update(
            form=form,
            report=report,
            start=start,
            end=end,
            held=held,
            open_rooms=[(c, held.get(c.classroom.pk)) for c in report.with_open_slots()],
            full_rooms=len(report.classrooms) - len(report.with_open_slots()),
        )
        return context


class ClassroomFromURL:
    """The classroom named in the URL, if the member may see it (404 otherwise)."""

    kwargs: dict[str, Any]

    def get_classroom(self) -> Classroom:
        return self.get_for_member(  # type: ignore[attr-defined]
            Classroom.objects.select_related("site__program"), pk=self.kwargs["pk"]
        )


class ClassroomVacancyView(ClassroomFromURL, EnrollmentPage, TemplateView):
    template_name = "enrollment/classroom_vacancy.html"
    section = "vacancies"

    def get_title(self) -> str:
        return f"{self.classroom.name} at {self.classroom.site.program.name}"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.classroom = self.get_classroom()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        today = alliance_today(self.alliance)
        end = today + datetime.timedelta(days=BOARD_DAYS - 1)
        days = room_days(classroom_ids=[self.classroom.pk], start=today, end=end)
        vacancy = ClassroomVacancy(classroom=self.classroom, figures=vacancy_of_days(days), days=days)
        first_open = next((d.day for d in days if d.open_slots >= 1), None)
        roster = list(classroom_roster(self.classroom, today))
        changes = list(
            Enrollment.objects.filter(classroom=self.classroom)
            .select_related("child")
            .filter(Q(start_date__gt=today, start_date__lte=end) | Q(end_date__gte=today, end_date__lte=end))
        )
        context.update(
            classroom=self.classroom,
            vacancy=vacancy,
            roster=roster,
            starting=sorted((e for e in changes if e.start_date > today), key=lambda e: e.start_date),
            ending=sorted(
                (e for e in changes if e.end_date and e.end_date <= end and e.start_date <= today),
                key=lambda e: e.end_date,
            ),
            offers=Offer.objects.filter(classroom=self.classroom, status=OfferStatus.OPEN).select_related(
                "entry__child"
            ),
            match_form=MatchForm(initial={"start": first_open or today}),
            first_open=first_open,
            end=end,
        )
        return context


class ClassroomMatchView(ClassroomFromURL, EnrollmentPage, TemplateView):
    """Waiting children ranked for a place in this classroom; offer it to one."""

    allowed_roles = HUB_ONLY
    template_name = "enrollment/classroom_match.html"
    section = "vacancies"

    def get_title(self) -> str:
        return f"Match a place in {self.classroom.name}"

    def extra_crumbs(self) -> list[tuple[str, str | None]]:
        return [
            (
                f"{self.classroom.name} at {self.classroom.site.program.name}",
                self.alliance_url("enrollment:classroom_vacancy", self.classroom.pk),
            )
        ]

    def start_date(self) -> datetime.date:
        form = MatchForm(self.request.GET or None)
        if form.is_bound and form.is_valid():
            return max(form.cleaned_data["start"], alliance_today(self.alliance))
        return alliance_today(self.alliance)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.classroom = self.get_classroom()
        return self.render_to_response(self.get_context_data())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.classroom = self.get_classroom()
        form = OfferForm(request.POST)
        if form.is_valid():
            entry = self.get_for_member(WaitlistEntry.objects.select_related("child"), pk=form.cleaned_data["entry"])
            try:
                offer = offer_create(
                    actor=request.user,
                    entry=entry,
                    classroom=self.classroom,
                    start_date=form.cleaned_data["start_date"],
                    respond_by=form.cleaned_data["respond_by"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request,
                    f"Place in {self.classroom.name} offered to {entry.child.full_name}; "
                    f"the family answers by {day(offer.respond_by)}.",
                )
                return redirect(self.alliance_url("enrollment:offer_detail", offer.pk))
        return self.render_to_response(self.get_context_data(offer_form=form), status=400)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        start = self.start_date()
        if "offer_form" in kwargs and kwargs["offer_form"].is_valid():
            start = kwargs["offer_form"].cleaned_data["start_date"]
        open_fte = classroom_open_from(self.classroom, start)
        matches = (
            waitlist_matches(
                classroom=self.classroom, start_date=start, open_fte=open_fte, today=alliance_today(self.alliance)
            )
            if open_fte > 0
            else []
        )
        respond_by = min(alliance_today(self.alliance) + datetime.timedelta(days=DEFAULT_RESPOND_DAYS), start)
        context.update(
            classroom=self.classroom,
            start=start,
            open_fte=open_fte,
            matches=matches,
            match_form=MatchForm(initial={"start": start}),
            respond_by=respond_by,
        )
        return context
