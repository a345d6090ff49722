"""Messages from the Hub to families and substitutes: email or text, from an inquiry, an offer, an
account or a cover booking, optionally from an alliance's template.

`message_subject(membership, about, pk)` finds what the message is about through the access rules
(another alliance's or another program's record is 404 at the page), the people it may go to and
the placeholders' values. `message_send` checks the input, writes the `Message` (the family's timeline
lists it) and queues it through the task outbox: the worker sends it (outreach/tasks.py), never the
request.

Placeholders are `{name}` in a template's subject and body, from a fixed list (PLACEHOLDERS): plain
string substitution, no attribute access or formatting code, so a template cannot reach anything but
these values. An unknown placeholder is refused when the template is saved.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import Http404

from alliance.access import get_object_or_404_for, visible_to
from alliance.audit import audit_event_record, snapshot
from alliance.formatting import day, money
from alliance.models import Alliance, Membership
from alliance.outbox import task_enqueue
from alliance.tenancy import require_alliance_id
from billing.models import FamilyAccount
from billing.selectors import accounts_with_balances
from enrollment.models import Guardian, Offer, OfferStatus
from outreach.models import Inquiry, Message, MessageAbout, MessageChannel, MessageTemplate
from sharedservices.models import CoverRequest, Substitute

PLACEHOLDERS: dict[str, str] = {
    "alliance": "the alliance's name",
    "recipient": "the first name of whoever receives it",
    "family": "the family's name",
    "child": "the children's first names",
    "program": "the program's name",
    "balance": "the account's balance",
    "start_date": "the offered start date",
    "respond_by": "the date to answer an offer by",
    "inquiry_number": "the inquiry's number",
    "cover_day": "the day of the cover booking",
    "cover_hours": "the cover booking's hours",
    "classroom": "the room",
    "tour_day": "the day of the tour",
    "tour_time": "the tour's start and end time",
    "tour_address": "the address of the program the tour is at",
}
TEXT_LIMIT = 480  # three SMS segments
PHONE = re.compile(r"^\+?[0-9 ().-]{7,20}$")


@dataclass
class Recipient:
    key: str  # "guardian:<pk>" or "substitute:<pk>"
    name: str
    email: str
    phone: str
    guardian: Guardian | None = None
    substitute: Substitute | None = None

    @property
    def label(self) -> str:
        ways = [w for w in (self.email, self.phone) if w]
        return f"{self.name} ({', '.join(ways)})" if ways else f"{self.name} (no email or phone)"


@dataclass
class Subject:
    """What a message is about, whom it may go to, and the values of the placeholders."""

    about: str
    pk: int
    title: str
    back_url_name: str
    program_id: int | None
    family_id: int | None
    recipients: list[Recipient]
    values: dict[str, str] = field(default_factory=dict)


def _guardians(family_id: int) -> list[Recipient]:
    return [
        Recipient(f"guardian:{g.pk}", g.full_name, g.email, g.phone, guardian=g)
        for g in Guardian.objects.filter(family_id=family_id).order_by("-is_primary_contact", "pk")
    ]


def _children(family_id: int) -> str:
    from enrollment.models import Child

    names = list(Child.objects.filter(family_id=family_id).order_by("pk").values_list("first_name", flat=True))
    return ", ".join(names)


def inquiry_subject(inquiry: Inquiry) -> Subject:
    """A message about an inquiry (already found through the access rules): to the family's guardians."""
    values = {
        "alliance": Alliance.objects.get(pk=require_alliance_id()).name,
        "family": inquiry.family.name,
        "child": _children(inquiry.family_id),
        "inquiry_number": str(inquiry.number),
    }
    return Subject(
        MessageAbout.INQUIRY, inquiry.pk, f"Inquiry #{inquiry.number}", "outreach:inquiry_detail", None,
        inquiry.family_id, _guardians(inquiry.family_id), values,
    )  # fmt: skip


