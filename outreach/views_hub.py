"""Outreach pages under /a/<alliance_slug>/: the Hub's inquiry inbox and each
member's public listing (publish or not, which facts, a preview).

Inquiries are the Hub's (hub roles only). A listing belongs to its program:
a provider edits and previews their own, another program's is 404.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import FormView, ListView, TemplateView

from alliance.localization import alliance_local
from alliance.views_base import HUB_AND_PROVIDER, HUB_ONLY, AllianceMixin, ServiceFormMixin, add_errors
from members.models import MemberProgram, ProgramStatus
from outreach.forms import CloseForm, FirstContactForm, InquiryFilterForm, ListingForm
from outreach.messaging import messages_about
from outreach.models import PUBLIC_FIELDS, Inquiry, MessageAbout, PublicListing
from outreach.selectors import (
    hours_between,
    inquiries_filtered,
    inquiries_with_timing,
    inquiry_entries,
    inquiry_status,
    listing_for,
    outreach_figures,
    public_programs,
)
from outreach.services import (
    family_sign_in_link_send,
    inquiry_close,
    inquiry_record_first_contact,
    listing_save,
)
from outreach.tours import inquiry_tours

SECTIONS = {
    "inquiries": ("Inquiries", "outreach:inquiry_list"),
    "listings": ("Public listings", "outreach:listing_list"),
}


class AllianceTimeMixin:
    """Times shown and typed on these pages are the alliance's local time (placed
    after AllianceMixin, which has resolved the alliance by then)."""

    alliance: Any

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        with alliance_local(self.alliance):
            response = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            return response


class OutreachPage(AllianceMixin, AllianceTimeMixin):
    allowed_roles = HUB_ONLY
    section: ClassVar[str] = ""
    kwargs: dict[str, Any]

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        crumbs: list[tuple[str, str | None]] = [(self.alliance.name, self.alliance_url("alliance:home"))]
        if self.section and self.membership.is_hub:
            label, url_name = SECTIONS[self.section]
            if label != self.get_title():
                crumbs.append((label, self.alliance_url(url_name)))
        crumbs.append((self.get_title(), None))
        return crumbs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["public_url"] = reverse("public:care", args=[self.alliance.slug])
        return context


# --- Inbox ------------------------------------------------------------------
class InquiryListView(OutreachPage, ListView):
    template_name = "outreach/inquiry_list.html"
    section = "inquiries"
    title = "Inquiries"
    paginate_by = 50
    context_object_name = "inquiries"

    def get_queryset(self) -> Any:
        data = self.request.GET.copy()
        if "status" not in data:
            data["status"] = "open"
        self.filters = InquiryFilterForm(data)
        cleaned = self.filters.cleaned_data if self.filters.is_valid() else {"status": "open"}
        return inquiries_filtered(status=cleaned.get("status", ""), query=cleaned.get("q", ""))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        for inquiry in context["inquiries"]:
            inquiry.state = inquiry_status(inquiry)
            inquiry.hours_to_contact = hours_between(inquiry.received_at, inquiry.first_contact_at)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(filters=self.filters, query_string=query.urlencode(), figures=outreach_figures())
        return context


class DashboardPanelView(OutreachPage, TemplateView):
    """The outreach figures for the Hub dashboard, loaded into it by htmx."""

    template_name = "outreach/_dashboard_panel_body.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["figures"] = outreach_figures()
        return context


class InquiryFromURL(OutreachPage):
    section = "inquiries"

    def get_inquiry(self) -> Inquiry:
        if not hasattr(self, "inquiry"):
            self.inquiry = self.get_for_member(inquiries_with_timing(), pk=self.kwargs["pk"])
        return self.inquiry


class InquiryDetailView(InquiryFromURL, TemplateView):
    template_name = "outreach/inquiry_detail.html"

    def get_title(self) -> str:
        inquiry = self.get_inquiry()
        return f"Inquiry #{inquiry.number} from {inquiry.guardian.full_name}"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        inquiry = self.get_inquiry()
        enrolled_at = getattr(inquiry, "enrolled_at", None)  # annotated by inquiries_with_timing()
        context.update(
            inquiry=inquiry,
            status=inquiry_status(inquiry),
            entries=inquiry_entries(inquiry),
            hours_to_contact=hours_between(inquiry.received_at, inquiry.first_contact_at),
            days_to_enrollment=(hours_between(inquiry.received_at, enrolled_at) or 0) / 24 if enrolled_at else None,
            contact_form=kwargs.get("contact_form") or FirstContactForm(),
            close_form=kwargs.get("close_form") or CloseForm(),
            show_links=settings.DEBUG,
            sent=messages_about(MessageAbout.INQUIRY, inquiry.pk),
            tours=inquiry_tours(inquiry),
        )
        return context


class InquiryActionView(InquiryDetailView):
    """POST only; errors show on the inquiry's page."""

    http_method_names = ["post"]
    form_name: ClassVar[str] = ""

    def build_form(self, data: Any) -> Any:
        raise NotImplementedError

    def act(self, form: Any) -> str:
        raise NotImplementedError

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.get_inquiry()
        form = self.build_form(request.POST)
        if form.is_valid():
            try:
                message = self.act(form)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, message)
                return redirect(self.alliance_url("outreach:inquiry_detail", self.inquiry.pk))
        context = self.get_context_data(**{self.form_name: form})
        # The form may be gone from the page (already contacted, closed): say why at the top.
        context["action_errors"] = [e for errors in form.errors.values() for e in errors]
        return self.render_to_response(context, status=400)


