"""Typed readers for environment variables.

A malformed value stops start-up with the variable's name instead of silently
falling back to a default.
"""

from __future__ import annotations

import os

import environ
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_MISSING = object()


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def env_str(name: str, default: object = _MISSING) -> str:
    value = _raw(name)
    if value is None:
        if default is _MISSING:
            raise ImproperlyConfigured(f"Environment variable {name} is required but not set.")
        return str(default)
    return value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"Environment variable {name}={value!r} is not a boolean (use true/false, 1/0, yes/no).")


def env_int(name: str, default: int) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"Environment variable {name}={value!r} is not an integer.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_db_url(name: str, value: str) -> dict:
    try:
        config = environ.Env.db_url_config(value)
    except Exception as exc:  # environ raises several types for bad URLs
        raise ImproperlyConfigured(f"Environment variable {name} is not a database URL: {exc}") from None
    if not config.get("ENGINE") or "postgresql" not in config["ENGINE"]:
        raise ImproperlyConfigured(
            f"Environment variable {name} must point at PostgreSQL (postgres://...), got {value!r}."
        )
    return config


def env_url(name: str, default: str, schemes: tuple[str, ...]) -> str:
    value = _raw(name) or default
    if not value.startswith(tuple(f"{s}://" for s in schemes)):
        raise ImproperlyConfigured(
            f"Environment variable {name}={value!r} must start with one of: " + ", ".join(f"{s}://" for s in schemes)
        )
    return value


def env_fernet_keys(name: str) -> list[str]:
    """Fernet keys, comma-separated, newest first. A value that is not a Fernet key stops
    start-up naming the variable."""
    from cryptography.fernet import Fernet

    keys = env_list(name, [])
    for key in keys:
        try:
            Fernet(key.encode())
        except (ValueError, TypeError):
            raise ImproperlyConfigured(
                f"Environment variable {name} must hold Fernet keys (urlsafe base64 of 32 bytes, comma-separated, "
                "newest first); make one with: "
                "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
            ) from None
    return keys
