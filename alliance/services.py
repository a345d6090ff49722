"""Writes of the tenancy core: invitations, memberships and the alliance's own settings."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alliance.audit import audit_event_record, snapshot
from alliance.models import Alliance, Invitation, Membership, Role
from alliance.tenancy import require_alliance_id
from alliance.tokens import hash_token

INVITATION_DAYS = 14


def invitation_create(*, invited_by, email: str, role: str, program_id: int | None) -> tuple[Invitation, str]:  # type: ignore[no-untyped-def]
    """Invite an email address to a role. Returns the invitation and its one-time token."""
    email = email.strip().lower()
    errors: dict[str, list[str]] = {}
    if role not in Role.values:
        errors["role"] = [f"Unknown role {role!r}."]
    if role == Role.PROVIDER and program_id is None:
        errors["program"] = ["A provider must be tied to one member program."]
    if role != Role.PROVIDER and program_id is not None:
        errors["program"] = ["Only providers are tied to a member program."]
    if Membership.objects.filter(user__email__iexact=email, is_active=True).exists():
        errors["email"] = [f"{email} is already a member of this alliance."]
    elif Invitation.objects.filter(
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).exists():
        errors["email"] = [f"{email} already has a pending invitation."]
    if errors:
        raise ValidationError(errors)
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            email=email,
            role=role,
            program_id=program_id,
            token_hash=hash_token(token),
            invited_by=invited_by,
            expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
        )
        audit_event_record(
            actor=invited_by,
            action="invitation.created",
            target=invitation,
            after=snapshot(invitation, ["email", "role", "program_id", "expires_at"]),
        )
    return invitation, token


def invitation_for_token(*, token: str) -> Invitation | None:
    require_alliance_id()
    return Invitation.objects.filter(token_hash=hash_token(token)).first()


def invitation_accept(*, invitation: Invitation, user=None, password: str | None = None) -> Membership:  # type: ignore[no-untyped-def]
    """Accept an invitation: create the account if needed, then the membership."""
    if invitation.status != "pending":
        raise ValidationError(f"This invitation is {invitation.status} and can no longer be used.")
    User = get_user_model()
    with transaction.atomic():
        if user is None:
            if User.objects.filter(email__iexact=invitation.email).exists():
                raise ValidationError("An account with this email already exists: sign in first, then accept.")
            if not password:
                raise ValidationError({"password1": ["Choose a password."]})
            user = User.objects.create_user(username=invitation.email, email=invitation.email, password=password)
            from allauth.account.models import EmailAddress

            EmailAddress.objects.create(user=user, email=invitation.email, primary=True, verified=True)
        elif user.email.lower() != invitation.email.lower():
            raise ValidationError(f"This invitation is for {invitation.email}; you are signed in as {user.email}.")
        if Membership.objects.filter(user=user).exists():
            raise ValidationError("You are already a member of this alliance.")
        membership = Membership.objects.create(user=user, role=invitation.role, program_id=invitation.program_id)
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        audit_event_record(
            actor=user,
            action="membership.created",
            target=membership,
            after=snapshot(membership, ["user_id", "role", "program_id"]),
            reason=f"Accepted invitation #{invitation.pk}",
        )
    return membership


def invitation_revoke(*, invitation: Invitation, actor) -> Invitation:  # type: ignore[no-untyped-def]
    if invitation.status != "pending":
        raise ValidationError(f"This invitation is {invitation.status}; only pending ones can be revoked.")
    shown = ["email", "role", "program_id", "revoked_at"]
    with transaction.atomic():
        before = snapshot(invitation, shown)
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_event_record(
            actor=actor,
            action="invitation.revoked",
            target=invitation,
            before=before,
            after=snapshot(invitation, shown),
        )
    return invitation


ALLIANCE_SETTINGS = [
    "name",
    "region",
    "timezone",
    "locale",
    "fiscal_year_start_month",
    "home_owner_hourly_wage",
    "inquiry_contact_target_hours",
    "digest_hour",
]


def alliance_settings_update(*, actor, values: dict[str, object]) -> Alliance:  # type: ignore[no-untyped-def]
    """Change the open scope's alliance's own settings (name, region, time zone, locale, fiscal year).
    Invalid values raise ValidationError with field errors and change nothing."""
    unknown = set(values) - set(ALLIANCE_SETTINGS)
    if unknown:
        raise ValidationError(f"Not an alliance setting: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        alliance = Alliance.objects.select_for_update().get(pk=require_alliance_id())
        before = snapshot(alliance, ALLIANCE_SETTINGS)
        for name, value in values.items():
            setattr(alliance, name, value)
        alliance.full_clean(exclude=["slug"])
        alliance.save(update_fields=[*values])
        audit_event_record(
            actor=actor,
            action="alliance.settings_updated",
            target=alliance,
            before=before,
            after=snapshot(alliance, ALLIANCE_SETTINGS),
        )
    return alliance
