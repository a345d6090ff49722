"""The platform operator's writes and reads: an alliance's lifecycle (create, first admin, suspend, reactivate).

A platform operator (`PlatformOperator`, a global table) runs the deployment; it is no alliance role and
grants no membership. Every write here is audited in the affected alliance's own chain, with the operator
as actor (the management commands pass `actor=None` unless `--operator` names one: "system"). The
overview reads counts only, never a family's or child's row.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from alliance.audit import Actor, audit_event_record, snapshot, user_of
from alliance.models import Alliance, Invitation, Membership, PlatformOperator, Role, TaskFailure
from alliance.tenancy import TenantModel, alliance_scope

# What an operator sets when creating an alliance, besides its targets (the settings page's fields and the slug).
ALLIANCE_CREATE_FIELDS = [
    "name",
    "slug",
    "region",
    "timezone",
    "locale",
    "fiscal_year_start_month",
    "home_owner_hourly_wage",
    "inquiry_contact_target_hours",
    "digest_hour",
]
SUSPENSION_FIELDS = ["suspended_at", "suspended_reason"]
# Task failures counted on the overview: those of the last week, as the Today list counts them.
FAILED_TASK_DAYS = 7


def is_operator(user: Any) -> bool:
    """Is this signed-in person an active platform operator? (One query; not cached: a revoked operator is
    refused on the next request.)"""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return PlatformOperator.objects.filter(user_id=user.pk, is_active=True).exists()


def operator_add(*, email: str) -> PlatformOperator:
    """Make an existing account a platform operator (the `operator_add` command and the demo's seed)."""
    user = get_user_model().objects.filter(email__iexact=email.strip()).order_by("pk").first()
    if user is None:
        raise ValidationError({"email": [f"No account has the email {email}."]})
    operator, _ = PlatformOperator.objects.update_or_create(user=user, defaults={"is_active": True})
    return operator


def _require_operator(actor: Actor) -> None:
    """A signed-in actor must be an operator; nobody (a command, the seed) is the system itself."""
    user = user_of(actor)
    if user is not None and not is_operator(user):
        raise ValidationError("Only a platform operator may do this.")


def alliance_create(*, actor: Actor, values: dict[str, Any], targets: dict[str, Decimal] | None = None) -> Alliance:
    """A new alliance with its settings and (optionally) its Iron Triangle targets, all or nothing.
    Events in the new alliance's chain: `alliance.created`, then `metrics.targets_updated`."""
    _require_operator(actor)
    unknown = set(values) - set(ALLIANCE_CREATE_FIELDS)
    if unknown:
        raise ValidationError(f"Not an alliance setting: {', '.join(sorted(unknown))}.")
    slug = str(values.get("slug", "")).strip().lower()
    if slug and Alliance.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": [f"The address /a/{slug}/ is taken by another alliance."]})
    with transaction.atomic():
        alliance = Alliance(**{**values, "slug": slug})
        alliance.full_clean()
        alliance.save()
        with alliance_scope(alliance.pk):
            audit_event_record(
                actor=actor,
                action="alliance.created",
                target=alliance,
                after=snapshot(alliance, ALLIANCE_CREATE_FIELDS),
                reason="Created by a platform operator",
            )
            if targets:
                from metrics.services import targets_update

                targets_update(actor=actor, values=targets)
    return alliance


def alliance_invite_admin(*, actor: Actor, alliance: Alliance, email: str) -> tuple[Invitation, str]:
    """Invite the alliance's (first) hub administrator through the alliance's own invitation flow: the
    invitee accepts at the usual link, chooses a password and sets up TOTP. Returns the invitation and its
    one-time token; the caller queues the email (`invitation_email_queue`)."""
    _require_operator(actor)
    if alliance.is_suspended:
        raise ValidationError("This alliance is suspended: reactivate it before inviting anyone.")
    from alliance.services import invitation_create

    with transaction.atomic(), alliance_scope(alliance.pk):
        return invitation_create(invited_by=user_of(actor), email=email, role=Role.HUB_ADMIN, program_id=None)


def invitation_email_queue(*, alliance: Alliance, invitation: Invitation, accept_url: str) -> None:
    """Send the invitation's email through the outbox, as the invitations page does."""
    from alliance.outbox import task_enqueue
    from alliance.tasks import send_invitation_email

    with alliance_scope(alliance.pk):
        task_enqueue(
            send_invitation_email.si(alliance.pk, invitation.pk, accept_url),
            ref=f"invitation:{invitation.pk}",
            email=True,
        )


def alliance_suspend(*, actor: Actor, alliance: Alliance, reason: str) -> Alliance:
    """Suspend an alliance: its users see the suspended page, its tasks do nothing; nothing is deleted."""
    _require_operator(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Say why the alliance is suspended: its users are told."]})
    return _set_suspension(actor=actor, alliance=alliance, suspend=True, reason=reason)


def alliance_reactivate(*, actor: Actor, alliance: Alliance, reason: str) -> Alliance:
    """Lift a suspension: every page, API call and task works again, with the data as it was."""
    _require_operator(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Say why the alliance is reactivated."]})
    return _set_suspension(actor=actor, alliance=alliance, suspend=False, reason=reason)


def _set_suspension(*, actor: Actor, alliance: Alliance, suspend: bool, reason: str) -> Alliance:
    with transaction.atomic():
        stored = Alliance.objects.select_for_update().get(pk=alliance.pk)
        if suspend and stored.is_suspended:
            raise ValidationError(f"{stored.name} is already suspended (since {stored.suspended_at:%Y-%m-%d}).")
        if not suspend and not stored.is_suspended:
            raise ValidationError(f"{stored.name} is not suspended.")
        before = snapshot(stored, SUSPENSION_FIELDS)
        stored.suspended_at = timezone.now() if suspend else None
        stored.suspended_reason = reason if suspend else ""
        stored.save(update_fields=SUSPENSION_FIELDS)
        with alliance_scope(stored.pk):
            audit_event_record(
                actor=actor,
                action="alliance.suspended" if suspend else "alliance.reactivated",
                target=stored,
                before=before,
                after=snapshot(stored, SUSPENSION_FIELDS),
                reason=reason,
            )
    return stored


# --- The overview: counts only ---------------------------------------------------------------------------
@dataclass
class Overview:
    alliance: Alliance
    programs: int
    people: int
    admins: int
    pending_invitations: int
    children: int
    last_invoice_run: Any  # billing.InvoiceRun or None
    rolled_up_to: datetime.date | None
    failed_tasks: int
    export_bytes: int
    rows_stored: int | None = None  # counted on the alliance's own page only (a count per table)


def alliance_overview(alliance: Alliance, *, rows: bool = False) -> Overview:
    """An alliance's figures for the operator: counts, dates and sizes, never a family's or child's row."""
    from django.db.models import Max, Sum

    since = timezone.now() - datetime.timedelta(days=FAILED_TASK_DAYS)
    with alliance_scope(alliance.pk):
        memberships = Membership.objects.filter(is_active=True)
        overview = Overview(
            alliance=alliance,
            programs=apps.get_model("members", "MemberProgram").objects.count(),
            people=memberships.count(),
            admins=memberships.filter(role=Role.HUB_ADMIN).count(),
            pending_invitations=Invitation.objects.filter(
                accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
            ).count(),
            children=apps.get_model("enrollment", "Child").objects.count(),
            last_invoice_run=apps.get_model("billing", "InvoiceRun").objects.order_by("-created_at", "-pk").first(),
            rolled_up_to=apps.get_model("metrics", "ProgramDay").objects.aggregate(last=Max("day"))["last"],
            failed_tasks=TaskFailure.objects.filter(failed_at__gte=since).count(),
            export_bytes=apps.get_model("alliance", "DataExport").objects.aggregate(size=Sum("file_size"))["size"] or 0,
        )
        if rows:
            overview.rows_stored = sum(model._default_manager.count() for model in tenant_models())
    return overview


def tenant_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if issubclass(model, TenantModel) and not model._meta.abstract and not model._meta.proxy
    ]
