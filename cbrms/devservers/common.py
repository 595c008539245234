"""What the development services share: where their data lives, what a running service is, and
small helpers for processes, ports and the terminal."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import socket
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import psutil

REPO_DIR = Path(__file__).resolve().parents[2]
DEVDATA_DIR = REPO_DIR / ".devdata"
SERVICES_ENV = DEVDATA_DIR / "services.env"
PG_SYSTEM_USER = "cbrms-postgres"  # PostgreSQL refuses to run as root
PG_ROLE = PG_DATABASE = "cbrms"  # also written out in _create_database's SQL
STOP_TIMEOUT = 10.0
START_TIMEOUT = 60.0


class DevServerError(RuntimeError):
    """A development service could not be found, started or reached."""


@dataclass
class Service:
    """A service in use: its URL, and whether this process started it (and so stops it)."""

    name: str
    url: str
    started: bool = False
    external: bool = False  # given by the environment (DATABASE_URL / REDIS_URL)
    _stopper: Callable[[], None] | None = field(default=None, repr=False)

    def stop(self) -> None:
        """Stop the server if this process started it; a reused or external one keeps running."""
        if self.started and self._stopper is not None:
            self._stopper()
            self.started = False


# --- shared helpers -----------------------------------------------------------------------

_output_lock = threading.Lock()


def write(text: str, stream: TextIO | None = None) -> None:
    """Write to the terminal; a closed one (``make run | head``) must not stop a shutdown."""
    stream = stream or sys.stdout
    with _output_lock, contextlib.suppress(OSError, ValueError):
        stream.write(text)
        stream.flush()


def say(message: str, *, error: bool = False) -> None:
    write(f"devservers: {message}\n", sys.stderr if error else None)


def port_from_env(name: str, default: int) -> int:
    value = os.environ.get(name, str(default))
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise DevServerError(f"{name}={value!r} is not a TCP port")
    return int(value)


def port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def live_process(pid_file: Path, names: Sequence[str]) -> psutil.Process | None:
    """The process named in ``pid_file`` if it is alive and is one of ``names``."""
    try:
        pid = int(pid_file.read_text().split()[0])
        process = psutil.Process(pid)
        alive = process.is_running() and process.status() != psutil.STATUS_ZOMBIE
        return process if alive and any(n in process.name() for n in names) else None
    except (OSError, ValueError, IndexError, psutil.Error):
        return None


def log_tail(log_file: Path, lines: int = 15) -> str:
    try:
        return "\n".join(log_file.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def package_dir(name: str) -> Path | None:
    """Where an installed package lives, found without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))
