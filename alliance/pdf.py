"""Every PDF the product writes is rendered here, by `render_pdf`.

WeasyPrint fetches what a document links to (stylesheets, images, fonts, `@import`). Left
to its default fetcher it would open any URL or local file a crafted name managed to put
into a document, from inside the server. `HubURLFetcher` serves only `data:` URIs and the
product's own static files (read from disk, never over the network) and refuses everything
else, logging the refusal. Templates keep user text out of `<style>`: a running header or
footer takes it from the document with CSS `string-set`, so HTML escaping always applies.
"""

from __future__ import annotations

import functools
import logging
import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders

logger = logging.getLogger("hub.pdf")

# Relative references in a document resolve against this origin; nothing is ever fetched from it.
BASE_URL = "https://hub.invalid/"


def static_file(url: str) -> Path | None:
    """The product's static file a URL of the base origin names, or None."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}/" != BASE_URL or not parts.path.startswith(settings.STATIC_URL):
        return None
    relative = unquote(parts.path[len(settings.STATIC_URL) :])
    if not relative or ".." in Path(relative).parts:
        return None
    found = finders.find(relative)
    path = Path(found if isinstance(found, str) else "")
    if found and path.is_file():
        return path
    root = getattr(settings, "STATIC_ROOT", None)
    if root:
        candidate = Path(root, relative).resolve()
        if candidate.is_relative_to(Path(root).resolve()) and candidate.is_file():
            return candidate
    return None


@functools.cache
def _fetcher_class() -> type:
    """Built once, on first use: WeasyPrint is imported only when a PDF is made."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class HubURLFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no types
        """`data:` URIs and our own static files; every other URL is refused."""

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(allowed_protocols=["data"], allow_redirects=False, **kwargs)
            self.requested: list[str] = []
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            self.requested.append(url)
            if url.startswith("data:"):
                return super().fetch(url, headers)
            path = static_file(url)
            if path is not None:
                mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})
            self.refused.append(url)
            logger.warning("PDF rendering refused to fetch a URL outside the product", extra={"url": url[:200]})
            raise ValueError(f"refused: {url[:200]}")

    return HubURLFetcher


def url_fetcher() -> Any:
    return _fetcher_class()()


def render_pdf(html: str, *, fetcher: Any = None) -> bytes:
    """The one way to turn a rendered template into PDF bytes."""
    from weasyprint import HTML  # imported here: it loads native libraries

    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher or url_fetcher())
    return bytes(document.write_pdf())
