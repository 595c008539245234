"""Fixtures of the job tests: an issued joint RMP with both parties' people, and a real Celery
worker in a process of its own (for what only a real process shows: time limits, SIGKILL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from cbrms.celery import app as celery_app
from cbrms.jobs.models import Job
from cbrms.tenancy.context import acting_as
from lifecycle.models import DocumentVersion
from lifecycle.services.documents import document_create
from tests.lifecycle.helpers import side_of
from tests.lifecycle.pages import at_stage
from tests.lifecycle.test_document_versions import versions_url, write

REPO = Path(__file__).resolve().parents[2]
#: How long a test waits for a worker before it gives up (seconds).
TIMEOUT = 60.0


def wait_for(condition: Callable[[], object], timeout: float = TIMEOUT, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(step)
    return condition()


@pytest.fixture
def lead(world):
    return side_of(world.own, world.relationship)


@pytest.fixture
def partner(world):
    return side_of(world.partner, world.relationship)


def issue_joint_rmp(world, lead, partner, sections: dict[str, str] | None = None):
    """The relationship's joint RMP, written and issued by both SERs: its version 1."""
    relationship = at_stage(world.relationship, 4)
    with acting_as(world.own, user=lead.manager.user, membership=lead.manager):
        document = document_create(
            kind="joint_rmp",
            organization=world.own,
            membership=lead.manager,
            relationship=relationship,
        )
    for key, body in (sections or {"purpose": "We distribute together."}).items():
        write(document, lead, key, body)
    asked = lead.manager_api.post(versions_url(world.own, document), {"reason": "Agreed."})
    assert asked.status_code == 201, asked.content
    for side, org in ((lead, world.own), (partner, world.partner)):
        decided = side.ser_api.post(versions_url(org, document, "1/approve/"), {})
        assert decided.status_code == 200, decided.content
    return DocumentVersion.objects.unscoped().get(document=document, number=1)


def pdf_url(org, version) -> str:
    return versions_url(org, version.document, f"{version.number}/pdf/")


def job_row(job_id) -> Job:
    return Job.objects.unscoped().get(pk=job_id)


def stored_files(prefix: str) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / prefix
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- a trap for anything fetched ----------------------------------------------------------

SECRET = "TOPSECRET-4417"


class _Trap(BaseHTTPRequestHandler):
    """Counts every request; answers each with a redirect to a local file."""

    hits: list[str]

    def do_GET(self):
        self.hits.append(self.path)
        self.send_response(302)
        self.send_header("Location", "file:///etc/passwd")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def trap():
    """A local HTTP server that records whoever reaches it."""
    hits: list[str] = []
    handler = type("Trap", (_Trap,), {"hits": hits})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], hits
    server.shutdown()


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


# --- a worker process -----------------------------------------------------------------------


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


class WorkerProcess:
    """``celery worker`` on the test settings and database, consuming one queue of its own,
    in its own process group (so SIGKILL takes its pool too)."""

    def __init__(self, queue: str, env: dict[str, str]) -> None:
        self.queue = queue
        self.env = env
        self.process: subprocess.Popen | None = None

    def start(self) -> WorkerProcess:
        argv = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cbrms",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            "1",
            "--queues",
            self.queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "WARNING",
        ]
        self.process = subprocess.Popen(  # noqa: S603 - our own argv
            argv,
            cwd=REPO,
            env=self.env,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        return self

    def kill(self) -> None:
        """SIGKILL to the worker and its pool: nothing gets to clean up."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """At the end of a test: nothing is left to finish, and its queue goes next."""
        self.kill()


@pytest.fixture
def worker_processes(transactional_db) -> Iterator[Callable[..., WorkerProcess]]:
    """Start workers with ``start(**settings)``: the environment variables given (the time
    limits, the visibility timeout) on top of the test settings. The test's jobs go to a queue
    of their own, purged before and deleted after."""
    queue = f"cbrms-jobs-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    with celery_app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=3)
        broker.default_channel.queue_purge(queue)
    saved = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    started: list[WorkerProcess] = []

    def start(**overrides: str) -> WorkerProcess:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cbrms.settings.test",
            "DATABASE_URL": _database_url(),
            "PYTHONUNBUFFERED": "1",
            "CBRMS_CELERY_QUEUE": queue,  # what the worker queues itself goes there too
            **overrides,
        }
        worker = WorkerProcess(queue, env).start()
        started.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.stop()
        celery_app.conf.task_default_queue = saved
        with celery_app.connection_for_write() as broker:
            bound = celery_app.amqp.queues[queue](broker.default_channel)
            bound.declare()
            bound.delete()
