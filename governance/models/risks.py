"""The risk register (ISO 44001 8.6.4): joint risks the parties manage together, and each
organization's internal ones about the relationship."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from cbrms.audit.triggers import audit_trigger
from cbrms.tenancy.managers import ScopedManager
from governance.models.registers import WorkspaceRecord
from relationships.models import Visibility

SCALE = range(1, 6)  # likelihood and impact, 1 (rare, minor) to 5 (almost certain, severe)


class RiskStatus(models.TextChoices):
    OPEN = "open", "Open"
    TREATING = "treating", "Being treated"
    CLOSED = "closed", "Closed"


class Risk(WorkspaceRecord):
    """One risk: what causes it, what it would do, how likely and how bad (1-5 each, their
    product the score), who owns it, what is done about it and when it is looked at next."""

    title = models.CharField(max_length=200)
    cause = models.TextField(blank=True, max_length=5000)
    effect = models.TextField(blank=True, max_length=5000)
    likelihood = models.PositiveSmallIntegerField()
    impact = models.PositiveSmallIntegerField()
    score = models.GeneratedField(
        expression=F("likelihood") * F("impact"),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
    )
    mitigation = models.TextField(blank=True, max_length=5000)
    status = models.CharField(max_length=10, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    next_review = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-score", "next_review", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(likelihood__gte=1, likelihood__lte=5, impact__gte=1, impact__lte=5),
                name="risk_scale_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(status__in=RiskStatus.values), name="risk_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(visibility__in=Visibility.values), name="risk_visibility_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=RiskStatus.CLOSED, closed_at__isnull=False)
                | (~Q(status=RiskStatus.CLOSED) & Q(closed_at__isnull=True)),
                name="risk_closed_at_iff_closed",
            ),
        ]
        indexes = [
            models.Index(fields=["relationship", "visibility"], name="risk_rel_vis"),
            models.Index(fields=["relationship", "organization"], name="risk_rel_org"),
            models.Index(fields=["next_review"], name="risk_next_review"),
        ]
        triggers = [
            audit_trigger(
                organization_column="organization_id",
                relationship_column="relationship_id",
                visibility_column="visibility",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.likelihood}x{self.impact})"
