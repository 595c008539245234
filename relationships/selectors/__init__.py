"""Reads of the relationships app: functions that return scoped querysets, ready to serialize."""

from relationships.selectors.organizations import executives_of, organization_for_invitation
from relationships.selectors.relationships import (
    invitations_of,
    parties_with_details,
    relationships_with_party_summary,
)

__all__ = [
    "executives_of",
    "invitations_of",
    "organization_for_invitation",
    "parties_with_details",
    "relationships_with_party_summary",
]
