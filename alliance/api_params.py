"""Query parameters read by hand (report ranges, switches): left out, the default; present, they
must be valid, or the answer is 400 naming the parameter. `?start=` is not quietly today."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from typing import Any, TypeVar

from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from alliance.dates import BUSINESS_DATE, BUSINESS_MONTH, DateKind, DateOutOfRange

T = TypeVar("T")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_MONTH = re.compile(r"\d{4}-\d{2}")


# Query parameters' schemas with their limits in the schema itself (schemathesis holds the API to them).
MONTH_SCHEMA = {"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$", "example": "2026-01"}


def whole_number(minimum: int, maximum: int) -> dict[str, Any]:
    """An integer parameter's schema with its bounds (int_param checks the same)."""
    return {"type": "integer", "minimum": minimum, "maximum": maximum}


def _raw(request: Request, name: str) -> str | None:
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise ValidationError({name: ["One value only."]})
    return values[0] if values else None


def _in_range(name: str, value: datetime.date, kind: DateKind) -> datetime.date:
    try:
        return kind.check(value)
    except DateOutOfRange as exc:
        raise ValidationError({name: [str(exc)]}) from exc


def date_param(request: Request, name: str, default: T, *, kind: DateKind = BUSINESS_DATE) -> datetime.date | T:
    """`YYYY-MM-DD`, within the plausible range of its kind (alliance.dates)."""
    raw = _raw(request, name)
    if raw is None:
        return default
    try:
        if ISO_DATE.fullmatch(raw):
            return _in_range(name, datetime.date.fromisoformat(raw), kind)
    except ValueError:
        pass
    raise ValidationError({name: ["A date as YYYY-MM-DD."]})


def month_param(request: Request, name: str) -> datetime.date | None:
    """`YYYY-MM` as the month's first day, within the months the Hub reports on."""
    raw = _raw(request, name)
    if raw is None:
        return None
    try:
        if ISO_MONTH.fullmatch(raw):
            return _in_range(name, datetime.date.fromisoformat(f"{raw}-01"), BUSINESS_MONTH)
    except ValueError:
        pass
    raise ValidationError({name: ["A month as YYYY-MM."]})


def int_param(
    request: Request, name: str, default: T, *, minimum: int | None = None, maximum: int | None = None
) -> int | T:
    raw = _raw(request, name)
    if raw is None:
        return default
    bounds = "" if minimum is None or maximum is None else f", {minimum} to {maximum}"
    if not re.fullmatch(r"-?\d{1,12}", raw):
        raise ValidationError({name: [f"A whole number{bounds}."]})
    value = int(raw)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValidationError({name: [f"A whole number{bounds}."]})
    return value


def choice_param(request: Request, name: str, choices: Iterable[Any], default: str = "") -> str:
    raw = _raw(request, name)
    if raw is None:
        return default
    if raw not in {str(choice) for choice in choices}:
        raise ValidationError({name: [f"One of: {', '.join(str(c) for c in choices)}."]})
    return raw


def text_param(request: Request, name: str, default: str = "") -> str:
    """Free text; a NUL character (which no database text holds) is bad input."""
    raw = _raw(request, name)
    if raw is None:
        return default
    if "\x00" in raw:
        raise ValidationError({name: ["Null characters are not allowed."]})
    return raw
