"""gunicorn's master imports the app once and warms it before forking (alliance/wsgi.py, issue 21)."""

from __future__ import annotations

from django.template import engines


def test_warming_compiles_every_page_template_ahead_so_workers_start_warm():
    from alliance.wsgi import warm

    compiled = warm(freeze=False)
    loader = engines["django"].engine.template_loaders[0]
    # The cached loader (DEBUG off) now holds the pages every worker would otherwise compile on
    # its first requests: the base layout, the dashboard and the aging page among them.
    assert compiled > 300
    names = {key.split(":")[0] if isinstance(key, str) else key for key in loader.get_template_cache}
    assert {"base.html", "metrics/dashboard.html", "billing/aging.html"} <= names


def test_compose_preloads_the_app_and_accepts_only_what_its_threads_can_serve():
    """--preload: warmed once in the master; --worker-connections = --threads: a worker takes a
    connection only when a thread is free, so waiting requests stay in the shared queue that any
    free worker serves (first come, first served) instead of queueing behind one busy worker."""
    from tests.prod.test_production_shape import compose_command

    web = compose_command("web")
    assert "--preload" in web
    assert web[web.index("--worker-connections") + 1] == web[web.index("--threads") + 1]
