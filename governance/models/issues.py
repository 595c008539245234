"""Issues and their escalation ladder (ISO 44001 8.6.8, 8.8.8): an issue the working team cannot
settle in time climbs the relationship's ladder, one level at a time, each level with a time
limit."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from cbrms.audit.triggers import audit_trigger
from cbrms.tenancy.managers import ScopedManager
from governance.models.registers import WorkspaceRecord
from relationships.models import Membership, Organization, Relationship, Visibility


class EscalationAudience(models.TextChoices):
    """Who a level puts the issue in front of (and who is emailed when it arrives there)."""

    OWNER = "owner", "The issue's owner"
    MANAGERS = "managers", "The parties' relationship managers"
    SERS = "sers", "The parties' SERs"


class EscalationLevel(models.Model):
    """One rung of a relationship's ladder: joint, agreed by the parties, set by the lead."""

    relationship = models.ForeignKey(
        Relationship, on_delete=models.CASCADE, related_name="escalation_levels"
    )
    position = models.PositiveSmallIntegerField(help_text="1 is the first level.")
    name = models.CharField(max_length=100)
    hours = models.PositiveIntegerField(help_text="How long an issue may stay at this level.")
    audience = models.CharField(max_length=10, choices=EscalationAudience.choices)

    objects = ScopedManager()

    class Meta:
        ordering = ["relationship_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["relationship", "position"], name="escalation_level_once"
            ),
            models.CheckConstraint(
                condition=Q(position__gte=1, hours__gte=1), name="escalation_level_positive"
            ),
            models.CheckConstraint(
                condition=Q(audience__in=EscalationAudience.values),
                name="escalation_level_audience_valid",
            ),
        ]
        triggers = [
            audit_trigger(
                organization_column=None, relationship_column="relationship_id", visibility="joint"
            )
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name} ({self.hours} h)"


class IssueStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class Issue(WorkspaceRecord):
    """A problem between the parties (or, internal, one side's own), at one level of the
    ladder until it is resolved. ``level_due_at`` is when its level runs out: the sweep
    escalates it then."""

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=10000)
    level = models.ForeignKey(EscalationLevel, on_delete=models.PROTECT, related_name="issues")
    level_due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=IssueStatus.choices, default=IssueStatus.OPEN)
    resolution = models.TextField(blank=True, max_length=10000)
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["status", "level_due_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=IssueStatus.values), name="issue_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(visibility__in=Visibility.values), name="issue_visibility_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=IssueStatus.RESOLVED, resolved_at__isnull=False)
                | Q(status=IssueStatus.OPEN, resolved_at__isnull=True),
                name="issue_resolved_at_iff_resolved",
            ),
        ]
        indexes = [
            models.Index(fields=["relationship", "visibility"], name="issue_rel_vis"),
            models.Index(
                fields=["level_due_at"],
                condition=Q(status=IssueStatus.OPEN),
                name="issue_open_due",
            ),
        ]
        triggers = [
            audit_trigger(
                organization_column="organization_id",
                relationship_column="relationship_id",
                visibility_column="visibility",
            )
        ]

    def __str__(self) -> str:
        return self.title


class IssueStepKind(models.TextChoices):
    RAISED = "raised", "Raised"
    ESCALATED = "escalated", "Escalated"
    DEESCALATED = "deescalated", "De-escalated"
    RESOLVED = "resolved", "Resolved"


class IssueStep(models.Model):
    """One move of an issue, with its reason: by a person, or by the sweep (``by`` empty)."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="steps")
    relationship = models.ForeignKey(Relationship, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    visibility = models.CharField(max_length=10, choices=Visibility.choices)
    kind = models.CharField(max_length=12, choices=IssueStepKind.choices)
    from_level = models.ForeignKey(
        EscalationLevel, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_level = models.ForeignKey(
        EscalationLevel, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(blank=True, max_length=10000)
    by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["issue_id", "at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=IssueStepKind.values), name="issue_step_kind_valid"
            ),
        ]
        triggers = [
            audit_trigger(
                organization_column="organization_id",
                relationship_column="relationship_id",
                visibility_column="visibility",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} of issue {self.issue_id}"
