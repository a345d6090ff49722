"""The WSGI application gunicorn serves.

In production gunicorn imports this module once, in its master process (`--preload`), and forks
its workers from it: `warm()` does there, once, what each worker would otherwise do on its first
requests (import every view through the URL configuration, compile every template into the cached
loader), so a worker that replaces another after `--max-requests` starts warm at the cost of a
fork, and every worker shares those pages of memory. `gc.freeze()` then moves everything made so
far out of the collector's sight: a request's garbage collections no longer walk the modules,
URL patterns and compiled templates.
"""

import gc
import logging
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance.settings")
application = get_wsgi_application()

logger = logging.getLogger(__name__)


def warm(*, freeze: bool = True) -> int:
    """Import the views and compile the templates (then, with `freeze`, freeze the heap for the
    collector); the number of templates compiled."""
    from pathlib import Path

    from django.conf import settings
    from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports every view module)
    compiled = 0
    for engine in engines.all():
        folders = list(getattr(engine, "template_dirs", ()))
        for folder in folders:
            root = Path(folder)
            for path in sorted(root.rglob("*.html")) + sorted(root.rglob("*.txt")):
                try:
                    engine.get_template(str(path.relative_to(root)))
                    compiled += 1
                except (TemplateDoesNotExist, TemplateSyntaxError, UnicodeDecodeError) as exc:
                    logger.debug("template %s not compiled ahead: %s", path, exc)
    if freeze and not settings.DEBUG:
        gc.freeze()
    return compiled


def _warm_here() -> bool:
    """Under gunicorn with DEBUG off (production), unless HUB_WSGI_WARM=false."""
    import sys

    from django.conf import settings

    wanted = os.environ.get("HUB_WSGI_WARM", "").strip().lower()
    if wanted in ("0", "false", "no"):
        return False
    return wanted in ("1", "true", "yes") or ("gunicorn" in sys.modules and not settings.DEBUG)


if _warm_here():
    warm()
