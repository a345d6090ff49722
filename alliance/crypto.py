"""Fields encrypted at rest (Fernet: AES-128-CBC + HMAC), with key rotation (MultiFernet).

The keys are settings.HUB_FIELD_ENCRYPTION_KEYS, newest first (alliance/settings.py reads
HUB_FIELD_ENCRYPTION_KEYS and HUB_FIELD_ENCRYPTION_KEY; production refuses to start without
one). Only the demo, with no key set, derives one from SECRET_KEY.

Every encrypted column is an `EncryptedTextField`, so `encrypted_fields()` finds them all and
`field_encryption_rotate` re-encrypts each under the newest key: a table that later issues add
is covered without changes here.
"""

from __future__ import annotations

import base64
import functools
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver

KEYS_SETTING = "HUB_FIELD_ENCRYPTION_KEYS"


class EncryptedTextField(models.TextField):
    """A column holding a Fernet token (write with `encrypt`, read with `decrypt`), never clear text."""


def _demo_key() -> Fernet:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"hub-field-encryption", info=b"bank-account-numbers"
    ).derive(settings.SECRET_KEY.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


@functools.cache
def _keys() -> tuple[MultiFernet, Fernet]:
    """Every key (to read) and the newest alone (to tell current tokens from old ones)."""
    fernets = [Fernet(key.encode()) for key in getattr(settings, KEYS_SETTING, [])] or [_demo_key()]
    return MultiFernet(fernets), fernets[0]


@receiver(setting_changed)
def _forget_keys(*, setting: str, **kwargs: Any) -> None:
    if setting in (KEYS_SETTING, "SECRET_KEY"):
        _keys.cache_clear()


def encrypt(value: str) -> str:
    return _keys()[0].encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _keys()[0].decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            f"A stored encrypted value cannot be decrypted with any key of {KEYS_SETTING}: "
            "was a key dropped before `manage.py rotate_field_encryption` ran?"
        ) from None


def is_current(token: str) -> bool:
    """Is this token encrypted with the newest key?"""
    try:
        _keys()[1].decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def reencrypt(token: str) -> str:
    """The same value under the newest key (MultiFernet.rotate)."""
    try:
        return _keys()[0].rotate(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            f"A stored encrypted value cannot be decrypted with any key of {KEYS_SETTING}; it was left as it is."
        ) from None


def encrypted_fields() -> list[tuple[type[models.Model], str]]:
    """(model, field name) of every EncryptedTextField in every installed app."""
    return sorted(
        (
            (model, field.name)
            for model in apps.get_models()
            for field in model._meta.concrete_fields
            if isinstance(field, EncryptedTextField)
        ),
        key=lambda pair: (pair[0]._meta.label, pair[1]),
    )


def field_encryption_rotate(*, alliance_id: int) -> dict[str, dict[str, int]]:
    """Re-encrypt, under the newest key, every encrypted value of one alliance that is not
    under it yet. Idempotent: a second run finds every value current and writes nothing.
    Returns {"<app.model>.<field>": {"rotated": n, "current": m}}."""
    from alliance.audit import audit_event_record
    from alliance.tenancy import alliance_scope

    counts: dict[str, dict[str, int]] = {}
    with alliance_scope(alliance_id):
        for model, name in encrypted_fields():
            manager = model._default_manager
            rotated = current = 0
            for pk, token in manager.select_for_update().order_by("pk").values_list("pk", name).iterator():
                if not token:
                    continue
                if is_current(token):
                    current += 1
                    continue
                manager.filter(pk=pk).update(**{name: reencrypt(token)})
                rotated += 1
            counts[f"{model._meta.label_lower}.{name}"] = {"rotated": rotated, "current": current}
        if any(c["rotated"] for c in counts.values()):
            audit_event_record(
                actor=None,
                action="field_encryption.rotated",
                object_type="alliance.alliance",
                object_id=str(alliance_id),
                after={label: c["rotated"] for label, c in counts.items()},
            )
    return counts
