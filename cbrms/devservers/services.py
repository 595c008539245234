"""Both services together: started for a block, their URLs in ``.devdata/services.env``."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

import psutil

from cbrms.devservers.common import (
    DEVDATA_DIR,
    SERVICES_ENV,
    STOP_TIMEOUT,
    Service,
    live_process,
    say,
)
from cbrms.devservers.postgres import ensure_postgres, pg_running_port, pg_stop, postgres_bin_dir
from cbrms.devservers.valkey import REDIS_NAMES, ensure_redis


def stop_devdata_servers(devdata: Path = DEVDATA_DIR) -> None:
    """Stop the servers running on ``devdata``, whoever started them (``make clean-devdata``)."""
    data_dir = devdata / "postgres"
    if pg_running_port(data_dir) is not None:
        pg_stop(postgres_bin_dir(), data_dir, devdata / "postgres.log")
        say(f"stopped PostgreSQL on {data_dir}")
    if (process := live_process(devdata / "redis" / "valkey.pid", REDIS_NAMES)) is not None:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.terminate()
            try:
                process.wait(STOP_TIMEOUT)
            except psutil.TimeoutExpired:
                process.kill()
        say(f"stopped Valkey on {devdata / 'redis'}")
    (devdata / "services.env").unlink(missing_ok=True)


# --- services.env ---------------------------------------------------------------------------


def write_services_env(values: Mapping[str, str], path: Path = SERVICES_ENV) -> None:
    """Write ``KEY=value`` lines atomically, readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text("".join(f"{key}={value}\n" for key, value in values.items()))
    partial.chmod(0o600)
    partial.replace(path)


@contextlib.contextmanager
def running_services() -> Iterator[list[Service]]:
    """PostgreSQL and Redis for the block, their URLs exported; stops what it started."""
    postgres = ensure_postgres()
    try:
        redis = ensure_redis()
    except BaseException:
        postgres.stop()
        raise
    services = [postgres, redis]
    urls = {"DATABASE_URL": postgres.url, "REDIS_URL": redis.url}
    if not all(service.external for service in services):
        write_services_env(urls)
    os.environ.update(urls)
    for service in services:
        how = "external" if service.external else "started" if service.started else "reused"
        say(f"{service.name} at {service.url} ({how})")
    try:
        yield services
    finally:
        if any(service.started for service in services):
            SERVICES_ENV.unlink(missing_ok=True)
        for service in reversed(services):
            if service.started:
                service.stop()
                say(f"stopped {service.name}")
