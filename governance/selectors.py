"""Reads of the workspace registers: scoped querysets and summaries, ready to show."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils import timezone

from governance.models import Issue, IssueStatus, Risk, RiskStatus
from relationships.models import Relationship


def workspace_overview(relationship: Relationship) -> dict:
    """What a joint management team looks at first: the open risks by score, the issues that
    climbed the ladder, and the issues whose level has run out. Three queries, scoped."""
    open_risks = Risk.objects.filter(relationship=relationship).exclude(status=RiskStatus.CLOSED)
    issues = Issue.objects.filter(relationship=relationship, status=IssueStatus.OPEN)
    counts = issues.aggregate(
        open=Count("id"),
        escalated=Count("id", filter=Q(level__position__gt=1)),
        overdue=Count("id", filter=Q(level_due_at__lte=timezone.now())),
    )
    return {
        "top_risks": list(open_risks.order_by("-score", "next_review", "id")[:5]),
        "escalated": list(
            issues.filter(level__position__gt=1)
            .select_related("level")
            .order_by("-level__position", "level_due_at")[:5]
        ),
        "open_issue_count": counts["open"],
        "escalated_count": counts["escalated"],
        "overdue_count": counts["overdue"],
    }
