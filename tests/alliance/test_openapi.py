"""The OpenAPI schema: generated with no warning or error, money as strings."""

from __future__ import annotations

import yaml
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator


def test_the_schema_generates_without_warnings_or_errors(db, capsys):
    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    output = capsys.readouterr().err
    assert not GENERATOR_STATS._warn_cache, output
    assert not GENERATOR_STATS._error_cache, output
    assert schema["paths"], "no endpoints in the schema"
    assert "apiToken" in schema["components"]["securitySchemes"]


def test_money_is_a_string_in_every_schema(db):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    decimal_numbers = [
        f"{name}.{field}"
        for name, component in schema["components"]["schemas"].items()
        for field, spec in component.get("properties", {}).items()
        if spec.get("type") == "number"
        and spec.get("format") == "double"
        and any(word in field for word in ("amount", "balance", "fee", "rate", "cost", "total", "price"))
    ]
    assert decimal_numbers == []


def test_schema_and_docs_are_served(db, client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert yaml.safe_load(response.content)["info"]["title"] == "Hub API"
