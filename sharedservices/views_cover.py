"""Cover requests: providers ask, the Hub fills from ranked suggestions, hours
are recorded; fill rate and time to fill per program."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.generic import ListView, TemplateView, View

from alliance.dates import alliance_today, date_or_none
from alliance.views_base import HUB_AND_PROVIDER, HUB_ONLY
from members.models import Classroom
from sharedservices import services
from sharedservices.forms import CoverRequestForm, FillForm, HoursForm, ReasonForm
from sharedservices.matching import FAMILIARITY_CAP, FAMILIARITY_POINTS, cover_candidates
from sharedservices.models import CoverRequest, CoverStatus, Substitute
from sharedservices.pages import SharedFormPage, SharedPage
from sharedservices.selectors import cover_fill_rates

FILL_RATE_DAYS = 90


def _date_param(value: str | None, default: datetime.date) -> datetime.date:
    return date_or_none(value) or default


class CoverListView(SharedPage, ListView):
    allowed_roles = HUB_AND_PROVIDER
    template_name = "sharedservices/cover_list.html"
    section = "cover"
    title = "Cover requests"
    paginate_by = 50
    context_object_name = "covers"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        covers = self.visible(CoverRequest.objects.select_related("program", "classroom", "substitute"))
        status = self.request.GET.get("status", "")
        if status in CoverStatus.values:
            covers = covers.filter(status=status)
        program = self.request.GET.get("program", "")
        if program.isdigit():
            covers = covers.filter(program_id=int(program))
        if self.request.GET.get("when") != "past":
            covers = covers.filter(day__gte=alliance_today(self.alliance)).order_by("day", "starts_at")
        return covers

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        today = alliance_today(self.alliance)
        _rows, total = cover_fill_rates(
            self.visible(CoverRequest.objects.all()),
            start=today - datetime.timedelta(days=FILL_RATE_DAYS),
            end=today,
            today=today,
        )
        context.update(
            statuses=CoverStatus.choices,
            programs=self.visible_programs(),
            fill=total,
            fill_days=FILL_RATE_DAYS,
            filters=self.request.GET,
            query_string="&".join(f"{k}={v}" for k, v in self.request.GET.items() if k != "page"),
        )
        return context


class CoverCreateView(SharedFormPage):
    allowed_roles = HUB_AND_PROVIDER
    form_class = CoverRequestForm
    section = "cover"
    title = "Request a substitute"
    submit_label = "Send request"

    def get_form_kwargs(self) -> dict[str, Any]:
        programs = self.visible_programs()
        classrooms = self.visible(
            Classroom.objects.filter(closed_on__isnull=True)
            .select_related("site__program")
            .order_by("site__program__name", "name")
        )
        return {
            **super().get_form_kwargs(),
            "programs": programs,
            "classrooms": classrooms,
            "fixed_program": None if self.is_hub else self.membership.program,
        }

    def get_initial(self) -> dict[str, Any]:
        return {
            "day": alliance_today(self.alliance) + datetime.timedelta(days=1),
            "starts_at": datetime.time(7, 30),
            "ends_at": datetime.time(15, 30),
        }

    def perform(self, form: CoverRequestForm) -> CoverRequest:
        return services.cover_request_create(actor=self.request.user, **form.cleaned_data)

    def success_message(self, obj: CoverRequest) -> str:
        return f"Request sent: {obj.classroom} on {obj.day}, {obj.starts_at:%H:%M}–{obj.ends_at:%H:%M}."

    def success_url_for(self, obj: CoverRequest) -> str:
        return self.alliance_url("sharedservices:cover_detail", obj.pk)


class CoverPage(SharedPage):
    allowed_roles = HUB_AND_PROVIDER
    section = "cover"

    def get_cover(self) -> CoverRequest:
        if not hasattr(self, "cover"):
            self.cover = self.get_for_member(
                CoverRequest.objects.select_related("program", "classroom", "substitute"), pk=self.kwargs["pk"]
            )
        return self.cover

    def cover_url(self) -> str:
        return self.alliance_url("sharedservices:cover_detail", self.get_cover().pk)

    def extra_crumbs(self) -> list[tuple[str, str | None]]:
        return [(str(self.get_cover()), self.cover_url())]


class CoverDetailView(CoverPage, TemplateView):
    template_name = "sharedservices/cover_detail.html"

    def get_title(self) -> str:
        return str(self.get_cover())

    def extra_crumbs(self) -> list[tuple[str, str | None]]:
        return []

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        cover = self.get_cover()
        candidates = cover_candidates(cover) if self.is_hub and cover.status == CoverStatus.OPEN else []
        context.update(
            cover=cover,
            qualified=[c for c in candidates if c.qualifies],
            others=[c for c in candidates if not c.qualifies],
            points=FAMILIARITY_POINTS,
            cap=FAMILIARITY_CAP,
            passed=cover.day < alliance_today(self.alliance),
        )
        return context


class CoverFillView(CoverPage, View):
    """POST: book a substitute. A refusal (double-booking, not qualified) comes back
    as an error with its reason on the request's page."""

    allowed_roles = HUB_ONLY

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = FillForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose a substitute from the list.")
            return redirect(self.cover_url())
        try:
            cover = services.cover_request_fill(
                actor=request.user, cover=self.get_cover(), substitute=form.cleaned_data["substitute"]
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect(self.cover_url())
        messages.success(request, f"{cover.substitute} is booked for {cover.program} on {cover.day}.")
        return redirect(self.cover_url())


class CoverFormPage(CoverPage, SharedFormPage):
    """A form about one request, shown under a line that says which request."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        cover = self.get_cover()
        context["context_panel"] = (
            f"{cover.program}: {cover.classroom} on {cover.day}, "
            f"{cover.starts_at:%H:%M}–{cover.ends_at:%H:%M} ({cover.get_status_display()}"
            + (f", {cover.substitute}" if cover.substitute_id else "")
            + ")."
        )
        return context

    def cancel_url(self) -> str:
        return self.cover_url()

    def success_url_for(self, obj: Any) -> str:
        return self.cover_url()


class CoverReasonView(CoverFormPage):
    """Release a booked substitute, mark a request not filled, or cancel it: each with a reason."""

    form_class = ReasonForm
    action = ""
    ACTIONS = {
        "release": ("Release the substitute", HUB_ONLY, services.cover_request_release, "The request is open again."),
        "unfilled": (
            "Mark as not filled",
            HUB_ONLY,
            services.cover_request_mark_unfilled,
            "Marked as not filled; the program makes other arrangements.",
        ),
        "cancel": ("Cancel the request", HUB_AND_PROVIDER, services.cover_request_cancel, "Request cancelled."),
    }

    def roles_allowed(self) -> frozenset[str]:
        return self.ACTIONS[self.action][1]

    def get_title(self) -> str:
        return self.ACTIONS[self.action][0]

    def perform(self, form: ReasonForm) -> CoverRequest:
        return self.ACTIONS[self.action][2](
            actor=self.request.user, cover=self.get_cover(), reason=form.cleaned_data["reason"]
        )

    def success_message(self, obj: CoverRequest) -> str:
        return self.ACTIONS[self.action][3]


class CoverHoursView(CoverFormPage):
    allowed_roles = HUB_ONLY
    form_class = HoursForm
    title = "Record hours worked"
    intro = "These hours are charged to the member at the agreed hourly rate on its next Hub invoice."

    def get_initial(self) -> dict[str, Any]:
        cover = self.get_cover()
        return {"hours": cover.hours_delivered or cover.hours}

    def perform(self, form: HoursForm) -> CoverRequest:
        return services.cover_request_record_hours(
            actor=self.request.user, cover=self.get_cover(), hours=form.cleaned_data["hours"]
        )

    def success_message(self, obj: CoverRequest) -> str:
        return f"{obj.hours_delivered} hours recorded for {obj.substitute}."


class FillRateView(SharedPage, TemplateView):
    template_name = "sharedservices/fill_rates.html"
    section = "cover"
    title = "Fill rate and time to fill"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        today = alliance_today(self.alliance)
        end = _date_param(self.request.GET.get("to"), today)
        start = _date_param(self.request.GET.get("from"), end - datetime.timedelta(days=FILL_RATE_DAYS))
        if end < start:
            start, end = end, start
        rows, total = cover_fill_rates(CoverRequest.objects.all(), start=start, end=end, today=today)
        context.update(
            rows=rows, total=total, start=start, end=end, pool_size=Substitute.objects.filter(is_active=True).count()
        )
        return context