class InquiryContactView(InquiryActionView):
    form_name = "contact_form"

    def build_form(self, data: Any) -> FirstContactForm:
        return FirstContactForm(data)

    def act(self, form: FirstContactForm) -> str:
        inquiry_record_first_contact(
            actor=self.request.user,
            inquiry=self.inquiry,
            method=form.cleaned_data["method"],
            note=form.cleaned_data["note"],
            contacted_at=form.cleaned_data.get("contacted_at"),
        )
        return "First contact recorded."


class InquiryCloseView(InquiryActionView):
    form_name = "close_form"

    def build_form(self, data: Any) -> CloseForm:
        return CloseForm(data)

    def act(self, form: CloseForm) -> str:
        inquiry_close(
            actor=self.request.user,
            inquiry=self.inquiry,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        )
        return "Inquiry closed; its children left the shared waitlist."


class InquirySendLinkView(InquiryFromURL, TemplateView):
    """Email the guardian a sign-in link to the family page (in DEBUG, the demo, also show it)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        inquiry = self.get_inquiry()
        back = redirect(self.alliance_url("outreach:inquiry_detail", inquiry.pk))
        try:
            url = family_sign_in_link_send(
                guardian=inquiry.guardian,
                sent_by=request.user,
                link_url=lambda token: request.build_absolute_uri(
                    reverse("public:family_sign_in_link", args=[self.alliance.slug, token])
                ),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return back
        messages.success(request, f"Sign-in link emailed to {inquiry.guardian.email}.")
        if settings.DEBUG:
            messages.info(request, f"Demo only (DEBUG): the link is {url}")
        return back


# --- Public listings --------------------------------------------------------
class ListingListView(OutreachPage, TemplateView):
    template_name = "outreach/listing_list.html"
    section = "listings"
    title = "Public listings"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        programs = list(MemberProgram.objects.exclude(status=ProgramStatus.LEFT).order_by("name"))
        listings = {listing.program_id: listing for listing in PublicListing.objects.all()}
        context["rows"] = [
            (
                p,
                listings.get(p.pk),
                [label for name, label in PUBLIC_FIELDS if p.pk in listings and not getattr(listings[p.pk], name)],
            )
            for p in programs
        ]
        return context


class ListingPage(OutreachPage):
    allowed_roles = HUB_AND_PROVIDER
    section = "listings"

    def get_program(self) -> MemberProgram:
        if not hasattr(self, "program"):
            self.program = self.get_for_member(MemberProgram.objects.all(), pk=self.kwargs["program_pk"])
        return self.program


class ListingEditView(ServiceFormMixin, ListingPage, FormView):
    template_name = "outreach/listing_edit.html"
    form_class = ListingForm
    submit_label = "Save the listing"

    def get_title(self) -> str:
        return f"Public listing — {self.get_program().name}"

    def get_initial(self) -> dict[str, Any]:
        listing = listing_for(self.get_program())
        return {
            name: getattr(listing, name)
            for name in ["published", "description", "languages", "accepts_subsidy", *(n for n, _ in PUBLIC_FIELDS)]
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            program=self.get_program(), listing=listing_for(self.get_program()), submit_label=self.submit_label
        )
        return context

    def perform(self, form: ListingForm) -> PublicListing:
        return listing_save(actor=self.request.user, program=self.get_program(), data=form.cleaned_data)

    def success_message(self, obj: PublicListing) -> str:
        state = "is on the public page" if obj.published else "is not on the public page"
        return f"Saved: {obj.program.name} {state}."

    def success_url_for(self, obj: PublicListing) -> str:
        return self.alliance_url("outreach:listing_edit", obj.program_id)


class ListingPreviewView(ListingPage, TemplateView):
    """The program's card exactly as families would see it, published or not yet."""

    template_name = "outreach/listing_preview.html"

    def get_title(self) -> str:
        return f"Preview — {self.get_program().name}"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        from alliance.dates import alliance_today

        listing = listing_for(self.get_program())
        cards = public_programs(today=alliance_today(), listings=[listing])
        context.update(program=self.program, listing=listing, card=cards[0] if cards else None)
        return context
