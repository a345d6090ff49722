"""The public "find child care" page and the inquiry form, at /care/<alliance_slug>/.

No sign-in. Each page opens its alliance's scope from the slug
(PublicAllianceMixin) and shows only what members chose to publish.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.generic import TemplateView

from alliance.clients import client_address
from alliance.dates import BIRTH_DATE, alliance_today
from alliance.views_base import add_errors
from enrollment.selectors import age_bands
from members.models import MemberProgram
from outreach.forms import CareFilterForm, InquiryForm, parse_date
from outreach.public import PublicAllianceMixin
from outreach.selectors import Schedule, child_age_group, public_areas, public_programs, published_listings
from outreach.services import inquiry_submit
from outreach.spam import rate_limit_hit

logger = logging.getLogger(__name__)

INQUIRIES_PER_ADDRESS = 5
INQUIRY_WINDOW_SECONDS = 3600


class CarePageView(PublicAllianceMixin, TemplateView):
    template_name = "outreach/care.html"

    def get_title(self) -> str:
        return "Find child care"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        today = alliance_today(self.alliance)
        form = CareFilterForm(self.request.GET or None, areas=public_areas())
        filters: dict[str, Any] = form.cleaned_data if form.is_bound and form.is_valid() else {}
        start = max(filters.get("start") or today, today)
        dob, group = filters.get("dob"), None
        if dob:
            bands = age_bands()
            group = child_age_group(dob, start, bands)
            if group is None:
                form.add_error(
                    "dob", f"No program of the alliance takes a child born on {dob:%B %-d, %Y} on {start:%B %-d, %Y}."
                )
            context["age_group_label"] = dict(self._group_labels(bands)).get(group or "", "")
        programs = public_programs(
            today=start,
            child_age_group=group,
            area=filters.get("area") or "",
            schedule=filters.get("schedule") or "",
            subsidy=filters.get("subsidy", False),
        )
        if dob and group is None:
            programs = []
        context.update(
            form=form,
            programs=programs,
            start=start,
            filtered=bool(filters and any(filters.values())),
            when="now" if start == today else f"on {start:%B %-d}",
            inquire_query=self.request.GET.urlencode(),
        )
        return context

    @staticmethod
    def _group_labels(bands: Any) -> list[tuple[str, str]]:
        return [(b.age_group, f"{b.label.lower()} ({b.range_label})") for b in bands]


class InquiryView(PublicAllianceMixin, TemplateView):
    """One inquiry for the whole alliance: the family lands on the shared waitlist
    and in the Hub's inbox."""

    template_name = "outreach/inquire.html"

    def get_title(self) -> str:
        return "Ask for a place"

    def build_form(self, data: Any = None) -> InquiryForm:
        listings = published_listings()
        programs = MemberProgram.objects.filter(pk__in=listings.values("program_id")).order_by("name")
        initial: dict[str, Any] = {"desired_start": alliance_today(self.alliance)}
        query = self.request.GET
        if query.get("program", "").isdigit():
            initial["programs"] = [int(query["program"])]
        if parse_date(query.get("dob"), BIRTH_DATE):
            initial["child1_date_of_birth"] = parse_date(query.get("dob"), BIRTH_DATE)
        if parse_date(query.get("start")):
            initial["desired_start"] = max(
                parse_date(query.get("start")) or alliance_today(self.alliance), alliance_today(self.alliance)
            )
        if query.get("area"):
            initial["area"] = query["area"]
        if query.get("schedule") == Schedule.FULL_WEEK:
            initial["weekdays"] = [0, 1, 2, 3, 4]
        return InquiryForm(data, initial=initial, programs=programs, areas=public_areas())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["form"] = kwargs.get("form") or self.build_form()
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.build_form(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        if rate_limit_hit(
            action="inquiry",
            alliance_id=self.alliance.pk,
            subject=client_address(request),
            limit=INQUIRIES_PER_ADDRESS,
            window=INQUIRY_WINDOW_SECONDS,
        ):
            form.add_error(
                None,
                "We received several inquiries from your connection in the last hour. "
                "Please try again later, or call the Hub.",
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        if form.is_spam:
            # A bot filled the hidden field: thank it and keep nothing.
            logger.info("Inquiry honeypot filled for alliance %s; nothing saved.", self.alliance.slug)
            return redirect(self.public_url("public:inquiry_thanks"))
        try:
            inquiry = inquiry_submit(
                **form.service_kwargs(),
                sign_in_url=request.build_absolute_uri(self.public_url("public:family_sign_in")),
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(
            request, f"Thank you — your inquiry #{inquiry.number} has arrived. The Hub will contact you soon."
        )
        return redirect(self.public_url("public:inquiry_thanks"))


class InquiryThanksView(PublicAllianceMixin, TemplateView):
    template_name = "outreach/inquiry_thanks.html"

    def get_title(self) -> str:
        return "Thank you"
