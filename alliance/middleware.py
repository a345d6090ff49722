"""Hub roles handle families' money: a second factor before anything else, and sessions that idle out.

The rule (issue 19): a hub page or a hub API call needs a session that **passed** TOTP — not
merely a user who has a TOTP device. allauth records each way a session authenticated
(`get_authentication_records`); an `mfa` record comes from the TOTP step of sign-in or from
`/accounts/2fa/reauthenticate/` (right after setting TOTP up, the user enters one code there). The Django
admin (`/django-admin/`) is held to the same rule for everyone. API tokens are checked in
`alliance/tokens.py`, since DRF authenticates them after this middleware runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from alliance.access import memberships_of

# Paths a hub user without a passed second factor may still reach: setting it up or passing it, signing out.
_ALLOWED_PREFIXES = ("/accounts/2fa/", "/accounts/logout/", "/static/", "/accounts/reauthenticate/")
ADMIN_PREFIX = "/django-admin/"
# The platform operator's console (alliance/views_operator.py): an operator's session there needs TOTP too.
OPERATOR_PREFIX = "/operator/"


def demo_exempt(user: Any) -> bool:
    """The demo's seeded accounts, when the demo says so (refused in production by settings)."""
    return bool(settings.HUB_MFA_EXEMPT_DEMO_USERS) and user.email.lower().endswith(settings.HUB_DEMO_EMAIL_SUFFIX)


def _is_operator(user: Any) -> bool:
    from alliance.operator import is_operator

    return is_operator(user)


def user_has_totp(user: Any) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def user_needs_mfa_setup(user: Any, *, is_hub_user: bool) -> bool:
    if not is_hub_user or demo_exempt(user):
        return False
    return not user_has_totp(user)


def session_passed_mfa(request: HttpRequest) -> bool:
    from allauth.account.authentication import get_authentication_records

    records = get_authentication_records(request, request.user)  # type: ignore[arg-type]
    return any(record.get("method") == "mfa" for record in records)


# The sliding idle timeout is renewed at most this often: renewing saves the session (a database
# write), which on every request would be one write per page view for nothing.
SESSION_RENEW_SECONDS = 60
_RENEWED_AT = "hub_renewed_at"


def keep_session_alive(request: HttpRequest) -> None:
    """Hub roles' sliding idle timeout (others keep the default session age).

    The session expires HUB_STAFF_SESSION_IDLE_MINUTES after it was last saved; it is saved again
    when a request comes more than SESSION_RENEW_SECONDS after the last renewal, so it expires
    between idle minutes - 1 and idle minutes after the last request."""
    idle_seconds = settings.HUB_STAFF_SESSION_IDLE_MINUTES * 60
    session = request.session
    now = int(time.time())
    renewed_at = session.get(_RENEWED_AT)
    if (
        session.get("_session_expiry") != idle_seconds
        or not isinstance(renewed_at, int)
        or not 0 <= now - renewed_at < SESSION_RENEW_SECONDS
    ):
        session.set_expiry(idle_seconds)
        session[_RENEWED_AT] = now


def _refuse_api(message: str) -> JsonResponse:
    return JsonResponse({"detail": message}, status=403)


class RequireMFAForHubRolesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.get_response(request)
        is_hub_user = any(m.is_hub for m in memberships_of(request.user, request))
        # An operator on the console is held as hub roles are (anyone else there gets its 404).
        operator_on_console = request.path.startswith(OPERATOR_PREFIX) and _is_operator(request.user)
        if is_hub_user or operator_on_console:
            keep_session_alive(request)
        needs_second_factor = is_hub_user or operator_on_console or request.path.startswith(ADMIN_PREFIX)
        if (
            not needs_second_factor
            or request.path.startswith(_ALLOWED_PREFIXES)
            or demo_exempt(request.user)
            or session_passed_mfa(request)
        ):
            return self.get_response(request)
        api = request.path.startswith("/api/")
        if not user_has_totp(request.user):
            if api:
                return _refuse_api("Set up two-factor authentication (TOTP) before using the Hub.")
            if not request.session.get("hub_mfa_explained"):
                request.session["hub_mfa_explained"] = True
                messages.info(
                    request,
                    "Hub staff handle families' payments, so your account needs two-factor "
                    "authentication. Confirm your password, then scan the code with an "
                    "authenticator app (Google Authenticator, 1Password, Authy…).",
                )
            return redirect("mfa_activate_totp")
        # A device exists but this session never passed it (e.g. a password-only sign-in).
        if api:
            return _refuse_api("Confirm this session with your authenticator code (two-factor sign-in) first.")
        return redirect(f"{reverse('mfa_reauthenticate')}?next={quote(request.get_full_path())}")
