"""Vacancy figures and waitlist matches through the API, as enrollment/views_vacancy.py has them."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from alliance.api_base import AllianceReadOnlyViewSet
from alliance.api_fields import CharField, DateField, DecimalField, HubSerializer, IntegerField
from alliance.api_params import choice_param, date_param, int_param, text_param, whole_number
from alliance.dates import alliance_today
from alliance.schema import ReportSchema
from alliance.views_base import HUB_AND_PROVIDER, HUB_ONLY
from enrollment.api import MAX_DAYS
from enrollment.selectors import classroom_open_from, vacancy_report, waitlist_matches
from enrollment.vacancy import ClassroomVacancy, Vacancy, room_days, vacancy_of_days
from members.models import AgeGroup, Classroom


class VacancyFiguresSerializer(HubSerializer):
    """Figures over the range (FTE and open places as decimal strings)."""

    capacity_now = IntegerField(help_text="Licensed places on the first operating day.")
    desired_now = IntegerField()
    enrolled_fte_now = DecimalField(max_digits=8, decimal_places=2)
    children_now = IntegerField()
    open_now = DecimalField(max_digits=8, decimal_places=2)
    occupancy_now = DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    capacity_avg = DecimalField(max_digits=8, decimal_places=2)
    enrolled_fte_avg = DecimalField(max_digits=8, decimal_places=2)
    open_avg = DecimalField(max_digits=8, decimal_places=1)
    open_min = DecimalField(max_digits=8, decimal_places=2, help_text="Open on every day.")
    open_max = DecimalField(max_digits=8, decimal_places=2)
    occupancy = DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    occupancy_of_desired = DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    operating_days = IntegerField()


class VacancyClassroomSerializer(VacancyFiguresSerializer):
    classroom = IntegerField()
    name = CharField()
    program = IntegerField()
    program_name = CharField()
    age_group = CharField()
    area = CharField()


class VacancyProgramSerializer(VacancyFiguresSerializer):
    program = IntegerField()
    name = CharField()


class VacancyGroupSerializer(VacancyFiguresSerializer):
    age_group = CharField()
    area = CharField()


class VacancyReportSerializer(HubSerializer):
    start = DateField()
    end = DateField()
    alliance = VacancyFiguresSerializer()
    programs = VacancyProgramSerializer(many=True)
    age_groups_and_areas = VacancyGroupSerializer(many=True)
    classrooms = VacancyClassroomSerializer(many=True)


class VacancyDaySerializer(HubSerializer):
    day = DateField()
    licensed = IntegerField()
    desired = IntegerField(allow_null=True)
    enrolled_fte = DecimalField(max_digits=8, decimal_places=2)
    children = IntegerField()
    open = DecimalField(max_digits=8, decimal_places=2)


class VacancyClassroomDaysSerializer(VacancyClassroomSerializer):
    start = DateField()
    end = DateField()
    days = VacancyDaySerializer(many=True)


class MatchSerializer(HubSerializer):
    rank = IntegerField()
    entry = IntegerField()
    child = IntegerField()
    child_name = CharField()
    choice = CharField()
    priority = IntegerField()
    age_group = CharField()
    age_months = IntegerField()
    waited_days = IntegerField()
    fte = DecimalField(max_digits=3, decimal_places=2)
    added_on = DateField()


class MatchesSerializer(HubSerializer):
    classroom = IntegerField()
    start = DateField()
    open_fte = DecimalField(max_digits=8, decimal_places=2)
    matches = MatchSerializer(many=True)


def _figures(v: Vacancy) -> dict[str, Any]:
    return {
        "capacity_now": v.capacity_now,
        "desired_now": v.target_now,
        "enrolled_fte_now": str(v.enrolled_now),
        "children_now": v.children_now,
        "open_now": str(v.open_now),
        "occupancy_now": None if v.occupancy_now is None else str(v.occupancy_now),
        "capacity_avg": str(v.capacity_avg),
        "enrolled_fte_avg": str(v.enrolled_avg),
        "open_avg": str(v.open_avg),
        "open_min": str(v.open_min),
        "open_max": str(v.open_max),
        "occupancy": None if v.occupancy is None else str(v.occupancy),
        "occupancy_of_desired": None if v.occupancy_of_desired is None else str(v.occupancy_of_desired),
        "operating_days": v.days,
    }


def _classroom_row(c: ClassroomVacancy) -> dict[str, Any]:
    return {
        "classroom": c.classroom.pk,
        "name": c.classroom.name,
        "program": c.program.pk,
        "program_name": c.program.name,
        "age_group": c.classroom.age_group,
        "area": c.area,
        **_figures(c.figures),
    }


START_PARAM = OpenApiParameter("start", datetime.date, description="First day (default today).")
RANGE_PARAMS = [
    START_PARAM,
    OpenApiParameter("days", whole_number(1, MAX_DAYS), description=f"How many days, 1 to {MAX_DAYS} (default 90)."),
]


class VacancyViewSet(AllianceReadOnlyViewSet):
    """Vacancy over a date range (`start`, default today; `days`, default 90), by
    classroom, program, age group and area, and for the alliance; the same figures
    as the vacancy board. `vacancies/<classroom>/` gives the daily rows;
    `vacancies/<classroom>/matches/?start=` ranks waiting children (Hub staff)."""

    model = Classroom
    allowed_roles = HUB_AND_PROVIDER
    serializer_class = VacancyReportSerializer
    pagination_class = None
    filter_backends: list[Any] = []
    schema = ReportSchema()

    def _range(self, request: Request) -> tuple[datetime.date, datetime.date]:
        start = date_param(request, "start", alliance_today())
        days = int_param(request, "days", 90, minimum=1, maximum=MAX_DAYS)
        try:
            return start, start + datetime.timedelta(days=days - 1)
        except OverflowError:
            raise DRFValidationError({"start": ["A date before the year 9999."]}) from None

    @extend_schema(
        responses=VacancyReportSerializer,
        parameters=[
            *RANGE_PARAMS,
            OpenApiParameter("program", int, description="One program (Hub staff; a provider sees their own)."),
            OpenApiParameter("age_group", str, enum=AgeGroup.values),
            OpenApiParameter("area", str, description="Programs' city or area."),
        ],
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        start, end = self._range(request)
        program_ids = None if self.membership.is_hub else [self.membership.program_id or 0]
        program = int_param(request, "program", None)
        if self.membership.is_hub and program is not None:
            program_ids = [program]
        report = vacancy_report(
            start=start,
            end=end,
            program_ids=program_ids,
            age_group=choice_param(request, "age_group", AgeGroup.values),
            area=text_param(request, "area"),
        )
        return Response(
            {
                "start": start,
                "end": end,
                "alliance": _figures(report.total),
                "programs": [
                    {"program": p.program.pk, "name": p.program.name, **_figures(p.figures)} for p in report.programs
                ],
                "age_groups_and_areas": [
                    {"age_group": g.age_group, "area": g.area, **_figures(g.figures)} for g in report.groups
                ],
                "classrooms": [_classroom_row(c) for c in report.classrooms],
            }
        )

    @extend_schema(responses=VacancyClassroomDaysSerializer, parameters=RANGE_PARAMS)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        classroom = self.get_object()
        start, end = self._range(request)
        days = room_days(classroom_ids=[classroom.pk], start=start, end=end)
        room = ClassroomVacancy(classroom=classroom, figures=vacancy_of_days(days), days=days)
        return Response(
            {
                **_classroom_row(room),
                "start": start,
                "end": end,
                "days": [
                    {
                        "day": d.day,
                        "licensed": d.licensed,
                        "desired": d.desired,
                        "enrolled_fte": str(d.enrolled_fte),
                        "children": d.children,
                        "open": str(d.open_slots),
                    }
                    for d in days
                ],
            }
        )

    @extend_schema(responses=MatchesSerializer, parameters=[START_PARAM])
    @action(detail=True, methods=["get"])
    def matches(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not self.membership.may(HUB_ONLY):
            raise PermissionDenied("Matching is the Hub's work.")
        classroom = self.get_object()
        start = max(date_param(request, "start", alliance_today()), alliance_today())
        open_fte = classroom_open_from(classroom, start)
        matches = waitlist_matches(classroom=classroom, start_date=start, open_fte=open_fte) if open_fte > 0 else []
        return Response(
            {
                "classroom": classroom.pk,
                "start": start,
                "open_fte": str(open_fte),
                "matches": [
                    {
                        "rank": i,
                        "entry": m.entry.pk,
                        "child": m.entry.child_id,
                        "child_name": m.entry.child.full_name,
                        "choice": m.choice_label,
                        "priority": m.priority,
                        "age_group": m.age_group,
                        "age_months": m.age_months,
                        "waited_days": m.waited_days,
                        "fte": str(m.entry.fte),
                        "added_on": m.entry.added_on,
                    }
                    for i, m in enumerate(matches, start=1)
                ],
            }
        )

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().select_related("site__program")
