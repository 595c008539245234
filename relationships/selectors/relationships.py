"""Reads of relationships and parties, with what their API and pages show prefetched.

Each takes a queryset that is already scoped (``Model.objects...``) and only adds joins and
prefetches, so a list costs the same number of queries whatever its length.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from relationships.models import Organization, Party, PartyStatus


def relationships_with_parties(queryset: QuerySet) -> QuerySet:
    """Relationships with their lead and the parties the acting organization may see."""
    parties = Party.objects.select_related("organization").order_by("id")
    return queryset.select_related("lead_organization").prefetch_related(
        Prefetch("parties", queryset=parties)
    )


def parties_with_details(queryset: QuerySet) -> QuerySet:
    """Parties with their organization and their SER (membership and person)."""
    return queryset.select_related("organization", "ser__user")


def invitations_of(queryset: QuerySet, *, organization: Organization) -> QuerySet:
    """The open invitations of ``organization``, with the relationship they are about.

    The invited organization does not see the relationship yet (it is no active party); the
    invitation row is its own, and carries the relationship's name, type and lead.
    """
    return queryset.filter(organization=organization, status=PartyStatus.INVITED).select_related(
        "relationship__lead_organization"
    )
