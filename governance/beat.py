"""Jobs Celery beat runs on a schedule, over every organization (registered when the app loads,
``GovernanceConfig.ready``; scheduled by ``CELERY_BEAT_SCHEDULE``)."""

from __future__ import annotations

from celery import shared_task

from governance.maturity import maturity_sweep
from governance.reminders import send_reminder_digests
from governance.services.issues import escalation_sweep


@shared_task(name="governance.beat.sweep_escalations")
def sweep_escalations() -> int:
    """Escalate the issues whose level ran out; returns how many moved."""
    return escalation_sweep()


@shared_task(name="governance.beat.send_reminder_digests")
def reminder_digests() -> int:
    """Send today's reminder digests not sent yet; returns how many went out."""
    return send_reminder_digests()


@shared_task(name="governance.beat.sweep_maturity_reviews")
def sweep_maturity_reviews() -> list[int]:
    """Unseal the reviews past their deadline, open the scheduled ones: [unsealed, opened]."""
    return list(maturity_sweep())
