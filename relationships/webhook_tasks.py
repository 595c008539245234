"""Sending webhook messages: one try per task, and the sweep Celery beat runs.

Apart from ``tasks`` because the services queue these by name (``DELIVER_TASK``) and these
call the services: the other way round from the notification tasks.
"""

from __future__ import annotations

from celery import shared_task

from cbrms.tenancy.tasks import tenant_task
from relationships.services.webhooks import message_deliver, messages_send_due


@tenant_task()
def deliver_webhook(*, organization, message_id: str, manual: bool = False) -> str:
    """One try at sending a webhook message (the service records it and plans the next)."""
    return message_deliver(message_id=message_id, manual=manual)


@shared_task(name="relationships.webhook_tasks.send_due_webhooks")
def send_due_webhooks() -> int:
    """Celery beat: queue the webhook messages that are due and nobody is sending."""
    return messages_send_due()
