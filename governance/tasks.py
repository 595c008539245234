"""Governance jobs: thin wrappers that load ids and call a service. The escalation sweep, a
beat job over every organization, is in ``governance.beat``."""

from __future__ import annotations

from smtplib import SMTPException

from celery import current_task

from cbrms.tenancy.tasks import tenant_task
from governance import notifications


@tenant_task(autoretry_for=(ConnectionError, SMTPException), retry_backoff=True, max_retries=5)
def notify_issue_level(*, organization, issue_id: int, level_id: int) -> int:
    return notifications.issue_level_notify(
        issue_id=issue_id, level_id=level_id, job_id=current_task.request.id
    )
