"""Vocabularies of the relationships app, in the words of DOMAIN.md."""

from django.db import models


class SizeClass(models.TextChoices):
    """Size class of an organization; micro, small and medium enterprises get the SME profile."""

    MICRO = "micro", "Micro"
    SMALL = "small", "Small"
    MEDIUM = "medium", "Medium"
    LARGE = "large", "Large"


class Role(models.TextChoices):
    """What a member may do inside their organization (see docs/permissions.md)."""

    ADMIN = "admin", "Administrator"
    EXECUTIVE = "executive", "Executive"
    RELATIONSHIP_MANAGER = "relationship_manager", "Relationship manager"
    CONTRIBUTOR = "contributor", "Contributor"
    VIEWER = "viewer", "Viewer"


class RelationshipType(models.TextChoices):
    """Kinds of collaborative relationship (ISO 44001 Annex F)."""

    ONE_TO_ONE = "one_to_one", "One-to-one"
    ALLIANCE = "alliance", "Alliance"
    PARTNERSHIP = "partnership", "Partnership"
    BUSINESS_CUSTOMER = "business_customer", "Business customer"
    SUPPLIER = "supplier", "Supplier"
    JOINT_VENTURE = "joint_venture", "Joint venture"
    CONSORTIUM = "consortium", "Consortium"
    NETWORK = "network", "Network"
    EXTENDED_ENTERPRISE = "extended_enterprise", "Extended enterprise"
    END_TO_END_SUPPLY_CHAIN = "end_to_end_supply_chain", "End-to-end supply chain"
    ECOSYSTEM = "ecosystem", "Ecosystem"


class FrameworkProfile(models.TextChoices):
    """Which standard a relationship is run against."""

    ISO44001 = "iso44001", "ISO 44001 (full)"
    SME = "iso44003-sme", "ISO 44003 (SME)"
    ECOSYSTEM = "iso44007-ecosystem", "ISO/TS 44007 (ecosystem)"


class RelationshipStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    EXITING = "exiting", "Exiting"
    EXITED = "exited", "Exited"


class PartyRole(models.TextChoices):
    LEAD = "lead", "Lead"
    PARTNER = "partner", "Partner"
    ORCHESTRATOR = "orchestrator", "Orchestrator"
    MEMBER = "member", "Member"


class PartyStatus(models.TextChoices):
    INVITED = "invited", "Invited"
    ACTIVE = "active", "Active"
    LEFT = "left", "Left"
    DECLINED = "declined", "Declined"
    REVOKED = "revoked", "Invitation revoked"
    # Ecosystems only: the organization asked to join; the orchestrator decides.
    REQUESTED = "requested", "Asked to join"
    REFUSED = "refused", "Request refused"


class Visibility(models.TextChoices):
    """Who of a relationship sees a workspace record."""

    INTERNAL = "internal", "Internal (own organization only)"
    JOINT = "joint", "Joint (all active parties)"
