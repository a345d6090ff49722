"""A suspended alliance (alliance/operator.py: `alliance_suspend`): what its users get instead of its pages.

Every page under /a/<slug>/ and every API call under /api/a/<slug>/ of a suspended alliance answers 403 with
one clear page (JSON `detail` from the API) naming the reason and whom to contact; nothing is deleted. Held
in three places so nothing slips past: `SuspendedAllianceMiddleware` (signed-in members, from the memberships
the request already read: no query), `AllianceMixin.dispatch` and `AllianceViewSetMixin.initial` (API
tokens, which DRF authenticates after the middleware). The public and family pages and an invitation's
link answer the same page. Tasks: `queue_for_every_alliance` skips a suspended alliance and
`AllianceTask` does nothing for one (alliance/celery.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from rest_framework.exceptions import APIException

from alliance.models import Alliance

SUSPENDED_STATUS = 403
_ALLIANCE_PATH = re.compile(r"^/(?:api/)?a/(?P<slug>[-a-zA-Z0-9_]+)/")


def suspended_message(alliance: Alliance) -> str:
    return (
        f"{alliance.name} is suspended on the Hub: its pages, data and scheduled work are on hold, and nothing "
        f"has been deleted. Contact {settings.HUB_OPERATOR_CONTACT} to have it reactivated."
    )


def suspended_response(request: HttpRequest, alliance: Alliance) -> HttpResponse:
    """403: the suspended page, or JSON under /api/."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": suspended_message(alliance), "suspended_reason": alliance.suspended_reason},
            status=SUSPENDED_STATUS,
        )
    html = render_to_string(
        "alliance/suspended.html",
        {
            "suspended_alliance": alliance,
            "contact": settings.HUB_OPERATOR_CONTACT,
            "page_title": f"{alliance.name} is suspended",
        },
        request=request,
    )
    return HttpResponse(html, status=SUSPENDED_STATUS)


class AllianceSuspended(APIException):
    status_code = SUSPENDED_STATUS
    default_code = "alliance_suspended"

    def __init__(self, alliance: Alliance) -> None:
        super().__init__(detail=suspended_message(alliance))


class SuspendedAllianceMiddleware:
    """A signed-in member of a suspended alliance gets the suspended page on any of its URLs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        match = _ALLIANCE_PATH.match(request.path)
        if match is not None and request.user.is_authenticated:
            from alliance.access import memberships_of

            for membership in memberships_of(request.user, request):
                if membership.alliance.slug == match.group("slug") and membership.alliance.is_suspended:
                    return suspended_response(request, membership.alliance)
        return self.get_response(request)
