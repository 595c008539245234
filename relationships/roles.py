"""Who may do what inside an organization: the one table of role capabilities.

``docs/permissions.md`` shows this table to people; ``tests/relationships/test_roles.py``
fails when the two disagree. Beyond the role, some actions belong to one party of a
relationship (only the lead changes the relationship itself); services check those.
"""

from __future__ import annotations

from enum import StrEnum

from relationships.models.choices import Role


class Capability(StrEnum):
    ORGANIZATION_VIEW = "organization.view"
    ORGANIZATION_CHANGE = "organization.change"
    MEMBERS_VIEW = "members.view"
    MEMBERS_MANAGE = "members.manage"
    RELATIONSHIPS_VIEW = "relationships.view"
    RELATIONSHIPS_MANAGE = "relationships.manage"
    PARTIES_VIEW = "parties.view"
    PARTIES_MANAGE = "parties.manage"
    INVITATIONS_ANSWER = "invitations.answer"
    ECOSYSTEMS_JOIN = "ecosystems.join"
    TOKENS_OWN = "tokens.own"
    TOKENS_MANAGE = "tokens.manage"
    AUDIT_VIEW = "audit.view"
    LIFECYCLE_VIEW = "lifecycle.view"
    REQUIREMENTS_EDIT = "requirements.edit"
    REQUIREMENTS_SETTLE_JOINT = "requirements.settle_joint"
    EVIDENCE_MANAGE = "evidence.manage"
    GATES_REQUEST = "gates.request"
    GATES_DECIDE = "gates.decide"
    FRAMEWORK_MANAGE = "framework.manage"
    DOCUMENTS_VIEW = "documents.view"
    DOCUMENTS_START = "documents.start"
    DOCUMENTS_EDIT = "documents.edit"
    DOCUMENTS_ISSUE = "documents.issue"
    REGISTERS_VIEW = "registers.view"
    REGISTERS_EDIT = "registers.edit"
    SURVEYS_RUN = "surveys.run"
    SURVEYS_ANSWER = "surveys.answer"
    REVIEWS_RUN = "reviews.run"
    REVIEWS_ANSWER = "reviews.answer"
    JOBS_VIEW = "jobs.view"
    JOBS_MANAGE = "jobs.manage"
    WEBHOOKS_MANAGE = "webhooks.manage"
    SYSTEM_VIEW = "system.view"
    SYSTEM_MANAGE = "system.manage"


_EVERYONE = frozenset(Role)

