"""What an organization may see. Every tenant model's scope is answered here, once.

The rules (DESIGN.md, "Tenancy"):

- an organization sees its own organization-level records;
- for each relationship where it is an *active* party, it sees the relationship, the joint
  records of that relationship, and its own internal records about it;
- it never sees another organization's internal records;
- in an ecosystem, the member list is visible to the orchestrator, and to the other members only
  when the relationship's ``member_directory_visible`` setting allows it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

if TYPE_CHECKING:
    from relationships.models import Organization


def active_relationship_ids(organization: Organization) -> QuerySet:
    """Ids of the relationships where ``organization`` is an active party (a subquery)."""
    from relationships.models import Party, PartyStatus

    return (
        Party.objects.unscoped()
        .filter(organization=organization, status=PartyStatus.ACTIVE)
        .values("relationship_id")
    )


def directory_relationship_ids(organization: Organization) -> QuerySet:
    """Relationships whose full party list ``organization`` may see (a subquery).

    Every relationship it is an active party of, except ecosystems where it is a plain member
    and the orchestrator keeps the member directory closed.
    """
    from relationships.models import Party, PartyRole, PartyStatus, Relationship

    # The open-directory ecosystems are few: a subquery on their partial index is cheaper than
    # joining every relationship of a large orchestrator (see benchmarks/README.md).
    open_directories = Relationship.objects.unscoped().filter(member_directory_visible=True)
    return (
        Party.objects.unscoped()
        .filter(organization=organization, status=PartyStatus.ACTIVE)
        .filter(~Q(role=PartyRole.MEMBER) | Q(relationship_id__in=open_directories.values("id")))
        .values("relationship_id")
    )


def workspace_q(
    organization: Organization,
    *,
    relationship_field: str = "relationship",
    owner_field: str = "organization",
    visibility_field: str = "visibility",
) -> Q:
    """The one answer to "what of a relationship may ``organization`` see".

    Its own records (internal or joint) about any relationship, plus the joint records of the
    relationships where it is an active party. Every workspace resource filters through this.
    """
    from relationships.models import Visibility

    own = Q(**{owner_field: organization})
    joint = Q(
        **{
            visibility_field: Visibility.JOINT,
            f"{relationship_field}__in": active_relationship_ids(organization),
        }
    )
    return own | joint


def visible_to(
    queryset: QuerySet, organization: Organization, *, relationship_id: int | None = None
) -> QuerySet:
    """Scope a workspace queryset to ``organization``, optionally to one relationship."""
    queryset = queryset.filter(workspace_q(organization))
    if relationship_id is not None:
        queryset = queryset.filter(relationship_id=relationship_id)
    return queryset
