"""View sets of the relationships API, one module per resource family."""

from relationships.api.views.organizations import (
    MemberInvitationViewSet,
    MembershipViewSet,
    OrganizationViewSet,
)
from relationships.api.views.parties import InvitationViewSet, PartyViewSet
from relationships.api.views.partners import OpenEcosystemViewSet, PartnerInvitationViewSet
from relationships.api.views.relationships import RelationshipViewSet
from relationships.api.views.tokens import ApiTokenViewSet, TokenObtainView

__all__ = [
    "ApiTokenViewSet",
    "InvitationViewSet",
    "MemberInvitationViewSet",
    "MembershipViewSet",
    "OpenEcosystemViewSet",
    "OrganizationViewSet",
    "PartnerInvitationViewSet",
    "PartyViewSet",
    "RelationshipViewSet",
    "TokenObtainView",
]
