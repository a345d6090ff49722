"""Error answers: the API answers in JSON (as its schema documents), pages in HTML."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework.exceptions import ParseError
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler

API_PREFIX = "/api/"


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A path no route matches (e.g. `/api/a/x/programs/1.5/`) is a JSON 404 under /api/."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": "Server error."}, status=500)
    return defaults.server_error(request)


def field_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    """A Django ValidationError as the API's field errors (`__all__` is `non_field_errors`)."""
    if not hasattr(exc, "error_dict"):
        return {"non_field_errors": exc.messages}
    return {
        ("non_field_errors" if key == NON_FIELD_ERRORS else key): messages for key, messages in exc.message_dict.items()
    }


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's answers, with every 400 in one shape: errors keyed by field (`FieldErrors` in the
    schema). A body that is not JSON at all, or an error about the input as a whole, is
    reported under `non_field_errors`. A service's Django ValidationError is such a 400 too, so
    endpoints call services directly and a refusal reaches the caller with its field names."""
    if isinstance(exc, DjangoValidationError):
        exc = DRFValidationError(field_errors(exc))
    response = exception_handler(exc, context)
    if response is None or response.status_code != 400:
        return response
    if isinstance(exc, ParseError):
        response.data = {"non_field_errors": [str(exc.detail)]}
    elif not isinstance(response.data, dict):
        response.data = {"non_field_errors": response.data if isinstance(response.data, list) else [response.data]}
    return response
