"""The audit trail: one row per create, update or delete of tenant data."""

from __future__ import annotations

import pgtrigger
from django.contrib.postgres.aggregates import ArrayAgg
from django.db import models
from django.db.models import Q

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
    who may see the relationship's member list (``directory``).
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

    @classmethod
    def scope_queryset(cls, queryset, organization):
        from cbrms.tenancy.selectors import active_relationship_ids, directory_relationship_ids

        return queryset.filter(
            Q(organization_id=organization.pk)
            | Q(audience="joint", relationship_id__in=active_relationship_ids(organization))
            | Q(
                audience="directory",
                relationship_id__in=directory_relationship_ids(organization),
            )
        )

    @classmethod
    def scope_branches(cls, organization) -> list[Q]:
        """The condition of ``scope_queryset`` as separate branches with literal ids.

        Their ``OR`` holds the same rows, regrouped so that each branch can walk an index on
        its own (``governance.api.pagination``): every relationship whose member list
        ``organization`` may see is one it is an active party of, so the joint and directory
        events of those are readable, and of its other relationships only the joint ones. The
        ids are read now, in one query; most organizations see every member list of theirs,
        which leaves the last branch empty.
        """
        from cbrms.tenancy.selectors import active_relationship_ids, directory_relationship_ids

        in_directory = Q(relationship_id__in=directory_relationship_ids(organization))
        ids = (
            active_relationship_ids(organization)
            .order_by()
            .aggregate(
                listed=ArrayAgg("relationship_id", filter=in_directory, default=[]),
                unlisted=ArrayAgg("relationship_id", filter=~in_directory, default=[]),
            )
        )
        return [
            Q(organization_id=organization.pk),
            Q(audience__in=["joint", "directory"], relationship_id__any=ids["listed"]),
            Q(audience="joint", relationship_id__any=ids["unlisted"]),
        ]
