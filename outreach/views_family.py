"""The family page at /family/<alliance_slug>/: a guardian signs in with a
one-time link sent by email and sees the family's waitlist places, offers
(and answers them), statements and balance — of this family only.

The family comes from the family session, never from the URL; an offer id in
the URL is looked up among the family's own offers, so another family's id is
404 like a missing one.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.generic import TemplateView, View

from alliance.clients import client_address
from alliance.dates import alliance_today
from alliance.views_base import add_errors
from billing.family_autopay import (
    authorization_hash,
    authorization_text,
    family_autopay_accounts,
    family_autopay_sign,
    family_autopay_stop,
    family_receipts,
)
from billing.models import BankAccount, FamilyAccount
from billing.statements import family_statement, statement_pdf
from enrollment.models import Offer, OfferStatus
from outreach.forms import FamilyAutopayForm, FamilyDeclineForm, SignInRequestForm, parse_date
from outreach.models import FamilyPin
from outreach.public import FamilyPageMixin, PublicAllianceMixin, family_session_end, family_session_start
from outreach.selectors import family_offers, family_waitlist
from outreach.services import (
    family_offer_accept,
    family_offer_decline,
    family_sign_in_link_check,
    family_sign_in_link_redeem,
    family_sign_in_links_send,
)
from outreach.spam import rate_limit_hit

LINK_REQUESTS_PER_ADDRESS = 10
LINK_REQUESTS_PER_EMAIL = 3
LINK_WINDOW_SECONDS = 15 * 60


class FamilySignInRequestView(PublicAllianceMixin, TemplateView):
    template_name = "outreach/family_sign_in.html"

    def get_title(self) -> str:
        return "Family page: sign in"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", SignInRequestForm())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = SignInRequestForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        email = form.cleaned_data["email"].strip().lower()
        too_many = rate_limit_hit(
            action="family-link-ip",
            alliance_id=self.alliance.pk,
            subject=client_address(request),
            limit=LINK_REQUESTS_PER_ADDRESS,
            window=LINK_WINDOW_SECONDS,
        ) or rate_limit_hit(
            action="family-link-email",
            alliance_id=self.alliance.pk,
            subject=email,
            limit=LINK_REQUESTS_PER_EMAIL,
            window=LINK_WINDOW_SECONDS,
        )
        if too_many:
            form.add_error(
                None,
                "Several sign-in links were asked for in the last minutes. "
                "Use the last one we sent, or try again in a quarter of an hour.",
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        family_sign_in_links_send(
            email=email,
            link_url=lambda token: request.build_absolute_uri(self.public_url("public:family_sign_in_link", token)),
        )
        # The same answer whether or not the address is known.
        messages.success(
            request,
            f"If {email} belongs to a family of {self.alliance.name}, a sign-in link is on "
            f"its way. It works once, for 30 minutes.",
        )
        return redirect(self.public_url("public:family_sign_in"))


class FamilySignInLinkView(PublicAllianceMixin, TemplateView):
    """GET shows a button (mail scanners that open links do not use them up); POST signs in."""

    template_name = "outreach/family_sign_in_link.html"

    def get_title(self) -> str:
        return "Family page: sign in"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            link = family_sign_in_link_check(token=kwargs["token"])
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(refusal=" ".join(exc.messages)), status=400)
        return self.render_to_response(self.get_context_data(link=link))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            link = family_sign_in_link_redeem(token=kwargs["token"])
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(refusal=" ".join(exc.messages)), status=400)
        family_session_start(request, alliance=self.alliance, family_id=link.family_id, guardian_id=link.guardian_id)
        messages.success(request, f"Welcome, {link.guardian.first_name}.")
        return redirect(self.public_url("public:family_home"))


class FamilySignOutView(PublicAllianceMixin, View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        family_session_end(request, alliance=self.alliance)
        messages.success(request, "You are signed out of the family page.")
        return redirect(self.public_url("public:family_sign_in"))


class FamilyHomeView(FamilyPageMixin, TemplateView):
    template_name = "outreach/family_home.html"

    def get_title(self) -> str:
        return self.family.name

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        accounts = family_autopay_accounts(self.family)
        offers = list(family_offers(self.family)[:20])
        context.update(
            places=family_waitlist(self.family),
            accounts=accounts,
            receipts=family_receipts(self.family),
            balance=sum((a.balance for a in accounts), Decimal("0.00")) if accounts else None,  # type: ignore[attr-defined]
            open_offers=[o for o in offers if o.status == OfferStatus.OPEN],
            past_offers=[o for o in offers if o.status != OfferStatus.OPEN],
            kiosk_pin=FamilyPin.objects.filter(family=self.family).first(),
        )
        return context


class FamilyOfferView(FamilyPageMixin, TemplateView):
    template_name = "outreach/family_offer.html"

    def get_offer(self) -> Offer:
        if not hasattr(self, "offer"):
            try:
                self.offer = family_offers(self.family).get(pk=self.kwargs["pk"])
            except Offer.DoesNotExist:
                raise Http404("No such offer.") from None
        return self.offer

    def get_title(self) -> str:
        offer = self.get_offer()
        return f"A place for {offer.entry.child.first_name} at {offer.program.name}"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        offer = self.get_offer()
        context.update(
            offer=offer,
            decline_form=kwargs.get("decline_form") or FamilyDeclineForm(),
            lapsed=offer.status == OfferStatus.OPEN and offer.respond_by < alliance_today(self.alliance),
        )
        return context


class FamilyOfferAcceptView(FamilyOfferView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        offer = self.get_offer()
        try:
            enrollment = family_offer_accept(family=self.family, guardian=self.guardian, offer=offer)
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(refusal=" ".join(exc.messages)), status=400)
        messages.success(
            request,
            f"Accepted: {enrollment.child.first_name} starts at {offer.program.name} "
            f"on {enrollment.start_date:%B %-d, %Y}.",
        )
        return redirect(self.public_url("public:family_home"))


class FamilyOfferDeclineView(FamilyOfferView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        offer = self.get_offer()
        form = FamilyDeclineForm(request.POST)
        if form.is_valid():
            try:
                family_offer_decline(
                    family=self.family,
                    guardian=self.guardian,
                    offer=offer,
                    note=form.cleaned_data["note"],
                    keep_waiting=form.cleaned_data["keep_waiting"],
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, "You declined the offer. Thank you for letting us know.")
                return redirect(self.public_url("public:family_home"))
        return self.render_to_response(self.get_context_data(decline_form=form), status=400)


class FamilyStatementView(FamilyPageMixin, TemplateView):
    """The family's statement across member programs (billing's statement, same figures and PDF)."""

    template_name = "outreach/family_statement.html"

    def get_title(self) -> str:
        return "Statement"

    def period(self) -> tuple[datetime.date, datetime.date]:
        today = alliance_today(self.alliance)
        default_start = (today.replace(day=1) - datetime.timedelta(days=60)).replace(day=1)
        start = parse_date(self.request.GET.get("start")) or default_start
        return start, parse_date(self.request.GET.get("end")) or today

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        accounts = FamilyAccount.objects.filter(family=self.family)
        start, end = self.period()
        try:
            self.statement = family_statement(self.family, accounts, start=start, end=end)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            today = alliance_today(self.alliance)
            self.statement = family_statement(self.family, accounts, start=today.replace(day=1), end=today)
        if kwargs.get("pdf"):
            pdf = statement_pdf({"statement": self.statement, "alliance": self.alliance})
            response = HttpResponse(pdf, content_type="application/pdf")
            response["Content-Disposition"] = (
                f'attachment; filename="statement-{self.statement.start}-{self.statement.end}.pdf"'
            )
            return response
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["statement"] = self.statement
        return context


class FamilyAccountMixin(FamilyPageMixin):
    """A page of one of the family's own accounts: the id is looked up among the family's accounts, so
    another family's is 404 like a missing one."""

    def get_account(self) -> FamilyAccount:
        if not hasattr(self, "account"):
            try:
                self.account = FamilyAccount.objects.select_related("program").get(
                    pk=self.kwargs["pk"], family=self.family
                )
            except FamilyAccount.DoesNotExist:
                raise Http404("No such account.") from None
        return self.account


