import django_filters
from django import forms

from alliance.models import AuditEvent


class AuditEventFilter(django_filters.FilterSet):
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
