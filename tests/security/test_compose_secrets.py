"""Issue 19, finding 12: the production shape never falls back to a known password or key."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECRET_NAME = re.compile(r"PASSWORD|SECRET|KEY", re.IGNORECASE)


def test_compose_requires_every_secret_and_defaults_none():
    text = (ROOT / "docker-compose.yml").read_text()
    references = re.findall(r"\$\{(\w+)(:?[-?])?([^}]*)\}", text)
    secrets = {(name, operator) for name, operator, _ in references if SECRET_NAME.search(name)}
    assert {name for name, _ in secrets} >= {
        "DJANGO_SECRET_KEY",
        "HUB_FIELD_ENCRYPTION_KEY",
        "HUB_APP_DB_PASSWORD",
        "HUB_OWNER_DB_PASSWORD",
    }
    defaulted = sorted(name for name, operator in secrets if operator != ":?")
    assert defaulted == [], f"compose falls back to a default for {defaulted}"
    assert "hub_app:hub_app@" not in text
    assert "hub_owner:hub_owner@" not in text
