"""Hub roles handle families' money: TOTP before anything else, and sessions that idle out."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from alliance.access import memberships_of

# Paths a hub user without TOTP may still reach: setting it up, signing out.
_ALLOWED_PREFIXES = ("/accounts/2fa/", "/accounts/logout/", "/static/", "/accounts/reauthenticate/")


def user_needs_mfa_setup(user, *, is_hub_user: bool) -> bool:  # type: ignore[no-untyped-def]
    from allauth.mfa.models import Authenticator

    if not is_hub_user:
        return False
    if settings.HUB_MFA_EXEMPT_DEMO_USERS and user.email.lower().endswith(settings.HUB_DEMO_EMAIL_SUFFIX):
        return False
    return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class RequireMFAForHubRolesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.get_response(request)
        is_hub_user = any(m.is_hub for m in memberships_of(request.user))
        if is_hub_user:
            # Sliding idle timeout for hub roles; others keep the default session age.
            request.session.set_expiry(settings.HUB_STAFF_SESSION_IDLE_MINUTES * 60)
        if not request.path.startswith(_ALLOWED_PREFIXES) and user_needs_mfa_setup(
            request.user, is_hub_user=is_hub_user
        ):
            if request.path.startswith("/api/"):
                from django.http import JsonResponse

                return JsonResponse(
                    {"detail": "Set up two-factor authentication (TOTP) before using the Hub."},
                    status=403,
                )
            if not request.session.get("hub_mfa_explained"):
                request.session["hub_mfa_explained"] = True
                messages.info(
                    request,
                    "Hub staff handle families' payments, so your account needs two-factor "
                    "authentication. Confirm your password, then scan the code with an "
                    "authenticator app (Google Authenticator, 1Password, Authy…).",
                )
            return redirect("mfa_activate_totp")
        return self.get_response(request)
