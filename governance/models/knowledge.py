"""The knowledge-sharing register (ISO 44001 8.6.3): each information asset the relationship
touches, classed so that people know what they may hand over, and on what terms."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from cbrms.audit.triggers import audit_trigger
from cbrms.tenancy.managers import ScopedManager
from governance.models.registers import WorkspaceRecord
from relationships.models import Visibility


class Sharing(models.TextChoices):
    SHARE = "share", "Share"
    CONDITIONS = "conditions", "Share with conditions"
    DO_NOT_SHARE = "do_not_share", "Do not share"


class KnowledgeStatus(models.TextChoices):
    ACTIVE = "active", "In force"
    RETIRED = "retired", "Retired"


class KnowledgeAsset(WorkspaceRecord):
    """An information asset, its class and, when shared with conditions, the conditions."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=5000)
    sharing = models.CharField(max_length=15, choices=Sharing.choices)
    conditions = models.TextField(
        blank=True, max_length=5000, help_text="Who may receive it, for what, and how."
    )
    status = models.CharField(
        max_length=10, choices=KnowledgeStatus.choices, default=KnowledgeStatus.ACTIVE
    )

    objects = ScopedManager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sharing__in=Sharing.values), name="knowledge_sharing_valid"
            ),
            models.CheckConstraint(
                condition=~Q(sharing=Sharing.CONDITIONS) | ~Q(conditions=""),
                name="knowledge_conditions_stated",
            ),
            models.CheckConstraint(
                condition=Q(status__in=KnowledgeStatus.values), name="knowledge_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(visibility__in=Visibility.values), name="knowledge_visibility_valid"
            ),
        ]
        indexes = [models.Index(fields=["relationship", "visibility"], name="knowledge_rel_vis")]
        triggers = [
            audit_trigger(
                organization_column="organization_id",
                relationship_column="relationship_id",
                visibility_column="visibility",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_sharing_display()})"
