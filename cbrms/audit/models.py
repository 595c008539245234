"""The audit trail: one row per create, update or delete of tenant data."""

from __future__ import annotations

import pgtrigger
from django.db import models

from cbrms.tenancy.managers import ScopedManager


class AuditAction(models.TextChoices):
    CREATE = "create", "Created"
    UPDATE = "update", "Updated"
    DELETE = "delete", "Deleted"


class AuditEvent(models.Model):
    """A change to a tenant row, written by a database trigger (see ``audit_triggers``).

    The ids are plain integers, not foreign keys: the trail outlives what it describes.
    The owning organization always reads its events; beyond it, ``audience`` says who else
    may: nobody (``internal``), every active party of the relationship (``joint``), or those
    who may see the relationship's member list (``directory``). That rule is registered by the
    relationships app (``relationships.visibility``), which knows what a party is.
    """

    created_at = models.DateTimeField(db_default=models.functions.Now())
    action = models.CharField(max_length=10, choices=AuditAction.choices)
    table = models.CharField(max_length=100)
    object_id = models.BigIntegerField()
    organization_id = models.BigIntegerField(null=True)
    relationship_id = models.BigIntegerField(null=True)
    audience = models.CharField(max_length=10)
    actor_user_id = models.BigIntegerField(null=True)
    acting_organization_id = models.BigIntegerField(null=True)
    changes = models.JSONField(default=dict)

    objects = ScopedManager()

    class Meta:
        # The table kept its name when the trail moved here from the governance app: the
        # trigger function (cbrms.audit.sql) writes into it, and its rows stay where they are.
        db_table = "governance_auditevent"
        indexes = [
            models.Index(fields=["organization_id", "-id"], name="audit_org_idx"),
            models.Index(fields=["relationship_id", "-id"], name="audit_relationship_idx"),
            models.Index(fields=["table", "object_id"], name="audit_object_idx"),
            models.Index(fields=["actor_user_id", "-id"], name="audit_actor_idx"),
        ]
        triggers = [
            pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.table}#{self.object_id}"
