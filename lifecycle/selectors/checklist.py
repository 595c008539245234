"""Reading a stage's checklist: its requirements and their evidence, scoped to the acting
organization (its own internal work and the joint work, nothing of another party's)."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet

from lifecycle.models import Evidence, RelationshipFramework, Requirement
from lifecycle.services.requirements import settled_q
from relationships.models import Membership, Relationship


def framework_catalog_id(relationship: Relationship) -> int | None:
    """The catalog version the relationship runs on (None before its framework is set)."""
    return (
        RelationshipFramework.objects.filter(relationship=relationship)
        .values_list("catalog_id", flat=True)
        .first()
    )


def _stage_requirements(relationship: Relationship, stage: int) -> QuerySet:
    # Items a catalog upgrade dropped are kept for the record but belong to no checklist.
    return Requirement.objects.filter(
        relationship=relationship, stage=stage, item__catalog_id=framework_catalog_id(relationship)
    )


def stage_counts(relationship: Relationship, stage: int) -> tuple[int, int]:
    """How many of the stage's requirements are settled (met or not applicable), of how many."""
    counts = _stage_requirements(relationship, stage).aggregate(
        total=Count("pk"), settled=Count("pk", filter=settled_q())
    )
    return counts["settled"], counts["total"]


def checklist_requirements(
    relationship: Relationship, stage: int, *, pk: int | None = None
) -> QuerySet:
    """The stage's requirements, with their evidence (oldest first) and the people named on
    them: one query for the requirements, one for the evidence."""
    queryset = (
        _stage_requirements(relationship, stage)
        .select_related(
            "item",
            "owner__user",
            "owner__organization",
            "settled_by__user",
            "settled_by__organization",
            "organization",
        )
        .prefetch_related(
            Prefetch(
                "evidence",
                queryset=Evidence.objects.select_related(
                    "organization",
                    "owner__user",
                    "owner__organization",
                    "document_version__document",
                ).order_by("created_at", "id"),
                to_attr="evidence_items",
            )
        )
        .order_by("item__position", "id")
    )
    if pk is not None:
        queryset = queryset.filter(pk=pk)
    return queryset


def assignable_members() -> QuerySet:
    """Who the acting organization may name as a requirement's owner: its own members (the
    scope of ``Membership``); a partner names its own people."""
    return Membership.objects.select_related("user").order_by("user__full_name", "user__email")
