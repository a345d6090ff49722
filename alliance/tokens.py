"""Per-user API tokens: created and shown once, stored hashed, revocable, expiring.

A token stands in for a signed-in session, so it is held to the session's rule: a holder with a
hub role must have TOTP set up (the token page is reachable only by a session that passed it,
and creating a token asks for the password again). A token stops working when it expires
(HUB_API_TOKEN_DAYS, default 90), is revoked, or its holder is given a hub role without TOTP.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework import authentication, exceptions

from alliance.models import ApiToken

TOKEN_PREFIX = "hub_"


def hash_token(token: str) -> str:
    """How every secret token is stored (API tokens, invitations, family sign-in links):
    its SHA-256, never the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()


def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:  # type: ignore[no-untyped-def]
    """A new token for `user`. Returns the row and the token, which is never stored."""
    name = name.strip()
    if not name:
        from django.core.exceptions import ValidationError

        raise ValidationError({"name": ["Give the token a name, e.g. what will use it."]})
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        row = ApiToken.objects.create(
            user=user,
            name=name[:100],
            prefix=token[:12],
            token_hash=hash_token(token),
            expires_at=timezone.now() + datetime.timedelta(days=settings.HUB_API_TOKEN_DAYS),
        )
    return row, token


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def hub_holder_without_totp(user) -> bool:  # type: ignore[no-untyped-def]
    from alliance.access import memberships_of
    from alliance.middleware import user_needs_mfa_setup

    return user_needs_mfa_setup(user, is_hub_user=any(m.is_hub for m in memberships_of(user)))


class HashedTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer hub_…` (or `Token hub_…`)."""

    keywords = ("bearer", "token")

    def authenticate(self, request):  # type: ignore[no-untyped-def]
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode(errors="ignore") not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header: expected 'Bearer <token>'.")
        try:
            raw = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Malformed token.") from None
        row = ApiToken.objects.select_related("user").filter(token_hash=hash_token(raw)).first()
        if row is None or row.revoked_at is not None or not row.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        now = timezone.now()
        if row.expires_at is None or row.expires_at <= now:
            raise exceptions.AuthenticationFailed("This token has expired; create a new one on your API tokens page.")
        if hub_holder_without_totp(row.user):
            raise exceptions.AuthenticationFailed(
                "Your role needs two-factor authentication: set up TOTP, then this token works again."
            )
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        return row.user, row

    def authenticate_header(self, request):  # type: ignore[no-untyped-def]
        return 'Bearer realm="api"'
