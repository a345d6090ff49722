import django_filters
from django import forms
from django_filters import rest_framework as drf_filters
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from alliance.dates import date_kind_for, date_validator
from alliance.models import AuditEvent


def bound_date_filters(filterset: django_filters.FilterSet) -> None:
    """Every date filter takes only dates in the plausible range of its kind (alliance.dates),
    so `?since=0001-01-01` is the filter's error (a 400 naming it; a form error on a page)."""
    for name, filter_ in filterset.filters.items():
        if isinstance(filter_, django_filters.DateFilter):
            kind = date_kind_for(str(filter_.field_name or name).split("__")[0])
            validators = filter_.extra.setdefault("validators", [])
            if not any(hasattr(v, "kind") for v in validators):
                validators.append(date_validator(kind))


class TenantFilterSet(drf_filters.FilterSet):
    """FilterSet base for tenant models, pages and API alike (one place to extend)."""

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        bound_date_filters(self)


@extend_schema_field({"type": "integer"})
class IntegerFilter(django_filters.NumberFilter):
    """An id (or another whole number): `1.5` is a field error, not quietly 1; the schema says
    integer (a NumberFilter is documented as any number)."""

    field_class = forms.IntegerField


class TenantFilterBackend(drf_filters.DjangoFilterBackend):
    """Builds `filterset_fields` FilterSets on TenantFilterSet. An API filter given an empty
    value (other than text), a boolean other than true/false, or two values where it takes one
    is a 400, not quietly no filter: a script sending `?active_on=` has a bug to hear about."""

    filterset_base = TenantFilterSet

    def get_filterset(self, request, queryset, view):  # type: ignore[no-untyped-def]
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            bound_date_filters(filterset)
            errors = _vague_values(filterset, request.query_params)
            if errors:
                raise ValidationError(errors)
        return filterset


def _vague_values(filterset: django_filters.FilterSet, params) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    errors: dict[str, list[str]] = {}
    for name, filter_ in filterset.filters.items():
        values = params.getlist(name) if name in params else []
        if len(values) > 1 and not isinstance(filter_, django_filters.MultipleChoiceFilter):
            errors[name] = ["One value only."]
        elif isinstance(filter_, django_filters.BooleanFilter):
            if any(value not in ("true", "false") for value in values):
                errors[name] = ["Use true or false."]
        elif not isinstance(filter_, django_filters.CharFilter) and "" in values:
            errors[name] = ["Give a value, or leave the parameter out."]
    return errors


class AuditEventFilter(TenantFilterSet):
    action = django_filters.CharFilter(lookup_expr="icontains", label="Action contains")
    actor = django_filters.CharFilter(field_name="actor_label", lookup_expr="icontains", label="Actor email")
    object_type = django_filters.CharFilter(lookup_expr="iexact", label="Object type")
    object_id = django_filters.CharFilter(label="Object id")
    since = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = AuditEvent
        fields = ["action", "actor", "object_type", "object_id", "since", "until"]
