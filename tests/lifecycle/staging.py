"""Putting a relationship where a test needs it, fast: statuses through the services, the stage
by a queryset update (the stage never moves like this in the product; tests only set the scene).
"""

from __future__ import annotations

from lifecycle.models import DecisionRecord, Evidence, RequirementStatus
from lifecycle.services.requirements import gating_requirements, requirement_update
from relationships.models import Relationship
from tests.lifecycle.builders import prove


def settle(relationship: Relationship, *stages: int) -> int:
    """Mark every requirement that gates ``stages`` met, as the lead. Returns how many.

    Call it while the relationship is still at or before those stages (passed stages are
    closed to edits).
    """
    settled = 0
    for stage in stages:
        requirements = list(gating_requirements(relationship=relationship, stage=stage))
        prove(r for r in requirements if not Evidence.objects.unscoped().filter(requirement=r))
        for requirement in requirements:
            requirement_update(
                requirement=requirement,
                organization=relationship.lead_organization,
                status=RequirementStatus.MET,
            )
            settled += 1
    return settled


def put_at_stage(relationship: Relationship, stage: int) -> Relationship:
    Relationship.objects.unscoped().filter(pk=relationship.pk).update(current_stage=stage)
    return fresh(relationship)


def fresh(relationship: Relationship) -> Relationship:
    return Relationship.objects.unscoped().get(pk=relationship.pk)


def ledger(relationship: Relationship):
    return DecisionRecord.objects.unscoped().filter(relationship=relationship)


def snapshot(relationship: Relationship) -> tuple[int, str, int]:
    """What a refused attempt must leave as it was: stage, status and ledger length."""
    current = fresh(relationship)
    return current.current_stage, current.status, ledger(relationship).count()
