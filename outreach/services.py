"""Writes of outreach: members' public listings, inquiries from the public page,
the Hub's first contact, family sign-in links and a family's answers to offers.

Families, children, waitlist entries and enrollments are enrollment's rows:
they are written through enrollment's services only, so the same checks and
audit events apply whether the Hub or a family acts.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from alliance.audit import audit_changes, audit_event_record, fields_check, snapshot, user_of
from alliance.dates import alliance_date, alliance_today
from alliance.models import Alliance
from alliance.outbox import task_enqueue
from alliance.tenancy import require_alliance_id
from alliance.tokens import hash_token
from enrollment.models import (
    Enrollment,
    Family,
    FundingSource,
    Guardian,
    Offer,
    WaitlistEntry,
    WaitlistStatus,
)
from enrollment.rules import DayLength
from enrollment.services import (
    Actor,
    family_create,
    guardian_create,
    offer_accept,
    offer_decline,
    waitlist_application_create,
    waitlist_entry_withdraw,
)
from members.models import MemberProgram, ProgramStatus
from outreach.models import (
    PUBLIC_FIELDS,
    CloseReason,
    ContactMethod,
    FamilySignInLink,
    Inquiry,
    PublicListing,
    SubsidyStatus,
)

SIGN_IN_LINK_MINUTES = 30
MAX_CHILDREN_PER_INQUIRY = 3
FURTHEST_START_DAYS = 2 * 366
LISTING_FIELDS = frozenset(
    {"published", "description", "languages", "accepts_subsidy", *(name for name, _ in PUBLIC_FIELDS)}
)


# --- Listings ---------------------------------------------------------------
@transaction.atomic
def listing_save(*, actor: Actor, program: MemberProgram, data: Mapping[str, Any]) -> PublicListing:
    """Create or change a program's public listing: publish or not, and which facts show."""
    fields_check(data, LISTING_FIELDS)
    listing = PublicListing.objects.select_for_update().filter(program=program).first() or PublicListing(
        alliance_id=require_alliance_id(), program=program
    )
    fields = sorted(LISTING_FIELDS)
    before = snapshot(listing, fields) if listing.pk else None
    for name, value in data.items():
        setattr(listing, name, value)
    listing.description = (listing.description or "").strip()
    listing.languages = ", ".join(part.strip() for part in (listing.languages or "").split(",") if part.strip())
    errors: dict[str, str] = {}
    if listing.published and program.status != ProgramStatus.ACTIVE:
        errors["published"] = (
            f"{program.name} is {program.get_status_display().lower()}: only active members appear on the public page."
        )
    if len(listing.description) > 600:
        errors["description"] = "Keep it to 600 characters."
    if len(listing.languages) > 200:
        errors["languages"] = "Keep the list of languages to 200 characters."
    if errors:
        raise ValidationError(errors)
    after = snapshot(listing, fields)
    if before == after:
        return listing
    listing.updated_by = user_of(actor)
    listing.save()
    audit_changes(
        actor=actor, action="outreach.listing_saved", target=listing, program_id=program.pk, before=before, after=after
    )
    return listing


# --- Inquiries --------------------------------------------------------------
@dataclass(frozen=True)
class ChildRequest:
    first_name: str
    date_of_birth: datetime.date


# Where an enrollment service's error about one child's entry belongs on the inquiry form.
_ENTRY_FIELD_ON_FORM = {
    "desired_start": "date_of_birth",
    "weekdays": "weekdays",
    "day_length": "day_length",
    "acceptable_program_ids": "programs",
    "area": "area",
}


def _child_errors(exc: ValidationError, index: int, errors: dict[str, list[str]]) -> None:
    if not hasattr(exc, "error_dict"):
        errors.setdefault("__all__", []).extend(exc.messages)
        return
    for key, messages in exc.message_dict.items():
        part, _, name = key.partition("_")
        if part == "child" and name in ("first_name", "date_of_birth"):
            field = f"child{index}_{name}"
        elif part == "entry" and name in _ENTRY_FIELD_ON_FORM:
            target = _ENTRY_FIELD_ON_FORM[name]
            field = f"child{index}_{target}" if target == "date_of_birth" else target
        else:
            field = "__all__"
        for message in messages:
            if message not in errors.get(field, []):
                errors.setdefault(field, []).append(message)


def _published_program_ids() -> set[int]:
    return set(
        PublicListing.objects.filter(published=True, program__status=ProgramStatus.ACTIVE).values_list(
            "program_id", flat=True
        )
    )


