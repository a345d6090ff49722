"""The snapshot API's serializers read each row's shared sources once (alliance/api_rows.py:
SharedSourcesRepresentation) and answer exactly what DRF's own to_representation answers."""

from __future__ import annotations

import pytest

from alliance.api_fields import HubModelSerializer
from alliance.tenancy import alliance_scope
from metrics import api
from metrics.models import AllianceFinanceMonth, AllianceMonth, ProgramFinanceMonth, ProgramMonth
from metrics.selectors import members_with_figures_by_month, months_of_finance_rows
from tests.metrics.test_finance import money  # noqa: F401 (fixture: a month of money beside the week)


@pytest.mark.parametrize(
    ("model", "serializer_class", "finance"),
    [
        (AllianceMonth, api.AllianceMonthSerializer, False),
        (AllianceFinanceMonth, api.AllianceFinanceMonthSerializer, True),
        (ProgramMonth, api.ProgramMonthSerializer, False),
        (ProgramFinanceMonth, api.ProgramFinanceMonthSerializer, True),
    ],
)
@pytest.mark.parametrize("as_funder", [False, True])
def test_rows_are_what_drf_answers(money, model, serializer_class, finance, as_funder):  # noqa: F811
    with alliance_scope(money.world.a.pk):
        rows = list(model.objects.order_by("pk"))
        assert rows
        if finance:
            for row, month in zip(rows, months_of_finance_rows(rows), strict=True):
                row.month_figures = month
        members = members_with_figures_by_month(finance=finance, start=None, end=None)
        context = {"members_by_month": members} if as_funder else {}
        serializer = serializer_class(context=context)
        for row in rows:
            drf = HubModelSerializer.to_representation(serializer, row)  # DRF's own, field by field
            if as_funder and hasattr(serializer, "get_suppressed_reason") and drf["suppressed_reason"]:
                drf.update({k: None for k in drf if k not in (*api.SHOWN_ALWAYS, "suppressed_reason")})
            answer = serializer.to_representation(row)
            assert answer == drf
            assert list(answer) == list(drf)


@pytest.mark.parametrize("rows", [0, 1, 2, 3, 5])
def test_short_list_paginator_pages_and_counts_as_django_does(rows):
    from django.core.paginator import Paginator

    items = list(range(rows))
    for number in (1, 2, 3):
        ours, django = api.ShortListPaginator(items, 2), Paginator(items, 2)
        try:
            expected = django.page(number)
        except Exception as exc:  # noqa: BLE001 - the same refusal is expected
            with pytest.raises(type(exc)):
                ours.page(number)
            continue
        page = ours.page(number)
        assert (list(page), page.has_next(), page.has_previous()) == (
            list(expected),
            expected.has_next(),
            expected.has_previous(),
        )
        assert (ours.count, ours.num_pages) == (django.count, django.num_pages)


def test_a_short_list_of_months_is_read_without_a_count(money, clients):  # noqa: F811
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        data = clients.staff_a.get(f"/api/a/{money.world.a.slug}/metrics/alliance-months/").json()
    assert data["count"] == len(data["results"]) > 0
    assert data["next"] is None
    assert not [q for q in queries.captured_queries if "COUNT(*)" in q["sql"]]
