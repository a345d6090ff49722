"""Who is asking: the one rule for a visitor's address behind the Hub's reverse proxies.

`HUB_TRUSTED_PROXY_COUNT` says how many proxies the operator runs in front of gunicorn (0: none,
REMOTE_ADDR is the visitor). Behind N proxies, the visitor is the address the outermost trusted
proxy saw: the N-th entry from the right of X-Forwarded-For (entries further left are whatever
the visitor claimed, and are never trusted). Every rate limit keyed by address uses this —
allauth's sign-in and password-reset limits (through the account adapter) and the public forms'.
Limits keyed by account (five wrong passwords for one e-mail in five minutes) do not depend on it.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    proxies = int(getattr(settings, "HUB_TRUSTED_PROXY_COUNT", 0) or 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return str(request.META.get("REMOTE_ADDR", "") or "unknown")
