"""What a running job sees: progress to report, a way to learn it was cancelled, and where
its result goes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import IO

from django.core.files.base import ContentFile, File
from django.core.files.storage import storages

from cbrms.jobs.models import Job, JobState


class JobStopped(Exception):
    """The job was cancelled, or another attempt took it over: stop without a result."""


@dataclass(frozen=True)
class JobOutput:
    """The file a job made, stored at ``path`` of the default storage."""

    path: str
    name: str
    content_type: str
    size: int
    sha256: str


def _digest(content: bytes | IO[bytes]) -> tuple[int, str]:
    if isinstance(content, bytes):
        return len(content), hashlib.sha256(content).hexdigest()
    content.seek(0)
    digest, size = hashlib.sha256(), 0
    while chunk := content.read(1 << 20):
        digest.update(chunk)
        size += len(chunk)
    content.seek(0)
    return size, digest.hexdigest()


def store_file(path: str, content: bytes | IO[bytes]) -> tuple[str, int, str]:
    """Write ``content`` (bytes, or a binary file read from its start) at exactly ``path``,
    replacing what a dead attempt left there, and return the path, the size and the SHA-256.
    A fixed path per result is what keeps a job that is run again from leaving a second file."""
    size, sha256 = _digest(content)
    storage = storages["default"]
    if storage.exists(path):
        storage.delete(path)
    saved = storage.save(
        path, ContentFile(content) if isinstance(content, bytes) else File(content)
    )
    if saved != path:  # another writer got there in between: never keep two
        storage.delete(saved)
        raise RuntimeError(f"The storage renamed {path!r} to {saved!r}.")
    return path, size, sha256


class JobRun:
    """One attempt at a job, handed to its kind's ``run``."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.params = job.params
        self.organization = job.organization

    def progress(self, percent: int) -> None:
        """Tell the person how far the job got (0-100), and stop here if it was cancelled or
        taken over by another attempt (``JobStopped``)."""
        percent = max(0, min(100, int(percent)))
        updated = Job.objects.filter(
            pk=self.job.pk,
            attempt=self.job.attempt,
            state=JobState.RUNNING,
            cancel_requested=False,
        ).update(progress=percent)
        if not updated:
            raise JobStopped()

    def output(
        self, *, path: str, name: str, content_type: str, content: bytes | IO[bytes]
    ) -> JobOutput:
        """Store ``content`` as the job's result."""
        path, size, sha256 = store_file(path, content)
        return JobOutput(path=path, name=name, content_type=content_type, size=size, sha256=sha256)
