"""Lifecycle jobs: thin wrappers that load ids and call a service."""

from __future__ import annotations

from celery import current_task

from cbrms.tenancy.tasks import tenant_task
from lifecycle import notifications


@tenant_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def notify_gate_requested(*, organization, gate_id: int) -> int:
    return notifications.gate_requested_notify(gate_id=gate_id, job_id=current_task.request.id)


@tenant_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def notify_gate_decided(*, organization, gate_id: int) -> int:
    return notifications.gate_decided_notify(gate_id=gate_id, job_id=current_task.request.id)
