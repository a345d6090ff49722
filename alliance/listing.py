"""Server-side lists: sortable column headers, the query string that keeps a list's state, paging
of rows already in memory, and the CSV download of a list (through the one safe writer).

A list page reads `?sort=<key>` or `?sort=-<key>` (descending) from a fixed set of keys; an
unknown key falls back to the page's default rather than failing. Each header is a link that
sorts the whole list (not the page shown) and keeps the filters, search and sort in the URL, so
a list can be bookmarked, shared and printed as it is seen.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, QueryDict

from alliance.csvsafe import csv_text


@dataclass(frozen=True)
class Column:
    """A column of a list: `key` names its sort ("" when it does not sort)."""

    label: str
    key: str = ""
    numeric: bool = False


def sort_of(value: str | None, keys: Iterable[str], default: str) -> str:
    """The sort a request asks for when it is one of `keys` (with an optional leading "-"), else `default`."""
    value = (value or "").strip()
    return value if value.lstrip("-") in set(keys) else default


def query_string(request: HttpRequest, *, drop: Sequence[str] = ("page",), **changes: str) -> str:
    """The request's query string without `drop` and with `changes`, e.g. for the next page or a sort link."""
    query: QueryDict = request.GET.copy()
    for name in (*drop, *changes):
        query.pop(name, None)
    for name, value in changes.items():
        if value:
            query[name] = value
    return query.urlencode()


def header_cells(request: HttpRequest, columns: Sequence[Column], sort: str) -> list[dict[str, Any]]:
    """One cell per column for the table head: its label, a link that sorts by it (ascending first,
    then descending when it is already ascending), and `aria_sort` on the sorted column."""
    current, descending = sort.lstrip("-"), sort.startswith("-")
    cells = []
    for column in columns:
        cell: dict[str, Any] = {"label": column.label, "numeric": column.numeric, "url": None, "aria_sort": None}
        if column.key:
            is_current = column.key == current
            next_sort = f"-{column.key}" if is_current and not descending else column.key
            cell["url"] = "?" + query_string(request, sort=next_sort)
            if is_current:
                cell["aria_sort"] = "descending" if descending else "ascending"
        cells.append(cell)
    return cells


def page_of(rows: Sequence[Any], request: HttpRequest, *, per_page: int = 50) -> dict[str, Any]:
    """A page of `rows` (a page number out of range gives the nearest page) as a ListView's context."""
    page: Page = Paginator(rows, per_page).get_page(request.GET.get("page"))
    return {
        "page_obj": page,
        "paginator": page.paginator,
        "is_paginated": page.has_other_pages(),
        "query_string": query_string(request),
    }


def csv_response(rows: Iterable[Iterable[Any]], filename: str) -> HttpResponse:
    """A CSV download (header first) written through the one safe writer."""
    response = HttpResponse(csv_text(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response
