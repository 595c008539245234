"""The one task that runs every job: ids in, ``job_execute`` does the rest."""

from __future__ import annotations

from cbrms.jobs.services import job_execute
from cbrms.tenancy.tasks import tenant_task


@tenant_task()
def run_job(*, organization, job_id: str) -> str:
    return job_execute(job_id=job_id)
