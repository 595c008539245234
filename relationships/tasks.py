"""Relationships jobs: thin wrappers that load ids and call a service."""

from __future__ import annotations

from smtplib import SMTPException

from cbrms.tenancy.tasks import tenant_task
from relationships.services import notifications


@tenant_task(autoretry_for=(ConnectionError, SMTPException), retry_backoff=True, max_retries=5)
def notify_member_added(*, organization, membership_id: int) -> int:
    return notifications.member_added_notify(membership_id=membership_id)
