"""Error answers: the API answers in JSON (as its schema documents), pages in HTML.

A database that cannot be reached is not a crash of ours: every page and API call answers 503 with
Retry-After (`server_error` sees the exception Django is handling), on a page that needs neither
the database nor a template (DESIGN.md, "Background work and failure"). Errors the database
reports about a statement (a constraint, a deadlock) stay 500s.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework.exceptions import ParseError
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler

from alliance.dates import DateOutOfRange

API_PREFIX = "/api/"
# Seconds a client is asked to wait when the database cannot be reached.
RETRY_AFTER_SECONDS = 30
# SQLSTATE classes of an unreachable database: connection exceptions (08), the server shutting
# down or starting (57P01-57P03), too many connections (53300). A failed connect has none.
UNREACHABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03", "53300")
UNAVAILABLE_MESSAGE = "The Hub cannot reach its database just now. Nothing was changed; try again in a minute."
UNAVAILABLE_PAGE = (
    "<!DOCTYPE html><html lang=en><meta charset=utf-8>"
    "<meta name=viewport content='width=device-width, initial-scale=1'>"
    "<title>The Hub is briefly unavailable</title>"
    "<style>body{font:1rem/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem}</style>"
    "<h1>The Hub is briefly unavailable</h1>"
    f"<p>{UNAVAILABLE_MESSAGE}</p>"
    "<p><a href=''>Try again</a></p></html>"
)


def database_unreachable(exc: BaseException | None) -> bool:
    """True for an error that says the database cannot be reached (not one about a statement)."""
    if isinstance(exc, InterfaceError):  # the connection is closed or broken
        return True
    if not isinstance(exc, OperationalError):
        return False
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith(UNREACHABLE_SQLSTATES)


def service_unavailable(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: JSON under /api/, else a plain page (no template, no database)."""
    response: HttpResponse
    if request.path.startswith(API_PREFIX):
        response = JsonResponse({"detail": UNAVAILABLE_MESSAGE}, status=503)
    else:
        response = HttpResponse(UNAVAILABLE_PAGE, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A path no route matches (e.g. `/api/a/x/programs/1.5/`) is a JSON 404 under /api/."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: Django calls it while handling the exception, so sys.exc_info() names it."""
    if database_unreachable(sys.exc_info()[1]):
        return service_unavailable(request)
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
    elif isinstance(exc, DateOutOfRange):  # date arithmetic past the calendar: bad input, not a 500
        exc = DRFValidationError({"non_field_errors": [str(exc)]})
    response = exception_handler(exc, context)
    if response is None or response.status_code != 400:
        return response
    if isinstance(exc, ParseError):
        response.data = {"non_field_errors": [str(exc.detail)]}
    elif not isinstance(response.data, dict):
        response.data = {"non_field_errors": response.data if isinstance(response.data, list) else [response.data]}
    return response
