"""The kinds of job, registered by the apps that own them (``AppConfig.ready``).

The base runs jobs without knowing what they make: a kind says how to run (``run``), and
whether the person may still have its result (``still_visible``: the subject may have gone out
of the organization's sight since, and a download must not outlive the right to see it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from cbrms.jobs.models import Job
    from cbrms.jobs.runs import JobOutput, JobRun


@dataclass(frozen=True)
class JobKind:
    name: str
    label: str
    run: Callable[[JobRun], JobOutput]
    still_visible: Callable[[Job], bool]


_KINDS: dict[str, JobKind] = {}


def register_job_kind(kind: JobKind) -> JobKind:
    existing = _KINDS.get(kind.name)
    if existing is not None and existing != kind:
        raise ImproperlyConfigured(f"The job kind {kind.name!r} is registered already.")
    _KINDS[kind.name] = kind
    return kind


def job_kind(name: str) -> JobKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise ImproperlyConfigured(f"No job kind {name!r} is registered.") from None


def job_kinds() -> dict[str, JobKind]:
    return dict(_KINDS)
