"""Reading jobs as a member: their own, or all of the organization's if they manage jobs."""

from __future__ import annotations

from cbrms.jobs.models import Job
from cbrms.jobs.services import may_manage_jobs


def jobs_for(membership):
    """The jobs ``membership`` may follow, newest first (scoped to the acting organization)."""
    jobs = Job.objects.all()
    if not may_manage_jobs(membership):
        jobs = jobs.filter(requested_by_id=membership.user_id)
    return jobs.select_related("requested_by").order_by("-created_at", "-id")
