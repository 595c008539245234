"""Asking for a job, cancelling it, and running it (the task's body)."""

from __future__ import annotations

import logging
import uuid

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from cbrms.celery import app as celery_app
from cbrms.errors import ApplicationError, Conflict, NotVisible, PermissionRefused
from cbrms.jobs.models import FINISHED_STATES, Job, JobState
from cbrms.jobs.registry import job_kind
from cbrms.jobs.runs import JobOutput, JobRun, JobStopped
from cbrms.tenancy.seams import role_can

logger = logging.getLogger(__name__)

#: The task that runs every job (``cbrms.jobs.tasks``), sent by name.
RUN_JOB_TASK = "cbrms.jobs.tasks.run_job"
#: What a job that failed for a reason of ours tells the person (the log has the rest).
JOB_ERROR = "Something went wrong while making this; it was logged. Try again later."


class JobsUnavailable(ApplicationError):
    """The job queue cannot be reached: nothing was queued, and nothing was kept (503)."""

    status_code = 503
    code = "jobs_unavailable"

    def __init__(self) -> None:
        super().__init__(
            "Background jobs cannot be started right now (the job queue does not answer). "
            "Nothing was queued: try again in a minute."
        )


def job_request(*, organization, user, kind: str, title: str, params: dict) -> Job:
    """Queue a job of ``kind`` for ``organization``, asked by ``user``; or hand back the same
    job this person already has queued or running (a second click makes no second PDF).

    The job is sent to the queue once the transaction commits. If the queue cannot be reached
    then, the row is deleted again and ``JobsUnavailable`` raised: no job is left waiting for a
    message that was never sent.
    """
    job_kind(kind)  # refuses a kind nobody registered
    existing = (
        Job.objects.filter(
            organization=organization,
            requested_by=user,
            kind=kind,
            params=params,
            state__in=[JobState.QUEUED, JobState.RUNNING],
            cancel_requested=False,
        )
        .order_by("-created_at")
        .first()
    )
    if existing is not None:
        return existing
    job = Job.objects.create(
        id=uuid.uuid4(),
        organization=organization,
        requested_by=user,
        kind=kind,
        title=title,
        params=params,
    )
    transaction.on_commit(lambda: _enqueue(job))
    return job


def job_finished(*, organization, user, kind: str, title: str, params: dict, output: JobOutput):
    """Record a job that had nothing to do: its result exists already (a stored PDF)."""
    now = timezone.now()
    return Job.objects.create(
        id=uuid.uuid4(),
        organization=organization,
        requested_by=user,
        kind=kind,
        title=title,
        params=params,
        state=JobState.SUCCEEDED,
        progress=100,
        started_at=now,
        finished_at=now,
        **_result_fields(output),
    )


def _enqueue(job: Job) -> None:
    try:
        with celery_app.connection_for_write() as connection:
            celery_app.send_task(
                RUN_JOB_TASK,
                kwargs={"organization_id": job.organization_id, "job_id": str(job.pk)},
                task_id=str(job.pk),
                connection=connection,
                retry=True,  # CELERY_TASK_PUBLISH_RETRY_POLICY: a few tries, a second at most
                # No limits in the message: the worker's own settings apply, the ones checked
                # against its broker's visibility timeout (cbrms.jobs.checks).
                time_limit=None,
                soft_time_limit=None,
            )
    except OperationalError:
        logger.warning("Job %s not queued: the broker does not answer.", job.pk, exc_info=True)
        # unscoped(by-id): the row this request has just written and could not queue
        Job.objects.unscoped().filter(pk=job.pk, state=JobState.QUEUED).delete()
        raise JobsUnavailable() from None


def may_manage_jobs(membership) -> bool:
    return role_can(membership.role, "jobs.manage")


