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


def test_warming_touches_neither_the_database_nor_redis_so_forked_workers_share_no_connection():
    """--preload forks workers from the master after the import: a connection opened there would be
    one socket shared by every worker. Warming with both addresses dead must still succeed and
    leave no connection open."""
    import base64
    import os
    import subprocess
    import sys

    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "HUB_", "DATABASE_", "REDIS_"))},
        "DATABASE_URL": "postgres://postgres@127.0.0.1:9/nowhere",
        "REDIS_URL": "redis://127.0.0.1:9/0",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "w" * 60,
        "HUB_FIELD_ENCRYPTION_KEY": base64.urlsafe_b64encode(b"k" * 32).decode(),
        "DJANGO_ALLOWED_HOSTS": "hub.example",
        "HUB_WSGI_WARM": "true",
    }
    script = (
        "import gc, alliance.wsgi\n"
        "from django.db import connection\n"
        "assert connection.connection is None, 'a database connection was opened'\n"
        "print('frozen', gc.get_freeze_count())\n"
    )
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.split()[-1]) > 100_000  # the heap was frozen
