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
from relationships.models.invitations import (
    InvitationStatus,
    MemberInvitation,
    PartnerInvitation,
)
from relationships.models.organizations import Membership, Organization
from relationships.models.relationships import OpenEcosystem, Party, Relationship
from relationships.models.tokens import ApiToken
from relationships.models.users import User
from relationships.models.webhooks import (
    MessageState,
    WebhookAttempt,
    WebhookEndpoint,
    WebhookMessage,
)

__all__ = [
    "ApiToken",
    "FrameworkProfile",
    "InvitationStatus",
    "MemberInvitation",
    "Membership",
    "MessageState",
    "OpenEcosystem",
    "Organization",
    "PartnerInvitation",
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
    "WebhookAttempt",
    "WebhookEndpoint",
    "WebhookMessage",
]
