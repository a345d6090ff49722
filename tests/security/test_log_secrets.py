"""Issue 19, finding 7: links that carry a secret (family sign-in, invitation, password reset)
are never written to the log as they were requested — whoever reads the log cannot follow them."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.alliance.test_observability import captured_log_lines

SECRET = "s3cr3t-Tok3n-0123456789abcdef"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/family/{slug}/sign-in/{secret}/"),
        ("post", "/family/{slug}/sign-in/{secret}/"),
        ("get", "/a/{slug}/join/{secret}/"),
        ("post", "/a/{slug}/join/{secret}/"),
        ("get", "/accounts/password/reset/key/1a-{secret}/"),
        ("get", "/accounts/confirm-email/{secret}/"),
    ],
)
def test_a_secret_in_the_path_is_redacted_in_every_log_line(world, method, path):
    url = path.format(slug=world.a.slug, secret=SECRET)
    with captured_log_lines() as lines:
        response = getattr(Client(), method)(url)
    assert response.status_code < 500
    text = json.dumps(lines)
    assert SECRET not in text, f"the secret of {url} reached the log: {text}"
    (request_line,) = [line for line in lines if line["logger"] == "hub.request"]
    assert "[redacted]" in request_line["path"]


def test_paths_without_secrets_are_logged_as_they_are(world, clients):
    with captured_log_lines() as lines:
        clients.staff_a.get(f"/a/{world.a.slug}/audit/")
    (request_line,) = [line for line in lines if line["logger"] == "hub.request"]
    assert request_line["path"] == f"/a/{world.a.slug}/audit/"
