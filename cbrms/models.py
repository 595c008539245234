"""Models of the base: the audit trail (``cbrms.audit``)."""

from cbrms.audit.models import AuditAction, AuditEvent

__all__ = ["AuditAction", "AuditEvent"]
