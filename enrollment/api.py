"""API of enrollment data, scoped like the pages: the base viewset resolves the
alliance and narrows providers to their program; funders get 403.

Serializers check types; every write goes through enrollment.services (the
capacity and age refusals, overrides and audit events are the same as on the
pages), and a service's ValidationError comes back as 400. Nothing is deleted
through the API: enrollments end, entries are withdrawn, offers are declined.

The endpoints live by subdomain beside the views (api_families, api_enrollments,
api_attendance, api_waitlist, api_vacancy); this module holds what they share.
"""

from __future__ import annotations

from alliance.api_base import NO_DELETE, AllianceModelViewSet
from alliance.views_base import HUB_AND_PROVIDER

MAX_DAYS = 366


class EnrollmentViewSetBase(AllianceModelViewSet):
    allowed_roles = HUB_AND_PROVIDER
    write_roles = HUB_AND_PROVIDER
    http_method_names = NO_DELETE
