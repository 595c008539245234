"""The development services' command line.

    python -m cbrms.devservers run             # services, migrate, seed_demo, web + worker + beat
    python -m cbrms.devservers test [ARGS]     # services, then python -m pytest ARGS
    python -m cbrms.devservers exec CMD [ARGS] # services, then CMD ARGS (make bench)
    python -m cbrms.devservers stop            # stop the servers of .devdata, whoever started them

With no ``DATABASE_URL`` / ``REDIS_URL`` in the environment, PostgreSQL and Valkey are started
from Python wheels, with their data, pid files and logs under ``.devdata/``; a server already
running on that data is reused. Only the servers this command started are stopped at the end.
"""

# Running programs is this module's job; every argv below is built here, or is the command line
# given to ``exec`` by the person running it.
# ruff: noqa: S603

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence

from cbrms.devservers.common import REPO_DIR, STOP_TIMEOUT, DevServerError, say, write
from cbrms.devservers.services import running_services, stop_devdata_servers

# --- run: web server, worker and beat together ----------------------------------------------


class _Stop(Exception):
    """SIGINT or SIGTERM arrived."""


class _Child:
    """A long-running process in its own process group, its output prefixed with its name."""

    def __init__(self, name: str, argv: Sequence[str]) -> None:
        self.name = name
        self.process = subprocess.Popen(
            argv,
            cwd=REPO_DIR,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: signalled as a whole, by us only
        )
        self.pgid = self.process.pid
        self._pump = threading.Thread(target=self._copy_output, daemon=True)
        self._pump.start()

    def _copy_output(self) -> None:
        assert self.process.stdout is not None  # noqa: S101 - stdout=PIPE above
        for line in iter(self.process.stdout.readline, b""):
            write(f"{self.name:<7}| {line.decode(errors='replace')}")

    def group_alive(self) -> bool:
        self.process.poll()  # reap the leader, or it counts as alive
        try:
            os.killpg(self.pgid, 0)
        except ProcessLookupError:
            return False
        return True

    def signal_group(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pgid, signum)

    def wait(self) -> None:
        self.process.wait()
        self._pump.join(timeout=2)  # the rest of its output


def _stop_children(children: Sequence[_Child]) -> None:
    """SIGTERM every child's process group, wait, then SIGKILL what is left."""
    for child in children:
        child.signal_group(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while any(c.group_alive() for c in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    for child in children:
        if child.group_alive():
            say(f"{child.name} did not stop in {STOP_TIMEOUT:.0f}s; killing it")
            child.signal_group(signal.SIGKILL)
    for child in children:
        child.wait()


def _ignore_signals() -> None:
    # Stopping is bounded by timeouts; a second Ctrl-C must not cut it short.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _raise_stop(signum: int, _frame: object) -> None:
    _ignore_signals()
    raise _Stop(signum)


def _run() -> int:
    manage = [sys.executable, str(REPO_DIR / "manage.py")]
    port = os.environ.get("PORT", "8000")
    # Links in emails point where this server answers, unless the environment says otherwise.
    os.environ.setdefault("CBRMS_BASE_URL", f"http://127.0.0.1:{port}")
    # A developer's receivers run on this machine: webhooks may reach it here (never by default
    # in production, docs/webhooks.md), unless the environment says otherwise.
    os.environ.setdefault("CBRMS_OUTBOUND_ALLOW_PRIVATE", "true")
    os.environ.setdefault("CBRMS_OUTBOUND_HTTPS_ONLY", "false")
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    try:
        with running_services():
            subprocess.run([*manage, "migrate", "--noinput"], cwd=REPO_DIR, check=True)
            subprocess.run([*manage, "seed_demo"], cwd=REPO_DIR, check=True)
            celery = [sys.executable, "-m", "celery", "-A", "cbrms"]
            children: list[_Child] = []
            try:
                # runserver keeps its autoreloader: its two processes share one process group,
                # so stopping the group stops both.
                children.append(_Child("web", [*manage, "runserver", f"127.0.0.1:{port}"]))
                children.append(
                    _Child("worker", [*celery, "worker", "-l", "info", "--concurrency", "2"])
                )
                children.append(_Child("beat", [*celery, "beat", "-l", "info"]))
                say(f"serving on http://127.0.0.1:{port}/ - Ctrl-C stops everything")
                while True:
                    for child in children:
                        if (code := child.process.poll()) is not None:
                            say(f"{child.name} exited with code {code}; stopping")
                            return 128 - code if code < 0 else code or 1  # -N: signal N
                    time.sleep(0.2)
            finally:
                _ignore_signals()
                say("stopping")
                _stop_children(children)
    except _Stop:
        return 0
    except subprocess.CalledProcessError as error:
        return error.returncode
    except DevServerError as error:
        say(str(error), error=True)
        return 1


# --- test -------------------------------------------------------------------------------------


def pytest_exit_code(code: int) -> int:
    """pytest's exit code, except that "no tests collected" (5) is a failure (1)."""
    if code == 5:
        say("pytest collected no tests (exit code 5): that is a failure here")
        return 1
    return code


def _exec(argv: Sequence[str], *, drop_env: Sequence[str] = ()) -> int:
    """Run ``argv`` with the services up and their URLs exported; its exit code."""
    if not argv:
        say("exec: name the command to run", error=True)
        return 2
    try:
        with running_services():
            env = {k: v for k, v in os.environ.items() if k not in drop_env}
            child = subprocess.Popen(list(argv), env=env)
            # The terminal's Ctrl-C reaches the child directly; a SIGTERM is passed on to it.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, lambda signum, _frame: child.send_signal(signum))
            code = child.wait()
    except DevServerError as error:
        say(str(error), error=True)
        return 1
    return code


def _test(pytest_args: Sequence[str]) -> int:
    # Importing cbrms sets DJANGO_SETTINGS_MODULE to the base settings (cbrms/celery.py), and
    # the environment would win over pyproject's cbrms.settings.test: pass --ds to choose.
    argv = [sys.executable, "-m", "pytest", *pytest_args]
    return pytest_exit_code(_exec(argv, drop_env=("DJANGO_SETTINGS_MODULE",)))


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``run``, ``test [pytest args...]``, ``exec command [args...]`` or ``stop``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["test"]:  # everything after it is pytest's, --help included
        return _test(argv[1:])
    if argv[:1] == ["exec"]:  # everything after it is the command's
        return _exec(argv[1:])
    parser = argparse.ArgumentParser(
        prog="python -m cbrms.devservers",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="services, migrate, seed_demo, then web + worker + beat")
    commands.add_parser("test", help="services, then python -m pytest with the given arguments")
    commands.add_parser("exec", help="services, then the given command (make bench)")
    commands.add_parser("stop", help="stop the servers running on .devdata, whoever started them")
    if parser.parse_args(argv).command == "stop":
        stop_devdata_servers()
        return 0
    return _run()
