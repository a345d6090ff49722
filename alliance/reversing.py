"""`{% url %}` with the answers kept: the same name and arguments give the same address.

A page's top bar alone names about 30 addresses and a list page a few hundred (one or two per
row), each a `reverse()` of about 0.03 ms of CPU. An address depends only on the view name, its
arguments, the URLconf, the script prefix and the current namespace, none of which a request
changes, so this process keeps the last `KEPT` answers (a bounded LRU) keyed on all of them.

Only arguments that are plain `int` or `str` are kept (a row's id, an alliance's slug); anything
else (a model instance, a date) is reversed as Django does. `NoReverseMatch` is never kept. The
kept answers are dropped when a setting changes (tests overriding ROOT_URLCONF) together with
Django's own URL caches.

`base.html` and every other template get this tag through the `hub_format` builtin, which Django
loads after its own `url`, so `{% url %}` everywhere is this one; it renders exactly what
Django's renders (`tests/alliance/test_reversing.py`).
"""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import Context
from django.template.defaulttags import URLNode
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

KEPT = 8192


@functools.lru_cache(maxsize=KEPT)
def _reverse_kept(
    view_name: str,
    args: tuple[int | str, ...],
    kwargs: tuple[tuple[str, int | str], ...],
    current_app: str | None,
    urlconf: str | None,
    script_prefix: str,
    escape: bool,
) -> str:
    url = reverse(view_name, urlconf=urlconf, args=args, kwargs=dict(kwargs), current_app=current_app)
    return conditional_escape(url) if escape else url


def _plain(value: Any) -> bool:
    """An int (not a bool) or a string (a template's literal is a SafeString, a str)."""
    return type(value) is int or isinstance(value, str)


@receiver(setting_changed)
def _forget(**_: Any) -> None:
    _reverse_kept.cache_clear()


class KeptURLNode(URLNode):
    def render(self, context: Context) -> str:
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        if not (
            isinstance(view_name, str) and all(_plain(a) for a in args) and all(_plain(v) for v in kwargs.values())
        ):
            return super().render(context)
        try:
            current_app = context.request.current_app  # type: ignore[attr-defined]
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace  # type: ignore[attr-defined]
            except AttributeError:
                current_app = None
        escape = bool(context.autoescape) and not self.asvar
        url = ""
        try:
            url = _reverse_kept(
                str(view_name),
                tuple(str(a) if isinstance(a, str) else a for a in args),
                tuple(sorted((k, str(v) if isinstance(v, str) else v) for k, v in kwargs.items())),
                current_app,
                get_urlconf() or settings.ROOT_URLCONF,
                get_script_prefix(),
                escape,
            )
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return url


def kept_reverse(view_name: str, *args: int | str) -> str:
    """`reverse(view_name, args=args)` with the answer kept as `{% url %}` keeps it, for HTML written
    in Python (billing/rows_html.py): escaped as a template writes it."""
    return _reverse_kept(
        view_name,
        tuple(str(a) if isinstance(a, str) else a for a in args),
        (),
        None,
        get_urlconf() or settings.ROOT_URLCONF,
        get_script_prefix(),
        True,
    )