ROLE_CAPABILITIES: dict[Capability, frozenset[Role]] = {
    Capability.ORGANIZATION_VIEW: _EVERYONE,
    Capability.ORGANIZATION_CHANGE: frozenset({Role.ADMIN}),
    Capability.MEMBERS_VIEW: _EVERYONE,
    Capability.MEMBERS_MANAGE: frozenset({Role.ADMIN}),
    Capability.RELATIONSHIPS_VIEW: _EVERYONE,
    Capability.RELATIONSHIPS_MANAGE: frozenset({Role.ADMIN, Role.RELATIONSHIP_MANAGER}),
    Capability.PARTIES_VIEW: _EVERYONE,
    Capability.PARTIES_MANAGE: frozenset({Role.ADMIN, Role.RELATIONSHIP_MANAGER}),
    # Joining a relationship commits the organization: its executives answer too.
    Capability.INVITATIONS_ANSWER: frozenset(
        {Role.ADMIN, Role.EXECUTIVE, Role.RELATIONSHIP_MANAGER}
    ),
    # Asking to join an ecosystem commits the organization, as answering an invitation does.
    Capability.ECOSYSTEMS_JOIN: frozenset({Role.ADMIN, Role.EXECUTIVE, Role.RELATIONSHIP_MANAGER}),
    Capability.TOKENS_OWN: _EVERYONE,
    Capability.TOKENS_MANAGE: frozenset({Role.ADMIN}),
    Capability.AUDIT_VIEW: frozenset({Role.ADMIN, Role.EXECUTIVE, Role.RELATIONSHIP_MANAGER}),
    Capability.LIFECYCLE_VIEW: _EVERYONE,
    Capability.REQUIREMENTS_EDIT: frozenset(
        {Role.ADMIN, Role.RELATIONSHIP_MANAGER, Role.CONTRIBUTOR}
    ),
    # Marking a joint requirement met or not applicable speaks for the relationship.
    Capability.REQUIREMENTS_SETTLE_JOINT: frozenset({Role.ADMIN, Role.RELATIONSHIP_MANAGER}),
    Capability.EVIDENCE_MANAGE: frozenset(
        {Role.ADMIN, Role.RELATIONSHIP_MANAGER, Role.CONTRIBUTOR}
    ),
    # Executives request gates only in the SME profile, as their party's SER (see the services).
    Capability.GATES_REQUEST: frozenset({Role.ADMIN, Role.RELATIONSHIP_MANAGER, Role.EXECUTIVE}),
    # Deciding also needs being one of the SERs the gate waits for.
    Capability.GATES_DECIDE: frozenset({Role.EXECUTIVE}),
    Capability.FRAMEWORK_MANAGE: frozenset({Role.ADMIN, Role.RELATIONSHIP_MANAGER}),
    Capability.DOCUMENTS_VIEW: _EVERYONE,
    # Starting a plan speaks for the organization; writing its sections is everyday work.
    Capability.DOCUMENTS_START: frozenset({Role.ADMIN, Role.RELATIONSHIP_MANAGER}),
    Capability.DOCUMENTS_EDIT: frozenset({Role.ADMIN, Role.RELATIONSHIP_MANAGER, Role.CONTRIBUTOR}),
    # Executives ask for an issue only in the SME profile, as their party's SER (the service).
    Capability.DOCUMENTS_ISSUE: frozenset({Role.ADMIN, Role.RELATIONSHIP_MANAGER, Role.EXECUTIVE}),
    Capability.REGISTERS_VIEW: _EVERYONE,
    # Keeping the registers up to date is everyday work, as writing evidence is.
    Capability.REGISTERS_EDIT: frozenset({Role.ADMIN, Role.RELATIONSHIP_MANAGER, Role.CONTRIBUTOR}),
    # A survey round goes to every party's people: the relationship's managers open one.
    Capability.SURVEYS_RUN: frozenset({Role.ADMIN, Role.RELATIONSHIP_MANAGER}),
    Capability.SURVEYS_ANSWER: _EVERYONE,
    # The lead's managers open a maturity review; each party's managers submit its side.
    Capability.REVIEWS_RUN: frozenset({Role.ADMIN, Role.RELATIONSHIP_MANAGER}),
    # Several people of each party rate the relationship: whoever works on it.
    Capability.REVIEWS_ANSWER: frozenset(
        {Role.ADMIN, Role.EXECUTIVE, Role.RELATIONSHIP_MANAGER, Role.CONTRIBUTOR}
    ),
    # Everyone follows the jobs they asked for; admins see and cancel the organization's.
    Capability.JOBS_VIEW: _EVERYONE,
    Capability.JOBS_MANAGE: frozenset({Role.ADMIN}),
    # An endpoint receives the organization's events wherever its URL points: admins only.
    Capability.WEBHOOKS_MANAGE: frozenset({Role.ADMIN}),
    # The organization's management system (ISO 44001 clauses 4-10): its own people read it;
    # top management and the administrators decide in it (the portfolio's profiles).
    Capability.SYSTEM_VIEW: _EVERYONE,
    Capability.SYSTEM_MANAGE: frozenset({Role.ADMIN, Role.EXECUTIVE}),
}


def role_can(role: str, capability: Capability) -> bool:
    """Whether a member with ``role`` holds ``capability``. Unknown roles hold nothing."""
    return role in ROLE_CAPABILITIES.get(capability, frozenset())
