"""Jobs Celery beat runs on a schedule, over every organization (registered when the app loads,
``GovernanceConfig.ready``; scheduled by ``CELERY_BEAT_SCHEDULE``)."""

from __future__ import annotations

from celery import shared_task

from governance.services.issues import escalation_sweep


@shared_task(name="governance.beat.sweep_escalations")
def sweep_escalations() -> int:
    """Escalate the issues whose level ran out; returns how many moved."""
    return escalation_sweep()
