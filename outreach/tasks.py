"""Outreach's emails (an inquiry's acknowledgement, family sign-in links), sent by the worker.

Email never goes out inside a request (DESIGN.md, "Background work and failure"): the request
renders the message and queues it through the outbox (alliance/outbox.py) in its own transaction,
so an SMTP or broker outage never fails the form, and the message is sent once it commits.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail

from alliance.celery import AllianceTask, app


@app.task(base=AllianceTask, name="outreach.send_email", once=True)
def send_email(alliance_id: int, subject: str, body: str, to: str) -> dict:
    """Send one rendered message (its redelivery sends nothing twice: `once`)."""
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
    return {"alliance_id": alliance_id, "sent": 1}


@app.task(base=AllianceTask, name="outreach.send_message", once=True)
def send_message(alliance_id: int, message_id: int) -> dict:
    """Send one Message by its channel and record the outcome on it (the timeline shows Sent or Failed).
    A provider's refusal is recorded and not retried: the Hub sees it and can send again."""
    from django.utils import timezone

    from outreach.models import Message, MessageChannel, MessageStatus
    from outreach.sms import sms_backend

    message = Message.objects.get(pk=message_id)
    if message.status == MessageStatus.SENT:
        return {"alliance_id": alliance_id, "sent": 0}
    try:
        if message.channel == MessageChannel.EMAIL:
            send_mail(message.subject, message.body, settings.DEFAULT_FROM_EMAIL, [message.to])
        else:
            sms_backend().send(message.to, message.body)
    except Exception as exc:  # noqa: BLE001 - any provider failure is recorded on the message
        Message.objects.filter(pk=message.pk).update(status=MessageStatus.FAILED, error=str(exc)[:300])
        return {"alliance_id": alliance_id, "sent": 0, "failed": 1}
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENT, sent_at=timezone.now(), error="")
    return {"alliance_id": alliance_id, "sent": 1}
