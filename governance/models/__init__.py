from governance.models.audit import AuditAction, AuditEvent

__all__ = ["AuditAction", "AuditEvent"]
