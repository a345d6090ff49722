"""The API's page numbers: a malformed `page` is bad input (400 with the field), a page past
the last one does not exist (404), and `?page=` is not quietly the first page."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class HubPagination(PageNumberPagination):
    def get_page_number(self, request: Any, paginator: Any) -> Any:
        values = request.query_params.getlist(self.page_query_param)
        if not values:
            return 1
        if len(values) > 1:
            raise ValidationError({self.page_query_param: ["One page number."]})
        raw = values[0]
        if raw in self.last_page_strings:
            return raw
        if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
            raise ValidationError({self.page_query_param: ["A page number: 1, 2, 3…"]})
        return raw

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        """`page` documented with its limit: a whole number from 1 (schemathesis holds us to it)."""
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
                parameter["description"] = "A page number: 1, 2, 3… (past the last page: 404)."
        return parameters

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        """The page's own fields described, as every field of the API is."""
        paginated = super().get_paginated_response_schema(schema)
        described = {
            "count": "How many rows match, on every page together.",
            "next": "The next page's URL; null on the last page.",
            "previous": "The previous page's URL; null on the first page.",
            "results": "This page's rows.",
        }
        for name, description in described.items():
            paginated["properties"][name]["description"] = description
        return paginated
