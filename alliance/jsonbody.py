"""The one reader of JSON request bodies: malformed or deeply nested JSON is bad input (400).

Python's decoder meets a body nested 100,000 levels deep with RecursionError, which no handler
expects (a 500); a body nested a few hundred levels decodes, then breaks whatever walks it
recursively (validation, error rendering). `json_body_loads` refuses both: decoding stops with a
ValueError past the recursion limit, and anything deeper than MAX_DEPTH is refused after decoding,
counted without recursion. The Hub's deepest body (a list of objects holding a list) is 3 levels.

`HubJSONParser` is DRF's parser for every endpoint (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES);
a view that reads a JSON body itself calls `json_body_loads`.
"""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding  # type: ignore[attr-defined]
from rest_framework.utils import json

MAX_DEPTH = 32


def _depth(value: Any) -> int:
    """How deeply `value` nests lists and objects (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        level += 1
        if level > MAX_DEPTH:
            return level
        deepest = max(deepest, level)
        stack.extend((child, level) for child in children)
    return deepest


def json_body_loads(text: str, *, strict: bool = True) -> Any:
    """The decoded body; ValueError (with a message for the caller) if it is not JSON or nests too deep."""
    try:
        value = json.loads(text, parse_constant=json.strict_constant if strict else None)
    except RecursionError:
        raise ValueError(f"JSON nested more than {MAX_DEPTH} levels deep.") from None
    if _depth(value) > MAX_DEPTH:
        raise ValueError(f"JSON nested more than {MAX_DEPTH} levels deep.")
    return value


class HubJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        encoding = get_encoding(parser_context or {})
        try:
            text = codecs.getreader(encoding)(stream).read()
            return json_body_loads(text, strict=self.strict)
        except ValueError as exc:  # UnicodeDecodeError is one too
            raise ParseError(f"JSON parse error - {exc}") from None
