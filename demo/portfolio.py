"""Northwind's relationship portfolio: each of its relationships placed by value and risk, with
the profile decided by its executive (one against the criteria, with the reason)."""

from __future__ import annotations

from cbrms.tenancy.context import acting_as
from governance.models import PortfolioPlacement, Profile
from governance.services.portfolio import criteria_set, placement_set
from relationships.models import Membership, Organization, Relationship

#: relationship name -> (value, risk, profile or "" for the suggestion, rationale)
PLACEMENTS = {
    "Northwind and Contoso distribution partnership": (
        5,
        3,
        "",
        "Our largest channel: most next-day deliveries in the north run through it.",
    ),
    "Northwind sustainable sourcing ecosystem": (
        4,
        4,
        Profile.SME,
        "Twenty-two small members: the light profile per member, the full lifecycle for the "
        "ecosystem's own governance through the orchestrator.",
    ),
}


def ensure_portfolio(organization: Organization, executive: Membership) -> int:
    """Place the organization's demo relationships once; returns how many were placed."""
    with acting_as(organization, user=executive.user, membership=executive):
        if PortfolioPlacement.objects.exists():
            return 0
        criteria_set(
            membership=executive,
            full_from=4,
            programme_from=2,
            value_meaning="1: under 50,000 a year and easy to replace. 5: a key channel or "
            "supplier we could not replace within a year.",
            risk_meaning="1: nothing our customers notice if it fails. 5: customers notice "
            "within a day, or the law is at stake.",
        )
        relationships = Relationship.objects.filter(name__in=PLACEMENTS)
        for relationship in relationships:
            value, risk, profile, rationale = PLACEMENTS[relationship.name]
            placement_set(
                membership=executive,
                relationship=relationship,
                value=value,
                risk=risk,
                profile=profile,
                rationale=rationale,
            )
        return len(relationships)