def job_cancel(*, job: Job, membership) -> Job:
    """Cancel a job: a queued one at once, a running one at its next progress report. Its
    requester cancels it, or a member who may manage the organization's jobs."""
    if job.requested_by_id != membership.user_id and not may_manage_jobs(membership):
        raise PermissionRefused("Only the person who asked for this job can cancel it.")
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.state in FINISHED_STATES:
            raise Conflict(
                f"This job is {job.get_state_display().lower()} already.", code="job_finished"
            )
        job.cancel_requested = True
        fields = ["cancel_requested"]
        if job.state == JobState.QUEUED:
            job.state, job.finished_at = JobState.CANCELLED, timezone.now()
            fields += ["state", "finished_at"]
        job.save(update_fields=fields)
    return job


# --- running ---------------------------------------------------------------------------------


def job_execute(*, job_id: str) -> str:
    """Run the job once, whatever the queue delivers: a finished job is left alone, a job
    claimed by a worker that died is claimed again (up to ``CBRMS_JOB_MAX_ATTEMPTS``). Returns
    the state the job ended in."""
    job = _claim(job_id)
    if job is None:
        # unscoped(by-id): what became of the job, for the worker's log
        row = Job.objects.unscoped().filter(pk=job_id).values_list("state", flat=True).first()
        return row or "missing"
    run = JobRun(job)
    try:
        output = job_kind(job.kind).run(run)
    except JobStopped:
        return _finish(job, JobState.CANCELLED)
    except SoftTimeLimitExceeded:
        limit = settings.CELERY_TASK_SOFT_TIME_LIMIT
        message = f"This took longer than the {limit} seconds a job may run, so it was stopped."
        return _finish(job, JobState.FAILED, code="time_limit", message=message)
    except ApplicationError as refused:
        return _finish(job, JobState.FAILED, code=refused.code, message=refused.message)
    except Exception:
        logger.exception("Job %s (%s) failed.", job.pk, job.kind)
        return _finish(job, JobState.FAILED, code="job_error", message=JOB_ERROR)
    return _finish(job, JobState.SUCCEEDED, output=output)


def _claim(job_id: str) -> Job | None:
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state in FINISHED_STATES:
            return None
        now = timezone.now()
        if job.cancel_requested:
            job.state, job.finished_at = JobState.CANCELLED, now
            job.save(update_fields=["state", "finished_at"])
            return None
        if job.attempt >= settings.CBRMS_JOB_MAX_ATTEMPTS:
            job.state, job.finished_at = JobState.FAILED, now
            job.error_code = "worker_lost"
            job.error_message = (
                f"The worker running this job stopped {job.attempt} times before it could "
                "finish. It will not be tried again."
            )
            job.save(update_fields=["state", "finished_at", "error_code", "error_message"])
            return None
        job.state, job.started_at, job.progress = JobState.RUNNING, now, 0
        job.attempt += 1
        job.save(update_fields=["state", "started_at", "progress", "attempt"])
    return job


def _result_fields(output: JobOutput) -> dict:
    return {
        "result_path": output.path,
        "result_name": output.name,
        "result_content_type": output.content_type,
        "result_size": output.size,
        "result_sha256": output.sha256,
    }


def _finish(
    job: Job,
    state: JobState,
    *,
    output: JobOutput | None = None,
    code: str = "",
    message: str = "",
) -> str:
    """End this attempt, unless another attempt owns the job now (it finishes it)."""
    fields = {"state": state, "finished_at": timezone.now(), "error_code": code}
    fields["error_message"] = message
    if output is not None:
        fields.update(_result_fields(output), progress=100)
    Job.objects.filter(pk=job.pk, attempt=job.attempt, state=JobState.RUNNING).update(**fields)
    return state


def job_for_download(job: Job) -> Job:
    """The job whose result may be served now: finished with a file, and about something the
    organization still sees."""
    if job.state != JobState.SUCCEEDED:
        raise Conflict("This job has no file to download (yet).", code="job_not_finished")
    if not job_kind(job.kind).still_visible(job):
        raise NotVisible()
    return job
