"""The time limits of jobs must fit inside the broker's visibility timeout."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register


@register()
def job_time_limits(app_configs, **kwargs) -> list[Error]:
    soft = settings.CELERY_TASK_SOFT_TIME_LIMIT
    hard = settings.CELERY_TASK_TIME_LIMIT
    visibility = settings.CBRMS_BROKER_VISIBILITY_TIMEOUT
    errors = []
    if not soft < hard:
        errors.append(
            Error(
                f"The soft time limit of jobs ({soft} s) must be below the hard one ({hard} s).",
                hint="Set CBRMS_JOB_SOFT_TIME_LIMIT below CBRMS_JOB_TIME_LIMIT.",
                id="cbrms.E101",
            )
        )
    if not hard < visibility:
        errors.append(
            Error(
                f"The hard time limit of jobs ({hard} s) must be below the broker's visibility "
                f"timeout ({visibility} s), or a job still running is handed to a second worker.",
                hint="Raise CBRMS_BROKER_VISIBILITY_TIMEOUT or lower CBRMS_JOB_TIME_LIMIT.",
                id="cbrms.E102",
            )
        )
    return errors
