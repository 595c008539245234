"""Reads of relationships and parties, with what their API and pages show prefetched.

Each takes a queryset that is already scoped (``Model.objects...``) and only adds joins,
annotations and prefetches, so a list costs the same number of queries whatever its length.
"""

from __future__ import annotations

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from relationships.models import Organization, Party, PartyStatus


def relationships_with_party_summary(queryset: QuerySet, *, organization: Organization) -> QuerySet:
    """Relationships with their lead, how many parties take part, and ``organization``'s party.

    A row never carries the whole party list (an ecosystem has a thousand members; the list is
    the paginated ``parties/`` endpoint). ``party_count`` counts the active parties that
    ``Party.objects``, scoped, shows: a member of an ecosystem whose directory is closed counts
    itself and the orchestrator, as it sees them alone. ``acting_parties`` holds
    ``organization``'s own party (a list of at most one: one party per organization and
    relationship).
    """
    active_parties = (
        Party.objects.filter(relationship=OuterRef("pk"), status=PartyStatus.ACTIVE)
        .order_by()
        .values("relationship")
        .annotate(n=Count("pk"))
        .values("n")
    )
    own_party = Party.objects.filter(organization=organization).select_related("ser__user")
    return (
        queryset.select_related("lead_organization")
        .annotate(party_count=Coalesce(Subquery(active_parties), Value(0)))
        .prefetch_related(Prefetch("parties", queryset=own_party, to_attr="acting_parties"))
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
