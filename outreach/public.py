"""The base of the pages outside /a/<alliance_slug>/: the public "find child
care" page (/care/<slug>/) and the family page (/family/<slug>/).

Nobody is signed in as a Hub user there, so AllianceMixin (which resolves the
alliance through the user's membership) cannot serve them. `PublicAllianceMixin`
resolves the alliance from its slug alone (404 for an unknown one) and opens
that alliance's scope for the whole request, so the ORM scope and row-level
security hold exactly as on every other page: these pages see one alliance's
rows, never another's, and never bypass RLS.

`FamilyPageMixin` adds the family session: a guardian who used a one-time
sign-in link has an entry in the (server-side) session naming the alliance,
the family and the guardian. Family sessions are not Django users, so they
can never reach a Hub page or the API.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse

from alliance.localization import alliance_local
from alliance.models import Alliance
from alliance.tenancy import alliance_scope
from enrollment.models import Family, Guardian

FAMILY_SESSION_KEY = "hub_family"
# A family session ends this long after the link was used (families sign in again by email).
FAMILY_SESSION_SECONDS = 8 * 3600


class PublicAllianceMixin:
    title: ClassVar[str] = ""
    request: HttpRequest
    kwargs: dict[str, Any]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.alliance = get_object_or_404(Alliance, slug=kwargs["alliance_slug"])
        if self.alliance.is_suspended:
            from alliance.suspension import suspended_response

            return suspended_response(request, self.alliance)
        with alliance_scope(self.alliance.pk), alliance_local(self.alliance):
            response = self.enter(request)
            if response is None:
                response = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            return response

    def enter(self, request: HttpRequest) -> HttpResponseBase | None:
        """Checks run inside the scope before the handler; a response ends the request."""
        return None

    def public_url(self, name: str, *args: Any) -> str:
        return reverse(name, args=[self.alliance.slug, *args])

    def get_title(self) -> str:
        return self.title

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        context.update(alliance=self.alliance, page_title=self.get_title())
        return context


# --- Family sessions --------------------------------------------------------
def family_session_start(request: HttpRequest, *, alliance: Alliance, family_id: int, guardian_id: int) -> None:
    request.session.cycle_key()  # a new session id at sign-in: no fixation
    entries = dict(request.session.get(FAMILY_SESSION_KEY, {}))
    entries[str(alliance.pk)] = {"family": family_id, "guardian": guardian_id, "since": int(time.time())}
    request.session[FAMILY_SESSION_KEY] = entries


def family_session_end(request: HttpRequest, *, alliance: Alliance) -> None:
    entries = dict(request.session.get(FAMILY_SESSION_KEY, {}))
    if entries.pop(str(alliance.pk), None) is not None:
        request.session[FAMILY_SESSION_KEY] = entries


def family_session(request: HttpRequest, *, alliance: Alliance) -> tuple[int, int] | None:
    """(family id, guardian id) of this browser's family session in the alliance, if still valid."""
    entry = request.session.get(FAMILY_SESSION_KEY, {}).get(str(alliance.pk))
    if not entry:
        return None
    if time.time() - entry.get("since", 0) > FAMILY_SESSION_SECONDS:
        family_session_end(request, alliance=alliance)
        return None
    return int(entry["family"]), int(entry["guardian"])


class FamilyPageMixin(PublicAllianceMixin):
    """A page of one family: `self.family` and `self.guardian` come from the
    family session of this alliance, never from the URL."""

    def enter(self, request: HttpRequest) -> HttpResponseBase | None:
        ids = family_session(request, alliance=self.alliance)
        guardian = None
        if ids is not None:
            family_id, guardian_id = ids
            guardian = Guardian.objects.select_related("family").filter(pk=guardian_id, family_id=family_id).first()
        if guardian is None:
            family_session_end(request, alliance=self.alliance)
            return redirect(self.public_url("public:family_sign_in"))
        self.guardian: Guardian = guardian
        self.family: Family = guardian.family
        return None

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(family=self.family, guardian=self.guardian, signed_in_family=True)
        return context
