"""Security headers, CSP without inline script, session expiry, safe defaults."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


class TestHeaders:
    def test_pages_carry_a_csp_without_inline_script(self, world, clients):
        response = clients.staff_a.get(f"/a/{world.a.slug}/dashboard/")
        csp = response["Content-Security-Policy"]
        script_src = re.search(r"script-src ([^;]+)", csp).group(1)
        assert script_src.strip() == "'self'"
        assert "frame-ancestors 'none'" in csp
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"

    def test_api_docs_load_without_inline_script(self, world, clients):
        page = clients.staff_a.get("/api/docs/")
        assert page.status_code == 200
        assert not re.search(rb"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", page.content)


def test_no_template_has_inline_script_or_event_handlers():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", text):
            offenders.append(f"{path}: inline <script>")
        if re.search(r"\son[a-z]+\s*=\s*[\"']", text):
            offenders.append(f"{path}: inline event handler")
    assert offenders == []


class TestSessions:
    def test_hub_sessions_idle_out_and_others_keep_the_default(self, world, clients, settings):
        clients.staff_a.get(f"/a/{world.a.slug}/dashboard/")
        assert clients.staff_a.session.get_expiry_age() == settings.HUB_STAFF_SESSION_IDLE_MINUTES * 60
        clients.provider_x.get(f"/a/{world.a.slug}/programs/{world.x.pk}/")
        assert clients.provider_x.session.get_expiry_age() == settings.SESSION_COOKIE_AGE


class TestUploadLimit:
    def test_an_oversized_request_body_is_refused(self, world, clients, settings):
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
        response = clients.admin_a.post(
            f"/a/{world.a.slug}/invitations/", {"email": "x@example.org", "role": "hub_staff", "padding": "x" * 4096}
        )
        assert response.status_code == 400


UNSAFE_IN_PRODUCTION = {
    "DEBUG": False,
    "SECURE_SSL_REDIRECT": True,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "HUB_MFA_EXEMPT_DEMO_USERS": False,
    "CELERY_TASK_ALWAYS_EAGER": False,
    "SECURE_HSTS_SECONDS": 31536000,
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
}


@pytest.mark.parametrize(("setting", "expected"), UNSAFE_IN_PRODUCTION.items())
def test_production_defaults_are_safe(setting, expected):
    """With only the required variables set, nothing unsafe is switched on."""
    import json
    import os
    import subprocess
    import sys

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "HUB_", "CELERY_")) or k == "DJANGO_SETTINGS_MODULE"
    }
    env.update(
        DJANGO_SECRET_KEY="s" * 60,
        DJANGO_ALLOWED_HOSTS="hub.example.org",
        DATABASE_URL=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hub"),
        # Production requires its own field-encryption key (a Fernet key; any valid one here).
        HUB_FIELD_ENCRYPTION_KEY="W2Ov5bce8OOiDdKOxo5Sr7_z_adK-gFMdggTgBcYlWc=",
    )
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        f"print(json.dumps(getattr(settings, {setting!r})))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == expected


def test_no_secret_is_committed_in_settings():
    text = (ROOT / "alliance" / "settings.py").read_text()
    assert not re.search(r"SECRET_KEY\s*=\s*[\"']", text), "a literal SECRET_KEY in settings"
    assert "insecure-development-key" in text  # only ever used with DJANGO_DEBUG=true
