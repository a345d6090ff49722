"""Every named URL pattern under /a/<alliance_slug>/ and /api/a/<alliance_slug>/.

Access tests iterate these, so pages and endpoints that later issues add are
covered without new test code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

_REGEX_GROUP = re.compile(r"\(\?P<([^>]+)>[^)]*\)")
_PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass(frozen=True)
class Route:
    name: str
    route: str

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")

    def params(self) -> list[tuple[str, str]]:
        return [(m.group("conv") or "str", m.group("name")) for m in _PARAM.finditer(self.route)]

    def url(self, alliance_slug: str, **values: object) -> str:
        def fill(match: re.Match[str]) -> str:
            conv, name = match.group("conv") or "str", match.group("name")
            if name == "alliance_slug":
                return alliance_slug
            if name in values:
                return str(values[name])
            return {"int": "1", "slug": "x", "uuid": "00000000-0000-0000-0000-000000000000", "path": "x"}.get(conv, "x")

        return "/" + _PARAM.sub(fill, self.route)

    def __str__(self) -> str:
        return self.name


def _walk(patterns, prefix: str = "", namespace: str = ""):  # type: ignore[no-untyped-def]
    for p in patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from _walk(p.url_patterns, route, ns)
        elif isinstance(p, URLPattern) and p.name:
            route = route.replace("^", "").replace("\\Z", "").replace("$", "")
            route = _REGEX_GROUP.sub(lambda m: f"<{m.group(1)}>", route)
            if "<format>" in route or "\\." in route:
                continue  # DRF's .json/.api suffix variants of the same endpoint
            yield Route(f"{namespace}:{p.name}" if namespace else p.name, route)


def alliance_routes() -> list[Route]:
    routes = {
        r.route: r
        for r in _walk(get_resolver().url_patterns)
        if r.route.startswith(("a/<slug:alliance_slug>/", "api/a/<slug:alliance_slug>/"))
    }
    return sorted(routes.values(), key=lambda r: r.route)


def operator_routes() -> list[Route]:
    """Every named URL of the platform operator's console, /operator/ (alliance/urls_operator.py)."""
    routes = {r.route: r for r in _walk(get_resolver().url_patterns) if r.route.startswith("operator/")}
    return sorted(routes.values(), key=lambda r: r.route)
