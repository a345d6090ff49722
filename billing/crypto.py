"""Encryption of bank account numbers at rest (Fernet: AES-128-CBC + HMAC).

The key is HUB_FIELD_ENCRYPTION_KEY (a Fernet key, urlsafe base64 of 32 bytes)
when set, else derived from SECRET_KEY with HKDF, so the demo needs nothing.
A malformed HUB_FIELD_ENCRYPTION_KEY stops the app and names the variable.
"""

from __future__ import annotations

import base64
import functools
import os

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ENV_KEY = "HUB_FIELD_ENCRYPTION_KEY"


@functools.cache
def _fernet() -> Fernet:
    configured = os.environ.get(ENV_KEY, "").strip()
    if configured:
        try:
            return Fernet(configured.encode())
        except (ValueError, TypeError):
            raise ImproperlyConfigured(
                f"{ENV_KEY} must be a Fernet key (urlsafe base64 of 32 bytes); "
                "make one with: python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key())'"
            ) from None
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"hub-field-encryption", info=b"bank-account-numbers"
    ).derive(settings.SECRET_KEY.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            f"A stored bank account number cannot be decrypted: has {ENV_KEY} changed?"
        ) from None
