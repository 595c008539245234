"""Who another organization and its people are, as the acting organization may be told.

In an ecosystem whose orchestrator keeps the member directory closed, a plain member may know
itself and the orchestrator, and nobody else: not who the other members are, their people, or
how many there are. Everything it may still see of them (joint evidence a member added, a joint
requirement a member's person owns, an audit event a member caused) is shown as the work of
"another member", with no name, slug or email. Elsewhere every organization an organization
meets in a relationship is named.

This module is the one place that rule lives:

- ``may_name_q`` filters rows that exist to name an organization (ledger entries, a gate's
  approvers): the scopes of those models use it, so such rows are not there at all;
- ``Disclosure`` answers, for rows that are there for their content (evidence, requirements,
  audit events), how their organization and person are shown. API serializers, the audit feed
  and templates ask it (``request_disclosure`` keeps one per request).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Q

from relationships.models import Organization, Party, PartyRole, PartyStatus
from relationships.visibility import directory_relationship_ids

#: How another member of a closed ecosystem, or one of its people, is shown.
ANOTHER_MEMBER = "Another member"


def may_name_q(
    organization: Organization,
    *,
    organization_field: str = "organization",
    relationship_field: str = "relationship",
) -> Q:
    """Rows naming an organization ``organization`` may be told of: itself, the relationship's
    lead (orchestrator), or anyone in a relationship whose party list it may see."""
    return (
        Q(**{organization_field: organization})
        | Q(**{f"{organization_field}_id": F(f"{relationship_field}__lead_organization_id")})
        | Q(**{f"{relationship_field}_id__in": directory_relationship_ids(organization)})
    )


def closed_directories(organization: Organization) -> dict[int, int]:
    """The ecosystems whose member list is closed to ``organization``: id -> orchestrator id."""
    rows = (
        Party.objects.unscoped()  # unscoped(tenancy): the acting organization's own seats
        .filter(
            organization=organization,
            status=PartyStatus.ACTIVE,
            role=PartyRole.MEMBER,
            relationship__member_directory_visible=False,
        )
        .values_list("relationship_id", "relationship__lead_organization_id")
    )
    return dict(rows)


@dataclass(frozen=True)
class PersonRef:
    """A person as shown: their membership, name and email, or "another member" (all unset)."""

    membership: int | None
    email: str | None
    full_name: str
    organization: str | None

    def as_dict(self, id_key: str = "membership") -> dict:
        return {
            id_key: self.membership,
            "email": self.email,
            "full_name": self.full_name,
            "organization": self.organization,
        }


class Disclosure:
    """What ``organization`` may be told of the organizations and people it meets."""

    def __init__(self, organization: Organization, closed: dict[int, int]):
        self.organization = organization
        self.closed = closed

    @classmethod
    def for_organization(cls, organization: Organization) -> Disclosure:
        return cls(organization, closed_directories(organization))

    def hides(self, organization_id: int | None, relationship_id: int | None) -> bool:
        """Whether ``organization_id``, met in ``relationship_id``, must go unnamed."""
        lead = self.closed.get(relationship_id)
        if lead is None or organization_id is None:
            return False
        return organization_id not in (self.organization.pk, lead)

    def organization_slug(self, organization, relationship_id: int | None) -> str | None:
        if organization is None or self.hides(organization.pk, relationship_id):
            return None
        return organization.slug

    def organization_name(self, organization, relationship_id: int | None) -> str:
        if organization is None:
            return ""
        if self.hides(organization.pk, relationship_id):
            return ANOTHER_MEMBER
        return organization.name

    def person(self, membership, relationship_id: int | None) -> PersonRef | None:
        """A membership (with ``user`` and ``organization`` loaded) as it may be shown."""
        if membership is None:
            return None
        if self.hides(membership.organization_id, relationship_id):
            return PersonRef(None, None, ANOTHER_MEMBER, None)
        return PersonRef(
            membership.pk,
            membership.user.email,
            membership.user.full_name,
            membership.organization.slug,
        )

    def person_by_user(
        self, user, membership_id: int | None, organization_id: int | None, relationship_id
    ) -> PersonRef | None:
        """A person known by their user and the organization they acted for (ledger entries,
        audit events), as they may be shown."""
        if user is None:
            return None
        if self.hides(organization_id, relationship_id):
            return PersonRef(None, None, ANOTHER_MEMBER, None)
        return PersonRef(membership_id, user.email, user.full_name, None)

    def person_name(self, membership, relationship_id: int | None) -> str:
        person = self.person(membership, relationship_id)
        return "" if person is None else (person.full_name or person.email or "")


def request_disclosure(request) -> Disclosure:
    """The acting organization's ``Disclosure``, read once per request."""
    disclosure = getattr(request, "_cbrms_disclosure", None)
    if disclosure is None or disclosure.organization != request.organization:
        disclosure = Disclosure.for_organization(request.organization)
        request._cbrms_disclosure = disclosure
    return disclosure