class FamilyAutopayView(FamilyAccountMixin, TemplateView):
    """Sign up for autopay on one account: bank details, the authorization to read, a typed name."""

    template_name = "outreach/family_autopay.html"

    def get_title(self) -> str:
        return f"Autopay for {self.get_account().program.name}"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        account = self.get_account()
        text = authorization_text(account=account)
        bank = BankAccount.objects.filter(account=account).first()
        context.update(
            account=account,
            bank=bank,
            authorization_text=text,
            form=kwargs.get("form")
            or FamilyAutopayForm(initial={"shown_sha256": authorization_hash(text), "account_type": "checking"}),
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        account = self.get_account()
        form = FamilyAutopayForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                family_autopay_sign(
                    family=self.family,
                    guardian=self.guardian,
                    account=account,
                    holder_name=data["holder_name"],
                    routing_number=data["routing_number"],
                    account_number=data["account_number"],
                    account_number_again=data["account_number_again"],
                    account_type=data["account_type"],
                    signed_name=data["signed_name"],
                    agreed=data["agreed"],
                    shown_sha256=data["shown_sha256"],
                    ip_address=client_address(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request,
                    f"Autopay is set up for {account.program.name}. We emailed you a copy of the authorization.",
                )
                return redirect(self.public_url("public:family_home"))
        # Never echo the account numbers back into the page.
        shown = request.POST.copy()
        shown["account_number"] = shown["account_number_again"] = ""
        form.data = shown
        return self.render_to_response(self.get_context_data(form=form), status=400)


class FamilyAutopayStopView(FamilyAccountMixin, View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        account = self.get_account()
        try:
            family_autopay_stop(family=self.family, guardian=self.guardian, account=account)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Autopay is stopped for {account.program.name}. We emailed you to confirm.")
        return redirect(self.public_url("public:family_home"))
