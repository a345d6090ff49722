"""Every field the metrics endpoints answer is described in the OpenAPI schema, with its unit."""

from __future__ import annotations

import json
from typing import Any

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer


def served_schema() -> dict[str, Any]:
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated, renderer_context={}))


def components_of(schema: dict[str, Any], node: Any, seen: set[str]) -> None:
    """The names of every component a part of the schema refers to, followed through."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if ref and ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[1]
            if name not in seen:
                seen.add(name)
                components_of(schema, schema["components"]["schemas"][name], seen)
        for value in node.values():
            components_of(schema, value, seen)
    elif isinstance(node, list):
        for value in node:
            components_of(schema, value, seen)


def metrics_components(schema: dict[str, Any]) -> set[str]:
    seen: set[str] = set()
    for path, operations in schema["paths"].items():
        if "/metrics/" in path:
            for operation in operations.values():
                components_of(schema, operation["responses"]["200"], seen)
    return seen


class TestMetricsSchema:
    def test_every_metrics_field_has_a_description(self, db):
        schema = served_schema()
        names = metrics_components(schema)
        assert {"AllianceMonth", "ProgramMonth", "AllianceFinanceMonth", "ProgramFinanceMonth"} <= names
        undescribed = [
            f"{name}.{field}"
            for name in sorted(names)
            for field, spec in schema["components"]["schemas"][name].get("properties", {}).items()
            if not spec.get("description", "").strip()
        ]
        assert undescribed == []

    def test_sums_say_their_unit(self, db):
        properties = served_schema()["components"]["schemas"]["ProgramMonth"]["properties"]
        assert "capacity-days" in properties["licensed_capacity"]["description"]
        assert "child-days" in properties["enrolled_children"]["description"]
        assert "FTE-days" in properties["enrolled_fte"]["description"]
        finance = served_schema()["components"]["schemas"]["ProgramFinanceMonth"]["properties"]
        assert "per enrolled child" in finance["cost_per_child"]["description"]
        assert {"vacancy", "occupancy"} <= set(properties)
        assert {
            "cost_per_child",
            "revenue_per_child",
            "collected_revenue_per_child",
            "gap_per_child",
            "break_even_occupancy",
        } <= set(finance)

    def test_month_filter_is_documented(self, db):
        schema = served_schema()
        for path, operations in schema["paths"].items():
            if "/metrics/" in path and not path.endswith("{id}/"):
                names = {p["name"] for p in operations["get"]["parameters"]}
                assert {"month", "from", "to"} <= names, path
