"""Models of the base: the audit trail (``cbrms.audit``) and jobs (``cbrms.jobs``)."""

from cbrms.audit.models import AuditAction, AuditEvent
from cbrms.jobs.models import Job, JobState

__all__ = ["AuditAction", "AuditEvent", "Job", "JobState"]
