from __future__ import annotations

from alliance.api_base import AllianceReadOnlyViewSet
from alliance.api_fields import HubModelSerializer
from alliance.filters import AuditEventFilter
from alliance.models import AuditEvent


class AuditEventSerializer(HubModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "actor_label",
            "action",
            "object_type",
            "object_id",
            "program",
            "before",
            "after",
            "reason",
        ]


class AuditEventViewSet(AllianceReadOnlyViewSet):
    """The alliance's audit history, newest first. Read-only: events are never changed."""

    model = AuditEvent
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
