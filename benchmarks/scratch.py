"""A scratch PostgreSQL database for a benchmark run, and Django configured against it.

A benchmark creates its own database beside the one ``DATABASE_URL`` names (on the same server),
migrates it, fills it, and drops it at the end: the development and test databases are never
touched. The role in ``DATABASE_URL`` needs the CREATEDB privilege (the embedded server's
``cbrms`` is a superuser).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

REPO_DIR = Path(__file__).resolve().parent.parent
# Only databases with this prefix are ever created or dropped here.
SCRATCH_PREFIX = "cbrms_bench"

_started = time.monotonic()


def progress(message: str) -> None:
    """One line of progress, with the seconds since the run started."""
    print(f"[{time.monotonic() - _started:6.1f}s] {message}", flush=True)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _server_url(url: str) -> str:
    """``url`` in the form libpq reads (``postgres://`` is Django's spelling as well)."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise SystemExit(f"DATABASE_URL must point at PostgreSQL, not {parts.scheme!r}")
    return urlunsplit(parts._replace(scheme="postgresql"))


def _drop(admin: psycopg.Connection, name: str) -> None:
    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def scratch_database(name: str = SCRATCH_PREFIX, *, keep: bool = False) -> Iterator[str]:
    """Create the database ``name`` (dropping a leftover of a crashed run), yield its URL, drop it.

    The database is created on the server of ``DATABASE_URL``, through the database that URL
    names (used for ``CREATE``/``DROP DATABASE`` only).
    """
    if not name.startswith(SCRATCH_PREFIX):
        raise SystemExit(f"the scratch database's name must start with {SCRATCH_PREFIX!r}")
    base_url = os.environ.get("DATABASE_URL")
    if not base_url:
        raise SystemExit(
            "DATABASE_URL is not set: run through `make bench` (python -m cbrms.devservers exec "
            "...), or set it to a PostgreSQL server where this role may create databases."
        )
    admin_url = _server_url(base_url)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        _drop(admin, name)
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    progress(f"created scratch database {name}")
    try:
        yield _with_database(base_url, name)
    finally:
        _close_django_connections()
        if keep:
            progress(f"kept scratch database {name} (--keep-database): drop it yourself")
        else:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                _drop(admin, name)
            progress(f"dropped scratch database {name}")


def _close_django_connections() -> None:
    if "django.db" in sys.modules:
        from django.db import connections

        connections.close_all()


def setup_django(database_url: str) -> None:
    """Configure Django with the test settings against ``database_url``, and migrate it.

    The test settings are the production code paths with cheap password hashing and a local
    cache: what a request costs is the same.
    """
    os.environ["DJANGO_SETTINGS_MODULE"] = "cbrms.settings.test"
    os.environ["DATABASE_URL"] = database_url
    if str(REPO_DIR) not in sys.path:
        sys.path.insert(0, str(REPO_DIR))

    import django
    from django.conf import settings

    django.setup()
    # The test client's host; the test runner would add it (setup_test_environment).
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    migrate()


def migrate() -> None:
    from django.core.management import call_command
    from django.db import connection

    progress(f"migrating {connection.settings_dict['NAME']}")
    call_command("migrate", interactive=False, verbosity=0)


def switch_database(database_url: str) -> None:
    """Point Django's default connection at another database of the same server."""
    from django.db import connection

    name = urlsplit(database_url).path.lstrip("/")
    if connection.settings_dict["NAME"] != name:
        connection.close()
        connection.settings_dict["NAME"] = name
