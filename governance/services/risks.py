"""Writes to the risk register."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from cbrms.errors import ValidationFailed
from governance import webhooks
from governance.models import Risk, RiskStatus
from governance.services.registers import (
    ensure_may_write,
    ensure_owner,
    ensure_visibility,
    lock_for_change,
    save_changes,
)
from relationships.models import Membership, Relationship

EDITABLE = (
    "title",
    "cause",
    "effect",
    "likelihood",
    "impact",
    "mitigation",
    "status",
    "next_review",
    "owner",
    "visibility",
)


def _check_scale(fields: dict) -> None:
    errors = {
        name: ["From 1 to 5."]
        for name in ("likelihood", "impact")
        if name in fields and not 1 <= int(fields[name]) <= 5
    }
    if errors:
        raise ValidationFailed("Likelihood and impact go from 1 to 5.", fields=errors)


@transaction.atomic
def risk_create(
    *,
    relationship: Relationship,
    membership: Membership,
    title: str,
    likelihood: int,
    impact: int,
    visibility: str,
    cause: str = "",
    effect: str = "",
    mitigation: str = "",
    status: str = RiskStatus.OPEN,
    next_review=None,
    owner: Membership | None = None,
) -> Risk:
    """Record a risk of ``relationship`` as ``membership``'s organization."""
    ensure_may_write(relationship=relationship, membership=membership)
    ensure_visibility(relationship=relationship, visibility=visibility)
    ensure_owner(owner=owner, organization_id=membership.organization_id)
    _check_scale({"likelihood": likelihood, "impact": impact})
    # unscoped(create): a row of a relationship the caller resolved, owned by its organization
    risk = Risk.objects.unscoped().create(
        relationship=relationship,
        organization_id=membership.organization_id,
        visibility=visibility,
        owner=owner or membership,
        created_by=membership,
        title=title,
        cause=cause,
        effect=effect,
        likelihood=likelihood,
        impact=impact,
        mitigation=mitigation,
        status=status,
        next_review=next_review,
        closed_at=timezone.now() if status == RiskStatus.CLOSED else None,
    )
    risk.refresh_from_db(fields=["score"])
    webhooks.risk_scored_emit(risk, previous_score=0)
    return risk


@transaction.atomic
def risk_update(*, risk: Risk, membership: Membership, **changes) -> Risk:
    """Change a risk; closing it records when, reopening forgets it."""
    risk = lock_for_change(risk, membership=membership, changes=changes, editable=EDITABLE)
    _check_scale(changes)
    if "status" in changes and changes["status"] != risk.status:
        changes["closed_at"] = timezone.now() if changes["status"] == RiskStatus.CLOSED else None
    previous_score = risk.score
    save_changes(risk, changes)
    risk.refresh_from_db(fields=["score"])
    webhooks.risk_scored_emit(risk, previous_score=previous_score)
    return risk
