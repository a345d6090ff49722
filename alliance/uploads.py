"""One upload limit for every request body: pages, API and imports alike.

Django's DATA_UPLOAD_MAX_MEMORY_SIZE bounds form fields but not files, which it streams to disk
whatever their size. `UploadLimitMiddleware` refuses, before anything is read, a request whose
declared body is over HUB_MAX_UPLOAD_BYTES (413, with the limit in words: a page, or JSON for
the API); `LimitedUploadHandler` stops a body that declares no length (chunked) once it has
passed the limit, so no path reads an oversized file in full.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse, JsonResponse


def upload_limit() -> int:
    return int(settings.HUB_MAX_UPLOAD_BYTES)


def limit_in_words() -> str:
    megabytes = upload_limit() / (1024 * 1024)
    return f"{megabytes:g} MB" if megabytes >= 1 else f"{upload_limit() // 1024} KB"


def too_large_message() -> str:
    return f"The file is larger than the {limit_in_words()} the Hub accepts. Split it into smaller files."


class UploadLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > upload_limit():
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": too_large_message()}, status=413)
            return HttpResponse(
                f"<!DOCTYPE html><title>File too large</title><h1>File too large</h1><p>{too_large_message()}</p>",
                status=413,
            )
        return self.get_response(request)


class LimitedUploadHandler(FileUploadHandler):
    """Counts the bytes of every file in a multipart body; over the limit, the request is refused."""

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > upload_limit():
            raise RequestDataTooBig(too_large_message())
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
