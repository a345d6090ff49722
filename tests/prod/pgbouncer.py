"""A real PgBouncer (Debian's `pgbouncer`) in transaction mode, started for a test.

`running_pgbouncer()` writes a configuration in a temporary folder — every database name maps
to the same one on this run's PostgreSQL, `pool_mode = transaction`, `default_pool_size` server
connections per database and user — starts it on a free port and stops it afterwards.
`make test` installs the package when missing (scripts/hub.py, ensure_pgbouncer).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from django.conf import settings


def pgbouncer_binary() -> str:
    found = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None)
    if found is None:
        raise RuntimeError("pgbouncer is not installed: sudo apt-get install -y pgbouncer (make test installs it)")
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class PgBouncer:
    port: int
    folder: Path

    def url(self, database: str) -> str:
        db = settings.DATABASES["default"]
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        return f"postgres://{db['USER']}{password}@127.0.0.1:{self.port}/{database}"

    def show(self, what: str) -> list[dict[str, object]]:
        """PgBouncer's admin console: SHOW POOLS, SHOW STATS, SHOW SERVERS, ..."""
        db = settings.DATABASES["default"]
        with psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=db["USER"],
            password=db["PASSWORD"] or None,
            dbname="pgbouncer",
            autocommit=True,
            prepare_threshold=None,
        ) as conn:
            cursor = conn.execute(f"SHOW {what}")
            names = [c.name for c in cursor.description or []]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def log(self) -> str:
        path = self.folder / "pgbouncer.log"
        return path.read_text() if path.exists() else ""


@contextmanager
def running_pgbouncer(*, pool_size: int = 1) -> Iterator[PgBouncer]:
    db = settings.DATABASES["default"]
    folder = Path(tempfile.mkdtemp(prefix="hub-pgbouncer-"))
    folder.chmod(0o755)
    port = _free_port()
    (folder / "users.txt").write_text(f'"{db["USER"]}" "{db["PASSWORD"] or ""}"\n')
    server_password = f" password={db['PASSWORD']}" if db["PASSWORD"] else ""
    (folder / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} user={db['USER']}{server_password}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {folder / 'users.txt'}\n"
        "pool_mode = transaction\n"
        f"default_pool_size = {pool_size}\nmax_client_conn = 200\n"
        f"admin_users = {db['USER']}\n"
        "server_reset_query =\nignore_startup_parameters = extra_float_digits\n"
        f"logfile = {folder / 'pgbouncer.log'}\npidfile = {folder / 'pgbouncer.pid'}\n"
    )
    for path in folder.iterdir():
        path.chmod(0o644)
    # PgBouncer refuses to run as root: as root it switches to the postgres user (-u).
    as_user = ["-u", "postgres"] if os.geteuid() == 0 else []
    if as_user:
        shutil.chown(folder, "postgres")
    process = subprocess.Popen(
        [pgbouncer_binary(), *as_user, str(folder / "pgbouncer.ini")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    err = process.stderr.read().decode() if process.stderr else ""
                    raise RuntimeError(f"pgbouncer did not start: {err}\n{(folder / 'pgbouncer.log')}") from None
                time.sleep(0.1)
        yield PgBouncer(port=port, folder=folder)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # PgBouncer's immediate shutdown
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(folder, ignore_errors=True)
