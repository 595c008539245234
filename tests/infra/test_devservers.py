"""The embedded development services behind `make run` and `make test` (cbrms/devservers/).

These start real servers in temporary directories on free ports, next to whatever the suite
itself runs on.
"""

import os
import socket
import subprocess
import sys
from pathlib import Path

import environ
import psutil
import psycopg
import pytest
import redis

from cbrms import devservers

REPO_DIR = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def private_ports(monkeypatch):
    """No URLs from the environment, and ports nobody else uses."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("CBRMS_PG_PORT", str(_free_port()))
    monkeypatch.setenv("CBRMS_REDIS_PORT", str(_free_port()))


def test_services_env_is_read_back_by_the_settings_helper(tmp_path, monkeypatch):
    path = tmp_path / ".devdata" / "services.env"
    urls = {
        "DATABASE_URL": "postgres://cbrms@127.0.0.1:55432/cbrms",
        "REDIS_URL": "redis://127.0.0.1:56379/0",
    }

    devservers.write_services_env(urls, path)

    # The way cbrms/settings/base.py reads it, into a private environment.
    environment: dict[str, str] = {}
    monkeypatch.setattr(environ.Env, "ENVIRON", environment)
    environ.Env.read_env(path)
    assert environment == urls
    assert path.stat().st_mode & 0o777 == 0o600


def test_urls_from_the_environment_start_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://app:secret@db.example.com:5432/app")
    monkeypatch.setenv("REDIS_URL", "redis://cache.example.com:6379/2")

    postgres = devservers.ensure_postgres(tmp_path / "postgres")
    redis_service = devservers.ensure_redis(tmp_path / "redis")

    assert postgres.url == "postgres://app:secret@db.example.com:5432/app"
    assert redis_service.url == "redis://cache.example.com:6379/2"
    assert not postgres.started
    assert not redis_service.started
    assert list(tmp_path.iterdir()) == []


def test_redis_keeps_its_data_and_is_reused_while_running(tmp_path, private_ports):
    data_dir = tmp_path / "redis"
    first = devservers.ensure_redis(data_dir)
    try:
        redis.Redis.from_url(first.url).set("greeting", "hello")
        again = devservers.ensure_redis(data_dir)
        assert (again.started, again.url) == (False, first.url)
        pid = int((data_dir / "valkey.pid").read_text())
    finally:
        first.stop()
    assert not psutil.pid_exists(pid)

    second = devservers.ensure_redis(data_dir)
    try:
        assert second.started
        assert redis.Redis.from_url(second.url).get("greeting") == b"hello"
    finally:
        second.stop()


def test_postgres_is_created_once_keeps_its_data_and_is_reused(tmp_path, private_ports):
    data_dir = tmp_path / "postgres"
    first = devservers.ensure_postgres(data_dir)
    try:
        assert first.started
        with psycopg.connect(first.url) as connection:
            connection.execute("CREATE TABLE kept (note text)")
            connection.execute("INSERT INTO kept VALUES ('still here')")
            encoding = connection.execute("SHOW server_encoding").fetchone()
        assert encoding == ("UTF8",)
        again = devservers.ensure_postgres(data_dir)
        assert (again.started, again.url) == (False, first.url)
        pid = int((data_dir / "postmaster.pid").read_text().split()[0])
    finally:
        first.stop()
    assert not psutil.pid_exists(pid)

    second = devservers.ensure_postgres(data_dir)
    try:
        assert second.started
        with psycopg.connect(second.url) as connection:
            assert connection.execute("SELECT note FROM kept").fetchall() == [("still here",)]
    finally:
        second.stop()


def test_a_test_run_that_collects_nothing_fails():
    environment = {
        **os.environ,
        # External URLs: nothing is started, and no test that would connect is selected.
        "DATABASE_URL": "postgres://nobody@127.0.0.1:9/nothing",
        "REDIS_URL": "redis://127.0.0.1:9/0",
    }
    result = subprocess.run(
        [sys.executable, "-m", "cbrms.devservers", "test", "tests/infra", "-k", "no_such_test"],
        cwd=REPO_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 1, result.stdout + result.stderr
    assert "collected no tests" in result.stdout
