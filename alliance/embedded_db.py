"""The embedded PostgreSQL used when DATABASE_URL is unset (demo, newcomers).

pgserver bundles PostgreSQL 16 and serves it on a Unix socket under var/, so
the demo runs on the same database, with row-level security, as production.
The server is left running between commands so the demo keeps its data;
`make demo-stop` stops it.
"""

from __future__ import annotations

import warnings
from pathlib import Path

DATABASE_NAME = "hub"


def embedded_database_url(base_dir: Path) -> str:
    warnings.filterwarnings("ignore", module="platformdirs")
    import pgserver

    data_dir = base_dir / "var" / "pgdata"
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(data_dir, cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "1 row" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return server.get_uri(DATABASE_NAME)
