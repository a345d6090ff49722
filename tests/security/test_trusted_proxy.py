"""Issue 19, finding 6: rate limits behind a reverse proxy count visitors, not the proxy.

Before, allauth saw every visitor as the proxy's address: 30 sign-ins a minute for the whole
site, and a few wrong passwords from anyone locked everyone out. One setting
(HUB_TRUSTED_PROXY_COUNT) and one function (alliance.clients.client_address) now serve allauth's
limits and the product's own.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory

from alliance.adapters import InvitationOnlyAccountAdapter
from alliance.clients import client_address
from tests.factories import PASSWORD

PROXY = "10.0.0.5"


@pytest.fixture
def behind_one_proxy(settings):
    settings.HUB_TRUSTED_PROXY_COUNT = 1
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    cache.clear()
    yield
    cache.clear()


def via_proxy(visitor: str) -> Client:
    """A browser whose requests reach the Hub through the proxy, which appends the visitor's address."""
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=visitor)


def test_one_function_reads_the_visitor_behind_the_trusted_proxies(settings):
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    settings.HUB_TRUSTED_PROXY_COUNT = 0
    assert client_address(request) == PROXY
    settings.HUB_TRUSTED_PROXY_COUNT = 1
    assert client_address(request) == "203.0.113.7", "the spoofed 6.6.6.6 on the left is never trusted"
    assert InvitationOnlyAccountAdapter(request).get_client_ip(request) == "203.0.113.7"
    settings.HUB_TRUSTED_PROXY_COUNT = 2
    assert client_address(request) == "6.6.6.6"
    short = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.7")
    settings.HUB_TRUSTED_PROXY_COUNT = 3
    assert client_address(short) == PROXY


def test_one_visitors_wrong_passwords_do_not_lock_out_another(world, behind_one_proxy):
    attacker = via_proxy("198.51.100.66")
    for index in range(12):
        attacker.post("/accounts/login/", {"login": f"nobody{index}@example.org", "password": "wrong"})
    refused = attacker.post("/accounts/login/", {"login": "nobody@example.org", "password": "wrong"})
    assert b"Too many failed login attempts" in refused.content
    colleague = via_proxy("203.0.113.20")
    colleague.post("/accounts/login/", {"login": world.users.provider_x.email, "password": PASSWORD})
    assert "_auth_user_id" in colleague.session, "another visitor behind the same proxy still signs in"


def test_a_forged_header_does_not_escape_the_limit(world, behind_one_proxy):
    """The visitor may put anything on the left of X-Forwarded-For; the proxy's entry is what counts."""
    for index in range(12):
        via_proxy(f"10.9.9.{index}, 198.51.100.66").post(
            "/accounts/login/", {"login": f"nobody{index}@example.org", "password": "wrong"}
        )
    refused = via_proxy("10.9.9.99, 198.51.100.66").post(
        "/accounts/login/", {"login": "nobody@example.org", "password": "wrong"}
    )
    assert b"Too many failed login attempts" in refused.content


def test_wrong_passwords_for_one_account_are_limited_whatever_the_address(world, behind_one_proxy):
    for index in range(6):
        via_proxy(f"198.51.100.{index}").post(
            "/accounts/login/", {"login": world.users.provider_x.email, "password": "wrong"}
        )
    refused = via_proxy("198.51.100.200").post(
        "/accounts/login/", {"login": world.users.provider_x.email, "password": "wrong"}
    )
    assert b"Too many failed login attempts" in refused.content
