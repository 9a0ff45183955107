"""Helper for bench scripts: Django set up against a fresh, throwaway database.

    from _django import fresh_database
    db = fresh_database(database_url)   # before any import of models
    try:
        ...                             # Django is set up and migrated
    finally:
        db.drop()

Without a URL the database is a new SQLite file in a temporary directory (WAL and the rest of
the connection options come from config/settings.py, as in production). With a
``postgres://`` URL a new database is created next to the one the URL names (the role needs
CREATEDB) and dropped afterwards. ``HOISO_VAR_DIR`` points at a temporary directory either way,
``DEBUG`` is off unless the environment sets it (the debug cursor would log every query).
Not a benchmark itself: ``make bench`` runs it, and it does nothing.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class FreshDatabase:
    vendor: str
    url: str
    var_dir: Path
    keep: bool = False
    migrate_seconds: float = 0.0
    _admin_url: str = ""
    _name: str = ""
    _dropped: bool = field(default=False, repr=False)

    @property
    def label(self) -> str:
        """The database as shown in reports: engine and server version."""
        from django.db import connection

        if self.vendor == "sqlite":
            import sqlite3

            return f"SQLite {sqlite3.sqlite_version} (WAL)"
        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            return f"PostgreSQL {cur.fetchone()[0].split()[0]}"

    def drop(self) -> None:
        if self._dropped:
            return
        self._dropped = True
        from django.db import connections

        connections.close_all()
        if self.keep:
            print(f"kept the database: {self.url}", file=sys.stderr)
            return
        if self.vendor == "postgresql":
            import psycopg

            with psycopg.connect(self._admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self._name}" WITH (FORCE)')
        shutil.rmtree(self.var_dir, ignore_errors=True)


def _postgres_database(url: str) -> tuple[str, str, str]:
    """Create a new database beside the one ``url`` names: (new url, admin url, name)."""
    import psycopg

    parts = urlsplit(url)
    name = f"hoiso_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path="/" + name)), url, name


def fresh_database(database_url: str | None = None, *, keep: bool = False) -> FreshDatabase:
    """Point Django at a new database, set it up and migrate it (before any model import)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    var_dir = Path(tempfile.mkdtemp(prefix="hoiso-bench-"))
    admin_url = name = ""
    if database_url and database_url.startswith(("postgres://", "postgresql://")):
        vendor = "postgresql"
        url, admin_url, name = _postgres_database(database_url)
    elif database_url:
        raise SystemExit(f"unsupported database URL (sqlite is the default): {database_url}")
    else:
        vendor = "sqlite"
        url = f"sqlite:///{var_dir / 'bench.sqlite3'}"
    os.environ["DATABASE_URL"] = url
    os.environ["HOISO_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"

    import django
    from django.core.management import call_command

    db = FreshDatabase(
        vendor=vendor, url=url, var_dir=var_dir, keep=keep, _admin_url=admin_url, _name=name
    )
    try:
        django.setup()
        started = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        db.migrate_seconds = time.perf_counter() - started
    except BaseException:
        db.drop()
        raise
    return db


def describe_machine() -> str:
    """CPU count and model, for the report."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = os.cpu_count() or 0
    return f"{cores} cores" + (f", {model}" if model else "")


if __name__ == "__main__":
    print("bench/_django.py is a helper for the other bench scripts: nothing to measure.")
