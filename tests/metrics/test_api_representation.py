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
