"""API of member data, scoped exactly like the pages: the base viewset resolves
the alliance and narrows providers to their program; funders get 403.

Serializers validate types; writes go through members.services, whose
ValidationErrors come back as 400 with field errors. Nothing is deleted
through the API (programs leave, staff end, agreements end), so no endpoint
accepts DELETE.

The endpoints live by subdomain beside the views (api_programs, api_sites, api_staff,
api_costs, api_services); this module holds what they share.
"""

from __future__ import annotations

from typing import Any

import django_filters

from alliance.api_base import NO_DELETE, AllianceModelViewSet
from alliance.filters import IntegerFilter


class MembersViewSet(AllianceModelViewSet):
    http_method_names = NO_DELETE

    def actor(self) -> Any:
        return self.request.user


class ProgramScopedFilter(django_filters.FilterSet):
    """Filter by program id without validating it against the alliance's programs."""

    program = IntegerFilter(field_name="program_id")
