"""Reading jobs as a member: their own, or all of the organization's if they manage jobs."""

from __future__ import annotations

from cbrms.jobs.models import Job
from cbrms.jobs.services import may_manage_jobs


def followed_by(queryset, membership):
    """``queryset`` narrowed to the jobs ``membership`` may follow: their own, or all of the
    organization's if they may manage its jobs. The one statement of the rule (API and pages)."""
    if not may_manage_jobs(membership):
        queryset = queryset.filter(requested_by_id=membership.user_id)
    return queryset.order_by("-created_at", "-id")


def jobs_for(membership):
    """The jobs ``membership`` may follow, newest first (scoped to the acting organization)."""
    return followed_by(Job.objects.select_related("requested_by"), membership)
