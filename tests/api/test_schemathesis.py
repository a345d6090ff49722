"""Schema-driven fuzzing: every operation of the OpenAPI schema, as a hub admin, a provider and a funder.

schemathesis generates requests from the schema the API serves (valid and invalid input,
boundary values, undeclared methods) and sends them in-process through the WSGI handler with
each role's API token. Every answer must be documented: no 5xx, a documented status code and
content type, a body matching its schema, and bad input refused with 400 and errors by field.
The operations come from the schema at run time, so new endpoints are fuzzed without a change
here. Runs are reproducible (fixed seed, derandomized) and bounded (MAX_EXAMPLES per operation).

Data: tests/api/fuzz_data.py builds a compact alliance once per module; each request runs in
a savepoint that is rolled back, so every request sees the same rows and ids stay valid.
"""

from __future__ import annotations

import json
import os
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import hypothesis
import schemathesis
from django.core.signals import got_request_exception
from django.db import transaction
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig

from alliance.wsgi import application
from tests.api import ids
from tests.api.fuzz_data import SLUG

# Bounded for CI. By hand: HUB_FUZZ_EXAMPLES=100 for more cases, HUB_FUZZ_DEEP=1 adds schemathesis'
# coverage phase (every field's boundary and wrong-type values, undeclared methods: ~200 cases an
# operation), HUB_FUZZ_SHRINK=false skips minimising a failing case.
MAX_EXAMPLES = int(os.environ.get("HUB_FUZZ_EXAMPLES", "10"))
DEEP = os.environ.get("HUB_FUZZ_DEEP") == "1"
SEED = int(os.environ.get("HUB_FUZZ_SEED", "20260517"))  # another seed explores other cases


def served_schema() -> dict[str, Any]:
    """The schema /api/schema/ serves (same generator, same settings), as JSON."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated, renderer_context={}))


RAW_SCHEMA = served_schema()
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": SEED,
        "parameters": {"path.alliance_slug": SLUG},
        "generation": {
            "mode": "all",
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",
            "no-shrink": os.environ.get("HUB_FUZZ_SHRINK", "true") != "true",
        },
        "phases": {"coverage": {"enabled": DEEP}, "stateful": {"enabled": False}},
        # Every check runs. Positive-data acceptance runs as `positive_data_is_accepted` below, which
        # knows the two refusals of schema-valid input the schema documents (see there).
        "checks": {"positive_data_acceptance": {"enabled": False}},
    }
)
schema = schemathesis.openapi.from_dict(RAW_SCHEMA, config=CONFIG)
schema.app = application


@schema.hook
def flatmap_path_parameters(context, path_parameters):  # type: ignore[no-untyped-def]
    return ids.references(path_parameters, path=context.operation.path)


@schema.hook
def flatmap_query(context, query):  # type: ignore[no-untyped-def]
    return ids.references(query) if isinstance(query, dict) else st.just(query)


@schema.hook
def flatmap_body(context, body):  # type: ignore[no-untyped-def]
    return ids.references(body) if isinstance(body, dict) else st.just(body)


def _inputs(operation: Any) -> set[str]:
    """Names a field error may carry: the operation's parameters and its body's properties."""
    definition = RAW_SCHEMA["paths"][operation.path][operation.method.lower()]
    names = {p["name"] for p in definition.get("parameters", [])} | {"non_field_errors"}
    for media in definition.get("requestBody", {}).get("content", {}).values():
        body = media.get("schema", {})
        if "$ref" in body:
            body = RAW_SCHEMA["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
        names |= set(body.get("properties", {}))
    return names


def field_errors_name_the_input(ctx, response, case):  # type: ignore[no-untyped-def]
    """Bad input gets 400 with errors keyed by the field (or query parameter) at fault."""
    if response.status_code != 400:
        return None
    documented = RAW_SCHEMA["paths"][case.operation.path][case.method.lower()]["responses"].get("400", {})
    if documented.get("content", {}).get("application/json", {}).get("schema") != {
        "$ref": "#/components/schemas/FieldErrors"
    }:
        return None  # the operation documents a 400 body of its own
    body = response.json()
    if not isinstance(body, dict) or not body:
        raise AssertionError(f"400 without field errors: {body!r}")
    # A field the request itself sent that the operation does not take is named too (StrictInput).
    sent = set(case.body) if isinstance(case.body, dict) else set()
    # The server names unknown fields as it decoded them (a multipart part's name may not round-trip
    # the generated text exactly): a key whose only error is that refusal names what was sent.
    refused_as_unknown = {k for k, v in body.items() if v == [UNKNOWN_FIELD]}
    unknown = set(body) - _inputs(case.operation) - sent - refused_as_unknown
    if unknown:
        raise AssertionError(f"400 names no input of the operation: {sorted(unknown)} in {body!r}")
    return True


# Refusals of schema-valid input no schema can state: a date outside its kind's range (it moves with
# the alliance's today, alliance.dates) and an id of a row that does not exist or is not yours.
RANGE_MESSAGES = ("A date from ", "A month from ")
REFERENCE_MESSAGES = ("Select a valid choice.", "Invalid pk ")


UNKNOWN_FIELD = "Not a field of this request."


def positive_data_is_accepted(ctx, response, case):  # type: ignore[no-untyped-def]
    """schemathesis' positive-data acceptance, knowing what the schema documents: a request that fits
    the schema is answered 2xx, or 401/403/404 (credentials, role, a row that is not yours), or 400
    only when (a) the operation says a business rule may refuse valid input (`x-hub-business-rules`,
    every operation with a body: an id of no row, a full room, a closed month) or (b) every error is a
    date or month outside its kind's plausible range, or an id of no row of yours. A GET refusing
    schema-valid parameters for any other reason fails: its limits belong in the schema."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    status = response.status_code
    if 200 <= status < 300 or status in (401, 403, 404):
        return True
    definition = RAW_SCHEMA["paths"][case.operation.path][case.method.lower()]
    if status == 409 and "409" in definition.get("responses", {}):
        return True  # a documented refusal with its reason: the state does not allow it (a done run resumed)
    if status == 400:
        body = response.json()
        messages = [m for value in body.values() for m in (value if isinstance(value, list) else [value])]
        if messages and all(isinstance(m, str) and m.startswith(RANGE_MESSAGES + REFERENCE_MESSAGES) for m in messages):
            return True
        if definition.get("x-hub-business-rules"):
            return True
    raise AssertionError(f"Schema-valid request refused: {status} {response.text[:500]}")


