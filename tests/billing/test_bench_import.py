"""`python manage.py bench import`, small: a Brightwheel roster imported into an empty program, then
the same file again writing nothing, with a number of statements that does not grow with the file.

Worked example: 40 children, then 80, each export's families and guardians as the generator makes
them (about 7 in 10 families have one child, the rest two; half have a second parent). The first
import creates one child and one enrollment per line; the re-import finds every child by its
brightwheel_id: 40 (then 80) unchanged, 0 rows written, and the same number of statements for 80
children as for 40.
"""

from __future__ import annotations

import pytest

from alliance.tenancy import alliance_scope
from billing.bench_import import bench_import
from tests.factories import AllianceFactory

pytestmark = pytest.mark.django_db


def test_the_import_bench_reimports_without_writing_and_without_a_query_per_row():
    alliance = AllianceFactory(slug="bench-import")
    lines: list[str] = []
    figures = {}
    for children in (40, 80):
        with alliance_scope(alliance.pk):
            figures[children] = bench_import(alliance=alliance, runs=1, log=lines.append, children=children)
    for children, result in figures.items():
        assert result["children"] == result["enrollments"] == children
        assert result["reimport_unchanged"] == children
        assert result["reimport_rows_written"] == 0
        assert 0 < result["families"] <= children
    assert figures[40]["reimport_queries"] == figures[80]["reimport_queries"]
    assert any(line.startswith("re-import:") and "writes none" in line for line in lines)
