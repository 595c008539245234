"""The job row: what was asked, by whom, for which organization, and how far it got."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from cbrms.tenancy.managers import ScopedManager


class JobState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


#: States a job never leaves.
FINISHED_STATES = (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED)


class Job(models.Model):
    """One run of long work (a PDF, an export, a review's computation) for one organization.

    The id is also the Celery task id: a message delivered twice finds the row and knows what
    happened to it. ``attempt`` grows each time a worker claims the job; only the latest attempt
    may finish it, so a run presumed dead can never overwrite the one that replaced it.
    The result is a file in the default storage, served only through the job's download view.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        settings.CBRMS_TENANCY["TENANT_MODEL"], on_delete=models.CASCADE, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=300, help_text="What the job makes, said for people.")
    params = models.JSONField(default=dict, help_text="The kind's arguments: ids, a format.")
    state = models.CharField(max_length=10, choices=JobState.choices, default=JobState.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    attempt = models.PositiveSmallIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.TextField(blank=True)
    result_path = models.CharField(max_length=300, blank=True, help_text="In the storage.")
    result_name = models.CharField(max_length=200, blank=True, help_text="The download's name.")
    result_content_type = models.CharField(max_length=100, blank=True)
    result_size = models.PositiveBigIntegerField(null=True, blank=True)
    result_sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=JobState.values), name="job_state"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="job_progress_percent"),
            models.CheckConstraint(
                condition=~Q(state=JobState.SUCCEEDED) | ~Q(result_path=""),
                name="job_succeeded_has_result",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="job_org_created"),
            models.Index(
                fields=["organization", "kind", "state"],
                condition=Q(state__in=[JobState.QUEUED, JobState.RUNNING]),
                name="job_live",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.id} ({self.state})"

    @property
    def is_finished(self) -> bool:
        return self.state in FINISHED_STATES
