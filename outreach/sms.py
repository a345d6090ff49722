"""Text messages through a pluggable provider, chosen by `HUB_SMS_BACKEND` (a dotted class path).

- `outreach.sms.ConsoleBackend` (the default, as the demo's email): writes the message to the log, so
  the demo and a Hub without a provider still show what would have gone out;
- `outreach.sms.LocmemBackend`: keeps messages in `outreach.sms.outbox` (tests);
- `outreach.sms.WebhookBackend`: POSTs `{"to", "body", "from"}` as JSON to `HUB_SMS_WEBHOOK_URL` with
  `Authorization: Bearer HUB_SMS_WEBHOOK_TOKEN` — the shape most SMS gateways (or a small relay in front
  of Twilio, Vonage, …) accept. A non-2xx answer raises, so the task records the failure.

A backend is a class with `send(to: str, body: str) -> str` returning the provider's message id.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("hub.sms")


class SmsBackend(Protocol):
    def send(self, to: str, body: str) -> str: ...


@dataclass
class SentText:
    to: str
    body: str


outbox: list[SentText] = []


class ConsoleBackend:
    def send(self, to: str, body: str) -> str:
        logger.info("Text message to %s: %s", to, body)
        return "console"


class LocmemBackend:
    def send(self, to: str, body: str) -> str:
        outbox.append(SentText(to=to, body=body))
        return f"locmem-{len(outbox)}"


class WebhookBackend:
    def send(self, to: str, body: str) -> str:
        url = getattr(settings, "HUB_SMS_WEBHOOK_URL", "")
        if not url.startswith("https://") and not settings.DEBUG:
            raise ValueError("HUB_SMS_WEBHOOK_URL must be an https:// address.")
        payload = json.dumps({"to": to, "body": body, "from": getattr(settings, "HUB_SMS_FROM", "")}).encode()
        request = urllib.request.Request(  # noqa: S310 - the operator's configured gateway, https only
            url,
            data=payload,
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {getattr(settings, 'HUB_SMS_WEBHOOK_TOKEN', '')}",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            answer = response.read(4096).decode(errors="replace")
        try:
            return str(json.loads(answer).get("id", ""))[:100]
        except (ValueError, AttributeError):
            return ""


def sms_backend() -> SmsBackend:
    return import_string(getattr(settings, "HUB_SMS_BACKEND", "outreach.sms.ConsoleBackend"))()
