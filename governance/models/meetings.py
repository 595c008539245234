"""Joint management team meetings (ISO 44001 8.6.6, 8.7.3), the decisions taken at them, and
the actions that follow, each with an owner and a due date."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from cbrms.audit.triggers import audit_trigger
from cbrms.tenancy.managers import ScopedManager
from governance.models.registers import WorkspaceRecord
from relationships.models import Membership, Visibility


def _audited():
    return audit_trigger(
        organization_column="organization_id",
        relationship_column="relationship_id",
        visibility_column="visibility",
    )


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"


class Meeting(WorkspaceRecord):
    """A meeting of the joint management team (or one side's own review), its agenda, who
    attended from each party, and its minutes."""

    title = models.CharField(max_length=200)
    held_at = models.DateTimeField()
    location = models.CharField(max_length=200, blank=True)
    agenda = models.TextField(blank=True, max_length=10000)
    minutes = models.TextField(blank=True, max_length=50000)
    status = models.CharField(
        max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    attendees = models.ManyToManyField(Membership, blank=True, related_name="+")

    objects = ScopedManager()

    class Meta:
        ordering = ["-held_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=MeetingStatus.values), name="meeting_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(visibility__in=Visibility.values), name="meeting_visibility_valid"
            ),
        ]
        indexes = [models.Index(fields=["relationship", "visibility"], name="meeting_rel_vis")]
        triggers = [_audited()]

    def __str__(self) -> str:
        return self.title


class Decision(WorkspaceRecord):
    """A decision taken at a meeting; it has the meeting's audience."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    title = models.CharField(max_length=300)
    rationale = models.TextField(blank=True, max_length=5000)

    objects = ScopedManager()

    class Meta:
        ordering = ["meeting_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(visibility__in=Visibility.values), name="decision_visibility_valid"
            ),
        ]
        indexes = [models.Index(fields=["relationship", "visibility"], name="decision_rel_vis")]
        triggers = [_audited()]

    def __str__(self) -> str:
        return self.title


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class Action(WorkspaceRecord):
    """Something a person has to do by a date, often agreed at a meeting or following a
    decision. A joint action may be owned by any party's person: the row belongs to the owner's
    organization."""

    title = models.CharField(max_length=300)
    description = models.TextField(blank=True, max_length=5000)
    due_date = models.DateField()
    status = models.CharField(
        max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    done_at = models.DateTimeField(null=True, blank=True)
    meeting = models.ForeignKey(
        Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    decision = models.ForeignKey(
        Decision, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )

    objects = ScopedManager()

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ActionStatus.values), name="action_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(visibility__in=Visibility.values), name="action_visibility_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=ActionStatus.DONE) | Q(done_at__isnull=True),
                name="action_done_at_only_when_done",
            ),
        ]
        indexes = [
            models.Index(fields=["relationship", "visibility"], name="action_rel_vis"),
            models.Index(
                fields=["due_date"], name="action_open_due", condition=Q(status=ActionStatus.OPEN)
            ),
        ]
        triggers = [_audited()]

    def __str__(self) -> str:
        return self.title
