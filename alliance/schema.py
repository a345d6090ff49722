"""OpenAPI (drf-spectacular) extensions for the core's own classes."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema


class HashedTokenScheme(OpenApiAuthenticationExtension):
    target_class = "alliance.tokens.HashedTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):  # type: ignore[no-untyped-def]
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (Account menu → API tokens), sent as `Authorization: Bearer hub_…`.",
        }


class ReportSchema(AutoSchema):
    """For a viewset whose `list` answers one report (figures over a range), not a page of rows:
    spectacular would otherwise document every `list` as an array."""

    def _is_list_view(self, serializer=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def get_operation_id(self) -> str:
        operation_id = super().get_operation_id()
        if getattr(self.view, "action", None) == "list":  # keep `…_list`, as before
            return operation_id.removesuffix("_retrieve") + "_list"
        return operation_id


class LocalTimeScheme(OpenApiSerializerFieldExtension):
    """Times of day here are local wall-clock times ("07:30:00"), not RFC 3339 times with an
    offset, which is what `format: time` means to JSON Schema."""

    target_class = "rest_framework.fields.TimeField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):  # type: ignore[no-untyped-def]
        return {
            "type": "string",
            "format": "partial-time",
            "example": "07:30:00",
            "description": "Local time of day, HH:MM[:SS].",
        }


# --- Documented errors --------------------------------------------------------
# Every operation answers these besides its success, with DRF's bodies: a
# `detail` message, or field errors keyed by the input's name.
ERROR_COMPONENTS = {
    "ErrorDetail": {
        "type": "object",
        "description": "Why the request was refused.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    "FieldErrors": {
        "type": "object",
        "description": "Bad input: messages keyed by the name of the field (or query parameter) they are "
        "about; `non_field_errors` for the input as a whole. A nested object's or list's "
        "errors nest the same way.",
        "additionalProperties": {
            "anyOf": [
                {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "object"}]}},
                {"type": "object"},
            ],
        },
        "minProperties": 1,
    },
}
HTTP_METHODS = ("get", "put", "post", "patch", "delete")


def _error(component: str, description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
    }


def document_errors(result, generator, request, public):  # type: ignore[no-untyped-def]
    """Postprocessing hook: add the error answers every endpoint can give (400 where it takes
    input, 401 without valid credentials, 403 for a role that may not, 404 for another
    alliance's or program's row) unless an endpoint documents its own."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, component in ERROR_COMPONENTS.items():
        schemas.setdefault(name, component)
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            responses = operation.setdefault("responses", {})
            takes_input = "requestBody" in operation or any(
                parameter.get("in") == "query" for parameter in operation.get("parameters", [])
            )
            if "requestBody" in operation:
                # A body that fits the schema may still be refused by a rule the schema cannot state
                # (a row that does not exist or is not yours, a full classroom, a closed month, a
                # date past its kind's range): 400 with the reason by field. `x-hub-business-rules`
                # says so to machines (the fuzzing's positive-data check reads it).
                responses.setdefault(
                    "400",
                    _error(
                        "FieldErrors",
                        "Bad input, with errors by field; also valid input refused by a business rule "
                        "(a row that does not exist, a full classroom, a closed month), the reason by field.",
                    ),
                )
                operation["x-hub-business-rules"] = True
            elif takes_input:
                responses.setdefault("400", _error("FieldErrors", "Bad input, with errors by field."))
            if operation.get("security"):
                responses.setdefault("401", _error("ErrorDetail", "No valid credentials."))
            responses.setdefault(
                "403",
                _error(
                    "ErrorDetail", "Your role may not do this, or your account needs two-factor authentication first."
                ),
            )
            responses.setdefault("404", _error("ErrorDetail", "No such alliance or object (or not yours)."))
    return result
