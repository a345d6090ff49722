"""Messages to families and substitutes (outreach/messaging.py): writing one from an inquiry, an offer,
an account or a cover booking, and the alliance's message templates."""

from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.generic import TemplateView

from alliance.views_base import HUB_AND_PROVIDER, HUB_ONLY, AllianceMixin, add_errors
from outreach.forms import MessageForm, MessageTemplateForm, OffersMessageForm
from outreach.messaging import (
    MAX_OFFERS_AT_ONCE,
    OFFER_MESSAGE_BODY,
    OFFER_MESSAGE_SUBJECT,
    PLACEHOLDERS,
    Subject,
    fill,
    message_send,
    message_subject,
    message_template_save,
    messages_about,
    messages_to_offered_families,
    offers_for_message,
)
from outreach.models import MessageAbout, MessageTemplate

PROVIDERS_MAY = {MessageAbout.ACCOUNT, MessageAbout.OFFER}


class MessageComposeView(AllianceMixin, TemplateView):
    """Write to a family's guardian (or a booking's substitute) about one record; the message is listed
    on that record's page and the family's."""

    template_name = "outreach/message_compose.html"
    about: str = ""

    def roles_allowed(self) -> frozenset[str]:
        return HUB_AND_PROVIDER if self.about in PROVIDERS_MAY else HUB_ONLY

    def get_subject(self) -> Subject:
        if not hasattr(self, "subject_of"):
            self.subject_of = message_subject(self.membership, self.about, self.kwargs["pk"])
        return self.subject_of

    def get_title(self) -> str:
        return f"Message about {self.get_subject().title}"

    def templates(self) -> list[MessageTemplate]:
        return list(MessageTemplate.objects.all())

    def build_form(self, data: Any = None) -> MessageForm:
        subject_of = self.get_subject()
        initial: dict[str, Any] = {}
        chosen = self.request.GET.get("template")
        if data is None and chosen and chosen.isdigit():
            template = MessageTemplate.objects.filter(pk=int(chosen)).first()
            if template is not None:
                initial = {
                    "template": str(template.pk),
                    "channel": template.channel,
                    "subject": template.subject,
                    "body": template.body,
                }
        if subject_of.recipients:
            initial.setdefault("recipient", subject_of.recipients[0].key)
        return MessageForm(
            data,
            initial=initial,
            recipients=[(r.key, r.label) for r in subject_of.recipients],
            templates=[(str(t.pk), f"{t.name} ({t.get_channel_display().lower()})") for t in self.templates()],
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        subject_of = self.get_subject()
        context.update(
            subject_of=subject_of,
            back_url=self.alliance_url(subject_of.back_url_name, subject_of.pk),
            form=kwargs.get("form") or self.build_form(),
            placeholders=[(name, text, subject_of.values.get(name, "")) for name, text in PLACEHOLDERS.items()],
            sent=messages_about(subject_of.about, subject_of.pk),
            templates=self.templates(),
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        subject_of = self.get_subject()
        form = self.build_form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            template = MessageTemplate.objects.filter(pk=int(data["template"])).first() if data["template"] else None
            try:
                message = message_send(
                    actor=request.user,
                    subject_of=subject_of,
                    recipient_key=data["recipient"],
                    channel=data["channel"],
                    subject=data["subject"],
                    body=data["body"],
                    template=template,
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                flash.success(request, f"Message to {message.to} queued: it is sent in a moment.")
                return redirect(self.alliance_url(subject_of.back_url_name, subject_of.pk))
        return self.render_to_response(self.get_context_data(form=form), status=400)


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


class OffersMessageView(AllianceMixin, TemplateView):
    """Write to the families of the offers ticked on the offers list: one message each, filled with its own
    offer's child, room, start date and answer-by date."""

    allowed_roles = HUB_AND_PROVIDER
    template_name = "outreach/message_offers.html"
    title = "Write to the families of ticked offers"

    def get_offers(self, data: Any) -> list[Any]:
        if not hasattr(self, "offers"):
            self.offers = offers_for_message(self.membership, _ids(data.getlist("offer")))
        return self.offers

    def build_form(self, offers: list[Any], data: Any = None) -> OffersMessageForm:
        initial: dict[str, Any] = {
            "offer": [o.pk for o in offers],
            "subject": OFFER_MESSAGE_SUBJECT,
            "body": OFFER_MESSAGE_BODY,
        }
        chosen = self.request.GET.get("template", "")
        template = MessageTemplate.objects.filter(pk=int(chosen)).first() if chosen.isdigit() else None
        if template is not None:
            initial |= {
                "template": str(template.pk),
                "channel": template.channel,
                "subject": template.subject,
                "body": template.body,
            }
        return OffersMessageForm(
            data,
            initial=initial,
            templates=[
                (str(t.pk), f"{t.name} ({t.get_channel_display().lower()})") for t in MessageTemplate.objects.all()
            ],
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        offers = self.get_offers(self.request.POST if self.request.method == "POST" else self.request.GET)
        context.update(
            offers=offers,
            asked=len(
                _ids((self.request.POST if self.request.method == "POST" else self.request.GET).getlist("offer"))
            ),
            limit=MAX_OFFERS_AT_ONCE,
            form=kwargs.get("form") or self.build_form(offers),
            templates=MessageTemplate.objects.all(),
            placeholders=[(name, text) for name, text in PLACEHOLDERS.items()],
            back_url=self.alliance_url("enrollment:offer_list"),
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        offers = self.get_offers(request.POST)
        form = self.build_form(offers, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            template = MessageTemplate.objects.filter(pk=int(data["template"])).first() if data["template"] else None
            try:
                written = messages_to_offered_families(
                    actor=request.user,
                    membership=self.membership,
                    offer_ids=[o.pk for o in offers],
                    channel=data["channel"],
                    subject=data["subject"],
                    body=data["body"],
                    template=template,
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                sent = len(written.sent)
                flash.success(request, f"{sent} message{'s' if sent != 1 else ''} queued: they are sent in a moment.")
                if written.skipped:
                    flash.warning(request, "Not written to: " + "; ".join(written.skipped) + ".")
                return redirect(self.alliance_url("enrollment:offer_list"))
        elif not offers:
            form.add_error(None, "Tick at least one open offer on the offers list.")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class MessageTemplateListView(AllianceMixin, TemplateView):
    allowed_roles = HUB_ONLY
    template_name = "outreach/message_templates.html"
    title = "Message templates"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(message_templates=MessageTemplate.objects.all(), placeholders=PLACEHOLDERS.items())
        return context


class MessageTemplateEditView(AllianceMixin, TemplateView):
    allowed_roles = HUB_ONLY
    template_name = "outreach/message_template_edit.html"

    def get_object(self) -> MessageTemplate | None:
        if "pk" not in self.kwargs:
            return None
        if not hasattr(self, "object"):
            self.object = self.get_for_member(MessageTemplate.objects.all(), pk=self.kwargs["pk"])
        return self.object

    def get_title(self) -> str:
        template = self.get_object()
        return f"Template: {template.name}" if template else "New message template"

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return [
            (self.alliance.name, self.alliance_url("alliance:home")),
            ("Message templates", self.alliance_url("outreach:message_templates")),
            (self.get_title(), None),
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        template = self.get_object()
        initial = (
            {"name": template.name, "channel": template.channel, "subject": template.subject, "body": template.body}
            if template
            else {}
        )
        example = {name: f"[{text}]" for name, text in PLACEHOLDERS.items()}
        context.update(
            form=kwargs.get("form") or MessageTemplateForm(initial=initial),
            placeholders=PLACEHOLDERS.items(),
            preview=fill(template.body, example, recipient="Maria") if template else "",
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = MessageTemplateForm(request.POST)
        if form.is_valid():
            try:
                saved = message_template_save(actor=request.user, template=self.get_object(), **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                flash.success(request, f"Template {saved.name} saved.")
                return redirect(self.alliance_url("outreach:message_templates"))
        return self.render_to_response(self.get_context_data(form=form), status=400)