@contextmanager
def _rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@contextmanager
def _server_tracebacks() -> Iterator[list[str]]:
    caught: list[str] = []

    def record(sender, **kwargs):  # type: ignore[no-untyped-def]
        caught.append(traceback.format_exc())

    got_request_exception.connect(record)
    try:
        yield caught
    finally:
        got_request_exception.disconnect(record)


@schema.parametrize()
@hypothesis.settings(
    deadline=None,
    print_blob=False,
    suppress_health_check=[
        hypothesis.HealthCheck.function_scoped_fixture,
        hypothesis.HealthCheck.too_slow,
        hypothesis.HealthCheck.filter_too_much,
        hypothesis.HealthCheck.data_too_large,
    ],
)
def test_every_operation_answers_as_its_schema_says(case, fuzz_world, fuzz_tally, db):  # type: ignore[no-untyped-def]
    fuzz_tally.cases += 1
    # Every case as the hub admin (who may do the most); the provider and the funder take turns.
    for role in ("hub_admin", ("provider", "funder")[fuzz_tally.cases % 2]):
        headers = {"Authorization": f"Bearer {fuzz_world.tokens[role]}"}
        with _rolled_back(), _server_tracebacks() as tracebacks:
            response = case.call(headers=headers)
            fuzz_tally.requests += 1
            kind = f"{role} {response.status_code // 100}xx"
            fuzz_tally.by_role[kind] = fuzz_tally.by_role.get(kind, 0) + 1
            if tracebacks:
                raise AssertionError(
                    f"As {role}: {case.method} {case.formatted_path} answered "
                    f"{response.status_code}\n{case.as_curl_command(headers=headers)}\n"
                    f"{tracebacks[0]}"
                )
            try:
                case.validate_response(
                    response,
                    headers=headers,
                    additional_checks=[field_errors_name_the_input, positive_data_is_accepted],
                )
            except Exception as exc:
                exc.add_note(f"(as {role})")
                raise


def test_the_fuzzed_schema_is_the_one_served(client, db):  # type: ignore[no-untyped-def]
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert json.loads(response.content) == RAW_SCHEMA
    assert len([op for item in RAW_SCHEMA["paths"].values() for op in item]) >= 100
