"""Relationships jobs: thin wrappers that load ids and call a service."""

from __future__ import annotations

from smtplib import SMTPException

from celery import current_task

from cbrms.tenancy.tasks import tenant_task
from relationships import notifications


@tenant_task(autoretry_for=(ConnectionError, SMTPException), retry_backoff=True, max_retries=5)
def notify_member_invited(*, organization, invitation_id: int, sent_at: str) -> int:
    return notifications.member_invited_notify(
        invitation_id=invitation_id, sent_at=sent_at, job_id=current_task.request.id
    )
