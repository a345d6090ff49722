from __future__ import annotations

import logging
from typing import Any

from django.core.mail import EmailMessage, EmailMultiAlternatives, send_mail

from alliance.audit import audit_event_record
from alliance.celery import AllianceTask, app
from alliance.models import Alliance, Invitation


@app.task(base=AllianceTask, name="alliance.send_invitation_email", once=True)
def send_invitation_email(alliance_id: int, invitation_id: int, accept_url: str) -> dict:
    """Email an invitation's one-time link and record that it was sent."""
    invitation = Invitation.objects.get(pk=invitation_id)
    alliance = Alliance.objects.get(pk=alliance_id)
    send_mail(
        subject=f"You are invited to {alliance.name} on the Hub",
        message=(
            f"You have been invited to {alliance.name} as {invitation.get_role_display()}.\n\n"
            f"Accept within 14 days: {accept_url}\n"
        ),
        from_email=None,
        recipient_list=[invitation.email],
    )
    event = audit_event_record(actor=None, action="invitation.sent", target=invitation)
    return {
        "alliance_id": alliance_id,
        "invitation_id": invitation.pk,
        "email": invitation.email,
        "audit_event_id": event.pk,
    }


logger = logging.getLogger("hub.tasks")


@app.task(name="alliance.send_account_email")
def send_account_email(rendered: dict[str, Any]) -> dict:
    """Send one of allauth's messages as alliance/adapters.py rendered it (no alliance: no scope)."""
    message: EmailMessage
    if rendered.get("html") is not None:
        message = EmailMultiAlternatives(
            rendered["subject"], rendered["body"], rendered["from_email"], rendered["to"], headers=rendered["headers"]
        )
        message.attach_alternative(rendered["html"], "text/html")
    else:
        message = EmailMessage(
            rendered["subject"], rendered["body"], rendered["from_email"], rendered["to"], headers=rendered["headers"]
        )
        message.content_subtype = rendered["content_subtype"]
    message.send()
    return {"sent": len(rendered["to"])}


def queue_account_email(rendered: dict[str, Any]) -> None:
    """After the request commits: one attempt at the broker, no retries (a broker that is down must
    not hold the request); the failure is logged, without the message, by on_commit(robust=True)."""
    send_account_email.apply_async(args=[rendered], retry=False)


@app.task(base=AllianceTask, name="alliance.export_alliance_data")
def export_alliance_data(alliance_id: int, export_id: int) -> dict:
    """Write the alliance's data export (progress is kept on the DataExport row)."""
    from alliance.dataexport import data_export_run

    export = data_export_run(export_id=export_id)
    return {
        "alliance_id": alliance_id,
        "export_id": export.pk,
        "rows": export.rows_exported,
        "file_name": export.file_name,
    }


@app.task(name="alliance.outbox_relay")
def outbox_relay() -> dict:
    """Send the task outbox's rows still unsent (the broker was down when their request committed).
    Beat runs it every HUB_OUTBOX_RELAY_SECONDS; not a fan-out: the outbox is a system table."""
    from alliance.outbox import outbox_relay as relay

    return relay()