@transaction.atomic
def inquiry_submit(
    *,
    guardian_first_name: str,
    guardian_last_name: str,
    email: str,
    phone: str,
    children: Sequence[ChildRequest],
    desired_start: datetime.date,
    weekdays: Sequence[int],
    day_length: str = DayLength.FULL,
    program_ids: Sequence[int] = (),
    area: str = "",
    any_program: bool = False,
    subsidy_status: str,
    message: str = "",
    postal_code: str = "",
    consent_contact: bool,
    received_at: datetime.datetime | None = None,
    sign_in_url: str = "",
) -> Inquiry:
    """A family asks for care once: household, guardian, each child on the shared
    waitlist, and the inquiry the Hub answers. All or nothing."""
    errors: dict[str, list[str]] = {}
    today = alliance_today()
    if not consent_contact:
        errors["consent_contact"] = ["We can only answer if you agree to be contacted."]
    if not children:
        errors["child1_date_of_birth"] = ["Give the date of birth of at least one child."]
    elif len(children) > MAX_CHILDREN_PER_INQUIRY:
        errors["__all__"] = [f"At most {MAX_CHILDREN_PER_INQUIRY} children per inquiry."]
    if desired_start < today:
        errors["desired_start"] = ["Choose a start date from today on."]
    elif desired_start > today + datetime.timedelta(days=FURTHEST_START_DAYS):
        errors["desired_start"] = ["We take inquiries for care starting within two years."]
    if not set(program_ids) <= _published_program_ids():
        errors["programs"] = ["Choose programs listed on this page."]
    if subsidy_status not in SubsidyStatus.values:
        errors["subsidy_status"] = ["Tell us about child-care subsidy."]
    if errors:
        raise ValidationError(errors)

    try:
        family = family_create(
            actor=None, name=f"{guardian_last_name.strip()} family", postal_code=postal_code.strip()[:20]
        )
        guardian = guardian_create(
            actor=None,
            family=family,
            first_name=guardian_first_name,
            last_name=guardian_last_name,
            email=email.strip().lower(),
            phone=phone,
            is_primary_contact=True,
            consent_share_with_programs=True,
        )
    except ValidationError as exc:
        raise ValidationError(
            {f"guardian_{k}" if k != "__all__" else k: v for k, v in exc.message_dict.items()}
        ) from None
    inquiry = Inquiry(
        alliance_id=require_alliance_id(),
        number=_next_inquiry_number(),
        family=family,
        guardian=guardian,
        desired_start=desired_start,
        weekdays=sorted(set(weekdays)),
        day_length=day_length,
        area=area.strip(),
        any_program=any_program,
        subsidy_status=subsidy_status,
        message=message.strip()[:2000],
        consent_contact=True,
        received_at=received_at or timezone.now(),
    )
    inquiry.save()
    entry = {
        "desired_start": desired_start,
        "weekdays": list(weekdays),
        "day_length": day_length,
        "acceptable_program_ids": list(program_ids),
        "area": area.strip(),
        "any_program": any_program,
        "subsidy_eligible": subsidy_status == SubsidyStatus.HAS,
        "added_on": alliance_date(inquiry.received_at) if received_at else None,
        "notes": f"From inquiry #{inquiry.number} on the public page.",
    }
    for index, child in enumerate(children, start=1):
        try:
            waitlist_application_create(
                actor=None,
                family=family,
                program=None,
                entry=entry,
                child={
                    "first_name": child.first_name,
                    "last_name": guardian.last_name,
                    "date_of_birth": child.date_of_birth,
                },
            )
        except ValidationError as exc:
            _child_errors(exc, index, errors)
    if errors:
        raise ValidationError(errors)
    audit_event_record(
        actor=None,
        action="outreach.inquiry_received",
        target=inquiry,
        after=snapshot(
            inquiry,
            [
                "family_id",
                "guardian_id",
                "desired_start",
                "weekdays",
                "day_length",
                "area",
                "any_program",
                "subsidy_status",
            ],
        )
        | {"children": len(children), "program_ids": sorted(program_ids)},
    )
    if guardian.email:
        email_queue(
            template="outreach/email/inquiry_received.txt",
            to=guardian.email,
            subject=f"We received your child-care inquiry (#{inquiry.number})",
            context={"inquiry": inquiry, "guardian": guardian, "children": children, "sign_in_url": sign_in_url},
        )
    return inquiry


# The first key of the lock that hands out an alliance's inquiry numbers one at a time.
INQUIRY_NUMBER_LOCK = 7301


