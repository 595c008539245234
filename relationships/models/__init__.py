"""Models of the relationships app, re-exported so callers import from ``relationships.models``."""

from relationships.models.choices import (
    FrameworkProfile,
    PartyRole,
    PartyStatus,
    RelationshipStatus,
    RelationshipType,
    Role,
    SizeClass,
    Visibility,
)
from relationships.models.invitations import MemberInvitation, MemberInvitationStatus
from relationships.models.organizations import Membership, Organization
from relationships.models.relationships import Party, Relationship
from relationships.models.tokens import ApiToken
from relationships.models.users import User

__all__ = [
    "ApiToken",
    "FrameworkProfile",
    "MemberInvitation",
    "MemberInvitationStatus",
    "Membership",
    "Organization",
    "Party",
    "PartyRole",
    "PartyStatus",
    "Relationship",
    "RelationshipStatus",
    "RelationshipType",
    "Role",
    "SizeClass",
    "User",
    "Visibility",
]
