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


@tenant_task(autoretry_for=(ConnectionError, SMTPException), retry_backoff=True, max_retries=5)
def notify_partner_invited(*, organization, invitation_id: int, sent_at: str) -> int:
    return notifications.partner_invited_notify(
        invitation_id=invitation_id, sent_at=sent_at, job_id=current_task.request.id
    )


@tenant_task(autoretry_for=(ConnectionError, SMTPException), retry_backoff=True, max_retries=5)
def notify_party_invited(*, organization, party_id: int, notified_at: str) -> int:
    return notifications.party_invited_notify(
        party_id=party_id, notified_at=notified_at, job_id=current_task.request.id
    )


@tenant_task(autoretry_for=(ConnectionError, SMTPException), retry_backoff=True, max_retries=5)
def notify_webhook_disabled(*, organization, endpoint_id: int, disabled_at: str) -> int:
    return notifications.webhook_disabled_notify(
        endpoint_id=endpoint_id, disabled_at=disabled_at, job_id=current_task.request.id
    )
