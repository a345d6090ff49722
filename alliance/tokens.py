"""Per-user API tokens: created and shown once, stored hashed, revocable."""

from __future__ import annotations

import hashlib
import secrets

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
        row = ApiToken.objects.create(user=user, name=name[:100], prefix=token[:12], token_hash=hash_token(token))
    return row, token


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


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
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        return row.user, row

    def authenticate_header(self, request):  # type: ignore[no-untyped-def]
        return 'Bearer realm="api"'
