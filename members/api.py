from __future__ import annotations

from rest_framework import serializers

from alliance.api_base import AllianceReadOnlyViewSet
from alliance.views_base import HUB_AND_PROVIDER
from members.models import MemberProgram


class MemberProgramSerializer(serializers.ModelSerializer):
    class Meta:
        model = MemberProgram
        fields = ["id", "name", "kind", "status", "created_at"]


class MemberProgramViewSet(AllianceReadOnlyViewSet):
    """Member programs of the alliance; a provider sees only their own."""

    model = MemberProgram
    serializer_class = MemberProgramSerializer
    allowed_roles = HUB_AND_PROVIDER
    filterset_fields = ["kind", "status"]
