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