def message_subject(membership: Membership, about: str, pk: int) -> Subject:
    """The record a message is about, found through the access rules: 404 when the viewer may not see it."""
    alliance = Alliance.objects.get(pk=require_alliance_id())
    values = {"alliance": alliance.name}
    if about == MessageAbout.INQUIRY:
        if not membership.is_hub:
            raise Http404
        return inquiry_subject(get_object_or_404_for(membership, Inquiry.objects.select_related("family"), pk=pk))
    if about == MessageAbout.OFFER:
        offer = get_object_or_404_for(
            membership, Offer.objects.select_related("entry__child__family", "program", "classroom"), pk=pk
        )
        family = offer.entry.child.family
        values |= {
            "family": family.name,
            "child": offer.entry.child.first_name,
            "program": offer.program.name,
            "classroom": offer.classroom.name,
            "start_date": day(offer.start_date),
            "respond_by": day(offer.respond_by),
        }
        return Subject(
            about, pk, f"Offer to {offer.entry.child.first_name} at {offer.program.name}", "enrollment:offer_detail",
            offer.program_id, family.pk, _guardians(family.pk), values,
        )  # fmt: skip
    if about == MessageAbout.ACCOUNT:
        account = get_object_or_404_for(
            membership,
            accounts_with_balances(FamilyAccount.objects.filter(family__isnull=False)).select_related(
                "family", "program"
            ),
            pk=pk,
        )
        assert account.family is not None
        assert account.family_id is not None
        balance: Decimal = account.balance  # type: ignore[attr-defined]
        values |= {
            "family": account.family.name,
            "child": _children(account.family_id),
            "program": account.program.name,
            "balance": money(balance),
        }
        return Subject(
            about, pk, f"{account.family.name} at {account.program.name}", "billing:account_detail",
            account.program_id, account.family_id, _guardians(account.family_id), values,
        )  # fmt: skip
    if about == MessageAbout.COVER:
        if not membership.is_hub:
            raise Http404
        cover = get_object_or_404_for(
            membership, CoverRequest.objects.select_related("program", "classroom", "substitute"), pk=pk
        )
        recipients = []
        if cover.substitute is not None:
            s = cover.substitute
            recipients.append(
                Recipient(f"substitute:{s.pk}", f"{s.first_name} {s.last_name}", s.email, s.phone, substitute=s)
            )
        values |= {
            "program": cover.program.name,
            "classroom": cover.classroom.name,
            "cover_day": day(cover.day),
            "cover_hours": f"{cover.starts_at:%H:%M}–{cover.ends_at:%H:%M}",
        }
        return Subject(
            about, pk, f"Cover at {cover.program.name} on {day(cover.day)}", "sharedservices:cover_detail",
            cover.program_id, None, recipients, values,
        )  # fmt: skip
    raise Http404