def _next_inquiry_number() -> int:
    """The alliance's next inquiry number; two inquiries at once never share one."""
    from django.db import connection

    alliance_id = require_alliance_id()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [INQUIRY_NUMBER_LOCK, alliance_id])
    return (Inquiry.objects.aggregate(last=models.Max("number"))["last"] or 0) + 1


def _locked_inquiry(inquiry: Inquiry) -> Inquiry:
    return Inquiry.objects.select_for_update().get(pk=inquiry.pk)


@transaction.atomic
def inquiry_record_first_contact(
    *, actor: Actor, inquiry: Inquiry, method: str, note: str = "", contacted_at: datetime.datetime | None = None
) -> Inquiry:
    """The Hub reached the family: the response time stops here."""
    stored = _locked_inquiry(inquiry)
    now = timezone.now()
    contacted_at = contacted_at or now
    errors: dict[str, str] = {}
    if stored.first_contact_at is not None:
        raise ValidationError(
            f"First contact was already recorded on {timezone.localtime(stored.first_contact_at):%Y-%m-%d %H:%M}."
        )
    if stored.closed_at is not None:
        raise ValidationError("This inquiry is closed.")
    if method not in ContactMethod.values:
        errors["method"] = "Choose how you reached the family."
    if contacted_at > now + datetime.timedelta(minutes=1):
        errors["contacted_at"] = "First contact cannot be in the future."
    elif contacted_at < stored.received_at:
        errors["contacted_at"] = "First contact cannot be before the inquiry arrived."
    if errors:
        raise ValidationError(errors)
    stored.first_contact_at, stored.first_contact_method = contacted_at, method
    stored.first_contact_note, stored.first_contact_by = note.strip()[:500], user_of(actor)
    stored.save(update_fields=["first_contact_at", "first_contact_method", "first_contact_note", "first_contact_by"])
    audit_event_record(
        actor=actor,
        action="outreach.inquiry_contacted",
        target=stored,
        after=snapshot(stored, ["first_contact_at", "first_contact_method", "first_contact_note"]),
    )
    return stored


@transaction.atomic
def inquiry_close(*, actor: Actor, inquiry: Inquiry, reason: str, note: str = "") -> Inquiry:
    """Close an inquiry; the children it put on the shared waitlist leave it."""
    stored = _locked_inquiry(inquiry)
    if stored.closed_at is not None:
        raise ValidationError("This inquiry is already closed.")
    if reason not in CloseReason.values:
        raise ValidationError({"reason": "Choose why the inquiry is closed."})
    label = CloseReason(reason).label
    entries = WaitlistEntry.objects.filter(
        child__family_id=stored.family_id,
        program__isnull=True,
        status__in=[WaitlistStatus.WAITING, WaitlistStatus.OFFERED],
    ).order_by("pk")
    for entry in entries:
        waitlist_entry_withdraw(actor=actor, entry=entry, reason=f"Inquiry #{stored.number} closed: {label}.")
    stored.closed_at, stored.closed_reason = timezone.now(), reason
    stored.closed_note, stored.closed_by = note.strip()[:500], user_of(actor)
    stored.save(update_fields=["closed_at", "closed_reason", "closed_note", "closed_by"])
    audit_event_record(
        actor=actor,
        action="outreach.inquiry_closed",
        target=stored,
        after=snapshot(stored, ["closed_at", "closed_reason", "closed_note"]),
        reason=label,
    )
    return stored


# --- Family sign-in links ---------------------------------------------------
def email_queue(*, template: str, to: str, subject: str, context: dict[str, Any]) -> None:
    from alliance.localization import alliance_local

    alliance = Alliance.objects.get(pk=require_alliance_id())
    from outreach.tasks import send_email

    with alliance_local(alliance):
        body = render_to_string(template, {"alliance": alliance, **context})
    # Sent by the worker once the request's transaction commits, never inside the request.
    task_enqueue(
        send_email.si(alliance.pk, f"{alliance.name}: {subject}", body, to), ref=f"email:{template}", email=True
    )


def _new_link(*, guardian: Guardian, sent_by: Actor) -> str:
    token = secrets.token_urlsafe(32)
    link = FamilySignInLink.objects.create(
        alliance_id=require_alliance_id(),
        guardian=guardian,
        family_id=guardian.family_id,
        token_hash=hash_token(token),
        sent_by=user_of(sent_by),
        expires_at=timezone.now() + datetime.timedelta(minutes=SIGN_IN_LINK_MINUTES),
    )
    audit_event_record(
        actor=sent_by,
        action="outreach.family_link_sent",
        target=link,
        after={"guardian_id": guardian.pk, "family_id": guardian.family_id, "expires_at": link.expires_at},
    )
    return token


