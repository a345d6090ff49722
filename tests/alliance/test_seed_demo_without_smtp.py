"""seed_demo on a production-like set-up with no SMTP server (DJANGO_DEBUG=false, SMTP backend).

The demo's people have made-up addresses: what seeding would email them (the inquiries'
acknowledgements) is recorded in the outbox as done and never sent, so seeding needs neither an
SMTP server nor a worker. Email queued afterwards, outside seeding, is sent as always.
"""

from __future__ import annotations

import smtplib
import socket

import pytest
from django.core.mail import send_mail
from django.core.management import call_command

from alliance.models import Alliance, TaskOutbox
from alliance.tenancy import alliance_scope
from outreach.models import Inquiry


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once the socket is closed


@pytest.fixture
def no_smtp(settings):
    settings.DEBUG = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _closed_port()
    settings.EMAIL_TIMEOUT = 2
    return settings


def test_seed_demo_completes_with_debug_off_and_no_smtp_server(db, no_smtp):
    # The set-up really has no SMTP server: sending mail directly fails.
    with pytest.raises((ConnectionRefusedError, smtplib.SMTPException, OSError)):
        send_mail("probe", "probe", None, ["someone@hub.example"])

    call_command("seed_demo", stdout=open("/dev/null", "w"))

    riverbend = Alliance.objects.get(slug="riverbend")
    with alliance_scope(riverbend.pk):
        inquiries = Inquiry.objects.count()
    assert inquiries > 0
    # Each seeded inquiry's acknowledgement is on record, marked done and never handed to the queue.
    held = TaskOutbox.objects.filter(alliance_id=riverbend.pk, name="outreach.send_email")
    assert held.count() == inquiries
    assert not held.filter(sent_at__isnull=True).exists()
    assert set(held.values_list("last_error", flat=True)) == {"Not sent: demo data (seed_demo sends no email)."}
    assert set(held.values_list("payload", flat=True)) == {""}