def placeholders_in(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        raise ValidationError(f"A placeholder is not closed: {exc}.") from None


def fill(text: str, values: dict[str, str], *, recipient: str) -> str:
    """Replace each known `{placeholder}` with its value (blank when the record has none)."""
    all_values = {name: "" for name in PLACEHOLDERS} | values | {"recipient": recipient}
    return re.sub(r"\{(\w+)\}", lambda m: all_values.get(m.group(1), m.group(0)), text)


def _check_placeholders(**texts: str) -> None:
    errors: dict[str, str] = {}
    for name, text in texts.items():
        try:
            unknown = placeholders_in(text) - set(PLACEHOLDERS)
        except ValidationError as exc:
            errors[name] = exc.messages[0]
            continue
        if unknown:
            errors[name] = (
                f"Unknown placeholder {', '.join('{' + u + '}' for u in sorted(unknown))}; "
                f"use {', '.join('{' + p + '}' for p in PLACEHOLDERS)}."
            )
    if errors:
        raise ValidationError(errors)


def message_template_save(
    *, actor: Any, template: MessageTemplate | None, name: str, channel: str, subject: str, body: str
) -> MessageTemplate:
    name, subject, body = name.strip(), subject.strip(), body.strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Give the template a name."
    if channel not in MessageChannel.values:
        errors["channel"] = "Choose email or text."
    if channel == MessageChannel.EMAIL and not subject:
        errors["subject"] = "An email needs a subject."
    if not body:
        errors["body"] = "Write the message."
    elif channel == MessageChannel.TEXT and len(body) > TEXT_LIMIT:
        errors["body"] = f"A text message is at most {TEXT_LIMIT} characters ({len(body)} here)."
    duplicate = MessageTemplate.objects.filter(name__iexact=name)
    if template is not None:
        duplicate = duplicate.exclude(pk=template.pk)
    if name and duplicate.exists():
        errors["name"] = f"There is a template called {name} already."
    if errors:
        raise ValidationError(errors)
    _check_placeholders(subject=subject, body=body)
    row = template or MessageTemplate()
    before = snapshot(row, ["name", "channel", "subject", "body"]) if row.pk else None
    row.name, row.channel, row.subject, row.body = name, channel, subject, body
    row.save()
    audit_event_record(
        actor=actor,
        action="message_template.saved",
        target=row,
        before=before,
        after=snapshot(row, ["name", "channel", "subject", "body"]),
    )
    return row


@transaction.atomic
def message_send(
    *,
    actor: Any,
    subject_of: Subject,
    recipient_key: str,
    channel: str,
    subject: str,
    body: str,
    template: MessageTemplate | None = None,
) -> Message:
    """Check, fill the placeholders, write the message and queue it. Bad input changes nothing."""
    errors: dict[str, str] = {}
    recipient = next((r for r in subject_of.recipients if r.key == recipient_key), None)
    if recipient is None:
        errors["recipient"] = "Choose who receives it."
    if channel not in MessageChannel.values:
        errors["channel"] = "Choose email or text."
    body, subject = (body or "").strip(), (subject or "").strip()
    if not body:
        errors["body"] = "Write the message."
    if channel == MessageChannel.EMAIL and not subject:
        errors["subject"] = "An email needs a subject."
    to = ""
    if recipient is not None and channel == MessageChannel.EMAIL:
        to = recipient.email.strip()
        try:
            validate_email(to)
        except ValidationError:
            errors["channel"] = f"{recipient.name} has no valid email address: choose text, or add one first."
    if recipient is not None and channel == MessageChannel.TEXT:
        to = recipient.phone.strip()
        if not PHONE.match(to):
            errors["channel"] = f"{recipient.name} has no mobile number: choose email, or add one first."
        elif recipient.guardian is not None and not recipient.guardian.consent_text_messages:
            errors["channel"] = f"{recipient.name} has not agreed to text messages: choose email."
    if errors:
        raise ValidationError(errors)
    _check_placeholders(subject=subject, body=body)
    assert recipient is not None
    first_name = recipient.name.split()[0] if recipient.name else ""
    filled_body = fill(body, subject_of.values, recipient=first_name)
    if channel == MessageChannel.TEXT and len(filled_body) > TEXT_LIMIT:
        raise ValidationError({"body": f"A text message is at most {TEXT_LIMIT} characters ({len(filled_body)} here)."})
    message = Message.objects.create(
        about=subject_of.about,
        about_id=subject_of.pk,
        program_id=subject_of.program_id,
        family_id=subject_of.family_id,
        guardian=recipient.guardian,
        substitute=recipient.substitute,
        channel=channel,
        to=to,
        subject=fill(subject, subject_of.values, recipient=first_name)[:200],
        body=filled_body,
        template=template,
        sent_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_event_record(
        actor=actor,
        action="message.queued",
        target=message,
        after={"about": f"{subject_of.about}:{subject_of.pk}", "channel": channel, "to": recipient.name},
    )
    from outreach.tasks import send_message

    task_enqueue(send_message.si(message.alliance_id, message.pk), ref=f"message:{message.pk}")
    return message


def messages_about(about: str, pk: int) -> list[Message]:
    return list(Message.objects.filter(about=about, about_id=pk).select_related("sent_by")[:50])


def family_messages(family_id: int) -> list[Message]:
    return list(Message.objects.filter(family_id=family_id).select_related("sent_by", "guardian")[:100])


# --- Many offers at once ---------------------------------------------------------
MAX_OFFERS_AT_ONCE = 200
OFFER_MESSAGE_SUBJECT = "A place for {child} at {program}"
OFFER_MESSAGE_BODY = (
    "Hello {recipient},\n\n{program} offers {child} a place in {classroom} from {start_date}. "
    "Please answer by {respond_by} on your family page or by replying to this message.\n\n{alliance}"
)


@dataclass
class OffersWritten:
    """What writing to the families of many offers did: one message per offer that had a way to reach the
    family by the chosen channel, and the offers skipped with why."""

    sent: list[Message] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def offers_for_message(membership: Membership, ids: list[int]) -> list[Offer]:
    """The open offers among `ids` that the viewer may see (another program's or alliance's are left out)."""
    wanted = sorted(set(ids))[:MAX_OFFERS_AT_ONCE]
    return list(
        visible_to(membership, Offer.objects.filter(pk__in=wanted, status=OfferStatus.OPEN))
        .select_related("entry__child__family", "program", "classroom")
        .order_by("respond_by", "pk")
    )


def _reachable(recipients: list[Recipient], channel: str) -> Recipient | None:
    for recipient in recipients:
        if channel == MessageChannel.EMAIL:
            try:
                validate_email(recipient.email.strip())
            except ValidationError:
                continue
            return recipient
        if PHONE.match(recipient.phone.strip()) and recipient.guardian and recipient.guardian.consent_text_messages:
            return recipient
    return None


@transaction.atomic
def messages_to_offered_families(
    *,
    actor: Any,
    membership: Membership,
    offer_ids: list[int],
    channel: str,
    subject: str,
    body: str,
    template: MessageTemplate | None = None,
) -> OffersWritten:
    """One message per ticked open offer, to the first guardian the channel reaches, each filled with its own
    offer's placeholders and listed on its offer's and family's pages. Nothing is sent when the input is bad
    or no ticked offer can be written to."""
    offers = offers_for_message(membership, offer_ids)
    if not offers:
        raise ValidationError({"offers": "Tick at least one open offer on the offers list."})
    if len(set(offer_ids)) > MAX_OFFERS_AT_ONCE:
        raise ValidationError({"offers": f"Write to at most {MAX_OFFERS_AT_ONCE} offers at once."})
    if channel not in MessageChannel.values:
        raise ValidationError({"channel": "Choose email or text."})
    written = OffersWritten()
    for offer in offers:
        subject_of = message_subject(membership, MessageAbout.OFFER, offer.pk)
        recipient = _reachable(subject_of.recipients, channel)
        child = offer.entry.child.full_name
        if recipient is None:
            way = "a valid email address" if channel == MessageChannel.EMAIL else "a mobile number and consent to texts"
            written.skipped.append(f"{child}: no guardian with {way}")
            continue
        written.sent.append(
            message_send(
                actor=actor,
                subject_of=subject_of,
                recipient_key=recipient.key,
                channel=channel,
                subject=subject,
                body=body,
                template=template,
            )
        )
    if not written.sent:
        raise ValidationError(
            {"channel": "None of the ticked families can be reached this way: " + "; ".join(written.skipped)}
        )
    return written