@transaction.atomic
def family_sign_in_links_send(*, email: str, link_url: Callable[[str], str], sent_by: Actor = None) -> int:
    """Email a one-time sign-in link for each household in which this address is
    a guardian's. Returns the number of links (0 for an unknown address; pages
    say the same either way, so nobody learns whose address is known)."""
    address = email.strip().lower()
    if not address:
        return 0
    guardians: dict[int, Guardian] = {}
    for guardian in Guardian.objects.filter(email__iexact=address).select_related("family").order_by("pk"):
        guardians.setdefault(guardian.family_id, guardian)
    links = [
        (guardian.family.name, link_url(_new_link(guardian=guardian, sent_by=sent_by)))
        for guardian in guardians.values()
    ]
    if links:
        email_queue(
            template="outreach/email/sign_in_link.txt",
            to=address,
            subject="your sign-in link",
            context={"links": links, "minutes": SIGN_IN_LINK_MINUTES},
        )
    return len(links)


@transaction.atomic
def family_sign_in_link_send(*, guardian: Guardian, link_url: Callable[[str], str], sent_by: Actor) -> str:
    """The Hub sends one guardian a sign-in link. Returns the link."""
    if not guardian.email:
        raise ValidationError("This guardian has no email address; add one first.")
    url = link_url(_new_link(guardian=guardian, sent_by=sent_by))
    email_queue(
        template="outreach/email/sign_in_link.txt",
        to=guardian.email,
        subject="your sign-in link",
        context={"links": [(guardian.family.name, url)], "minutes": SIGN_IN_LINK_MINUTES},
    )
    return url


def family_sign_in_link_check(*, token: str) -> FamilySignInLink:
    """The link a token belongs to, if it can still be used; else a refusal with the reason."""
    link = FamilySignInLink.objects.select_related("guardian", "family").filter(token_hash=hash_token(token)).first()
    if link is None:
        raise ValidationError("This sign-in link is not valid. Ask for a new one.", code="invalid")
    if link.used_at is not None:
        raise ValidationError("This sign-in link was already used. Ask for a new one.", code="used")
    if link.expires_at <= timezone.now():
        raise ValidationError(
            f"This sign-in link has expired (links work for {SIGN_IN_LINK_MINUTES} minutes). Ask for a new one.",
            code="expired",
        )
    return link


@transaction.atomic
def family_sign_in_link_redeem(*, token: str) -> FamilySignInLink:
    """Use a link once: afterwards it no longer signs anyone in."""
    link = family_sign_in_link_check(token=token)
    locked = FamilySignInLink.objects.select_for_update().get(pk=link.pk)
    if locked.used_at is not None:
        raise ValidationError("This sign-in link was already used. Ask for a new one.", code="used")
    locked.used_at = timezone.now()
    locked.save(update_fields=["used_at"])
    audit_event_record(
        actor=None,
        action="outreach.family_signed_in",
        target=locked,
        after={"guardian_id": locked.guardian_id, "family_id": locked.family_id},
        reason=f"Sign-in link used by {link.guardian.full_name}.",
    )
    link.used_at = locked.used_at
    return link


# --- A family's answers to offers -------------------------------------------
def _own_offer(family: Family, offer: Offer) -> None:
    if offer.entry.child.family_id != family.pk:
        raise ValidationError("This offer is not for your family.")


@transaction.atomic
def family_offer_accept(*, family: Family, guardian: Guardian, offer: Offer) -> Enrollment:
    """The family takes the place from its family page (enrollment's own checks apply)."""
    _own_offer(family, offer)
    funding = FundingSource.SUBSIDY if offer.entry.subsidy_eligible else FundingSource.PRIVATE_PAY
    enrollment = offer_accept(actor=None, offer=offer, funding_source=funding)
    audit_event_record(
        actor=None,
        action="outreach.family_accepted_offer",
        target=offer,
        after={"enrollment_id": enrollment.pk},
        reason=f"Accepted by {guardian.full_name} on the family page.",
    )
    return enrollment


@transaction.atomic
def family_offer_decline(
    *, family: Family, guardian: Guardian, offer: Offer, note: str = "", keep_waiting: bool = True
) -> Offer:
    _own_offer(family, offer)
    declined = offer_decline(actor=None, offer=offer, note=note, keep_waiting=keep_waiting)
    audit_event_record(
        actor=None,
        action="outreach.family_declined_offer",
        target=offer,
        reason=f"Declined by {guardian.full_name} on the family page.",
    )
    return declined
