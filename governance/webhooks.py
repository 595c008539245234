"""Governance's webhook events: an issue escalated, a risk's score reached an endpoint's
threshold, a maturity review completed.

Registered when the module loads (``GovernanceConfig.ready``); the services call the emitters
inside the transaction of the change. Each event goes to the organizations that see its record
(``audience_of``): an internal risk is heard by its owner only.
"""

from __future__ import annotations

from governance.models import Issue, MaturityReview, Risk, RiskStatus
from relationships.models import Visibility
from relationships.services.webhooks import webhook_emit
from relationships.visibility import audience_of, record_audience
from relationships.webhook_events import WebhookEventType, register_webhook_event

_RELATIONSHIP_EXAMPLE = {"id": 12, "name": "Northwind and Contoso joint delivery"}

ISSUE_ESCALATED = register_webhook_event(
    WebhookEventType(
        name="issue.escalated",
        label="An issue was escalated",
        description=(
            "An issue moved up its escalation ladder: someone escalated it (`by`: `person`) "
            "or its level's time ran out (`by`: `schedule`)."
        ),
        example={
            "issue": 51,
            "title": "Late deliveries at the Leeds site",
            "relationship": _RELATIONSHIP_EXAMPLE,
            "visibility": "joint",
            "level": {"position": 2, "name": "Relationship managers"},
            "previous_level": {"position": 1, "name": "Operations leads"},
            "by": "schedule",
            "reason": "Operations leads had 48 hours; the time ran out.",
        },
    )
)
RISK_THRESHOLD_CROSSED = register_webhook_event(
    WebhookEventType(
        name="risk.threshold_crossed",
        label="A risk's score reached the threshold",
        description=(
            "An open risk's score (likelihood times impact, 1-25) reached the endpoint's "
            "`risk_score_threshold` from below, or a risk was recorded at or above it."
        ),
        example={
            "risk": 77,
            "title": "Key supplier insolvency",
            "relationship": _RELATIONSHIP_EXAMPLE,
            "visibility": "joint",
            "likelihood": 4,
            "impact": 5,
            "score": 20,
            "previous_score": 12,
        },
    )
)
REVIEW_COMPLETED = register_webhook_event(
    WebhookEventType(
        name="maturity_review.completed",
        label="A maturity review was completed",
        description=(
            "A maturity review's report was computed. The report itself is read through the "
            "API (`maturity-reviews/{id}/report/`), which shows each organization its view."
        ),
        example={
            "review": 9,
            "title": "Maturity review, Q4 2026",
            "relationship": _RELATIONSHIP_EXAMPLE,
            "model": "principles",
            "completed_at": "2026-11-21T14:02:11+00:00",
        },
    )
)


def _relationship(relationship) -> dict:
    return {"id": relationship.pk, "name": relationship.name}


def issue_escalated_emit(issue: Issue, *, previous_level, reason: str, by_person: bool) -> None:
    data = {
        "issue": issue.pk,
        "title": issue.title,
        "relationship": _relationship(issue.relationship),
        "visibility": issue.visibility,
        "level": {"position": issue.level.position, "name": issue.level.name},
        "previous_level": {"position": previous_level.position, "name": previous_level.name},
        "by": "person" if by_person else "schedule",
        "reason": reason,
    }
    webhook_emit(
        organization_ids=record_audience(issue), event_type=ISSUE_ESCALATED.name, data=data
    )


def risk_scored_emit(risk: Risk, *, previous_score: int) -> None:
    """Tell the endpoints whose threshold the risk's score has just reached from below."""
    if risk.status == RiskStatus.CLOSED or risk.score <= previous_score:
        return
    data = {
        "risk": risk.pk,
        "title": risk.title,
        "relationship": _relationship(risk.relationship),
        "visibility": risk.visibility,
        "likelihood": risk.likelihood,
        "impact": risk.impact,
        "score": risk.score,
        "previous_score": previous_score,
    }
    webhook_emit(
        organization_ids=record_audience(risk),
        event_type=RISK_THRESHOLD_CROSSED.name,
        data=data,
        applies=lambda endpoint: previous_score < endpoint.risk_score_threshold <= risk.score,
    )


def review_completed_emit(review: MaturityReview, *, completed_at) -> None:
    data = {
        "review": review.pk,
        "title": review.title,
        "relationship": _relationship(review.relationship),
        "model": review.maturity_model.key,
        "completed_at": completed_at.isoformat(),
    }
    # A review is joint: every active party of its relationship reads its report.
    audience = audience_of(
        relationship_id=review.relationship_id,
        organization_id=review.organization_id,
        visibility=Visibility.JOINT,
    )
    webhook_emit(organization_ids=audience, event_type=REVIEW_COMPLETED.name, data=data)
