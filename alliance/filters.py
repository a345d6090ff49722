import django_filters
from django import forms
from django_filters import rest_framework as drf_filters

from alliance.models import AuditEvent


class TenantFilterSet(drf_filters.FilterSet):
    """FilterSet base for tenant models, pages and API alike (one place to extend)."""


class TenantFilterBackend(drf_filters.DjangoFilterBackend):
    """Builds `filterset_fields` FilterSets on TenantFilterSet."""

    filterset_base = TenantFilterSet


class AuditEventFilter(TenantFilterSet):
    action = django_filters.CharFilter(lookup_expr="icontains", label="Action contains")
    actor = django_filters.CharFilter(field_name="actor_label", lookup_expr="icontains",
                                      label="Actor email")
    object_type = django_filters.CharFilter(lookup_expr="iexact", label="Object type")
    object_id = django_filters.CharFilter(label="Object id")
    since = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte",
                                      label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte",
                                      label="To", widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = AuditEvent
        fields = ["action", "actor", "object_type", "object_id", "since", "until"]
